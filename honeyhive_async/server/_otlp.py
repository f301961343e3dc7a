"""OTLP/HTTP trace requests (JSON or protobuf) -> plain spans, checked field by field.

:func:`decode_json` reads the OTLP/HTTP JSON encoding (ids in hex, as the
specification says, or in base64, as protobuf's own JSON mapping writes
them); :func:`decode_protobuf` parses ``application/x-protobuf`` with the
optional ``opentelemetry-proto`` package, imported only then, and reads the
result through the same code. Everything is checked before anything is
returned, so a request is taken whole or refused whole: a problem raises
:class:`Invalid` naming the field (``resourceSpans[0].scopeSpans[0].spans[3].traceId:
...``), never anything else.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..otel._bridge import SpanEvent, SpanValues
from ._validate import Invalid, PathSegment, read_json

__all__ = [
    "MAX_SPANS",
    "PROTOBUF_MISSING",
    "Span",
    "decode_json",
    "decode_protobuf",
    "protobuf_available",
]

MAX_SPANS = 10_000
"""Spans in one request at most (the body limit bounds the rest)."""
PROTOBUF_MISSING = (
    "application/x-protobuf needs the optional package opentelemetry-proto "
    "(pip install opentelemetry-proto); or send application/json"
)

_MAX_NANOS = 2**64 - 1  # a fixed64: far inside the server's time range once in milliseconds
_INT64 = 2**63
_KINDS = ("unspecified", "internal", "server", "client", "producer", "consumer")
_STATUS_ERROR = 2
_INTEGER = re.compile(r"-?[0-9]{1,20}\Z")

Path = tuple[PathSegment, ...]


class Span(NamedTuple):
    """One decoded span: what the mapping reads, with its name, end and resource."""

    name: str
    values: SpanValues
    end_time: int
    """Epoch nanoseconds."""
    resource: Mapping[str, Any]
    path: tuple[PathSegment, ...]
    """Where the span is in the request, for messages."""


def protobuf_available() -> bool:
    """Whether ``opentelemetry-proto`` (and protobuf) can be imported."""
    try:
        importlib.import_module("opentelemetry.proto.collector.trace.v1.trace_service_pb2")
    except ImportError:
        return False
    return True


def decode_protobuf(raw: bytes) -> list[Span]:
    """The spans of an ``ExportTraceServiceRequest`` in protobuf's binary encoding."""
    # Imported by name: protobuf ships no type information, and the import is optional.
    json_format = importlib.import_module("google.protobuf.json_format")
    decode_error = importlib.import_module("google.protobuf.message").DecodeError
    service = importlib.import_module("opentelemetry.proto.collector.trace.v1.trace_service_pb2")

    request = service.ExportTraceServiceRequest()
    try:
        request.ParseFromString(raw)
    except (decode_error, RecursionError, ValueError) as exc:
        raise Invalid((), f"is not a valid OTLP protobuf message ({exc})") from None
    try:
        body = json_format.MessageToDict(request)
    except (RecursionError, ValueError) as exc:
        raise Invalid((), f"cannot be read ({exc})") from None
    return _request(body)


def decode_json(raw: bytes) -> list[Span]:
    """The spans of an ``ExportTraceServiceRequest`` in the OTLP/HTTP JSON encoding."""
    return _request(read_json(raw))


def _request(body: Mapping[str, Any]) -> list[Span]:
    spans: list[Span] = []
    for r, resource_spans in _items(body, "resourceSpans", ()):
        where: Path = ("resourceSpans", r)
        resource = _object(resource_spans.get("resource"), (*where, "resource"))
        attributes = _attributes(resource.get("attributes"), (*where, "resource", "attributes"))
        scopes = _items(resource_spans, "scopeSpans", where)
        for s, scope_spans in scopes:
            at: Path = (*where, "scopeSpans", s)
            scope = _object(scope_spans.get("scope"), (*at, "scope"))
            scope_name = _string(scope.get("name"), (*at, "scope", "name"))
            for i, span in _items(scope_spans, "spans", at):
                if len(spans) == MAX_SPANS:
                    raise Invalid((*at, "spans", i), f"more than {MAX_SPANS} spans in one request")
                spans.append(_span(span, (*at, "spans", i), scope_name, attributes))
    return spans


def _span(
    span: Mapping[str, Any], at: Path, scope: str | None, resource: Mapping[str, Any]
) -> Span:
    trace_id = _id(span.get("traceId"), (*at, "traceId"), 16, required=True)
    span_id = _id(span.get("spanId"), (*at, "spanId"), 8, required=True)
    parent = _id(span.get("parentSpanId"), (*at, "parentSpanId"), 8, required=False)
    start = _nanos(span.get("startTimeUnixNano"), (*at, "startTimeUnixNano"))
    end = _nanos(span.get("endTimeUnixNano"), (*at, "endTimeUnixNano"))
    status = _object(span.get("status"), (*at, "status"))
    code = _enum(status.get("code"), (*at, "status", "code"), "STATUS_CODE_", 3)
    values = SpanValues(
        attributes=_attributes(span.get("attributes"), (*at, "attributes")),
        events=tuple(_events(span, at)),
        start_time=start,
        failed=code == _STATUS_ERROR,
        status_description=_string(status.get("message"), (*at, "status", "message")),
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        kind=_KINDS[_enum(span.get("kind"), (*at, "kind"), "SPAN_KIND_", len(_KINDS))] or None,
        scope=scope,
    )
    name = _string(span.get("name"), (*at, "name")) or ""
    return Span(name, values, max(end, start), resource, at)


