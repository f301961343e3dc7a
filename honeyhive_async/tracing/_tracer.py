"""``Tracer``: turns finished spans and sessions into events on an EventBatcher.

See ``docs/tracing.md`` for the wire mapping: every span is a create-event
request of the ordinary ``createEventBatch`` stream, and so is the session,
as one event of type ``session`` whose ``event_id`` is the session id.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._fields import ENRICH_FIELDS
from .._utils import may_hold_wide_int
from ._encode import (
    DEFAULT_MAX_VALUE_CHARS,
    dumps,
    encode,
    fast,
    narrow_ints,
)
from ._errors import STACKTRACE, bounded_trace, cut, describe, name_of, stacktrace, type_name
from ._spans import Node, Scope, Session, readable, text_of
from ._state import STATE, log, set_default, warn_limited

if TYPE_CHECKING:
    from .._batching import DeliveryReport, EventBatcher
    from .._result import Result
    from ..params import UpdateEventRequestBodyDict
    from ._delivery import LoopSink

__all__ = ["Processor", "Tracer"]

Processor = Callable[[dict[str, Any]], dict[str, Any]]
"""Takes an event (plain JSON data, wire field names) and returns the event to send."""

# The enriched objects an event carries only when set (inputs, outputs and config have their own
# places in an event's JSON).
_OPTIONAL = tuple(name for name in ENRICH_FIELDS if name not in ("inputs", "outputs", "config"))
_LABELS: dict[tuple[str, str], str] = {}


_NO_CONFIG = '{"config":{},"outputs":'
"""How a finished span's captured fields begin when it has outputs and no config."""


def _label(name: str, event_type: str) -> str:
    """``,"event_name":...,"event_type":...`` of an event, made once per name and type."""
    label = _LABELS.get((name, event_type))
    if label is None:
        label = f',"event_name":{encode(name)},"event_type":"{event_type}"'
        if len(_LABELS) < 4096:  # names are few and cut at MAX_NAME_CHARS: a few MB at most
            _LABELS[(name, event_type)] = label
    return label


def wire_bytes(text: str) -> bytes:
    """An event's JSON *text* as the bytes to send: UTF-8, integers within 64 bits."""
    data = _utf8(text)
    if may_hold_wide_int(data):  # the service stores 64-bit integers: wider ones as text
        return narrow_ints(data) or data
    return data


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate in a captured string
        return text.encode("utf-8", "replace")


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _encode_whole(event: Mapping[str, Any], limit: int) -> str | None:
    """*event* as JSON in one call of the C encoder, or ``None`` if a field may need bounding.

    Saves one encoder call per field (a third of the CPU of a bridged
    span); when the whole event fits in one field's bound, so does each field
    (the depth of each is one level less than the event's, which the bound
    of the fast path leaves room for).
    """
    try:
        return fast(event, limit)
    except BaseException:  # a value whose model_dump raises anything: each field on its own
        return None


