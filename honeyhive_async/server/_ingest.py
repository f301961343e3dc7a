"""What HoneyHive's own tracers send: ``POST /session/start`` and OTLP traces.

HoneyHive's Python tracer (PyPI ``honeyhive`` 1.x) starts a session with
``POST /session/start`` and exports its spans with OTLP/HTTP to
``POST /opentelemetry/v1/traces``; any OpenTelemetry exporter can use the
second route too. The request is decoded whole (:mod:`._otlp`) before its
spans become events (:mod:`._spans`); a session that was never started is
made from its spans, as a single-session batch makes one. Both modules are
imported on the first OTLP request: importing the server stays light.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._fields import SESSION_FIELDS
from ._events import build_event, now_ms
from ._schemas import SCHEMAS
from ._store import EventStore
from ._validate import check, read_json, write_json

__all__ = ["DEFAULT_PROJECT", "otlp_traces", "session_start"]

DEFAULT_PROJECT = "default"
"""The project of a session that names none (HoneyHive infers it from the key)."""
_LOCAL_ORG = "local"
_NAMING = ("session_name", "source", "session_id")
_SESSION_FIELDS = (
    *(name for name in SESSION_FIELDS if name not in _NAMING),
    "start_time",
    "end_time",
    "duration",
    "children_ids",
)
"""What a started session keeps as given: the session properties (less what names it) and times."""


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
    from . import _otlp, _spans

    media = request.content_type
    raw = await request.read()
    if media == "application/x-protobuf":
        if not _otlp.protobuf_available():
            return _unsupported(_otlp.PROTOBUF_MISSING)
        spans = _otlp.decode_protobuf(raw)
    elif media == "application/json":
        spans = _otlp.decode_json(raw)
    else:
        return _unsupported(
            f"Content-Type {media or '(none)'} is not OTLP: "
            "send application/json or application/x-protobuf"
        )
    store = _store(request)
    for session, events in _spans.by_session(_spans.span_events(spans)).items():
        stored = await store.get(session)
        await store.insert(events, session=_spans.session_for(session, events, stored, spans))
    if media == "application/x-protobuf":
        return web.Response(body=b"", content_type="application/x-protobuf")
    return web.json_response({"partialSuccess": {}})


def _unsupported(message: str) -> web.Response:
    body = {"success": False, "error": "unsupported_media_type", "message": message}
    return web.json_response(body, status=415)
