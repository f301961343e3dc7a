"""Property tests: whatever the path, query string and headers, the middleware changes no answer.

Each example is one request with odd parts (any text in the path, any
bytes in the query string and headers), handled by a real app with and
without the middleware: the answers (or the exceptions) are the same, and
one session is recorded, or none when opening it was made to fail (and
one still when capturing its inputs fails as it closes).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from flask import Flask, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from honeyhive_async import tracing
from honeyhive_async.tracing.web import ASGIMiddleware, WSGIMiddleware, aiohttp_middleware
from tests.tracing.conftest import Recorder, TracerFactory

PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FAILURES = st.sampled_from(["none", "open", "close"])
paths = st.text(max_size=30).map(lambda text: "/" + text)
headers = st.lists(
    st.tuples(st.binary(min_size=1, max_size=12), st.binary(max_size=24)), max_size=5
)


def install(make_tracer: TracerFactory, recorder: Recorder, failure: str) -> tracing.Tracer:
    """A fresh tracer that fails when a session opens ("open") or while it is recorded ("close")."""
    recorder.clear()
    tracer = make_tracer()

    def broken(value: Any) -> Any:
        raise RuntimeError("recording failed")

    if failure == "open":  # every new session asks whether it is sampled
        tracer.samples = broken  # type: ignore[method-assign]
    elif failure == "close":  # the request's inputs are captured when it ends
        tracer.capture = broken  # type: ignore[method-assign]
    return tracer


def sessions_expected(failure: str) -> int:
    """A request records one session (without its inputs if capturing failed), or none."""
    return 0 if failure == "open" else 1


# -- ASGI: Starlette ------------------------------------------------------------------------


async def echo(request: Request) -> Response:
    return JSONResponse(
        {
            "path": request.url.path,
            "query": sorted(request.query_params.multi_items()),
            "headers": sorted(request.headers.items()),
            "id": request.path_params.get("item_id"),
        }
    )


STARLETTE = Starlette(routes=[Route("/items/{item_id}", echo), Route("/{rest:path}", echo)])


async def asgi_answer(app: Any, path: str, query: bytes, head: list[tuple[bytes, bytes]]) -> Any:
    """What *app* sends for the request, or the exception it raises."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogatepass"),
        "query_string": query,
        "root_path": "",
        "headers": head,
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
    }
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    try:
        await app(scope, receive, send)
    except Exception as exc:
        return (type(exc), str(exc))
    return sent


@PROPERTY
@given(path=paths, query=st.binary(max_size=40), head=headers, failure=FAILURES)
async def test_asgi_answers_are_unchanged(
    make_tracer: TracerFactory,
    recorder: Recorder,
    path: str,
    query: bytes,
    head: list[tuple[bytes, bytes]],
    failure: str,
) -> None:
    """Starlette answers the same with the middleware; one session per request (or none)."""
    bare = await asgi_answer(STARLETTE, path, query, head)
    tracer = install(make_tracer, recorder, failure)

    assert bare == await asgi_answer(ASGIMiddleware(STARLETTE), path, query, head)
    assert sessions_expected(failure) == len(recorder.sessions)
    tracer.uninstall()


# -- WSGI: Flask -------------------------------------------------------------------------------

FLASK = Flask(__name__)


@FLASK.route("/items/<item_id>")
@FLASK.route("/", defaults={"item_id": None, "rest": ""})
@FLASK.route("/<path:rest>", defaults={"item_id": None})
def flask_echo(item_id: str | None = None, rest: str = "") -> dict[str, Any]:
    return {
        "path": request.path,
        "query": sorted(request.args.items(multi=True)),
        "headers": sorted(request.headers.items()),
        "id": item_id,
    }


def wsgi_answer(
    app: Callable[..., Any], path: str, query: str, head: list[tuple[bytes, bytes]]
) -> Any:
    """The status, headers and body *app* answers, or the exception it raises."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path.encode("utf-8", "surrogatepass").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in head:
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        environ[key] = value.decode("latin-1")
    started: list[Any] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
        started.append((status, headers))
        return lambda data: None

    try:
        body = app(environ, start_response)
        try:
            data = b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
    except Exception as exc:
        return (type(exc), str(exc))
    return started, data


@PROPERTY
@given(path=paths, query=st.text(max_size=40), head=headers, failure=FAILURES)
async def test_wsgi_answers_are_unchanged(
    make_tracer: TracerFactory,
    recorder: Recorder,
    path: str,
    query: str,
    head: list[tuple[bytes, bytes]],
    failure: str,
) -> None:
    """Flask answers the same with the middleware; one session per request (or none)."""
    bare = wsgi_answer(FLASK.wsgi_app, path, query, head)
    tracer = install(make_tracer, recorder, failure)

    assert bare == wsgi_answer(WSGIMiddleware(FLASK.wsgi_app), path, query, head)
    assert sessions_expected(failure) == len(recorder.sessions)
    tracer.uninstall()


# -- aiohttp.web ----------------------------------------------------------------------------


async def aiohttp_echo(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "path": request.path,
            "query": sorted(request.query.items()),
            "headers": sorted((k, v) for k, v in request.headers.items() if k != "Host"),
            "id": request.match_info.get("item_id"),
        }
    )


def aiohttp_app(*middlewares: Any) -> web.Application:
    app = web.Application(middlewares=middlewares)
    app.router.add_get("/items/{item_id}", aiohttp_echo)
    app.router.add_get("/{rest:.*}", aiohttp_echo)
    return app


header_names = st.from_regex(r"\AX-[A-Za-z0-9-]{1,12}\Z")
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)


async def aiohttp_answer(app: web.Application, path: str, query: str, head: dict[str, str]) -> Any:
    async with TestClient(TestServer(app)) as client:
        response = await client.get(path, params=query, headers=head)
        return response.status, await response.read()


@settings(PROPERTY, max_examples=25)
@given(
    path=paths.filter(lambda p: "\x00" not in p),
    query=st.text(max_size=40),
    head=st.dictionaries(header_names, header_values.map(str.strip), max_size=4),
    failure=FAILURES,
)
async def test_aiohttp_answers_are_unchanged(
    make_tracer: TracerFactory,
    recorder: Recorder,
    path: str,
    query: str,
    head: dict[str, str],
    failure: str,
) -> None:
    """aiohttp answers the same with the middleware; one session per request (or none)."""
    bare = await aiohttp_answer(aiohttp_app(), path, query, head)
    tracer = install(make_tracer, recorder, failure)

    assert bare == await aiohttp_answer(aiohttp_app(aiohttp_middleware), path, query, head)
    assert sessions_expected(failure) == len(recorder.sessions)
    tracer.uninstall()
