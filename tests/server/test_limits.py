"""The documented limits: a request past one is a 400 naming the field, never a 500.

Before, numbers that pass the schema overflowed SQLite (times, durations,
page numbers), 999 filters exceeded its expression depth, and finite
inputs were stored as ``Infinity``. The limits come from the shared rules
(``honeyhive_async._rules``) that the client checks too.
"""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_async import _rules
from honeyhive_async.server import LocalServer

from ._support import Api, make_event, make_model_event

T = _rules.MAX_TIME_MS
FILTER = {"field": "event_type", "operator": "is", "value": "tool"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/events", {"event": make_event(start_time=1.7e308)}, "event.start_time"),
        ("/events", {"event": make_event(duration=9.3e18)}, "event.duration"),
        ("/events", {"event": make_event(duration=2**63 - 1)}, "event.duration"),
        ("/events", {"event": make_event(start_time=2**63 - 1, duration=1)}, "event.start_time"),
        ("/events", {"event": make_event(end_time=-1.7e308, duration=1.7e308)}, "event.end_time"),
        ("/events", {"event": make_event(duration=1.7e308)}, "event.duration"),
        (
            "/events/model",
            {"model_event": make_model_event(duration=T + 1)},
            "model_event.duration",
        ),
        ("/events/model", {"model_event": make_model_event(cost=2**63)}, "model_event.cost"),
        ("/events/export", {"project": "p", "filters": [], "page": 2**62}, "page"),
        ("/events/export", {"project": "p", "filters": [FILTER] * 999}, "filters"),
        ("/events/export", {"project": "p", "filters": [FILTER] * 101}, "filters"),
        (
            "/events",
            {"event": make_event(inputs={"x": [1, 2, {"y": "\ud800"}]})},
            "event.inputs.x[2].y",
        ),
    ],
)
async def test_a_value_past_a_limit_is_a_400_naming_the_field(
    api: Api, server: LocalServer, path: str, body: dict[str, Any], field: str
) -> None:
    """A 400 whose message starts with the field path, and nothing stored."""
    await api.create(start_time=1_000)  # so that a page offset would be computed

    status, answer = await api.post(path, body)

    assert (400, True, 1) == (
        status,
        answer["message"].startswith(f"{field}:"),
        await server.store.count(),
    )


async def test_an_update_past_a_limit_is_a_400(api: Api) -> None:
    """updateEvent's duration has the same range as a create's."""
    event_id = await api.create()
    status, answer = await api.call("PUT", "/events", {"event_id": event_id, "duration": 9.3e18})
    assert (400, True) == (status, answer["message"].startswith("duration:"))


async def test_a_batch_item_past_a_limit_is_named_in_the_typed_500(api: Api) -> None:
    """Inside a batch the bad event is listed; the others are stored."""
    events = [make_event(event_id="ok"), make_event(start_time=2**63 - 1)]
    status, answer = await api.post("/events/batch", {"events": events})
    assert (500, ["ok"]) == (status, answer["event_ids"])
    assert answer["errors"][0].startswith("events[1]: start_time must be from")


async def test_the_limits_themselves_are_accepted(api: Api) -> None:
    """The edges of each range are valid: ±the time range, the longest duration, the last page."""
    for event in (
        make_event(start_time=-T, duration=0),
        make_event(start_time=T, duration=_rules.MAX_DURATION_MS),
        make_event(end_time=-T, duration=_rules.MAX_DURATION_MS),
    ):
        status, answer = await api.post("/events", {"event": event})
        assert 200 == status, answer
    filters = [FILTER] * _rules.MAX_FILTERS
    status, answer = await api.export(filters=filters, page=_rules.MAX_PAGE, limit=7500)
    assert (200, []) == (status, answer["events"])


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            b'{"event": %s}'
            % json.dumps(make_event(metadata={"x": 1})).encode().replace(b"1}", b"1e999}", 1),
            "event.metadata.x",
        ),
        (b'{"project": "p", "filters": [], "limit": 1e999}', "limit"),
    ],
)
async def test_a_number_too_large_to_be_finite_is_a_400(api: Api, raw: bytes, field: str) -> None:
    """``1e999`` parses as infinity: refused where it is, never stored as ``Infinity``."""
    path = "/events" if raw.startswith(b'{"event"') else "/events/export"
    async with api.session.post(path, data=raw, headers={"Content-Type": "application/json"}) as r:
        status, answer = r.status, await r.json()
    assert (400, True) == (status, answer["message"].startswith(f"{field}:"))


def strict_json(raw: bytes) -> Any:
    """*raw* as standard JSON: ``NaN`` and ``Infinity`` are not."""

    def refuse(name: str) -> NoReturn:
        raise ValueError(f"{name} is not standard JSON")

    return json.loads(raw, parse_constant=refuse)


numbers = st.one_of(
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([T, -T, T + 1, 1.7e308, -1.7e308, 2**63 - 1, 9.3e18]),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    times=st.fixed_dictionaries(
        {"duration": numbers}, optional={"start_time": numbers, "end_time": numbers}
    )
)
async def test_no_time_makes_a_500_or_a_non_finite_number(api: Api, times: dict[str, Any]) -> None:
    """Any numbers for the times: a 200 or a 400, and what getEvents sends back is standard JSON."""
    status, _ = await api.post("/events", {"event": make_event(**times)})
    async with api.session.post("/events/export", json={"project": "p", "filters": []}) as r:
        page = strict_json(await r.read())

    assert status in (200, 400)
    for event in page["events"]:
        assert all(math.isfinite(event[k]) for k in ("start_time", "end_time", "duration"))


async def test_a_non_finite_number_stored_before_is_sent_back_as_null(
    api: Api, server: LocalServer
) -> None:
    """A database written by an older version may hold one: it goes out as null, not Infinity."""
    event_id = await api.create()
    await server.store.update(event_id, {"metrics": {"score": math.inf}})

    async with api.session.post("/events/export", json={"project": "p", "filters": []}) as r:
        page = strict_json(await r.read())

    assert {"score": None} == page["events"][0]["metrics"]
