"""Spans and sessions: what is open in the current context, and what it will record.

A :class:`Session` is the root of one event tree; a :class:`Span` is one
traced call or block inside it. Both are opened and closed by the decorator
(:mod:`._decorator`), by :func:`span`, or by ``Tracer.session``; while open,
the innermost one is the value of the context variable that
``asyncio`` tasks and ``asyncio.to_thread`` copy, so nesting follows the
code across tasks and threads.
"""

from __future__ import annotations

import abc
import json
import time
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from .._fields import ENRICH_FIELDS
from .._utils import new_event_id
from ._encode import encode
from ._state import CURRENT, STATE, active_tracer, warn_limited

if TYPE_CHECKING:
    from ._tracer import Tracer

__all__ = [
    "Node",
    "Session",
    "Span",
    "SpanType",
    "current_session",
    "current_span",
    "enrich",
    "enrich_session",
    "span",
]

SpanType = Literal["chain", "tool", "model"]
"""The ``event_type`` of a span (a session's is ``session``)."""
SPAN_TYPES = ("chain", "tool", "model")

N = TypeVar("N", bound="Node")

MAX_NAME_CHARS = 1_000
"""The longest ``event_name`` a span or session records; a longer one is cut (ending ``...``)."""


class Node:
    """What spans and sessions share: an id, a clock, and the fields enrichment fills."""

    # The fields enrichment fills are the event fields of that name (one slot each).
    __slots__ = (
        "ended",
        "error",
        "event_id",
        "id_json",
        "name",
        "outputs_json",
        "session",
        "start_ms",
        "start_ns",
        "tracer",
        *ENRICH_FIELDS,
    )

    event_type: str
    parent_id: str | None
    parent_json: str | None

    def __init__(
        self, tracer: Tracer, session: Session | None, name: str, event_id: str, id_json: str
    ) -> None:
        self.tracer = tracer
        self.session: Session = session if session is not None else self  # type: ignore[assignment]
        self.name = name if len(name) <= MAX_NAME_CHARS else f"{name[: MAX_NAME_CHARS - 3]}..."
        self.event_id = event_id
        self.id_json = id_json  # the id as JSON text, made once for the event and its children
        self.inputs = "{}"  # JSON text, captured when the node opens
        self.config: dict[str, Any] | None = None
        self.outputs: dict[str, Any] | None = None
        self.outputs_json: str | None = None  # set when the event is made (shared with a session)
        self.metadata: dict[str, Any] | None = None
        self.metrics: dict[str, Any] | None = None
        self.feedback: dict[str, Any] | None = None
        self.user_properties: dict[str, Any] | None = None
        self.error: str | None = None
        self.ended = False
        self.start_ms = time.time() * 1000.0
        self.start_ns = time.perf_counter_ns()

    @property
    def session_id(self) -> str:
        """The id of the session this belongs to (a session's own id)."""
        return self.session.event_id

    @property
    def recording(self) -> bool:
        """Whether this is sent when it ends (``False`` in a session that sampling left out)."""
        return self is not _UNRECORDED and self.session.sampled

    def enrich(
        self,
        *,
        inputs: Mapping[str, Any] | None = None,
        outputs: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        feedback: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        user_properties: Mapping[str, Any] | None = None,
    ) -> None:
        """Merge these into what is recorded when this ends (key by key); never raises.

        ``inputs`` are merged into the inputs captured when this opened.
        """
        values = (inputs, outputs, metadata, metrics, feedback, config, user_properties)
        _merge(self, zip(ENRICH_FIELDS, values, strict=True))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.event_id}>"


class Session(Node):
    """The root of one event tree; its ``session_id`` is the id of the ``session`` event."""

    __slots__ = ("sampled",)

    event_type = "session"
    parent_id = None
    parent_json = None

    def __init__(self, tracer: Tracer, name: str, session_id: str | None = None) -> None:
        if session_id is None:  # ours is a UUID: nothing to escape
            session_id = new_event_id()
            id_json = f'"{session_id}"'
        else:
            id_json = encode(session_id)
        super().__init__(tracer, None, name, session_id, id_json)
        self.sampled = tracer.samples(self.event_id)


