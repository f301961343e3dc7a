"""The aiohttp application: routes, handlers and the middlewares around them.

Middlewares, outermost first: error mapping (every failure becomes a JSON
answer), bearer authentication, fault injection. Handlers parse and check
the body, build events and hand them to the store, whose transaction is
committed before the answer is sent.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .. import __version__
from ._events import build_event, check_session_event, model_event_request, now_ms, plan_batch
from ._faults import FaultConfig, FaultInjector, fault_middleware
from ._ingest import otlp_traces, session_start
from ._openapi import openapi_document
from ._query import compile_query
from ._schemas import SCHEMAS
from ._store import EventStore
from ._validate import Invalid, check, read_json, without_items, write_json
from ._viewer import OPEN_ROUTES, guard, register

__all__ = ["DEFAULT_MAX_BODY_BYTES", "FAULTS_KEY", "STORE_KEY", "create_app"]

DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
STORE_KEY = web.AppKey("honeyhive_store", EventStore)
FAULTS_KEY = web.AppKey("honeyhive_faults", FaultInjector)
_MAX_BODY_KEY = web.AppKey("honeyhive_max_body_bytes", int)
_UNAUTHENTICATED = frozenset({("GET", "/healthz"), ("HEAD", "/healthz")}) | OPEN_ROUTES
_STATUS_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}

_log = logging.getLogger("honeyhive_async.server")


def _error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    body = {"success": False, "error": code, "message": message}
    return web.json_response(body, status=status, headers=headers)


def _http_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    messages = {
        404: f"no route {request.path}",
        405: f"{request.method} is not allowed on {request.path}",
        413: f"request body exceeds the limit of {request.app[_MAX_BODY_KEY]} bytes",
    }
    message = messages.get(exc.status, exc.reason)
    return _error(exc.status, _STATUS_CODES.get(exc.status, "http_error"), message, headers)


@web.middleware
async def _map_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every failure with a JSON body; nothing escapes as a crash."""
    try:
        return await handler(request)
    except Invalid as exc:
        return _error(400, exc.code, str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _http_error(request, exc)
    except ConnectionError:
        raise  # the client went away: there is no one to answer
    except Exception:
        _log.exception("unhandled error in %s %s", request.method, request.path)
        return _error(500, "internal_error", "the server failed to handle this request")


def _auth_middleware(api_key: str) -> Middleware:
    expected = api_key.encode()

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if (request.method, request.path) in _UNAUTHENTICATED:
            return await handler(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        given = token.strip().encode("utf-8", "surrogateescape")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, expected):
            message = "missing or wrong API key: send Authorization: Bearer <api key>"
            return _error(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})
        return await handler(request)

    return authenticate


def _store(request: web.Request) -> EventStore:
    return request.app[STORE_KEY]


async def _body(request: web.Request, schema: Mapping[str, Any]) -> dict[str, Any]:
    body = read_json(await request.read())
    check(body, schema)
    return body


async def create_event(request: web.Request) -> web.Response:
    """createEvent: store one event; a known ``event_id`` is acknowledged, not duplicated.

    A ``session`` event sent for a stored session is merged into it (see the store).
    """
    body = await _body(request, SCHEMAS["CreateEventBody"])
    check_session_event(body["event"], ("event",))
    event = build_event(body["event"], now=now_ms())
    await _store(request).insert([event])
    return web.json_response({"event_id": event["event_id"], "success": True})


async def create_model_event(request: web.Request) -> web.Response:
    """createModelEvent: store a model call as an event of type ``model``."""
    body = await _body(request, SCHEMAS["CreateModelEventBody"])
    event = build_event(model_event_request(body["model_event"]), now=now_ms())
    await _store(request).insert([event])
    return web.json_response({"event_id": event["event_id"], "success": True})