class Tracer:
    """Records traced calls made in this program as events on *batcher*.

    Built inside the running event loop the batcher belongs to, it becomes
    the tracer that root calls outside any session use (``install=False``
    leaves the current one in place). Options (keyword-only):

    - ``project`` (required), ``source`` (``"dev"``): stamped on every event.
    - ``session_name``: the name of the session a root call opens (default:
      the function's qualified name).
    - ``processors``: functions applied in order to each event (plain JSON
      data) before it is queued, e.g. :func:`redact`; the event keeps its
      ``event_id`` whatever they return. If one raises (``BaseException``
      included), the event is reported as rejected and not sent.
    - ``sample_rate`` (1.0): the share of sessions recorded, decided once per
      session id (the same id always gets the same answer), never half a tree.
    - ``max_value_chars``: the JSON size one captured field may take (100,000).
    """

    def __init__(
        self,
        batcher: EventBatcher,
        *,
        project: str,
        source: str = "dev",
        session_name: str | None = None,
        processors: Sequence[Processor] = (),
        sample_rate: float = 1.0,
        max_value_chars: int = DEFAULT_MAX_VALUE_CHARS,
        install: bool = True,
    ) -> None:
        import asyncio

        from ._delivery import LoopSink

        loop = asyncio.get_running_loop()
        sink = LoopSink()
        sink.attach(batcher, loop)
        self._setup(sink, project, source, session_name, processors, sample_rate, max_value_chars)
        if install:
            set_default(self)

    def _setup(
        self,
        sink: LoopSink,
        project: str,
        source: str,
        session_name: str | None,
        processors: Sequence[Processor],
        sample_rate: float,
        max_value_chars: int,
    ) -> None:
        self.project = _text("project", project)
        self.source = _text("source", source)
        self.session_name = None if session_name is None else _text("session_name", session_name)
        if callable(processors) or isinstance(processors, (str, bytes)):  # type: ignore[unreachable]
            raise TypeError(f"processors must be a sequence of callables, got {processors!r}")
        self.processors = tuple(processors)
        for processor in self.processors:
            if not callable(processor):
                raise TypeError(f"processors must be callables, got {processor!r}")
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float)):
            raise TypeError(f"sample_rate must be a number from 0 to 1, got {sample_rate!r}")
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"sample_rate must be a number from 0 to 1, got {sample_rate!r}")
        self.sample_rate = float(sample_rate)
        if isinstance(max_value_chars, bool) or not isinstance(max_value_chars, int):
            raise TypeError(f"max_value_chars must be an int >= 256, got {max_value_chars!r}")
        if max_value_chars < 256:
            raise ValueError(f"max_value_chars must be an int >= 256, got {max_value_chars!r}")
        self.max_value_chars = max_value_chars
        self._sink = sink
        # The fixed part of every event's JSON, encoded once.
        self._head = encode({"project": self.project, "source": self.source})[:-1]

    def __repr__(self) -> str:
        return f"<Tracer project={self.project!r} source={self.source!r}>"

    @property
    def dropped(self) -> int:
        """Events dropped because the queue was full or the batcher closed."""
        return self._sink.dropped

    # -- sessions ---------------------------------------------------------------

    def session(
        self,
        name: str | None = None,
        *,
        inputs: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        user_properties: Mapping[str, Any] | None = None,
        session_id: str | None = None,
    ) -> SessionScope:
        """``with``/``async with``: every traced call inside belongs to one new session."""
        return SessionScope(self, name, inputs, metadata, user_properties, session_id)

    def samples(self, session_id: str) -> bool:
        """Whether the session *session_id* is recorded (deterministic in the id)."""
        rate = self.sample_rate
        if rate >= 1.0:
            return STATE.enabled
        return STATE.enabled and zlib.crc32(session_id.encode()) < rate * 0x1_0000_0000

    # -- recording ----------------------------------------------------------------

    def capture(self, value: Any) -> str:
        """*value* as bounded JSON text; never raises, ``BaseException`` from its hooks included."""
        try:
            return dumps(value, self.max_value_chars)
        except BaseException as exc:  # a model_dump or __repr__ raising KeyboardInterrupt, ...
            return self._degraded(value, exc)

    def _degraded(self, value: Any, error: BaseException) -> str:
        """What is kept of a value whose capture raised: each item of a dict on its own."""
        note = f"<not captured: {cut(describe(error), 200)}>"
        warn_limited("capture", "tracing: a value was %s", note)
        if type(value) is not dict:
            return encode(note)
        kept: dict[str, Any] = {}
        for key, item in value.items():  # a dict of our own making: inputs, outputs, ...
            name = key if type(key) is str else f"<{type_name(key)}>"
            try:
                kept[name] = json.loads(dumps(item, self.max_value_chars))
            except BaseException as exc:
                kept[name] = f"<not captured: {cut(describe(exc), 200)}>"
        return dumps(kept, self.max_value_chars)

    def record_error(self, node: Node, error: BaseException) -> None:
        """Record *error* as how *node* ended: ``error`` text and the traceback, bounded."""
        secret = self._sink.secret
        node.error = cut(describe(error), secret=secret)
        trace = stacktrace(error, secret)
        if trace is not None and STACKTRACE not in (node.metadata or ()):
            node.metadata = {**(node.metadata or {}), STACKTRACE: trace}

    def reject(self, event_id: str, reason: str) -> None:
        """Report the event *event_id* as rejected for *reason*: counted and logged, never sent."""
        self._sink.submit(event_id, encode({"event_id": event_id}).encode(), reason)

    def finish(self, node: Node, duration: float | None = None) -> None:
        """End *node* and hand its event to the batcher (nothing when sampled out).

        Its *duration* (ms) is the time since it started, unless given.
        """
        node.ended = True
        if not node.session.sampled:
            return
        if duration is None:
            duration = (time.perf_counter_ns() - node.start_ns) / 1e6
        start = node.start_ms
        parent = "" if node.parent_json is None else f',"parent_id":{node.parent_json}'
        rest = "" if node.error is None else f',"error":{encode(node.error)}'
        fields: dict[str, Any] = {"config": node.config or {}}
        if node.outputs is not None:
            if node.outputs_json is None:
                fields["outputs"] = node.outputs
            else:
                rest += f',"outputs":{node.outputs_json}'
        for name in _OPTIONAL:
            value = getattr(node, name)
            if value is not None:
                fields[name] = value
        # The fields in one pass of the encoder when together they fit one field's bound
        # (then so does each); else each is captured, and bounded, on its own.
        whole = _encode_whole(fields, self.max_value_chars) if len(fields) > 1 else None
        if whole is not None:
            captured = whole[1:-1]
            if len(fields) == 2 and "outputs" in fields and whole.startswith(_NO_CONFIG):
                # Kept for the session this span may be the root of (adopt_root): its
                # outputs are the same, and are not encoded twice.
                node.outputs_json = whole[len(_NO_CONFIG) : -1]
        elif len(fields) == 1 and not node.config:
            captured = '"config":{}'
        else:
            captured = ",".join(f'"{name}":{self.capture(value)}' for name, value in fields.items())
        # One f-string over text made once where it can be: the event's JSON in one piece.
        self._send(
            node.event_id,
            f"{self._head}{_label(node.name, node.event_type)},"
            f'"event_id":{node.id_json},"session_id":{node.session.id_json}{parent},'
            f'"start_time":{start!r},"end_time":{start + duration!r},"duration":{duration!r},'
            f'"inputs":{node.inputs},{captured}{rest}}}',
        )
        if node.session is node:
            self._sink.session_ended()

    def emit(self, event: Mapping[str, Any]) -> None:
        """Send *event*, built outside this layer (the OpenTelemetry bridge), like a span's.

        *event* has wire field names, an ``event_id``, and no ``project`` or
        ``source`` (this tracer's are stamped on); each value is captured as
        bounded JSON, then the processors run and the event is queued as a
        finished span's is. Sampling is the caller's (:meth:`samples`). Its
        ``error`` and ``metadata[STACKTRACE]`` are bounded and scrubbed as a span's.
        """
        event = self._bounded_error(event)
        text = _encode_whole(event, self.max_value_chars)
        if text is None:  # some field needs bounding or converting: each on its own
            parts = [self._head]
            for name, value in event.items():
                parts += [",", encode(name), ":", self.capture(value)]
            parts.append("}")
            text = "".join(parts)
        else:
            text = f"{self._head},{text[1:]}" if len(text) > 2 else self._head + "}"
        self._send(str(event["event_id"]), text)

    def _bounded_error(self, event: Mapping[str, Any]) -> Mapping[str, Any]:
        error, metadata = event.get("error"), event.get("metadata")
        trace = metadata.get(STACKTRACE) if isinstance(metadata, Mapping) else None
        if not isinstance(error, str) and not isinstance(trace, str):
            return event
        secret = self._sink.secret
        event = dict(event)
        if isinstance(error, str):
            event["error"] = cut(error, secret=secret)
        if isinstance(trace, str):
            event["metadata"] = {**metadata, STACKTRACE: bounded_trace(trace, secret)}  # type: ignore[dict-item]
        return event

    def _send(self, event_id: str, text: str) -> None:
        rejected = None
        if self.processors:
            text, rejected = self._process(event_id, text)
        self._sink.submit(event_id, wire_bytes(text), rejected)

    def _process(self, event_id: str, text: str) -> tuple[str, str | None]:
        """Run the processors, restoring the event's id after each; fail closed.

        The id is the event's identity for delivery: without it the server
        makes a new one at every retry (one event stored again and again),
        and with another one the acknowledgement matches no event sent. If a
        processor raises (``BaseException`` included) or returns no dict, or
        what it returned cannot be encoded, only the event's id is reported.
        """
        stage = "the processors' output could not be encoded"
        try:
            event = json.loads(text)
            for processor in self.processors:
                stage = f"processor {name_of(processor)} failed"
                event = processor(event)
                if not isinstance(event, dict):
                    raise TypeError(f"returned {type(event).__name__}, not a dict")
                event["event_id"] = event_id
            stage = "the processors' output could not be encoded"
            return dumps(event, 1 << 62), None
        except BaseException as exc:  # a user's hook: recorded, never raised into the traced code
            return encode({"event_id": event_id}), f"{stage}: {cut(describe(exc), 500)}"

    # -- after the fact -------------------------------------------------------------

    async def add_feedback(self, event_id: str, feedback: Mapping[str, Any]) -> Result[None]:
        """Attach *feedback* to an event (or session) that has already been sent.

        An ``updateEvent`` through the batcher's core; returns its Result.
        """
        from .._result import Err
        from ..errors import TransportError
        from ..funcs import events_update_event

        body: UpdateEventRequestBodyDict = {"event_id": event_id, "feedback": dict(feedback)}
        try:
            return await self._sink.call(lambda batcher: events_update_event(batcher.core, body))
        except RuntimeError as exc:  # the delivery thread could not start
            return Err(TransportError(str(exc), operation_id="updateEvent", sent=False))

    async def flush(self, timeout: float = 10.0) -> DeliveryReport:
        """Send everything traced so far; the batcher's report by *timeout* seconds.

        When delivery is not running (it could not start, or tracing is off)
        the report is empty, with a WARNING.
        """
        try:
            return await self._sink.call(lambda batcher: batcher.flush(timeout))
        except RuntimeError as exc:
            from .._batching import DeliveryReport

            log.warning("tracing: nothing was flushed: %s", exc)
            return DeliveryReport()

    def uninstall(self) -> None:
        """Stop being the tracer of root calls (sessions already open finish normally)."""
        if STATE.default is self:
            set_default(None)


class SessionScope(Scope[Session]):
    """What ``Tracer.session`` returns: enter it (``with`` or ``async with``) for a Session."""

    __slots__ = ("_args", "_tracer")

    def __init__(
        self,
        tracer: Tracer,
        name: str | None,
        inputs: Mapping[str, Any] | None,
        metadata: Mapping[str, Any] | None,
        user_properties: Mapping[str, Any] | None,
        session_id: str | None,
    ) -> None:
        super().__init__()
        if session_id is not None:
            _text("session_id", session_id)
        self._tracer = tracer
        self._args = (name, inputs, metadata, user_properties, session_id)

    def _begin(self) -> Session:
        name, inputs, metadata, user_properties, session_id = self._args
        tracer = self._tracer
        given = "" if name is None else text_of("session name", name)
        session = Session(tracer, given or tracer.session_name or "session", session_id)
        if inputs is not None:
            session.inputs = tracer.capture(readable("session(inputs=...)", inputs) or {})
        session.enrich(metadata=metadata, user_properties=user_properties)
        self._node = session
        return session
