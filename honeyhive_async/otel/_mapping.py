"""One ended OpenTelemetry span -> the fields of its HoneyHive event, by the tables.

:func:`map_span` reads a ``ReadableSpan`` (or anything with its attributes)
and returns ``event_type``, ``inputs``, ``outputs``, ``config``,
``metrics``, ``metadata`` and ``error``; ids and times are the processor's.
(:func:`map_values` does the same from plain values, :class:`SpanValues`,
for spans that never were SDK objects: the local server's OTLP ingest.)
Which attribute goes where is decided by :mod:`._conventions` alone; the
token counts, the reply and the time to first token take the places the
model-event builder of ``tracing`` gives them (the client wrappers' too). The
attributes no rule takes land in ``metadata``, nested at their dots
(``http.request.method`` -> ``metadata.http.request.method``, so the
getEvents dotted-path filters reach them), bounded in count and size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from .._fields import STACKTRACE
from ..tracing._bridge import bounded_trace, cut, model_fields
from . import _honeyhive
from ._conventions import (
    DEFAULT_MODEL,
    EVENT_MESSAGES,
    EVENT_TYPES,
    EXACT,
    FIRST_TOKEN_EVENTS,
    GENAI_KEYS,
    GENAI_PREFIXES,
    PREFIX_LISTS,
    PREFIXES,
)
from ._values import (
    MAX_EVENTS,
    MAX_ITEMS,
    MAX_STRING,
    bounded,
    bounded_mapping,
    listify,
    nest,
    parse_json,
    plain,
    unflatten,
)

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_EVENTS",
    "MAX_ITEMS",
    "MAX_STRING",
    "SpanEvent",
    "SpanValues",
    "is_genai",
    "map_span",
    "map_values",
    "span_values",
]

MAX_ATTRIBUTES = 64
"""Attributes kept in ``metadata`` (those no rule takes); more are counted."""

_KIND_NAMES = {0: "internal", 1: "server", 2: "client", 3: "producer", 4: "consumer"}


def _by_head(rules: Iterable[tuple[str, str, str]]) -> dict[str, list[tuple[str, str, str]]]:
    """Prefix rules grouped by their first dotted segment: one dict lookup finds the candidates."""
    grouped: dict[str, list[tuple[str, str, str]]] = {}
    for rule in rules:
        grouped.setdefault(rule[0].partition(".")[0], []).append(rule)
    return grouped


_PREFIXES = _by_head(PREFIXES)
_PREFIX_LISTS = _by_head(PREFIX_LISTS)


def is_genai(attributes: Mapping[str, Any] | None) -> bool:
    """Whether a span with these attributes is a GenAI/LLM span."""
    if not attributes:
        return False
    for key in attributes:
        if isinstance(key, str) and (key.startswith(GENAI_PREFIXES) or key in GENAI_KEYS):
            return True
    return False


class _Fields:
    """What the rules collected from one span, before it is shaped into event fields."""

    __slots__ = (
        "config",
        "first_token_ms",
        "hyper",
        "in_messages",
        "in_values",
        "inputs",
        "kinds",
        "lists",
        "metadata",
        "out_messages",
        "out_values",
        "rest",
        "stacktrace",
        "usage",
    )

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self.hyper: dict[str, Any] = {}
        self.usage: dict[str, Any] = {}
        self.first_token_ms: float | None = None
        self.metadata: dict[str, Any] = {}
        self.inputs: dict[str, Any] = {}
        self.kinds: dict[str, Any] = {}
        self.in_messages: list[Any] = []
        self.out_messages: list[Any] = []
        self.in_values: dict[str, Any] = {}
        self.out_values: dict[str, Any] = {}
        self.lists: dict[tuple[str, str], list[tuple[str, Any]]] = {}
        self.rest: dict[str, Any] = {}
        self.stacktrace: str | None = None

    def put(self, field: str, name: str, key: str, value: Any) -> None:
        """Send one attribute to ``(field, name)`` (first value wins where two rules meet)."""
        if field == "config":
            self.config.setdefault(name, plain(value))
        elif field == "usage":
            self.usage.setdefault(name, plain(value))
        elif field == "hyperparameters":
            if name != "json":
                self.hyper.setdefault(name, plain(value))
                return
            parsed = parse_json(value)
            if not isinstance(parsed, dict):
                self.rest[key] = value
                return
            for k, v in parsed.items():
                self.hyper.setdefault(str(k), v)
        elif field in ("input_messages", "output_messages"):
            parsed = parse_json(value)
            if not isinstance(parsed, (list, dict)):
                self.rest[key] = value
                return
            into = self.in_messages if field == "input_messages" else self.out_messages
            into.extend(parsed if isinstance(parsed, list) else [parsed])
        elif field in ("input_value", "output_value"):
            (self.in_values if field == "input_value" else self.out_values).setdefault(name, value)
        elif field == "inputs":
            self.inputs.setdefault(name, parse_json(value))
        elif field == "kind":
            self.kinds[name] = value
            self.rest[key] = value  # kept for filtering too: AGENT vs CHAIN, workflow vs task
        elif field == "metadata":
            self.metadata.setdefault(name, value)
        # "drop": read by no one

    def take(self, key: str, value: Any) -> None:
        """Route one attribute: an exact rule, a prefix rule, or metadata.

        An attribute a rule cannot read lands in metadata as it is: one bad
        attribute costs its own place, never the span its event.
        """
        try:
            self._route(key, value)
        except Exception:
            self.rest[key] = value

    def _route(self, key: str, value: Any) -> None:
        exact = EXACT.get(key)
        if exact is not None:
            self.put(exact[0], exact[1], key, value)
            return
        head = key.partition(".")[0]
        for prefix, field, name in _PREFIXES.get(head, ()):
            if key.startswith(prefix):
                self.put(field, name + key[len(prefix) :].replace(".", "_"), key, value)
                return
        for prefix, field, name in _PREFIX_LISTS.get(head, ()):
            if key.startswith(prefix):
                self.lists.setdefault((field, name), []).append((key[len(prefix) :], value))
                return
        self.rest[key] = value

    def rebuild_lists(self) -> None:
        """Turn the collected indexed attributes into their lists and objects."""
        for (field, name), pairs in self.lists.items():
            try:
                tree = listify(unflatten(pairs))
            except Exception:  # kept flat, in metadata, rather than losing the span
                self.metadata.setdefault(name, {rest: bounded(value) for rest, value in pairs})
                continue
            if field in ("input_messages", "output_messages"):
                items = tree if isinstance(tree, list) else [tree]
                (self.in_messages if field == "input_messages" else self.out_messages).extend(items)
            elif field == "output_value":
                self.out_values.setdefault(name, tree)
            elif field == "config":
                self.config.setdefault(name, tree)
            else:
                self.metadata.setdefault(name, tree)


class SpanEvent(NamedTuple):
    """One event of a span: its name, time (epoch nanoseconds) and attributes."""

    name: str
    timestamp: int | None
    attributes: Mapping[str, Any]


class SpanValues(NamedTuple):
    """What the mapping reads of a span, as plain values (times in epoch nanoseconds)."""

    attributes: Mapping[Any, Any]
    events: tuple[SpanEvent, ...] = ()
    start_time: int = 0
    failed: bool = False
    """Whether the span's status is ``ERROR``."""
    status_description: str | None = None
    trace_id: int | None = None
    span_id: int | None = None
    parent_span_id: int | None = None
    kind: str | None = None
    """``internal``, ``server``, ``client``, ``producer`` or ``consumer``."""
    scope: str | None = None


