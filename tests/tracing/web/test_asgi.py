"""The ASGI middleware with real Starlette and FastAPI apps, driven through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from honeyhive_async import tracing
from honeyhive_async.tracing.web import ASGIApp, ASGIMiddleware
from tests.tracing.conftest import Recorder, TracerFactory
from tests.tracing.web._apps import Boom, children_of_sessions, fetch, inputs, session_views


async def item(request: Request) -> Response:
    await fetch(request.path_params["item_id"])
    return JSONResponse({"ok": True})


async def fail(request: Request) -> Response:
    await fetch(1)
    raise Boom("weather API down")


async def busy(request: Request) -> Response:
    return PlainTextResponse("later", status_code=503)


async def stream(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        for n in range(3):
            await fetch(n)
            yield b"x"

    return StreamingResponse(body())


class HideRoute:
    """Takes ``scope["route"]`` away once the router set it, as Starlette before 1.8 never did."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        scope.pop("route", None)


def starlette_app(*inner: type[HideRoute]) -> Starlette:
    routes = [
        Route("/items/{item_id:int}", item),
        Route("/fail", fail),
        Route("/busy", busy),
        Route("/stream", stream),
        Mount("/v1", routes=[Route("/items/{item_id:int}", item)]),
    ]
    app = Starlette(routes=routes)
    for middleware in inner:
        app.add_middleware(middleware)
    app.add_middleware(ASGIMiddleware)
    return app


def fastapi_app() -> object:
    fastapi = pytest.importorskip("fastapi", reason="FastAPI is an optional test extra")
    app = fastapi.FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str | None = None) -> dict[str, int]:
        return await fetch(item_id)

    @app.get("/fail")
    async def failing() -> None:
        await fetch(1)
        raise Boom("weather API down")

    app.add_middleware(ASGIMiddleware)
    return app


def client(app: object) -> httpx.AsyncClient:
    """An httpx client calling *app* in the test's task (as a server calls it in its own)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://test")


APPS: dict[str, Callable[[], object]] = {"starlette": starlette_app, "fastapi": fastapi_app}
# The path parameters as the router leaves them: Starlette's converted, FastAPI's as text.
PARAMS: dict[str, Callable[[int], object]] = {"starlette": int, "fastapi": str}


@pytest.mark.parametrize("framework", APPS)
async def test_n_requests_are_n_sessions_named_by_route(
    tracer: tracing.Tracer, recorder: Recorder, framework: str
) -> None:
    """Three requests are three sessions, named by the route template, each holding its call."""
    async with client(APPS[framework]()) as http:
        for n in (1, 2, 3):
            assert 200 == (await http.get(f"/items/{n}", params={"q": "a"})).status_code

    route = "/items/{item_id}"
    param = PARAMS[framework]
    expected = [
        (f"GET {route}", inputs("GET", route, {"item_id": param(n)}, q="a"), {"status": 200}, None)
        for n in (1, 2, 3)
    ]
    assert expected == session_views(recorder)
    assert [("fetch", True)] * 3 == children_of_sessions(recorder)


@pytest.mark.parametrize("make", APPS.values(), ids=APPS.keys())
async def test_an_exception_is_the_sessions_error_and_status_500(
    tracer: tracing.Tracer, recorder: Recorder, make: Callable[[], object]
) -> None:
    """The app's exception is recorded and propagates to the framework, which answers 500."""
    async with client(make()) as http:
        assert 500 == (await http.get("/fail")).status_code

    expected = [
        ("GET /fail", inputs("GET", "/fail", {}), {"status": 500}, "Boom: weather API down")
    ]
    assert expected == session_views(recorder)
    assert [("fetch", True)] == children_of_sessions(recorder)


@pytest.mark.parametrize("inner", [(), (HideRoute,)], ids=["scope-route", "matched-again"])
async def test_statuses_mounts_and_unrouted_paths(
    tracer: tracing.Tracer, recorder: Recorder, inner: tuple[type[HideRoute], ...]
) -> None:
    """A 503 is an error; a mounted route keeps its prefix; an unrouted path is its method.

    The same whether the router leaves the route in the scope or the routes are matched again.
    """
    async with client(starlette_app(*inner)) as http:
        statuses = [(await http.get(p)).status_code for p in ("/busy", "/v1/items/5", "/no/1")]

    assert [503, 200, 404] == statuses
    expected = [
        ("GET /busy", inputs("GET", "/busy", {}), {"status": 503}, "HTTP 503"),
        (
            "GET /v1/items/{item_id}",
            inputs("GET", "/v1/items/{item_id}", {"item_id": 5}),
            {"status": 200},
            None,
        ),
        ("GET", inputs("GET", None, {}), {"status": 404}, None),
    ]
    assert expected == session_views(recorder)


async def test_a_streamed_body_is_one_session_holding_its_calls(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """The calls made while the body streams nest under the request's session."""
    async with client(starlette_app()) as http:
        assert b"xxx" == (await http.get("/stream")).content

    assert ["GET /stream"] == [name for name, *_ in session_views(recorder)]
    assert [("fetch", True)] * 3 == children_of_sessions(recorder)


async def test_a_request_inside_an_open_session_is_a_span_of_it(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """Called inside a session (a test's, say), the request is a chain span of it."""
    async with tracer.session("outer"), client(starlette_app()) as http:
        assert 200 == (await http.get("/items/7")).status_code

    request = recorder.named("GET /items/{item_id}")
    assert ["outer"] == [s["event_name"] for s in recorder.sessions]
    assert ("chain", request["session_id"]) == (request["event_type"], request["parent_id"])
    assert request["event_id"] == recorder.named("fetch")["parent_id"]


async def test_other_scopes_pass_through(tracer: tracing.Tracer, recorder: Recorder) -> None:
    """Lifespan (and websocket) scopes reach the app untouched and record nothing."""
    seen: list[str] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        seen.append(str(scope["type"]))

    await ASGIMiddleware(app)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]

    assert (["lifespan"], []) == (seen, recorder.events)


async def test_without_a_tracer_or_when_disabled_nothing_is_recorded(recorder: Recorder) -> None:
    """No tracer, or tracing disabled: the app answers as without the middleware."""
    async with client(starlette_app()) as http:
        assert 200 == (await http.get("/items/1")).status_code
        tracing.Tracer(recorder, project="tests")  # type: ignore[arg-type]
        tracing.disable()
        assert 500 == (await http.get("/fail")).status_code

    assert [] == recorder.events


async def test_a_sampled_out_request_records_nothing_at_all(
    make_tracer: TracerFactory, recorder: Recorder
) -> None:
    """Left out by sampling, the request's calls know it: no session of their own either."""
    make_tracer(sample_rate=0.0)
    async with client(starlette_app()) as http:
        assert 200 == (await http.get("/items/1")).status_code

    assert [] == recorder.events