async def _create_batch(
    request: web.Request,
    items_key: str,
    item_schema: str,
    to_request: Callable[[Mapping[str, Any]], Mapping[str, Any]],
) -> web.Response:
    body_schema = _BATCH_SCHEMAS[items_key]
    body = await _body(request, body_schema)
    plan = plan_batch(
        body,
        items_key=items_key,
        item_schema=SCHEMAS[item_schema],
        to_request=to_request,
        now=now_ms(),
    )
    await _store(request).insert(plan.events, session=plan.session)
    event_ids = [event["event_id"] for event in plan.events]
    if plan.errors:
        failure = {"event_ids": event_ids, "errors": plan.errors, "success": False}
        return web.json_response(failure, status=500)
    return web.json_response(
        {"event_ids": event_ids, "session_id": plan.session_id, "success": True}
    )


_BATCH_SCHEMAS = {
    "events": without_items("CreateEventBatchRequestBody", "events"),
    "model_events": without_items("CreateModelEventBatchRequestBody", "model_events"),
}


async def create_event_batch(request: web.Request) -> web.Response:
    """createEventBatch: store the valid events in one transaction; 500 lists the rest."""
    return await _create_batch(request, "events", "CreateEventRequest", lambda item: item)


async def create_model_event_batch(request: web.Request) -> web.Response:
    """createModelEventBatch: like createEventBatch, for model events."""
    return await _create_batch(request, "model_events", "CreateModelEvent", model_event_request)


async def update_event(request: web.Request) -> web.Response:
    """updateEvent: merge objects key by key, replace duration; 200 with an empty body."""
    body = await _body(request, SCHEMAS["UpdateEventRequestBody"])
    if not await _store(request).update(body["event_id"], body):
        return _error(404, "event_not_found", f"no event with event_id {body['event_id']!r}")
    return web.Response(status=200)


async def get_events(request: web.Request) -> web.Response:
    """getEvents: one page of a project's matching events and the count of all matches."""
    body = await _body(request, SCHEMAS["GetEventsRequestBody"])
    events, total = await _store(request).query(compile_query(body))
    return web.json_response({"events": events, "totalEvents": total}, dumps=write_json)


async def healthz(request: web.Request) -> web.Response:
    """Liveness probe, open without a key."""
    return web.json_response({"status": "ok", "version": __version__})


async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document of these routes."""
    return web.json_response(openapi_document())


async def _end_stalls(app: web.Application) -> None:
    app[FAULTS_KEY].stopping.set()


async def _store_lifetime(app: web.Application) -> AsyncIterator[None]:
    store = app[STORE_KEY]
    await store.open()
    yield
    await store.close()


def create_app(
    *,
    api_key: str,
    db_path: str | None = None,
    faults: FaultConfig | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> web.Application:
    """Build the local HoneyHive Events API server as an aiohttp application.

    ``api_key`` is the bearer token every route but ``GET /healthz`` wants;
    ``db_path`` a SQLite file (``None``: in memory); ``faults`` turns on
    fault injection; bodies over ``max_body_bytes`` get a 413. The store
    opens when the app starts and closes on cleanup; reach it through
    ``app[STORE_KEY]``.
    """
    if not isinstance(api_key, str) or not api_key:
        raise ValueError("api_key must be a non-empty string")
    if (
        isinstance(max_body_bytes, bool)
        or not isinstance(max_body_bytes, int)
        or max_body_bytes < 1
    ):
        raise ValueError(f"max_body_bytes must be a whole number >= 1, got {max_body_bytes!r}")
    injector = FaultInjector(faults)
    middlewares = [guard, _map_errors, _auth_middleware(api_key), fault_middleware(injector)]
    app = web.Application(client_max_size=max_body_bytes, middlewares=middlewares)
    app[STORE_KEY] = EventStore(db_path)
    app[FAULTS_KEY] = injector
    app[_MAX_BODY_KEY] = max_body_bytes
    app.cleanup_ctx.append(_store_lifetime)
    app.on_shutdown.append(_end_stalls)
    app.router.add_post("/events", create_event)
    app.router.add_put("/events", update_event)
    app.router.add_post("/events/export", get_events)
    app.router.add_post("/events/model", create_model_event)
    app.router.add_post("/events/batch", create_event_batch)
    app.router.add_post("/events/model/batch", create_model_event_batch)
    app.router.add_post("/session/start", session_start)
    app.router.add_post("/opentelemetry/v1/traces", otlp_traces)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/openapi.json", openapi)
    register(app)
    return app