def span_values(span: Any) -> SpanValues:
    """The values :func:`map_values` reads, taken from a ``ReadableSpan``."""
    events = tuple(
        SpanEvent(
            str(getattr(event, "name", "")),
            getattr(event, "timestamp", None),
            getattr(event, "attributes", None) or {},
        )
        for event in getattr(span, "events", None) or ()
    )
    status = getattr(span, "status", None)
    context = getattr(span, "context", None)
    parent = getattr(span, "parent", None)
    kind = getattr(span, "kind", None)
    scope = getattr(span, "instrumentation_scope", None)
    return SpanValues(
        attributes=span.attributes or {},
        events=events,
        start_time=getattr(span, "start_time", None) or 0,
        failed=status is not None and getattr(status.status_code, "name", "") == "ERROR",
        status_description=getattr(status, "description", None),
        trace_id=None if context is None else context.trace_id,
        span_id=None if context is None else context.span_id,
        parent_span_id=None if parent is None else parent.span_id,
        kind=None if kind is None else _KIND_NAMES.get(getattr(kind, "value", -1), str(kind)),
        scope=str(scope.name) if scope is not None and getattr(scope, "name", None) else None,
    )


def map_span(span: Any) -> dict[str, Any]:
    """The event fields of *span* (a ``ReadableSpan``): event_type, inputs, outputs, ..."""
    return map_values(span_values(span))


