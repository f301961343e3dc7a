"""The SDK end to end against the local server, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from honeyhive_async import HoneyHive, HoneyHiveCore, RetryConfig, errors, funcs, models
from honeyhive_async._codec import Encoded
from honeyhive_async._pipeline import execute
from honeyhive_async.funcs.events_get_events import OPERATION as GET_EVENTS
from honeyhive_async.server import LocalServer
from tests.conftest import INSTANT_RETRY, SleepRecorder

PROJECT = "integration"


def event(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "project": PROJECT,
        "source": "test",
        "event_name": name,
        "event_type": "chain",
        "config": {},
        "inputs": {},
        "duration": 10,
        **fields,
    }


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    """A fresh in-memory server on a free loopback port."""
    async with LocalServer(max_body_bytes=64 * 1024) as srv:
        yield srv


@pytest.fixture
async def live(server: LocalServer) -> AsyncIterator[HoneyHiveCore]:
    """A core aimed at the local server, retrying without real waits."""
    async with HoneyHiveCore(
        bearer_auth=server.api_key,
        server_url=server.url,
        retry_config=INSTANT_RETRY,
        sleep=SleepRecorder(),
    ) as core:
        yield core


async def query(core: HoneyHiveCore, *filters: dict[str, str], **options: Any) -> Any:
    res = await funcs.events_get_events(
        core, {"project": PROJECT, "filters": list(filters), **options}
    )
    return res.unwrap()


async def test_create_query_update_query(live: HoneyHiveCore) -> None:
    """Create, find it by a dotted-path filter, update it, and see the update."""
    created = await funcs.events_create_event(
        live, {"event": event("answer", metadata={"cost": 0.5}, inputs={"q": "hi"})}
    )
    event_id = created.unwrap().event_id

    found = await query(
        live,
        {"field": "metadata.cost", "operator": "greater than", "value": "0.1", "type": "number"},
    )
    assert [event_id] == [e.event_id for e in found.events]

    updated = await funcs.events_update_event(
        live,
        {
            "event_id": event_id,
            "metadata": {"judge": "ok"},
            "feedback": {"rating": 4},
            "duration": 99,
        },
    )
    assert updated.ok

    (stored,) = (
        await query(
            live, {"field": "feedback.rating", "operator": "is", "value": "4", "type": "number"}
        )
    ).events
    assert ({"cost": 0.5, "judge": "ok"}, 99) == (stored.metadata, stored.duration)


async def test_retried_create_is_stored_once(live: HoneyHiveCore) -> None:
    """Sending the same event id twice (as a retry does) keeps one event."""
    body = {"event": event("once", event_id="11111111-1111-4111-8111-111111111111")}
    first = (await funcs.events_create_event(live, body)).unwrap()
    second = (await funcs.events_create_event(live, body)).unwrap()
    assert first.event_id == second.event_id
    assert 1 == (await query(live)).total_events


async def test_single_session_batch(live: HoneyHiveCore) -> None:
    """A single-session batch puts every event in the session it returns."""
    res = await funcs.events_create_event_batch(
        live,
        {
            "events": [event("a"), event("b", event_type="tool")],
            "is_single_session": True,
            "session_properties": {"session_name": "chat"},
        },
    )
    created = res.unwrap()
    page = await query(
        live, {"field": "session_id", "operator": "is", "value": created.session_id, "type": "id"}
    )
    in_session = {e.event_id for e in page.events if e.event_type != "session"}
    assert set(created.event_ids) == in_session


async def test_model_events_and_their_batch(live: HoneyHiveCore) -> None:
    """Model events are stored as events of type model."""
    call = {
        "project": PROJECT,
        "model": "gpt-4o",
        "provider": "openai",
        "messages": [{"role": "user", "content": "hi"}],
        "response": {"role": "assistant", "content": "hello"},
        "duration": 5,
        "usage": {"total_tokens": 3},
        "cost": 0.25,
    }
    one = (await funcs.events_create_model_event(live, {"model_event": call})).unwrap()
    many = (
        await funcs.events_create_model_event_batch(live, {"model_events": [call, call]})
    ).unwrap()
    page = await query(live, {"field": "event_type", "operator": "is", "value": "model"})
    assert {one.event_id, *many.event_ids} == {e.event_id for e in page.events}


async def test_partial_batch_failure(live: HoneyHiveCore) -> None:
    """A batch with an invalid event stores the rest and reports which ones."""
    raw = {"events": [event("good"), {**event("bad"), "event_type": "oops"}]}
    # The SDK would refuse the bad event itself, so send around its validation.
    session = live.session()
    async with session.post(
        live.url("events/batch"),
        json=raw,
        headers={"Authorization": await live.authorization()},
    ) as response:
        assert 500 == response.status
        body = await response.json()
    assert 1 == len(body["event_ids"])
    assert "events[1]" in body["errors"][0] or "1" in body["errors"][0]

    res = await funcs.events_create_event_batch(live, {"events": [event("only good")]})
    assert res.ok


async def test_paging_and_total(live: HoneyHiveCore) -> None:
    """Pages partition the matches in a stable order; the total counts all of them."""
    batch = {"events": [event(f"e{i}", start_time=1_700_000_000_000 + i) for i in range(7)]}
    (await funcs.events_create_event_batch(live, batch)).unwrap()

    pages = [await query(live, limit=3, page=n) for n in (1, 2, 3)]

    assert [7, 7, 7] == [p.total_events for p in pages]
    names = [e.event_name for p in pages for e in p.events]
    assert [f"e{i}" for i in reversed(range(7))] == names


async def test_date_range_and_projections(live: HoneyHiveCore) -> None:
    """``date_range`` bounds ``start_time``; ``projections`` choose the fields returned."""
    day = 86_400_000
    base = 1_714_521_600_000  # 2024-05-01T00:00:00Z
    batch = {"events": [event(f"d{i}", start_time=base + i * day) for i in range(3)]}
    (await funcs.events_create_event_batch(live, batch)).unwrap()

    page = await query(
        live,
        date_range={"gte": "2024-05-02T00:00:00Z", "lte": "2024-05-03T12:00:00Z"},
        projections=["event_name"],
    )

    assert ["d2", "d1"] == [e.event_name for e in page.events]
    assert all(e.duration is None for e in page.events)


@pytest.mark.parametrize(
    ("operator", "value", "type_", "expected"),
    [
        ("is", "alpha", "string", {"alpha"}),
        ("is not", "alpha", "string", {"beta", "gamma"}),
        ("contains", "amm", "string", {"gamma"}),
        ("not contains", "a", "string", set()),
        ("greater than", "2", "number", {"gamma"}),
        ("less than", "2", "number", {"alpha"}),
        ("is", "true", "boolean", {"beta"}),
        ("exists", "", "string", {"alpha", "beta", "gamma"}),
        ("not exists", "", "string", set()),
        ("after", "2024-05-01T12:00:00Z", "datetime", {"beta", "gamma"}),
        ("before", "2024-05-01T12:00:00Z", "datetime", {"alpha"}),
    ],
)
async def test_every_filter_operator_and_type(
    operator: str, value: str, type_: str, expected: set[str], live: HoneyHiveCore
) -> None:
    """Each operator and type filters as a user of the service expects."""
    base = 1_714_521_600_000
    for i, name in enumerate(("alpha", "beta", "gamma")):
        fields = {
            "metadata": {"rank": i + 1, "flag": name == "beta", "label": name},
            "start_time": base + i * 43_200_000 + 1,
        }
        (await funcs.events_create_event(live, {"event": event(name, **fields)})).unwrap()
    field = {
        "string": "metadata.label",
        "number": "metadata.rank",
        "boolean": "metadata.flag",
        "datetime": "start_time",
    }[type_]
    flt: dict[str, str] = {"field": field, "operator": operator, "type": type_}
    if value:
        flt["value"] = value

    page = await query(live, flt)

    assert expected == {e.event_name for e in page.events}


async def test_list_index_in_a_filter_path(live: HoneyHiveCore) -> None:
    """A dotted path can index into lists: ``inputs.chat_history.0.content``."""
    history = [{"role": "user", "content": "refund please"}]
    (
        await funcs.events_create_event(
            live, {"event": event("chat", inputs={"chat_history": history})}
        )
    ).unwrap()
    (await funcs.events_create_event(live, {"event": event("other")})).unwrap()
    page = await query(
        live,
        {
            "field": "inputs.chat_history.0.content",
            "operator": "contains",
            "value": "refund",
            "type": "string",
        },
    )
    assert ["chat"] == [e.event_name for e in page.events]


async def test_wrong_key_is_401(server: LocalServer) -> None:
    """A wrong key is an ``APIError`` 401 with the server's JSON body, not retried."""
    async with HoneyHiveCore(bearer_auth="not-the-key-1234", server_url=server.url) as core:
        res = await funcs.events_get_events(core, {"project": PROJECT, "filters": []})
    assert isinstance(res.error, errors.APIError)
    assert 401 == res.error.status_code
    assert "application/json" == res.error.content_type
    assert "not-the-key-1234" not in str(res.error)


