"""Session events and whole session trees: ids, children_ids and the order of getEvents."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_async.server import LocalServer
from honeyhive_async.server._trees import merged_ids

from ._support import Api, local_api, make_event, tree_order


def session_event(event_id: str | None = "s-1", **fields: Any) -> dict[str, Any]:
    """A valid session event (the session itself) with id ``event_id``."""
    ids = {} if event_id is None else {"event_id": event_id}
    return make_event(event_type="session", event_name="chat", **ids, **fields)


async def send(api: Api, events: Sequence[dict[str, Any]], sizes: Sequence[int]) -> None:
    """Send ``events`` in order, in chunks of ``sizes``: one event alone by createEvent."""
    start = 0
    for size in sizes:
        chunk = events[start : start + size]
        start += size
        if size == 1:
            await api.create(**chunk[0])
            continue
        status, body = await api.post("/events/batch", {"events": chunk})
        assert 200 == status, body
    assert len(events) == start


def children_of(events: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Each event's id and the sorted ids of the events whose parent it is."""
    return {
        parent["event_id"]: sorted(
            e["event_id"] for e in events if e.get("parent_id") == parent["event_id"]
        )
        for parent in events
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"event_id": "s-1"}, ("s-1", "s-1", None)),
        ({"event_id": None, "session_id": "s-1"}, ("s-1", "s-1", None)),
        ({"event_id": "s-1", "session_id": "s-1"}, ("s-1", "s-1", None)),
    ],
)
async def test_session_event_is_its_own_session(
    api: Api, server: LocalServer, fields: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    """A session event's session_id and event_id default to each other; it has no parent."""
    event_id = await api.create(**session_event(**fields))

    stored = await server.store.get(event_id)

    assert stored is not None
    assert expected == (stored["event_id"], stored["session_id"], stored["parent_id"])


async def test_session_event_without_ids_gets_one_new_id(api: Api, server: LocalServer) -> None:
    """Without either id a session event gets one uuid4, used for both."""
    event_id = await api.create(**session_event(None))

    stored = await server.store.get(event_id)

    assert stored is not None
    expected = (4, event_id, None)
    assert expected == (uuid.UUID(event_id).version, stored["session_id"], stored["parent_id"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"events": [session_event(session_id="s-2")]},
            "events[0]: session_id must equal event_id in a session event, which is its own "
            "session (got event_id 's-1', session_id 's-2')",
        ),
        (
            {"events": [session_event(parent_id="s-0")]},
            "events[0]: parent_id must be absent: a session event has no parent",
        ),
        (
            {
                "events": [session_event()],
                "is_single_session": True,
                "session_properties": {"session_id": "s-9"},
            },
            "events[0]: session_id must equal event_id in a session event, which is its own "
            "session (got event_id 's-1', the batch's session_id 's-9')",
        ),
    ],
)
async def test_session_event_breaking_the_rules_fails_alone_in_a_batch(
    api: Api, server: LocalServer, body: dict[str, Any], message: str
) -> None:
    """In a batch such a session event is one failed item of the typed 500; the rest is stored."""
    body["events"].append(make_event(event_id="ok"))

    actual = await api.post("/events/batch", body)

    answer = {"event_ids": ["ok"], "errors": [message], "success": False}
    assert (500, answer) == actual
    assert await server.store.get("ok") is not None


TREE = [
    session_event("s-1", start_time=1000, duration=1000, outputs={"answer": "hello"}),
    make_event(
        event_id="chain", event_type="chain", session_id="s-1", start_time=1100, duration=800
    ),
    make_event(event_id="tool-1", session_id="s-1", parent_id="chain", start_time=1200),
    make_event(event_id="tool-2", session_id="s-1", parent_id="chain", start_time=1400),
    make_event(event_id="tool-3", session_id="s-1", parent_id="tool-2", start_time=1500),
    session_event("s-0", start_time=500, duration=300),
    make_event(event_id="older", session_id="s-0", start_time=600),
]
"""A session, a chain in it, two tools in the chain and a tool in the second; an older session."""


@pytest.mark.parametrize("seed", range(6))
async def test_tree_sent_in_any_order_comes_back_whole(api: Api, seed: int) -> None:
    """Shuffled over batches and single creates, the trees come back in order, with all children."""
    rng = random.Random(seed)
    arrival = rng.sample(TREE, len(TREE))
    cuts = sorted(rng.sample(range(1, len(TREE)), 3))
    await send(api, arrival, [b - a for a, b in zip([0, *cuts], [*cuts, len(TREE)], strict=True)])

    _, body = await api.export()

    actual = [
        (e["event_id"], e["event_type"], e["parent_id"], sorted(e["children_ids"]))
        for e in body["events"]
    ]
    expected = [
        ("s-1", "session", None, ["chain"]),
        ("chain", "chain", "s-1", ["tool-1", "tool-2"]),
        ("tool-1", "tool", "chain", []),
        ("tool-2", "tool", "chain", ["tool-3"]),
        ("tool-3", "tool", "tool-2", []),
        ("s-0", "session", None, ["older"]),
        ("older", "tool", "s-0", []),
    ]
    assert expected == actual