def map_values(span: SpanValues) -> dict[str, Any]:
    """The event fields of a span given as plain values: event_type, inputs, outputs, ..."""
    fields = _Fields()
    attributes, honeyhive = _honeyhive.split(span.attributes)
    for key, value in attributes.items():
        fields.take(key if isinstance(key, str) else str(key), value)
    fields.rebuild_lists()
    otel: dict[str, Any] = {}
    error = _read_events(fields, span, otel)
    config = fields.config
    if fields.hyper:
        config["hyperparameters"] = fields.hyper
    if "model" not in config:
        for key in DEFAULT_MODEL:
            if isinstance(attributes.get(key), str):
                config["model"] = attributes[key]
                break
    shaped = model_fields(
        outputs=_messages(fields.out_messages),
        usage=fields.usage,
        time_to_first_token_ms=fields.first_token_ms,
    )
    event: dict[str, Any] = {
        "event_type": _event_type(fields.kinds, config),
        "inputs": _inputs(fields),
        "config": config,
    }
    outputs = shaped["outputs"] or _outputs(fields)
    if outputs:
        event["outputs"] = outputs
    if shaped["metrics"]:
        event["metrics"] = shaped["metrics"]
    event["metadata"] = {**shaped["metadata"], **_metadata(fields, span, otel)}
    if error is None and span.failed:
        error = span.status_description or attributes.get("error.type") or "error"
    if error is not None:
        event["error"] = cut(str(error))
    if fields.stacktrace is not None:
        event["metadata"].setdefault(STACKTRACE, fields.stacktrace)
    honeyhive.apply(event)
    return event


