"""Session events and whole session trees: ids, children_ids and the order of getEvents."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from honeyhive_async.server import LocalServer

from ._support import Api, make_event


def session_event(event_id: str | None = "s-1", **fields: Any) -> dict[str, Any]:
    """A valid session event (the session itself) with id ``event_id``."""
    ids = {} if event_id is None else {"event_id": event_id}
    return make_event(event_type="session", event_name="chat", **ids, **fields)


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