async def test_events_without_a_session_event_are_grouped_by_session(api: Api) -> None:
    """Sessions without a session event are grouped too, the one that started last first."""
    events = [
        make_event(event_id="a-10", session_id="a", start_time=10),
        make_event(event_id="b-20", session_id="b", start_time=20),
        make_event(event_id="a-30", session_id="a", start_time=30),
        make_event(event_id="b-40", session_id="b", start_time=40),
        make_event(event_id="b-5", session_id="b", start_time=5, event_type="chain"),
        make_event(event_id="c-7", session_id="c", start_time=7),
    ]
    await send(api, events, [2, 1, 1, 2])

    _, body = await api.export()

    expected = ["a-10", "a-30", "c-7", "b-5", "b-20", "b-40"]
    assert expected == [event["event_id"] for event in body["events"]]


async def test_session_event_comes_first_even_when_it_starts_last(api: Api) -> None:
    """A session event opens its session's events whatever its start_time."""
    events = [
        make_event(event_id="early", session_id="s-1", start_time=100),
        session_event("s-1", start_time=900),
        make_event(event_id="late", session_id="s-1", start_time=950),
    ]
    await send(api, events, [3])

    _, body = await api.export()

    expected = ["s-1", "early", "late"]
    assert expected == [event["event_id"] for event in body["events"]]


@pytest.mark.parametrize(
    ("projections", "expected"),
    [
        (["event_id", "children_ids"], [{"event_id": "p", "children_ids": ["given", "c-1"]}]),
        (["event_id"], [{"event_id": "p"}]),
    ],
)
async def test_children_ids_keep_the_given_ids_and_follow_projections(
    api: Api, projections: list[str], expected: list[dict[str, Any]]
) -> None:
    """Ids an event was created with come first, once each; projections may leave them out."""
    await api.create(event_id="c-1", session_id="s", parent_id="p", start_time=5)
    await api.create(
        event_id="p", session_id="s", children_ids=["given", "c-1", "given"], start_time=1
    )

    _, body = await api.export(
        filters=[{"field": "event_id", "operator": "is", "value": "p"}], projections=projections
    )

    assert expected == body["events"]


async def test_session_event_completes_a_session_made_by_a_batch(
    api: Api, server: LocalServer
) -> None:
    """A session event for a session that a single-session batch made is merged into it."""
    batch = {
        "events": [make_event(event_id="t-1", start_time=100, duration=10)],
        "is_single_session": True,
        "session_properties": {
            "session_id": "s-1",
            "session_name": "draft",
            "metadata": {"a": 1, "b": 1},
            "inputs": {"q": "hi"},
        },
    }
    await api.post("/events/batch", batch)
    final = session_event(
        start_time=90, end_time=200, duration=110, metadata={"b": 2}, outputs={"a": "yo"}
    )

    answer = await api.post("/events", {"event": final})

    stored = await server.store.get("s-1")
    assert stored is not None
    expected = {
        "event_name": "chat",
        "metadata": {"a": 1, "b": 2},
        "inputs": {"q": "hi"},
        "outputs": {"a": "yo"},
        "start_time": 90,
        "end_time": 200,
        "duration": 110,
        "children_ids": ["t-1"],
    }
    assert (200, {"event_id": "s-1", "success": True}) == answer
    assert expected == {key: stored[key] for key in expected}


async def test_batch_into_a_stored_session_event_keeps_it(api: Api, server: LocalServer) -> None:
    """A single-session batch into a session whose session event is stored only adds children."""
    await api.create(**session_event(start_time=90, metadata={"a": 1}))
    batch = {
        "events": [make_event(event_id="t-1", start_time=100)],
        "is_single_session": True,
        "session_properties": {"session_id": "s-1", "session_name": "draft"},
    }

    await api.post("/events/batch", batch)

    stored = await server.store.get("s-1")
    assert stored is not None
    expected = ("chat", {"a": 1}, 90, ["t-1"])
    actual = (stored["event_name"], stored["metadata"], stored["start_time"])
    assert expected == (*actual, stored["children_ids"])


async def test_repeated_session_event_is_stored_once(api: Api, server: LocalServer) -> None:
    """Sending a session event again, also twice in one batch, leaves one unchanged session."""
    event = session_event(start_time=90, metadata={"a": 1}, error="boom")
    await api.create(**event)
    first = await server.store.get("s-1")

    await api.post("/events/batch", {"events": [event, event]})

    expected = (first, 1)
    assert expected == (await server.store.get("s-1"), await server.store.count())


