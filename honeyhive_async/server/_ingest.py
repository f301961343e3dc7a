"""What HoneyHive's own tracers send: ``POST /session/start`` and OTLP traces.

HoneyHive's Python tracer (PyPI ``honeyhive`` 1.x) starts a session with
``POST /session/start`` and exports its spans with OTLP/HTTP to
``POST /opentelemetry/v1/traces``; any OpenTelemetry exporter can use the
second route too. Spans become events through the OpenTelemetry bridge's
mapping (:func:`honeyhive_async.otel._mapping.map_values`, which also reads
HoneyHive's ``honeyhive_*`` attributes); their ids are the bridge's
(:mod:`honeyhive_async.otel._ids`) unless the tracer named them. A span's
session is its ``honeyhive.session_id`` (else the trace's); a root span's
parent is its session; a session that was never started is made from its
spans, as a single-session batch makes one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from .._rules import MAX_DEPTH
from ..otel import _ids
from ..otel._honeyhive import ROUTING
from ..otel._mapping import map_values
from ._events import Event, build_event, build_session, now_ms
from ._openapi import SCHEMAS
from ._otlp import PROTOBUF_MISSING, Span, decode_json, decode_protobuf, protobuf_available
from ._store import EventStore
from ._validate import Invalid, check, read_json, write_json

__all__ = ["DEFAULT_PROJECT", "otlp_traces", "session_start", "span_events"]

DEFAULT_PROJECT = "default"
"""The project of a session or span that names none (HoneyHive infers it from the key)."""
_DEFAULT_SOURCE = "otel"
_LOCAL_ORG = "local"
_TOO_DEEP = f"hold values nested deeper than {MAX_DEPTH} levels"
_SESSION_FIELDS = (
    "config",
    "inputs",
    "outputs",
    "metadata",
    "metrics",
    "feedback",
    "user_properties",
    "error",
    "start_time",
    "end_time",
    "duration",
    "children_ids",
)


def _store(request: web.Request) -> EventStore:
    from ._app import STORE_KEY

    return request.app[STORE_KEY]


async def session_start(request: web.Request) -> web.Response:
    """startSession: store the session event; answer it with ``session_id``, as HoneyHive does."""
    body = read_json(await request.read())
    check(body, SCHEMAS["StartSessionBody"])
    props = body["session"]
    raw: dict[str, Any] = {key: props[key] for key in _SESSION_FIELDS if props.get(key) is not None}
    raw.update(
        project=props.get("project") or DEFAULT_PROJECT,
        source=props.get("source") or "unknown",
        event_name=props.get("session_name") or "session",
        event_type="session",
        event_id=props.get("session_id"),
        inputs=props.get("inputs") or {},
        config=props.get("config") or {},
        duration=props.get("duration") or 0,
    )
    event = build_event(raw, now=now_ms())
    await _store(request).insert([event])
    stored = await _store(request).get(event["event_id"]) or event
    answer = {
        **stored,
        "org_id": _LOCAL_ORG,
        "workspace_id": _LOCAL_ORG,
    }
    return web.json_response(answer, dumps=write_json)


async def otlp_traces(request: web.Request) -> web.Response:
    """Take an OTLP/HTTP ExportTraceServiceRequest: every span becomes an event."""
    media = request.content_type
    raw = await request.read()
    if media == "application/x-protobuf":
        if not protobuf_available():
            return _unsupported(PROTOBUF_MISSING)
        spans = decode_protobuf(raw)
    elif media == "application/json":
        spans = decode_json(raw)
    else:
        return _unsupported(
            f"Content-Type {media or '(none)'} is not OTLP: "
            "send application/json or application/x-protobuf"
        )
    store = _store(request)
    for session, events in _by_session(span_events(spans)).items():
        stored = await store.get(session)
        await store.insert(events, session=_session_for(session, events, stored, spans))
    if media == "application/x-protobuf":
        return web.Response(body=b"", content_type="application/x-protobuf")
    return web.json_response({"partialSuccess": {}})


def _unsupported(message: str) -> web.Response:
    body = {"success": False, "error": "unsupported_media_type", "message": message}
    return web.json_response(body, status=415)


def _first(attributes: Mapping[str, Any], names: Iterable[str]) -> str | None:
    for name in names:
        value = attributes.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def span_events(spans: list[Span]) -> list[Event]:
    """The events of decoded spans, in their order (ids and parents resolved among them)."""
    own_ids = {}
    for span in spans:
        values = span.values
        named = _first(values.attributes, ROUTING["event_id"])
        if named and values.trace_id is not None and values.span_id is not None:
            own_ids[(values.trace_id, values.span_id)] = named
    now = now_ms()
    return [_event(span, own_ids, now) for span in spans]


def _event(span: Span, own_ids: Mapping[tuple[int, int], str], now: int) -> Event:
    values = span.values
    trace, span_id = values.trace_id or 0, values.span_id or 0
    attributes = {**span.resource, **values.attributes}
    session = _first(attributes, ROUTING["session_id"]) or _ids.session_id(trace)
    if values.parent_span_id is None:
        parent = session
    else:
        key = (trace, values.parent_span_id)
        parent = own_ids.get(key) or _ids.event_id(*key)
    try:
        fields = map_values(values)
    except RecursionError:
        raise Invalid((*span.path, "attributes"), _TOO_DEEP) from None
    start, end = values.start_time / 1e6, span.end_time / 1e6
    raw: dict[str, Any] = {
        "event_name": span.name or "span",
        **fields,
        "project": _first(attributes, ROUTING["project"]) or "",
        "source": _first(attributes, ROUTING["source"]) or "",
        "event_id": own_ids.get((trace, span_id)) or _ids.event_id(trace, span_id),
        "session_id": session,
        "parent_id": parent,
        "start_time": start,
        "end_time": end,
        "duration": end - start,
    }
    if values.start_time == 0:
        raw.pop("start_time")
        raw["duration"] = 0
        raw.pop("end_time")
    event = build_event(_clean(raw), now=now)
    if not _within(event, MAX_DEPTH):
        raise Invalid((*span.path, "attributes"), _TOO_DEEP)
    return event


def _by_session(events: list[Event]) -> dict[str, list[Event]]:
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(event["session_id"], []).append(event)
    return groups


def _session_for(
    session: str, events: list[Event], stored: Mapping[str, Any] | None, spans: list[Span]
) -> Event:
    """Fill in project and source from the stored session, and build it when there is none."""
    project = (stored or {}).get("project_id") or next(
        (e["project"] for e in events if e["project"]), DEFAULT_PROJECT
    )
    source = (stored or {}).get("source") or next(
        (e["source"] for e in events if e["source"]), _DEFAULT_SOURCE
    )
    for event in events:
        event["project"] = event["project"] or project
        event["source"] = event["source"] or source
    roots = [e for e in events if e["parent_id"] == session]
    names = (_first(s.values.attributes, ROUTING["session_name"]) for s in spans)
    name = next((n for n in names if n), None) or (roots[0]["event_name"] if roots else None)
    return build_session({"session_name": name, "source": source}, session, events)


def _clean(value: Any) -> Any:
    """*value* with text that is not valid Unicode mended and numbers that are not finite as text.

    Attribute values that hold JSON are parsed by the mapping, which may
    find ``NaN`` or a lone surrogate escape in them: neither can be stored.
    """
    if isinstance(value, str):
        if value.isascii():
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    return value


def _within(value: Any, limit: int) -> bool:
    """Whether *value* nests at most *limit* containers deep."""
    level = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return True
    return False