def _event_type(kinds: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    for attribute, table in EVENT_TYPES.items():
        value = kinds.get(attribute)
        if isinstance(value, str):
            found = table.get(value.lower())
            if found is not None:
                return found
    return "model" if "model" in config else "chain"


def _inputs(fields: _Fields) -> dict[str, Any]:
    inputs = fields.inputs
    if fields.in_messages:
        inputs["chat_history"] = _messages(fields.in_messages)
    else:
        _merge_values(inputs, fields.in_values)
    return inputs


def _outputs(fields: _Fields) -> dict[str, Any]:
    """The outputs of a span without reply messages: what it returned."""
    outputs: dict[str, Any] = {}
    _merge_values(outputs, fields.out_values)
    return outputs


def _merge_values(into: dict[str, Any], values: Mapping[str, Any]) -> None:
    """A JSON object value becomes the field; anything else goes under its name."""
    for name, value in values.items():
        parsed = parse_json(value) if name == "value" else value
        if name == "value" and isinstance(parsed, dict):
            for k, v in parsed.items():
                into.setdefault(str(k), v)
        else:
            into.setdefault(name, plain(parsed))


def _messages(items: list[Any]) -> list[Any]:
    return [_message(item) for item in items]


def _message(item: Any, role: str = "") -> Any:
    """One chat message as ``{"role", "content", ...}``, whichever convention wrote it."""
    if not isinstance(item, dict):
        return {"role": role, "content": plain(item)} if role else {"content": plain(item)}
    message = dict(item)
    if isinstance(message.get("message"), dict):  # gen_ai.choice: {index, finish_reason, message}
        inner = message.pop("message")
        message = {**inner, **message}
    parts = message.pop("parts", None)
    if isinstance(parts, list):  # the current GenAI conventions: typed parts
        texts, calls, others = [], [], []
        for part in parts:
            if _is_text(part, "content"):
                texts.append(part["content"])
            elif isinstance(part, dict) and part.get("type") == "tool_call":
                calls.append({k: v for k, v in part.items() if k != "type"})
            else:
                others.append(part)
        if texts:
            message.setdefault("content", "".join(texts))
        if calls:
            message.setdefault("tool_calls", calls)
        if others:
            message["parts"] = others
    contents = message.get("contents")
    if isinstance(contents, list) and "content" not in message:  # OpenInference's multi-part
        texts = [c.get("text") for c in contents if _is_text(c, "text")]
        if texts:
            message["content"] = "".join(texts)
            if len(texts) == len(contents):
                del message["contents"]
    if role and "role" not in message:
        message["role"] = role
    return message


def _is_text(part: Any, key: str) -> bool:
    return (
        isinstance(part, dict)
        and part.get("type", "text") == "text"
        and isinstance(part.get(key), str)
    )


def _read_events(fields: _Fields, span: SpanValues, otel: dict[str, Any]) -> str | None:
    """Messages, the first streamed token, exceptions and the other events of *span*; the error."""
    error = None
    start = span.start_time
    kept: list[dict[str, Any]] = []
    dropped = 0
    for event in span.events:
        name = event.name
        attributes = event.attributes
        if name == "exception":
            kind = attributes.get("exception.type") or "exception"
            text = attributes.get("exception.message")
            error = f"{kind}: {text}" if text else str(kind)
            trace = attributes.get("exception.stacktrace")
            if trace is not None:
                fields.stacktrace = bounded_trace(str(trace))
        elif name in EVENT_MESSAGES:
            field, role = EVENT_MESSAGES[name]
            into = fields.in_messages if field == "input_messages" else fields.out_messages
            into.extend(_event_messages(attributes, role))
        elif name in FIRST_TOKEN_EVENTS:
            timestamp = event.timestamp
            if fields.first_token_ms is None and isinstance(timestamp, int):
                fields.first_token_ms = (timestamp - start) / 1e6
        elif len(kept) < MAX_EVENTS:
            kept.append({"name": name, "attributes": bounded_mapping(attributes)})
        else:
            dropped += 1
    if kept:
        otel["events"] = kept
    if dropped:
        otel["dropped_events"] = dropped
    return error


def _event_messages(attributes: Mapping[str, Any], role: str) -> list[Any]:
    for key in ("gen_ai.event.content", "message", "gen_ai.prompt", "gen_ai.completion"):
        if key in attributes:
            body = parse_json(attributes[key])
            break
    else:
        body = {
            k: parse_json(v)
            for k, v in attributes.items()
            if k in ("role", "content", "tool_calls")
        }
    if not isinstance(body, list):
        body = [body]
    return [_message(item, role) for item in body]


def _metadata(fields: _Fields, span: SpanValues, otel: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for key, value in fields.metadata.items():
        metadata[key] = bounded(value)
    for index, (key, value) in enumerate(fields.rest.items()):
        if index == MAX_ATTRIBUTES:
            otel["dropped_attributes"] = len(fields.rest) - MAX_ATTRIBUTES
            break
        nest(metadata, key, bounded(value))
    if span.trace_id is not None and span.span_id is not None:
        otel["trace_id"] = f"{span.trace_id:032x}"
        otel["span_id"] = f"{span.span_id:016x}"
    if span.parent_span_id is not None:
        otel["parent_span_id"] = f"{span.parent_span_id:016x}"
    if span.kind is not None:
        otel["kind"] = span.kind
    if span.scope is not None:
        otel["scope"] = span.scope
    if "otel" not in metadata:
        metadata["otel"] = otel
    else:  # the span has otel.* attributes of its own
        for key, value in otel.items():
            nest(metadata, "otel." + key, value)
    return metadata