async def test_session_event_does_not_merge_into_another_kind(
    api: Api, server: LocalServer
) -> None:
    """A session event whose id a non-session event already has is acknowledged, not stored."""
    await api.create(event_id="x", event_name="tool")

    answer = await api.post("/events", {"event": session_event("x")})

    stored = await server.store.get("x")
    assert stored is not None
    expected = ((200, {"event_id": "x", "success": True}), "tool", "tool")
    assert expected == (answer, stored["event_type"], stored["event_name"])


@st.composite
def forests(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    """Random session trees (1-30 events each), an arrival order and its cut into requests.

    Each event's parent is drawn among the events before it, which gives
    trees of every depth and fan-out; start times are few, to make ties.
    """
    times = st.integers(0, 20)
    events: list[dict[str, Any]] = []
    for tree in range(draw(st.integers(1, 3))):
        session = f"s{tree}"
        nodes = [session_event(session, start_time=draw(times))]
        for index in range(1, draw(st.integers(1, 30))):
            parent = nodes[draw(st.integers(0, index - 1))]["event_id"]
            kind = draw(st.sampled_from(["chain", "tool", "model"]))
            nodes.append(
                make_event(
                    event_id=f"{session}-{index}",
                    event_type=kind,
                    session_id=session,
                    parent_id=parent,
                    start_time=draw(times),
                )
            )
        # Later trees may lack their session event: their events are grouped all the same.
        events += nodes if tree == 0 or draw(st.booleans()) else nodes[1:]
    arrival = draw(st.permutations(events))
    cuts = sorted(draw(st.sets(st.integers(1, len(events) - 1))) if len(events) > 1 else set())
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True)]
    return events, list(arrival), sizes


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(forests())
async def test_any_tree_in_any_order_has_every_child_and_its_session_first(
    forest: tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]],
) -> None:
    """Whatever the trees and their arrival, children_ids are exact and sessions come whole."""
    events, arrival, sizes = forest
    async with local_api() as (_, api):
        await send(api, arrival, sizes)
        _, body = await api.export(limit=7500)

    returned = body["events"]
    first_in_session: dict[str, str] = {}
    for event in returned:
        first_in_session.setdefault(event["session_id"], event["event_id"])
    sessions = [e["event_id"] for e in events if e["event_type"] == "session"]

    assert children_of(events) == {e["event_id"]: sorted(e["children_ids"]) for e in returned}
    assert {s: s for s in sessions} == {s: first_in_session[s] for s in sessions}
    expected = [e["event_id"] for e in sorted(events, key=tree_order(events))]
    assert expected == [e["event_id"] for e in returned]


async def test_ids_with_any_character_are_grouped_without_a_500(api: Api) -> None:
    """A session id holding a NUL is stored and read back like any other."""
    status, _ = await api.post("/events/batch", {"events": [session_event("s\x00")]})
    _, body = await api.export()
    assert (200, ["s\x00"]) == (status, [e["event_id"] for e in body["events"]])


class _CountedId(str):
    """An id that counts the comparisons made with it (a merge must not search a list)."""

    compared = 0
    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        _CountedId.compared += 1
        return str.__eq__(self, other)


def test_merging_children_ids_compares_linearly_many_times() -> None:
    """20,000 new ids into 20,000 stored: at most a few comparisons per id, not one per pair."""
    stored = [_CountedId(f"old-{n}") for n in range(20_000)]
    new = [_CountedId(f"new-{n}") for n in range(20_000)] + stored[:10]
    _CountedId.compared = 0

    merged = merged_ids(stored, new)

    assert (40_000, True) == (len(merged), _CountedId.compared <= 3 * 40_010)


@given(
    st.lists(st.sampled_from("abcdef"), max_size=8),
    st.lists(st.sampled_from("abcdefgh"), max_size=8),
)
def test_merged_children_ids_keep_order_and_come_once(stored: list[str], new: list[str]) -> None:
    """The stored ids first, then the new ones they lack, each id once, in order of first sight."""
    expected: list[str] = []
    for child in [*stored, *new]:
        if child not in expected:
            expected.append(child)

    assert expected == merged_ids(stored, new)


async def test_repeated_session_event_gains_the_children_it_lacks(
    api: Api, server: LocalServer
) -> None:
    """A session event sent again with other children_ids keeps the stored ones, adds the rest."""
    await api.create(**session_event(children_ids=["a", "b", "a"]))

    await api.create(**session_event(children_ids=["c", "b", "d", "c"]))

    stored = await server.store.get("s-1")
    assert stored is not None
    assert ["a", "b", "c", "d"] == stored["children_ids"]
