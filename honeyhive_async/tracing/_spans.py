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
from ._errors import cut, describe, type_name
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
        self.name = name
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
        given = readable(f"enrich({name}=...)", value)
        if given is None:
            continue
        if name == "inputs":  # kept as JSON text, captured when the node opened
            node.inputs = _merged_inputs(node, given)
            continue
        current = getattr(node, name)
        try:
            setattr(node, name, {**current, **given} if current else given)
        except BaseException as exc:  # a key whose __eq__ or __hash__ raises
            failure = cut(describe(exc), 200)
            warn_limited("enrich", "tracing: enrich(%s=...) failed: %s", name, failure)


def text_of(what: str, value: object) -> str:
    """*value* as text (a name given as something else); never raises, even from ``__str__``."""
    if type(value) is str:
        return value
    try:
        return str(value)
    except BaseException as exc:
        warn_limited("name", "tracing: str() of the %s failed: %s", what, cut(describe(exc), 200))
        return f"<{type_name(value)}>"


def readable(what: str, value: Any) -> dict[str, Any] | None:
    """A plain dict copy of the mapping *value*; ``None`` (logged) when it cannot be read.

    A user's mapping may raise anything from ``keys``, ``__getitem__``,
    ``__iter__`` or ``__len__``: copied once here, it is then read by no one
    else, and what it raised never reaches the traced code.
    """
    try:
        if isinstance(value, Mapping):
            return dict(value)
        problem = f"takes a mapping, got a {type_name(value)}"
    except BaseException as exc:
        problem = f"could not be read ({cut(describe(exc), 200)})"
    warn_limited("enrich", "tracing: %s %s; it is not recorded", what, problem)
    return None


def _merged_inputs(node: Node, value: dict[str, Any]) -> str:
    """The JSON text of *node*'s inputs with *value* merged in (key by key)."""
    current: Any = {} if node.inputs == "{}" else json.loads(node.inputs)
    if not isinstance(current, dict):  # cut to a preview by the size bound: start afresh
        current = {}
    try:
        current.update(value)
    except BaseException as exc:  # a key whose __eq__ or __hash__ raises
        warn_limited("enrich", "tracing: enrich(inputs=...) failed: %s", cut(describe(exc), 200))
    return node.tracer.capture(current)


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
    """Record *span* (a span or a session, and the session opened for a span); never raises.

    Not even ``BaseException``: what a user's value or hook raised while the
    event was made is recorded, and the event is reported as rejected.
    """
    tracer = span.tracer
    for node in (span,) if opened is None else (span, opened):
        try:
            if node is span:
                if error is not None:
                    tracer.record_error(span, error)
            else:
                adopt_root(node, span)  # type: ignore[arg-type]
            tracer.finish(node)
        except BaseException as exc:  # tracing never raises into the traced code
            node.ended = True
            tracer.reject(node.event_id, f"recording {node!r} failed: {cut(describe(exc), 500)}")


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
        if type(event_type) is not str or event_type not in SPAN_TYPES:  # type: ignore[unreachable]
            warn_limited(
                "span", "tracing: span(event_type=...) must be one of %s; tool is used", SPAN_TYPES
            )
            event_type = "tool"
        opened = open_span(text_of("span name", event_name), event_type)
        if opened is None:
            return
        node, self._opened = opened
        self._node = node
        if node.recording:
            given = {} if inputs is None else readable("span(inputs=...)", inputs)
            node.inputs = node.tracer.capture(given or {})
            node.enrich(config=config, metadata=metadata)

    def _begin(self) -> Span:
        return _UNRECORDED if self._node is None else self._node


_UNRECORDED = _unrecorded()
