"""``force_flush`` for a synchronous caller, whichever thread and event loop it is on."""

from __future__ import annotations

from .._sync import call_in_loop, running_loop
from ..tracing._background import ThreadSink
from ..tracing._tracer import Tracer

__all__ = ["flush_tracer"]


def flush_tracer(tracer: Tracer, timeout: float) -> bool:
    """Deliver what *tracer* has queued within *timeout* seconds; whether all of it went.

    On the batcher's own loop nothing can be awaited: the pending events
    are handed to the batcher and ``True`` is returned.
    """
    sink = tracer._sink
    if isinstance(sink, ThreadSink):
        return sink.flush(timeout).ok
    loop = sink.loop
    if loop is None or loop.is_closed():
        return False
    if running_loop() is loop:
        sink.drain()
        return True
    try:
        return call_in_loop(loop, lambda: tracer.flush(timeout), timeout + 1.0).ok
    except (TimeoutError, RuntimeError):  # stalled or closed
        return False
