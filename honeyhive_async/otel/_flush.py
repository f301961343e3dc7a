"""``force_flush`` for a synchronous caller, whichever thread and event loop it is on."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import TYPE_CHECKING, Any

from ..tracing._background import ThreadSink
from ..tracing._delivery import _running_loop
from ..tracing._tracer import Tracer

if TYPE_CHECKING:
    from .._batching._batcher import DeliveryReport

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
    if _running_loop() is loop:
        sink.drain()
        return True
    future: concurrent.futures.Future[DeliveryReport] = concurrent.futures.Future()
    try:
        loop.call_soon_threadsafe(_start, tracer, timeout, future)
        return future.result(timeout + 1.0).ok
    except (TimeoutError, concurrent.futures.TimeoutError, RuntimeError):  # stalled or closed
        future.cancel()
        return False


def _start(tracer: Tracer, timeout: float, future: concurrent.futures.Future[Any]) -> None:
    """On the loop: flush and report into *future*.

    The coroutine is made here, not by the caller, so a loop that never
    gets to this leaves no coroutine behind that was never awaited.
    """
    if not future.set_running_or_notify_cancel():
        return
    task = asyncio.ensure_future(tracer.flush(timeout))

    def done(task: asyncio.Future[DeliveryReport]) -> None:
        if task.cancelled():
            future.set_exception(concurrent.futures.CancelledError())
        elif task.exception() is not None:
            future.set_exception(task.exception())
        else:
            future.set_result(task.result())

    task.add_done_callback(done)