async def test_unknown_event_update_is_404(live: HoneyHiveCore) -> None:
    """Updating an event that does not exist is a 404."""
    res = await funcs.events_update_event(live, {"event_id": "nope", "duration": 1})
    assert isinstance(res.error, errors.APIError)
    assert 404 == res.error.status_code


async def test_server_side_validation_is_400(live: HoneyHiveCore) -> None:
    """What the server checks comes back as a 400 when the client's own check is bypassed."""
    body = Encoded(b'{"project": "p", "filters": [], "limit": 7501}')
    res = await execute(live, GET_EVENTS, body)
    assert isinstance(res.error, errors.APIError)
    assert 400 == res.error.status_code


async def test_what_the_server_would_refuse_is_not_sent(live: HoneyHiveCore) -> None:
    """The same too-large limit through the operation is refused before sending."""
    res = await funcs.events_get_events(live, {"project": PROJECT, "filters": [], "limit": 7501})
    assert isinstance(res.error, errors.RequestValidationError)
    assert [("limit", "must be from 1 to 7500, got 7501")] == list(res.error.issues)


async def test_oversized_body_is_413(live: HoneyHiveCore) -> None:
    """A body over the server's limit is a 413, reported and not retried."""
    big = event("big", inputs={"blob": "x" * 70_000})
    res = await funcs.events_create_event(live, {"event": big})
    assert isinstance(res.error, errors.APIError)
    assert 413 == res.error.status_code