def _events(span: Mapping[str, Any], at: Path) -> list[SpanEvent]:
    events = []
    for e, event in _items(span, "events", at):
        where: Path = (*at, "events", e)
        events.append(
            SpanEvent(
                _string(event.get("name"), (*where, "name")) or "",
                _nanos(event.get("timeUnixNano"), (*where, "timeUnixNano")),
                _attributes(event.get("attributes"), (*where, "attributes")),
            )
        )
    return events


def _items(parent: Mapping[str, Any], key: str, at: Path) -> list[tuple[int, Mapping[str, Any]]]:
    """The objects of the list ``parent[key]`` (absent or null: none), with their indexes."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid((*at, key), "must be an array")
    return [(i, _object(item, (*at, key, i))) for i, item in enumerate(value)]


def _object(value: Any, at: Path) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(at, "must be an object")
    return value


def _string(value: Any, at: Path) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise Invalid(at, "must be a string")


def _id(value: Any, at: Path, size: int, *, required: bool) -> int | None:
    """A trace id (16 bytes) or span id (8 bytes): hex, or base64; all zeros is no id."""
    if value is None or value == "":
        if required:
            raise Invalid(at, "is required")
        return None
    if not isinstance(value, str):
        raise Invalid(at, "must be a string")
    data: bytes | None = None
    if len(value) == 2 * size:
        try:
            data = bytes.fromhex(value)
        except ValueError:
            data = None
    if data is None:
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            data = None
    if data is None or len(data) != size:
        raise Invalid(at, f"must be {size} bytes: {2 * size} hex digits (or base64)")
    number = int.from_bytes(data, "big")
    if number == 0:
        if required:
            raise Invalid(at, "must not be all zeros")
        return None
    return number


def _nanos(value: Any, at: Path) -> int:
    """Epoch nanoseconds (a number or its decimal text), within the server's time range."""
    if value is None:
        return 0
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and _INTEGER.match(value)
    ):
        number = int(value)
    if number is None:
        raise Invalid(at, "must be a whole number of nanoseconds")
    if not 0 <= number <= _MAX_NANOS:
        raise Invalid(at, "must be from 0 to 2^64-1 (nanoseconds since the epoch)")
    return number


def _enum(value: Any, at: Path, prefix: str, size: int) -> int:
    """An OTLP enum: its number, or its name (``SPAN_KIND_CLIENT``); absent is 0."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size:
        return value
    if isinstance(value, str) and value.startswith(prefix):
        names = _KINDS if prefix == "SPAN_KIND_" else ("unset", "ok", "error")
        name = value[len(prefix) :].lower()
        if name in names:
            return names.index(name)
    raise Invalid(at, f"must be a number from 0 to {size - 1} or a {prefix}* name")


def _attributes(value: Any, at: Path) -> dict[str, Any]:
    """A list of ``{"key", "value": AnyValue}`` as a dict (the last of a repeated key wins)."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise Invalid(at, "must be an array")
    out: dict[str, Any] = {}
    for index, item in enumerate(value):
        where: Path = (*at, index)
        pair = _object(item, where)
        key = pair.get("key")
        if not isinstance(key, str):
            raise Invalid((*where, "key"), "must be a string")
        out[key] = _any_value(pair.get("value"), (*where, "value"))
    return out


def _any_value(value: Any, at: Path) -> Any:
    """An OTLP ``AnyValue`` as plain JSON data (bytes as base64 text, odd doubles as text)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid(at, "must be an object (an OTLP AnyValue)")
    if not value:
        return None
    if len(value) > 1:
        raise Invalid(at, f"must have one value, got {', '.join(sorted(value))}")
    ((kind, inner),) = value.items()
    where: Path = (*at, kind)
    if kind == "stringValue":
        return _string(inner, where) or ""
    if kind == "boolValue":
        if not isinstance(inner, bool):
            raise Invalid(where, "must be true or false")
        return inner
    if kind == "intValue":
        return _int64(inner, where)
    if kind == "doubleValue":
        return _double(inner, where)
    if kind == "bytesValue":
        return _string(inner, where) or ""
    if kind == "arrayValue":
        items = _items_of(inner, where)
        return [_any_value(item, (*where, "values", i)) for i, item in enumerate(items)]
    if kind == "kvlistValue":
        return _attributes(_object(inner, where).get("values"), (*where, "values"))
    raise Invalid(where, "is not an OTLP value type (stringValue, boolValue, intValue, ...)")


def _items_of(value: Any, at: Path) -> Sequence[Any]:
    values = _object(value, at).get("values")
    if values is None:
        return []
    if not isinstance(values, list):
        raise Invalid((*at, "values"), "must be an array")
    return values


def _int64(value: Any, at: Path) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.match(value):
        number = int(value)
    if number is None or not -_INT64 <= number < _INT64:
        raise Invalid(at, "must be a 64-bit integer (a number or its decimal text)")
    return number


def _double(value: Any, at: Path) -> Any:
    """A number; protobuf's ``"NaN"`` and ``"Infinity"`` are kept as text, never stored as such."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        if value in ("NaN", "Infinity", "-Infinity"):
            return value
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return number
    raise Invalid(at, "must be a number")
