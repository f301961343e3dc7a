"""The WSGI middleware with a real Flask app, through Flask's (werkzeug's) test client."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, Response, stream_with_context

from honeyhive_async import tracing
from honeyhive_async.testing import BackgroundServer
from honeyhive_async.tracing.web import WSGIMiddleware
from tests.tracing.conftest import Recorder
from tests.tracing.web._apps import Boom, children_of_sessions, inputs, lookup, session_views


def flask_app() -> Flask:
    app = Flask(__name__)

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, bool]:
        lookup(item_id)
        return {"ok": True}

    @app.get("/fail")
    def fail() -> str:
        lookup(1)
        raise Boom("weather API down")

    @app.get("/busy")
    def busy() -> tuple[str, int]:
        return "later", 503

    @app.get("/stream")
    def stream() -> Response:
        def body() -> Iterator[str]:
            for n in range(3):
                lookup(n)
                yield "x"

        return Response(stream_with_context(body()))

    app.wsgi_app = WSGIMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


def get(app: Flask, path: str, **options: Any) -> int:
    """GET *path*, read the body to its end and close it (as a server does); the status."""
    with app.test_client().get(path, **options) as response:
        response.get_data()
        return response.status_code


@pytest.fixture
def app() -> Flask:
    """The Flask app, wrapped."""
    return flask_app()


async def test_n_requests_are_n_sessions_named_by_route(
    tracer: tracing.Tracer, recorder: Recorder, app: Flask
) -> None:
    """Three requests are three sessions, named by the route template, each holding its call."""
    for n in (1, 2, 3):
        assert 200 == get(app, f"/items/{n}", query_string={"q": ["a", "b"]})

    route = "/items/{item_id}"
    expected = [
        (f"GET {route}", inputs("GET", route, {"item_id": n}, q=["a", "b"]), {"status": 200}, None)
        for n in (1, 2, 3)
    ]
    assert expected == session_views(recorder)
    assert [("lookup", True)] * 3 == children_of_sessions(recorder)


async def test_an_exception_is_a_500_and_the_sessions_error(
    tracer: tracing.Tracer, recorder: Recorder, app: Flask
) -> None:
    """Flask answers 500 itself; the session has that status as its error."""
    assert 500 == get(app, "/fail")

    expected = [("GET /fail", inputs("GET", "/fail", {}), {"status": 500}, "HTTP 500")]
    assert expected == session_views(recorder)
    assert [("lookup", True)] == children_of_sessions(recorder)


async def test_an_exception_leaving_the_app_is_the_sessions_error(
    tracer: tracing.Tracer, recorder: Recorder, app: Flask
) -> None:
    """With exceptions propagated (testing mode), the exception itself is recorded."""
    app.testing = True
    with pytest.raises(Boom):
        get(app, "/fail")

    expected = [("GET", inputs("GET", None, {}), {"status": 500}, "Boom: weather API down")]
    assert expected == session_views(recorder)


async def test_statuses_and_unrouted_paths(
    tracer: tracing.Tracer, recorder: Recorder, app: Flask
) -> None:
    """A 503 is an error; an unrouted path is named by its method."""
    assert [503, 404] == [get(app, path) for path in ("/busy", "/no/1")]

    expected = [
        ("GET /busy", inputs("GET", "/busy", {}), {"status": 503}, "HTTP 503"),
        ("GET", inputs("GET", None, {}), {"status": 404}, None),
    ]
    assert expected == session_views(recorder)


async def test_a_streamed_body_ends_the_session_when_it_is_done(
    tracer: tracing.Tracer, recorder: Recorder, app: Flask
) -> None:
    """The body's calls nest under the session, which ends only once the body is read."""
    response = app.test_client().get("/stream", buffered=False)
    assert [] == recorder.sessions
    assert b"xxx" == b"".join(response.response)  # type: ignore[arg-type]
    response.close()

    assert ["GET /stream"] == [name for name, *_ in session_views(recorder)]
    assert [("lookup", True)] * 3 == children_of_sessions(recorder)


def test_with_configure_the_sessions_reach_the_server(
    honeyhive_server: BackgroundServer, honeyhive_project: str
) -> None:
    """Under ``tracing.configure()`` (no loop: the background sink) the server stores N trees."""
    tracing.configure(
        project=honeyhive_project, api_key=honeyhive_server.api_key, server_url=honeyhive_server.url
    )
    try:
        app = flask_app()
        assert [200, 200, 200] == [get(app, f"/items/{n}") for n in (1, 2, 3)]
        assert 6 == tracing.flush(timeout=10).sent  # three sessions, a lookup in each
    finally:
        tracing.shutdown(timeout=10)

    shapes = honeyhive_server.shapes_sync(project=honeyhive_project)
    assert [("GET /items/{item_id}", [("lookup", [])])] * 3 == shapes


async def test_an_answer_nobody_reads_ends_its_session_when_collected(
    tracer: tracing.Tracer, recorder: Recorder, app: Flask
) -> None:
    """A test client's answer whose body is never read nor closed still ends its session."""
    statuses = [app.test_client().get(f"/items/{n}").status_code for n in (1, 2)]
    gc.collect()  # CPython has collected them already; other interpreters may need this

    assert ([200, 200], ["GET /items/{item_id}"] * 2) == (
        statuses,
        [name for name, *_ in session_views(recorder)],
    )


async def test_without_a_tracer_requests_run_untraced(recorder: Recorder, app: Flask) -> None:
    """No tracer configured: the app answers as without the middleware, nothing is recorded."""
    assert [200, 500] == [get(app, path) for path in ("/items/1", "/fail")]
    assert [] == recorder.events


class FailingBody:
    """A body that fails after its first piece, or whose close fails."""

    def __init__(self, fail_in: str) -> None:
        self.fail_in = fail_in
        self.sent = 0

    def __iter__(self) -> FailingBody:
        return self

    def __next__(self) -> bytes:
        if self.sent and self.fail_in == "next":
            raise Boom("stream broke")
        self.sent += 1
        if self.sent > 1:
            raise StopIteration
        return lookup(1) and b"x"

    def close(self) -> None:
        if self.fail_in == "close":
            raise Boom("close failed")


@pytest.mark.parametrize(
    ("fail_in", "error"), [("next", "Boom: stream broke"), ("close", "Boom: close failed")]
)
async def test_a_body_that_fails_is_the_sessions_error(
    tracer: tracing.Tracer, recorder: Recorder, fail_in: str, error: str
) -> None:
    """A body that raises while it is read or closed: the error is recorded, and propagates."""

    def app(environ: dict[str, Any], start_response: Any) -> FailingBody:
        start_response("200 OK", [])
        return FailingBody(fail_in)

    def read_and_close() -> None:
        body = WSGIMiddleware(app)({"REQUEST_METHOD": "GET"}, lambda status, headers: None)
        try:
            b"".join(body)
        finally:
            body.close()  # type: ignore[attr-defined]

    with pytest.raises(Boom):
        read_and_close()

    assert [("GET", inputs("GET", None, {}), {"status": 200}, error)] == session_views(recorder)
    assert [("lookup", True)] == children_of_sessions(recorder)
