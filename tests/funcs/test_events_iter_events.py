"""events_iter_events and events_get_all_events: all pages, totalEvents, errors that surface."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from honeyhive_async import Err, HoneyHiveCore, funcs, models
from honeyhive_async.errors import APIError, RequestValidationError
from honeyhive_async.server import LocalServer
from tests.conftest import SERVER

EXPORT = SERVER + "/events/export"
QUERY: dict[str, Any] = {"project": "p", "filters": []}


def page(first: int, count: int, total: int) -> dict[str, Any]:
    """A getEvents answer holding events ``e-<first>`` ... and *total*."""
    events = [{"event_id": f"e-{n}"} for n in range(first, first + count)]
    return {"events": events, "totalEvents": total}


def answer_pages(mocked: aioresponses, *pages: dict[str, Any]) -> None:
    """Queue one getEvents answer per page, in order."""
    for body in pages:
        mocked.post(EXPORT, payload=body)


def sent_pages(mocked: aioresponses) -> list[tuple[int, int]]:
    """(page, limit) of every getEvents request made."""
    bodies = [json.loads(c.kwargs["data"]) for c in mocked.requests[("POST", URL(EXPORT))]]
    return [(b["page"], b["limit"]) for b in bodies]


async def collect(core: HoneyHiveCore, request: Any = QUERY, **options: Any) -> list[str | None]:
    """The event ids events_iter_events yields."""
    return [e.event_id async for e in funcs.events_iter_events(core, request, **options)]


async def test_iterates_over_every_page(core: HoneyHiveCore, mocked: aioresponses) -> None:
    """Pages are fetched in turn until the events seen reach totalEvents."""
    answer_pages(mocked, page(0, 2, 5), page(2, 2, 5), page(4, 1, 5))

    ids = await collect(core, page_size=2)

    expected = (["e-0", "e-1", "e-2", "e-3", "e-4"], [(1, 2), (2, 2), (3, 2)])
    actual = (ids, sent_pages(mocked))
    assert expected == actual


async def test_stops_at_total_events_on_a_full_page(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """A full last page ends the iteration when totalEvents is reached: no empty extra request."""
    answer_pages(mocked, page(0, 2, 4), page(2, 2, 4))

    ids = await collect(core, page_size=2)

    expected = (4, [(1, 2), (2, 2)])
    actual = (len(ids), sent_pages(mocked))
    assert expected == actual


async def test_a_short_page_ends_the_iteration(core: HoneyHiveCore, mocked: aioresponses) -> None:
    """A page shorter than page_size is the last, whatever totalEvents said."""
    answer_pages(mocked, page(0, 2, 10), page(2, 1, 10))

    ids = await collect(core, page_size=2)

    expected = (3, [(1, 2), (2, 2)])
    actual = (len(ids), sent_pages(mocked))
    assert expected == actual


async def test_starts_at_the_requested_page(core: HoneyHiveCore, mocked: aioresponses) -> None:
    """request.page is the first page fetched; limit is replaced by page_size."""
    answer_pages(mocked, page(4, 2, 7), page(6, 1, 7))

    ids = await collect(
        core, models.GetEventsRequestBody(project="p", filters=[], page=3, limit=9), page_size=2
    )

    expected = (["e-4", "e-5", "e-6"], [(3, 2), (4, 2)])
    actual = (ids, sent_pages(mocked))
    assert expected == actual


async def test_a_failed_page_raises_after_the_earlier_pages(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """An error mid-way raises the page's error; it is not taken for the end."""
    answer_pages(mocked, page(0, 2, 6))
    mocked.post(EXPORT, status=400, payload={"message": "bad filter"})
    seen: list[str | None] = []

    async def drain() -> None:
        async for event in funcs.events_iter_events(core, QUERY, page_size=2):
            seen.append(event.event_id)

    with pytest.raises(APIError) as caught:
        await drain()

    expected = (["e-0", "e-1"], 400)
    actual = (seen, caught.value.status_code)
    assert expected == actual