async def test_facade_against_the_server(server: LocalServer) -> None:
    """The class facade works against the same server."""
    async with HoneyHive(bearer_auth=server.api_key, server_url=server.url) as hh:
        created = await hh.events.create_event(
            models.CreateEventRequestBody(event=models.CreateEventRequest(**event("via class")))
        )
        page = await hh.events.get_events({"project": PROJECT, "filters": []})
    assert [created.event_id] == [e.event_id for e in page.events]


async def test_middleware_observes_and_changes_requests(server: LocalServer) -> None:
    """Client middlewares see every request and response and may add headers."""
    seen: list[tuple[str, str | None, int]] = []

    async def observe(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        request.headers["X-Trace"] = "t-1"
        response = await handler(request)
        seen.append((request.url.path, request.headers.get("X-Trace"), response.status))
        return response

    async with HoneyHiveCore(
        bearer_auth=server.api_key,
        server_url=server.url,
        middlewares=[observe],
        retry_config=RetryConfig(strategy="none"),
    ) as core:
        await funcs.events_get_events(core, {"project": PROJECT, "filters": []})
    assert [("/events/export", "t-1", 200)] == seen


async def test_defaults_times_and_inferred_filters_end_to_end(server: LocalServer) -> None:
    """Events without project, source, config or inputs, datetimes, and untyped numeric filters."""
    from datetime import datetime, timedelta, timezone

    april = datetime(2024, 4, 1, tzinfo=timezone.utc)
    async with HoneyHiveCore(
        bearer_auth=server.api_key, server_url=server.url, project="defaults", source="app"
    ) as core:
        for n, cost in enumerate([8e-05, 0.5]):
            event = {
                "event_name": f"e{n}",
                "event_type": "model",
                "duration": 1,
                "start_time": april + timedelta(days=n),
                "metadata": {"cost": cost},
            }
            (await funcs.events_create_event(core, {"event": event})).unwrap()
        costly = await funcs.events_get_events(
            core,
            {"filters": [{"field": "metadata.cost", "operator": "greater than", "value": 0.001}]},
        )
        first_day = await funcs.events_get_events(
            core,
            {"filters": [], "date_range": {"gte": april, "lte": april + timedelta(hours=12)}},
        )
    page = costly.unwrap()
    assert (["e1"], ["e0"], "app", 1711929600000) == (
        [e.event_name for e in page.events],
        [e.event_name for e in first_day.unwrap().events],
        page.events[0].source,
        first_day.unwrap().events[0].start_time,
    )