class Span(Node):
    """One traced call or block: an event of its session, child of ``parent_id``."""

    __slots__ = ("event_type", "parent_id", "parent_json")

    def __init__(self, parent: Node, name: str, event_type: str) -> None:
        event_id = new_event_id()
        super().__init__(parent.tracer, parent.session, name, event_id, f'"{event_id}"')
        self.parent_id: str | None = parent.event_id
        self.parent_json: str | None = parent.id_json
        self.event_type = event_type


def _merge(node: Node, pairs: Any) -> None:
    if node is _UNRECORDED:  # the span of untraced code: nothing is recorded
        return
    if node.ended:
        warn_limited(
            "ended",
            "tracing: %r has ended; what it was enriched with now is not recorded "
            "(send late feedback with Tracer.add_feedback)",
            node,
        )
        return
    for name, value in pairs:
        if value is None:
            continue
        if not isinstance(value, Mapping):
            warn_limited("enrich", "tracing: enrich(%s=...) takes a mapping, got %r", name, value)
            continue
        if name == "inputs":  # kept as JSON text, captured when the node opened
            node.inputs = _merged_inputs(node, value)
            continue
        current = getattr(node, name)
        setattr(node, name, {**current, **value} if current else dict(value))


def _merged_inputs(node: Node, value: Mapping[str, Any]) -> str:
    """The JSON text of *node*'s inputs with *value* merged in (key by key)."""
    current: Any = {} if node.inputs == "{}" else json.loads(node.inputs)
    if not isinstance(current, dict):  # cut to a preview by the size bound: start afresh
        current = {}
    return node.tracer.capture({**current, **value})


def current_span() -> Span | None:
    """The innermost open span of this context, or ``None``."""
    node = CURRENT.get()
    return node if isinstance(node, Span) else None


def current_session() -> Session | None:
    """The session of this context, or ``None``."""
    node = CURRENT.get()
    return None if node is None else node.session


def enrich(
    *,
    inputs: Mapping[str, Any] | None = None,
    outputs: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    metrics: Mapping[str, Any] | None = None,
    feedback: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    user_properties: Mapping[str, Any] | None = None,
) -> None:
    """Enrich the current span (see :meth:`Node.enrich`); outside any span, nothing happens."""
    node = CURRENT.get()
    if isinstance(node, Span):
        values = (inputs, outputs, metadata, metrics, feedback, config, user_properties)
        _merge(node, zip(ENRICH_FIELDS, values, strict=True))


def enrich_session(
    *,
    inputs: Mapping[str, Any] | None = None,
    outputs: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    metrics: Mapping[str, Any] | None = None,
    feedback: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    user_properties: Mapping[str, Any] | None = None,
) -> None:
    """Enrich the current session; outside any session, nothing happens."""
    node = CURRENT.get()
    if node is not None:
        values = (inputs, outputs, metadata, metrics, feedback, config, user_properties)
        _merge(node.session, zip(ENRICH_FIELDS, values, strict=True))


def open_span(
    name: str, event_type: str, tracer: Tracer | None = None
) -> tuple[Span, Session | None] | None:
    """A new span under the current node, or a root span in a session of its own.

    Returns the span and the session opened for it (``None`` when it joined
    an open one), or ``None`` when nothing is to be recorded: tracing is off,
    no tracer is configured, or the session is sampled out.
    """
    if not STATE.enabled:
        return None
    parent = CURRENT.get()
    if STATE.find_parent is not None:  # a span of another tracing system may be innermost
        parent = STATE.find_parent(parent)
    if parent is not None:
        if not parent.session.sampled:
            return None  # nothing is recorded in a sampled-out session; the context says so
        return Span(parent, name, event_type), None
    tracer = tracer or active_tracer()
    if tracer is None:
        return None
    # A root call is given its span even when its session is sampled out: while it
    # runs, the span tells the calls it makes that they belong to that session, so
    # they do not open sessions (sampled on their own) of their own.
    opened = Session(tracer, tracer.session_name or name)
    return Span(opened, name, event_type), opened


