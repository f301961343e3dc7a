"""Authentication and the JSON answers to bad requests: 400, 401, 404, 405, 413."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from honeyhive_async.server import LocalServer

from ._support import Api, make_event


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic {key}"},
        {"Authorization": "{key}"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer é"},
    ],
)
async def test_missing_or_wrong_key_is_401(server: LocalServer, headers: dict[str, str]) -> None:
    """Requests without the right bearer token get a JSON 401 and store nothing."""
    headers = {name: value.format(key=server.api_key) for name, value in headers.items()}
    async with aiohttp.ClientSession(server.url, headers=headers) as session:
        status, body = await Api(session).post("/events", {"event": make_event()})

    expected = (401, "unauthorized", 0)
    assert expected == (status, body["error"], await server.store.count())


async def test_bearer_scheme_is_case_insensitive(server: LocalServer) -> None:
    """The auth scheme may be spelled in any case."""
    headers = {"Authorization": f"bearer {server.api_key}"}
    async with aiohttp.ClientSession(server.url, headers=headers) as session:
        status, _ = await Api(session).export()

    expected = 200
    assert expected == status


@pytest.mark.parametrize(("path", "expected"), [("/healthz", 200), ("/openapi.json", 401)])
async def test_only_healthz_is_open(server: LocalServer, path: str, expected: int) -> None:
    """GET /healthz needs no key; everything else does."""
    async with aiohttp.ClientSession(server.url) as session, session.get(path) as response:
        actual = (response.status, response.content_type)

    assert (expected, "application/json") == actual


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "body: is empty; expected a JSON object"),
        (b"{", "body: is not valid JSON"),
        (b"[]", "body: must be a JSON object"),
        (b'"event"', "body: must be a JSON object"),
        (b'{"event": NaN}', "body: is not valid JSON"),
        (b"\xff\xfe{}", "body: is not valid JSON"),
        (b'{"a":' * 200 + b"1" + b"}" * 200, "body: is nested deeper than 100 levels"),
        (b"[" * 100_000 + b"]" * 100_000, "body: is nested deeper than 100 levels"),
    ],
)
async def test_bad_json_is_400(api: Api, server: LocalServer, raw: bytes, message: str) -> None:
    """A body that is not a JSON object is a 400 naming the problem."""
    headers = {"Content-Type": "application/json"}

    status, body = await api.post("/events", data=raw, headers=headers)

    expected = (400, "invalid_json", message, 0)
    count = await server.store.count()
    assert expected == (status, body["error"], body["message"][: len(message)], count)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"event_id": "s-1", "session_id": "s-2"},
            "event.session_id: must equal event_id in a session event, which is its own "
            "session (got event_id 's-1', session_id 's-2')",
        ),
        (
            {"session_id": "s-1", "parent_id": "p-1"},
            "event.parent_id: must be absent: a session event has no parent",
        ),
        (
            {"event_id": "s-1", "session_id": "s-1", "parent_id": "s-1"},
            "event.parent_id: must be absent: a session event has no parent",
        ),
    ],
)
async def test_session_event_breaking_the_session_rules_is_400(
    api: Api, server: LocalServer, fields: dict[str, Any], message: str
) -> None:
    """A session event whose ids differ, or that has a parent, is a 400 naming the field."""
    event = make_event(event_type="session", **fields)

    status, body = await api.post("/events", {"event": event})

    expected = (400, "invalid_request", message, 0)
    assert expected == (status, body["error"], body["message"], await server.store.count())


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/events", {}, "event: is required"),
        ("/events", {"event": []}, "event: must be an object"),
        (
            "/events",
            {"event": make_event(event_type="span")},
            "event.event_type: must be one of model, tool, chain, session",
        ),
        ("/events", {"event": make_event(inputs=None)}, "event.inputs: is required"),
        (
            "/events",
            {"event": make_event(start_time="now")},
            "event.start_time: must be a finite number",
        ),
        (
            "/events",
            {"event": make_event(duration=2**70)},
            "event.duration: must be a finite number",
        ),
        (
            "/events",
            {"event": make_event(event_name="\ud800")},
            "event.event_name: must be valid Unicode text",
        ),
        ("/events/model", {"model_event": {"project": "p"}}, "model_event.model: is required"),
        ("/events/model", {"model_event": {}}, "model_event.project: is required"),
        ("/events/batch", {}, "events: is required"),
        ("/events/batch", {"events": {}}, "events: must be an array"),
        (
            "/events/batch",
            {"events": [], "is_single_session": "yes"},
            "is_single_session: must be a boolean",
        ),
        (
            "/events/batch",
            {"events": [], "session_properties": {"session_id": 1}},
            "session_properties.session_id: must be a string",
        ),
        ("/events/model/batch", {"model_events": "x"}, "model_events: must be an array"),
        ("/events/export", {"filters": []}, "project: is required"),
        ("/events/export", {"project": "p", "filters": [[]]}, "filters[0]: must be an object"),
    ],
)
async def test_schema_violation_is_400(
    api: Api, server: LocalServer, path: str, body: dict[str, Any], message: str
) -> None:
    """A body that breaks the schema is a 400 whose message names the field path."""
    status, answer = await api.post(path, body)

    expected = (400, "invalid_request", message, 0)
    count = await server.store.count()
    assert expected == (status, answer["error"], answer["message"][: len(message)], count)


async def test_overflowing_number_is_400(api: Api) -> None:
    """A JSON number too large for a float (1e400) is not a finite duration."""
    raw = json.dumps({"event": make_event(duration=0)}).replace(
        '"duration": 0', '"duration": 1e400'
    )

    status, body = await api.post("/events", data=raw.encode())

    expected = (400, "event.duration: must be a finite number")
    assert expected == (status, body["message"])


async def test_update_schema_violation_is_400(api: Api) -> None:
    """updateEvent checks its body too."""
    actual = await api.call("PUT", "/events", {"event_id": "e", "metadata": [1]})

    expected = {
        "success": False,
        "error": "invalid_request",
        "message": "metadata: must be an object",
    }
    assert (400, expected) == actual


async def test_unknown_route_is_404(api: Api) -> None:
    """An unknown path is a JSON 404."""
    actual = await api.post("/events/nope", {})

    expected = (
        404,
        {"success": False, "error": "not_found", "message": "no route /events/nope"},
    )
    assert expected == actual


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/events", "POST,PUT"),
        ("DELETE", "/events/export", "POST"),
        ("POST", "/healthz", "GET,HEAD"),
    ],
)
async def test_wrong_method_is_405(api: Api, method: str, path: str, allow: str) -> None:
    """A known path with the wrong method is a JSON 405 with an Allow header."""
    async with api.session.request(method, path) as response:
        actual = (
            response.status,
            sorted(response.headers["Allow"].split(",")),
            await response.json(),
        )

    expected = {
        "success": False,
        "error": "method_not_allowed",
        "message": f"{method} is not allowed on {path}",
    }
    assert (405, sorted(allow.split(",")), expected) == actual


async def test_body_over_the_limit_is_413() -> None:
    """A body larger than max_body_bytes is a JSON 413 and the server goes on."""
    async with LocalServer(max_body_bytes=1024) as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        async with aiohttp.ClientSession(server.url, headers=headers) as session:
            api = Api(session)
            big = await api.post("/events", {"event": make_event(inputs={"x": "y" * 2000})})
            small = await api.post("/events", {"event": make_event()})
        count = await server.store.count()

    expected = {
        "success": False,
        "error": "payload_too_large",
        "message": "request body exceeds the limit of 1024 bytes",
    }
    assert ((413, expected), 200, 1) == (big, small[0], count)


@pytest.mark.parametrize(
    "options", [{"api_key": ""}, {"max_body_bytes": 0}, {"max_body_bytes": True}]
)
def test_bad_server_options_are_refused(options: dict[str, Any]) -> None:
    """LocalServer and create_app refuse an empty key or a bad body limit."""
    with pytest.raises(ValueError, match=r"api_key|max_body_bytes"):
        LocalServer(**{"api_key": "k", **options})


async def test_server_stays_up_after_bad_requests(api: Api) -> None:
    """After a run of bad requests the server still stores and answers."""
    for raw in (b"{", b"[]", b"null", b'{"event": 1}'):
        await api.post("/events", data=raw)

    event_id = await api.create()

    assert [event_id] == [e["event_id"] for e in (await api.export())[1]["events"]]
