"""aiohttp.web's middleware with a real application and aiohttp's own test server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from honeyhive_async import tracing
from honeyhive_async.tracing.web import aiohttp_middleware
from tests.tracing.conftest import Recorder
from tests.tracing.web._apps import Boom, children_of_sessions, fetch, inputs, session_views


async def item(request: web.Request) -> web.Response:
    await fetch(int(request.match_info["item_id"]))
    await fetch(0)
    return web.json_response({"ok": True})


async def fail(request: web.Request) -> web.Response:
    await fetch(1)
    raise Boom("weather API down")


async def missing(request: web.Request) -> web.Response:
    raise web.HTTPNotFound()


async def unavailable(request: web.Request) -> web.Response:
    return web.Response(status=503)


async def stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    for n in range(3):
        await fetch(n)
        await response.write(b"x")
    await response.write_eof()
    return response


def make_app() -> web.Application:
    app = web.Application(middlewares=[aiohttp_middleware])
    app.router.add_get("/items/{item_id}", item)
    app.router.add_get("/fail", fail)
    app.router.add_get("/missing", missing)
    app.router.add_get("/busy", unavailable)
    app.router.add_get("/stream", stream)
    return app


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A client of the app, served by aiohttp's test server on a free loopback port."""
    async with TestClient(TestServer(make_app())) as client:
        yield client


async def test_n_requests_are_n_sessions_named_by_route(
    tracer: tracing.Tracer, recorder: Recorder, client: TestClient[web.Request, web.Application]
) -> None:
    """Three requests are three sessions, named by the route, with their inputs and status."""
    for n in (1, 2, 3):
        assert 200 == (await client.get(f"/items/{n}", params={"q": "a b", "tag": "x"})).status

    expected = [
        (
            "GET /items/{item_id}",
            inputs("GET", "/items/{item_id}", {"item_id": f"{n}"}, q="a b", tag="x"),
            {"status": 200},
            None,
        )
        for n in (1, 2, 3)
    ]
    assert expected == session_views(recorder)
    assert [("fetch", True)] * 6 == children_of_sessions(recorder)


async def test_an_exception_is_the_sessions_error_and_status_500(
    tracer: tracing.Tracer, recorder: Recorder, client: TestClient[web.Request, web.Application]
) -> None:
    """The handler's exception is recorded, the response is aiohttp's own 500."""
    response = await client.get("/fail")

    assert 500 == response.status
    expected = [
        ("GET /fail", inputs("GET", "/fail", {}), {"status": 500}, "Boom: weather API down")
    ]
    assert expected == session_views(recorder)
    assert [("fetch", True)] == children_of_sessions(recorder)


async def test_http_exceptions_are_answers_and_5xx_statuses_errors(
    tracer: tracing.Tracer, recorder: Recorder, client: TestClient[web.Request, web.Application]
) -> None:
    """A raised 404 is a status, a 503 an error; an unrouted path is named by its method."""
    statuses = [(await client.get(path)).status for path in ("/missing", "/busy", "/nowhere/42")]

    assert [404, 503, 404] == statuses
    expected = [
        ("GET /missing", inputs("GET", "/missing", {}), {"status": 404}, None),
        ("GET /busy", inputs("GET", "/busy", {}), {"status": 503}, "HTTP 503"),
        ("GET", inputs("GET", None, {}), {"status": 404}, None),
    ]
    assert expected == session_views(recorder)


async def test_a_streamed_response_is_one_session_holding_its_calls(
    tracer: tracing.Tracer, recorder: Recorder, client: TestClient[web.Request, web.Application]
) -> None:
    """The calls made while the body is written nest under the request's session."""
    assert b"xxx" == await (await client.get("/stream")).read()

    assert ["GET /stream"] == [name for name, *_ in session_views(recorder)]
    assert [("fetch", True)] * 3 == children_of_sessions(recorder)


async def test_without_a_tracer_requests_run_untraced(
    recorder: Recorder, client: TestClient[web.Request, web.Application]
) -> None:
    """No tracer configured: the app answers as without the middleware, nothing is recorded."""
    assert 200 == (await client.get("/items/1")).status
    assert 500 == (await client.get("/fail")).status
    assert [] == recorder.events
