"""The seam between tracing and another tracing system (the OpenTelemetry bridge).

``honeyhive_async.otel`` imports nothing of tracing but this module and the
public names of :mod:`honeyhive_async.tracing`; what it needs of tracing's
insides is named here, once:

- where a span of the other system sits in tracing's tree:
  :func:`current_node` (the innermost tracing span or session of this
  context), :func:`set_parent_finder` (let the other system pick the parent
  of new tracing spans, a :data:`ParentFinder`), :func:`proxy_node` (a
  stand-in node for one of its spans, so tracing calls nest under it) and
  :func:`trace_session` (the tracing session of one of its traces);
- what becomes of its spans: :func:`emit` (an event built outside tracing,
  sent like a span's), :func:`send_session` (the session event of a
  session opened for one root span, by the same rule as tracing's own,
  :func:`._spans.adopt_root`) and :func:`flush` (a blocking flush, from any
  thread and any loop);
- :func:`warn_limited`, tracing's rate-limited WARNING;
- :func:`describe`, :func:`cut` and :func:`bounded_trace`: an exception as
  ``error`` text (never raising), that text and a traceback cut to the one
  bound both systems keep (the traceback with the key scrubbed);
- :func:`model_fields`, the one shape of a model event (where tokens, the
  reply and the time to first token go), shared with the model client
  wrappers (``tracing.wrap_openai``, ``tracing.wrap_anthropic``).

Like the rest of tracing, it never raises into the traced code and imports
only the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._sync import call_in_loop, running_loop
from ._background import ThreadSink
from ._encode import encode
from ._errors import bounded_trace, cut, describe
from ._model_event import model_fields
from ._spans import Node, Session, adopt_root
from ._state import CURRENT, ParentFinder, set_parent_finder, warn_limited
from ._tracer import Tracer

__all__ = [
    "Node",
    "ParentFinder",
    "Session",
    "bounded_trace",
    "current_node",
    "cut",
    "describe",
    "emit",
    "flush",
    "model_fields",
    "proxy_node",
    "send_session",
    "set_parent_finder",
    "trace_session",
    "warn_limited",
]


def current_node() -> Node | None:
    """The innermost open tracing span or session of this context, or ``None``."""
    return CURRENT.get()


def proxy_node(tracer: Tracer, session: Session, name: str, event_id: str) -> Node:
    """A stand-in for a span of the other system: tracing calls inside it nest under *event_id*.

    It is never finished: the other system sends the span's event itself.
    """
    return Node(tracer, session, name, event_id, encode(event_id))


def trace_session(tracer: Tracer, name: str, session_id: str, sampled: bool) -> Session:
    """The tracing session of one of the other system's traces (``enrich_session`` fills it)."""
    session = Session(tracer, name, session_id)
    session.sampled = sampled
    return session


def emit(tracer: Tracer, event: Mapping[str, Any]) -> None:
    """Send *event* (wire names, with an ``event_id``) through *tracer*, like a span's."""
    tracer.emit(event)


def send_session(
    tracer: Tracer,
    session_id: str,
    root: Mapping[str, Any],
    session: Session | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Send the session event of a session opened for one root span, whose event is *root*.

    The session is *session* when tracing calls enriched it, else a new one
    with *session_id*; it takes the root's name and times, and the rest by
    the rule of tracing's own sessions (:func:`._spans.adopt_root`).
    *metadata* goes under what the session was enriched with.
    """
    name = str(root["event_name"])
    if session is None:
        session = Session(tracer, name, session_id)
    session.name = name
    stand_in = Node(tracer, session, name, str(root["event_id"]), "")
    stand_in.inputs = tracer.capture(root.get("inputs") or {})
    stand_in.outputs = root.get("outputs")
    stand_in.error = root.get("error")
    stand_in.start_ms = root["start_time"]
    adopt_root(session, stand_in)
    if metadata:
        session.metadata = {**metadata, **(session.metadata or {})}
    tracer.finish(session, duration=root["duration"])


def flush(tracer: Tracer, timeout: float) -> bool:
    """Deliver what *tracer* has queued within *timeout* seconds; whether all of it went.

    For a synchronous caller on any thread and event loop. On the
    batcher's own loop nothing can be awaited: the pending events are
    handed to the batcher and ``True`` is returned.
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
