"""The Django middleware with a real Django project (settings made here), via Django's client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from honeyhive_async import tracing
from tests.tracing.conftest import Recorder
from tests.tracing.web._apps import Boom, children_of_sessions, inputs, lookup, session_views

django = pytest.importorskip("django", reason="Django is an optional test extra")

from django.conf import settings  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path  # noqa: E402


def item(request: HttpRequest, item_id: int) -> HttpResponse:
    lookup(item_id)
    return JsonResponse({"ok": True})


def fail(request: HttpRequest) -> HttpResponse:
    lookup(1)
    raise Boom("weather API down")


def busy(request: HttpRequest) -> HttpResponse:
    return HttpResponse("later", status=503)


def stream(request: HttpRequest) -> HttpResponse:
    def body() -> Iterator[bytes]:
        for n in range(3):
            lookup(n)
            yield b"x"

    return StreamingHttpResponse(body())


urlpatterns = [
    path("items/<int:item_id>/", item),
    path("fail/", fail),
    path("busy/", busy),
    path("stream/", stream),
    path("api/", include([path("items/<int:item_id>/", item)])),
]

if not settings.configured:
    settings.configure(
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["honeyhive_async.tracing.web.DjangoMiddleware"],
        ALLOWED_HOSTS=["testserver"],
        SECRET_KEY="only-for-these-tests",
        USE_TZ=True,
        LOGGING_CONFIG=None,  # Django's logging setup would change the test run's loggers
    )
    django.setup()


def get(client: Client, url: str, **query: Any) -> int:
    """GET *url*, read the body to its end and close it (as a server does); the status."""
    response = client.get(url, query)
    if response.streaming:
        b"".join(response.streaming_content)  # type: ignore[arg-type]
    response.close()
    return int(response.status_code)


@pytest.fixture
def client() -> Client:
    """Django's test client; a view's exception becomes Django's own 500."""
    return Client(raise_request_exception=False)


async def test_n_requests_are_n_sessions_named_by_route(
    tracer: tracing.Tracer, recorder: Recorder, client: Client
) -> None:
    """Three requests are three sessions, named by the route template, each holding its call."""
    for n in (1, 2, 3):
        assert 200 == get(client, f"/items/{n}/", q="a")

    route = "/items/{item_id}/"
    expected = [
        (f"GET {route}", inputs("GET", route, {"item_id": n}, q="a"), {"status": 200}, None)
        for n in (1, 2, 3)
    ]
    assert expected == session_views(recorder)
    assert [("lookup", True)] * 3 == children_of_sessions(recorder)


async def test_a_views_exception_is_the_sessions_error_and_status_500(
    tracer: tracing.Tracer, recorder: Recorder, client: Client
) -> None:
    """Django answers 500; the session records the view's exception itself."""
    assert 500 == get(client, "/fail/")

    expected = [
        ("GET /fail/", inputs("GET", "/fail/", {}), {"status": 500}, "Boom: weather API down")
    ]
    assert expected == session_views(recorder)
    assert [("lookup", True)] == children_of_sessions(recorder)


async def test_statuses_includes_and_unrouted_paths(
    tracer: tracing.Tracer, recorder: Recorder, client: Client
) -> None:
    """A 503 is an error; an included route keeps its prefix; an unrouted path is its method."""
    assert [503, 200, 404] == [get(client, url) for url in ("/busy/", "/api/items/5/", "/no/")]

    expected = [
        ("GET /busy/", inputs("GET", "/busy/", {}), {"status": 503}, "HTTP 503"),
        (
            "GET /api/items/{item_id}/",
            inputs("GET", "/api/items/{item_id}/", {"item_id": 5}),
            {"status": 200},
            None,
        ),
        ("GET", inputs("GET", None, {}), {"status": 404}, None),
    ]
    assert expected == session_views(recorder)


async def test_a_streamed_body_ends_the_session_when_it_is_done(
    tracer: tracing.Tracer, recorder: Recorder, client: Client
) -> None:
    """The body's calls nest under the session, which ends once the body is read."""
    response = client.get("/stream/")
    assert [] == recorder.sessions
    assert b"xxx" == b"".join(response.streaming_content)  # type: ignore[arg-type]
    response.close()

    assert ["GET /stream/"] == [name for name, *_ in session_views(recorder)]
    assert [("lookup", True)] * 3 == children_of_sessions(recorder)


async def test_without_a_tracer_requests_run_untraced(recorder: Recorder, client: Client) -> None:
    """No tracer configured: Django answers as without the middleware, nothing is recorded."""
    assert [200, 500] == [get(client, url) for url in ("/items/1/", "/fail/")]
    assert [] == recorder.events