async def test_get_all_events_returns_every_event(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """events_get_all_events collects all pages into Ok(list)."""
    answer_pages(mocked, page(0, 3, 5), page(3, 2, 5))

    result = await funcs.events_get_all_events(core, QUERY, page_size=3)

    expected = ["e-0", "e-1", "e-2", "e-3", "e-4"]
    actual = [e.event_id for e in result.unwrap()]
    assert expected == actual


async def test_get_all_events_returns_the_error(core: HoneyHiveCore, mocked: aioresponses) -> None:
    """A failed page makes events_get_all_events return Err with the page's error."""
    answer_pages(mocked, page(0, 2, 6))
    mocked.post(EXPORT, status=401, payload={"message": "no"})

    result = await funcs.events_get_all_events(core, QUERY, page_size=2)

    assert isinstance(result, Err)
    expected = 401
    actual = result.error.status_code  # type: ignore[attr-defined]
    assert expected == actual


@pytest.mark.parametrize(
    ("request_", "page_size", "pages", "expected"),
    [
        ({**QUERY, "limit": 3}, 2, [page(0, 2, 9), page(2, 2, 9)], (3, [(1, 2), (2, 2)])),
        ({**QUERY, "limit": 2}, 1000, [page(0, 2, 9)], (2, [(1, 2)])),
        ({**QUERY, "limit": 5}, 2, [page(0, 2, 3), page(2, 1, 3)], (3, [(1, 2), (2, 2)])),
        ({**QUERY, "limit": 1, "page": 2}, 2, [page(2, 2, 9)], (1, [(2, 2)])),
    ],
    ids=["across-pages", "one-small-page", "fewer-stored", "from-a-later-page"],
)
async def test_limit_is_the_most_events_in_all(
    core: HoneyHiveCore,
    mocked: aioresponses,
    request_: dict[str, Any],
    page_size: int,
    pages: list[dict[str, Any]],
    expected: tuple[int, list[tuple[int, int]]],
) -> None:
    """The request's ``limit`` bounds the events yielded, not the page size."""
    answer_pages(mocked, *pages)

    ids = await collect(core, request_, page_size=page_size)

    assert expected == (len(ids), sent_pages(mocked))


@pytest.mark.parametrize(
    ("request_", "options", "field"),
    [
        (QUERY, {"page_size": 0}, "page_size"),
        (QUERY, {"page_size": 7501}, "page_size"),
        (QUERY, {"page_size": 10.0}, "page_size"),
        ({"project": "p"}, {}, "filters"),
        ({**QUERY, "page": 0}, {}, "page"),
        ({**QUERY, "limit": "10"}, {}, "limit"),
        ({**QUERY, "limit": 0}, {}, "limit"),
    ],
)
async def test_invalid_requests_raise_before_sending(
    core: HoneyHiveCore, mocked: aioresponses, request_: Any, options: dict[str, Any], field: str
) -> None:
    """A bad request or page_size raises RequestValidationError naming it; nothing is sent."""
    with pytest.raises(RequestValidationError) as caught:
        await collect(core, request_, **options)
    result = await funcs.events_get_all_events(core, request_, **options)

    expected = ([field], True, {})
    actual = (
        [path for path, _ in caught.value.issues],
        isinstance(result, Err),
        dict(mocked.requests),
    )
    assert expected == actual


async def test_pages_through_the_local_server() -> None:
    """Against the local server, 2,500 stored events come back once each, in 3 pages."""
    async with (
        LocalServer() as srv,
        HoneyHiveCore(bearer_auth=srv.api_key, server_url=srv.url) as core,
    ):
        events = [
            {
                "project": "paging",
                "source": "test",
                "event_name": f"e{n}",
                "event_type": "tool",
                "config": {},
                "inputs": {},
                "duration": 1,
                "start_time": 1_700_000_000_000 + n,
            }
            for n in range(2_500)
        ]
        for start in range(0, 2_500, 500):
            batch = {"events": events[start : start + 500]}
            (await funcs.events_create_event_batch(core, batch)).unwrap()
        got = [
            e async for e in funcs.events_iter_events(core, {"project": "paging", "filters": []})
        ]

    names = [e.event_name for e in got]
    expected = (2_500, 2_500, "e2499")
    actual = (len(names), len(set(names)), names[0])
    assert expected == actual