def close_span(span: Node, opened: Session | None, error: BaseException | None) -> None:
    """Record *span* (a span or a session, and the session opened for a span); never raises."""
    try:
        if error is not None:
            span.error = describe(error)
        span.tracer.finish(span)
        if opened is not None:
            adopt_root(opened, span)
            span.tracer.finish(opened)
    except Exception:  # tracing never raises into the traced code
        warn_limited("finish", "tracing: recording %r failed; it is not sent", span, exc_info=True)


def adopt_root(session: Session, root: Node) -> None:
    """Make *session* the session event of *root*, the one span it was opened for.

    What a session event opened for a root span looks like, for tracing's
    own sessions and the OpenTelemetry bridge's alike: the root's inputs,
    error and start, and its outputs under those the session was enriched
    with (key by key, the session's winning). Its name and its other
    enriched fields stay its own; it ends when it is finished.
    """
    session.inputs = root.inputs
    if session.outputs:  # enriched while the root ran: keep that too
        session.outputs = {**(root.outputs or {}), **session.outputs}
    else:
        session.outputs, session.outputs_json = root.outputs, root.outputs_json
    session.error = root.error
    session.start_ms, session.start_ns = root.start_ms, root.start_ns


def describe(error: BaseException) -> str:
    """The ``error`` text of an event that ended with *error*."""
    name = type(error).__name__
    if name == "CancelledError":
        return "cancelled (CancelledError)"
    if isinstance(error, GeneratorExit):
        return "cancelled (GeneratorExit: the generator was closed before it was exhausted)"
    try:
        text = str(error)
    except Exception:  # an exception whose text cannot be made is still recorded
        text = "<str() of the exception failed>"
    return f"{name}: {text}" if text else name


def _unrecorded() -> Span:
    """The span ``span()`` yields when nothing is recorded: empty ids, enrichment ignored."""
    null: Any = object.__new__(Span)
    for name in Node.__slots__:
        setattr(null, name, None)
    null.session, null.event_id, null.name, null.inputs = null, "", "", "{}"
    null.event_type, null.parent_id, null.parent_json, null.ended = "tool", None, None, True
    return null  # type: ignore[no-any-return]


class Scope(abc.ABC, Generic[N]):
    """``with`` or ``async with``: a span or session that is current inside the block.

    It is recorded when the block ends; an exception leaving the block is
    recorded as the event's ``error`` and propagates unchanged.
    """

    __slots__ = ("_node", "_opened", "_token")

    def __init__(self) -> None:
        self._node: N | None = None  # None: nothing is recorded
        self._opened: Session | None = None
        self._token: Any = None

    @abc.abstractmethod
    def _begin(self) -> N:
        """The node the block gets (and sets ``_node`` to what is made current, if anything)."""

    def __enter__(self) -> N:
        node = self._begin()
        if self._node is not None:
            self._token = CURRENT.set(self._node)
        return node

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._node is not None:
            CURRENT.reset(self._token)
            close_span(self._node, self._opened, exc)

    async def __aenter__(self) -> N:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)


class span(Scope[Span]):
    """``with span(name) as s:`` / ``async with span(name) as s:`` trace a block as one event.

    ``s`` is the :class:`Span` (``s.enrich(...)``); outside tracing it is a
    span that records nothing. An exception leaving the block is recorded
    as the event's ``error`` and propagates unchanged.
    """

    __slots__ = ()

    def __init__(
        self,
        event_name: str,
        *,
        event_type: SpanType = "tool",
        inputs: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if event_type not in SPAN_TYPES:
            raise ValueError(f"event_type must be one of {SPAN_TYPES}, got {event_type!r}")
        opened = open_span(str(event_name), event_type)
        if opened is None:
            return
        node, self._opened = opened
        self._node = node
        if node.recording:
            node.inputs = node.tracer.capture(inputs or {})
            node.enrich(config=config, metadata=metadata)

    def _begin(self) -> Span:
        return _UNRECORDED if self._node is None else self._node


_UNRECORDED = _unrecorded()
