"""The create, batch and update operations over real HTTP."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from honeyhive_async.server import LocalServer

from ._support import Api, golden, make_event, make_model_event, shape

GOLDEN_CASES = [
    "createEvent",
    "createEvent.required_only",
    "createEvent.nulls_inside_free_form_maps",
    "createEvent.number_and_unicode_formatting",
    "createModelEvent",
    "createModelEvent.required_only",
    "createEventBatch",
    "createEventBatch.empty_events",
    "createEventBatch.single_session_with_properties",
    "createModelEventBatch",
    "createModelEventBatch.no_model_events",
    "createModelEventBatch.two_events",
    "createModelEventBatch.two_events_single_session",
    "getEvents",
    "updateEvent",
    "updateEvent.event_id_and_metrics_only",
]


def _stored_form(request_event: dict[str, Any]) -> dict[str, Any]:
    """What the store should hold for a complete CreateEventRequest."""
    stored = {key: value for key, value in request_event.items() if key != "project"}
    return {"error": None, **stored, "project_id": request_event["project"]}


@pytest.mark.parametrize("name", GOLDEN_CASES)
async def test_golden_request_gets_golden_answer_shape(api: Api, name: str) -> None:
    """Each golden request is answered 200 with a body shaped like the golden answer."""
    await api.post("/events", golden("createEvent")["request_body"])
    case = golden(name)

    actual = await api.call(case["method"], case["path"], case["request_body"])

    assert (200, shape(case["response_body"])) == (actual[0], shape(actual[1]))


async def test_create_event_answers_with_given_id(api: Api) -> None:
    """createEvent answers exactly the golden body when the id is given."""
    case = golden("createEvent")

    actual = await api.post("/events", case["request_body"])

    assert (200, case["response_body"]) == actual


@pytest.mark.parametrize(
    "name",
    [
        "createEvent",
        "createEvent.nulls_inside_free_form_maps",
        "createEvent.number_and_unicode_formatting",
    ],
)
async def test_created_event_is_stored_as_sent(api: Api, server: LocalServer, name: str) -> None:
    """Every field of a create request is stored unchanged, nulls and odd numbers included."""
    request_event = golden(name)["request_body"]["event"]
    _, body = await api.post("/events", {"event": request_event})

    actual = await server.store.get(body["event_id"])

    assert actual is not None
    expected = _stored_form(request_event)
    assert expected == {key: actual[key] for key in expected}


async def test_missing_ids_and_times_are_filled_in(api: Api, server: LocalServer) -> None:
    """Ids are uuid4s, the parent is the session, end_time = start_time + duration in whole ms."""
    before = time.time() * 1000
    event_id = await api.create(duration=250.4)

    actual = await server.store.get(event_id)

    assert actual is not None
    assert 4 == uuid.UUID(actual["event_id"]).version == uuid.UUID(actual["session_id"]).version
    assert actual["session_id"] == actual["parent_id"]
    assert before - 1 <= actual["start_time"] <= time.time() * 1000
    expected = (actual["start_time"] + 250, int)
    assert expected == (actual["end_time"], type(actual["end_time"]))


async def test_start_time_is_derived_from_end_time(api: Api, server: LocalServer) -> None:
    """Given only end_time, start_time is end_time - duration."""
    event_id = await api.create(end_time=10_000, duration=400)

    actual = await server.store.get(event_id)

    assert actual is not None
    expected = (9_600, 10_000)
    assert expected == (actual["start_time"], actual["end_time"])


async def test_create_with_a_stored_event_id_does_not_duplicate(
    api: Api, server: LocalServer
) -> None:
    """A retried create answers 200 with the same id and keeps the first version."""
    first = await api.post("/events", {"event": make_event(event_id="e-1", event_name="first")})
    again = await api.post("/events", {"event": make_event(event_id="e-1", event_name="second")})

    stored = await server.store.get("e-1")

    assert first == again == (200, {"event_id": "e-1", "success": True})
    expected = (1, "first")
    assert expected == (await server.store.count(), stored and stored["event_name"])


async def test_batch_with_stored_and_repeated_ids_does_not_duplicate(
    api: Api, server: LocalServer
) -> None:
    """Batch items whose id is stored, or repeated in the batch, are stored once."""
    await api.create(event_id="a")
    events = [make_event(event_id=i) for i in ("a", "b", "b", "c")]

    status, body = await api.post("/events/batch", {"events": events})

    expected = (200, ["a", "b", "b", "c"], 3)
    assert expected == (status, body["event_ids"], await server.store.count())


async def test_model_event_is_mapped_to_a_model_event(api: Api, server: LocalServer) -> None:
    """createModelEvent stores the documented mapping onto an event of type model."""
    model_event = golden("createModelEvent")["request_body"]["model_event"]
    _, body = await api.post("/events/model", {"model_event": model_event})

    actual = await server.store.get(body["event_id"])

    config_keys = ("model", "provider", "hyperparameters", "template", "tools")
    expected = {
        "project_id": "New Project",
        "source": "playground",
        "event_name": "Model Completion",
        "event_type": "model",
        "config": {
            **{key: model_event[key] for key in config_keys},
            "tool_choice": "none",
            "response_format": {"type": "text"},
        },
        "inputs": {"name": "world", "chat_history": model_event["messages"]},
        "outputs": model_event["response"],
        "metadata": {
            "prompt_tokens": 10,
            "completion_tokens": 10,
            "total_tokens": 20,
            "cost": 8e-05,
        },
        "error": None,
        "duration": 42,
        "children_ids": [],
        "feedback": {},
        "metrics": {},
        "user_properties": {},
    }
    assert actual is not None
    assert expected == {key: actual[key] for key in expected}
    assert (actual["session_id"], 42) == (
        actual["parent_id"],
        actual["end_time"] - actual["start_time"],
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {"source": "unknown", "event_name": "gpt-4o", "error": None}),
        (
            {"source": "ci", "event_name": "n", "error": "boom"},
            {"source": "ci", "event_name": "n", "error": "boom"},
        ),
        (
            {"template_inputs": {"chat_history": "x", "q": 1}},
            {"inputs": {"chat_history": [{"role": "user", "content": "hi"}], "q": 1}},
        ),
        ({"usage": {}, "cost": 0.5}, {"metadata": {"cost": 0.5}}),
        ({"usage": {}}, {"metadata": {}, "config": {"model": "gpt-4o", "provider": "openai"}}),
    ],
)
async def test_model_event_defaults(
    api: Api, server: LocalServer, fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    """Model events default source and name; messages win over a chat_history input."""
    _, body = await api.post("/events/model", {"model_event": make_model_event(**fields)})

    actual = await server.store.get(body["event_id"])

    assert actual is not None
    assert expected == {key: actual[key] for key in expected}


async def test_single_session_batch_creates_its_session(api: Api, server: LocalServer) -> None:
    """A single-session batch stores a session event from session_properties."""
    case = golden("createEventBatch.single_session_with_properties")["request_body"]
    props = case["session_properties"]

    status, body = await api.post("/events/batch", case)

    session = await server.store.get(props["session_id"])
    events = [await server.store.get(event_id) for event_id in body["event_ids"]]
    assert (200, props["session_id"]) == (status, body["session_id"])
    assert session is not None
    expected = {
        "event_type": "session",
        "event_name": "my session",
        "source": "playground",
        "project_id": "p",
        "parent_id": None,
        "children_ids": body["event_ids"],
        "error": "none",
        **{key: props[key] for key in ("config", "inputs", "outputs", "metrics", "feedback")},
        "metadata": {"k": "v"},
        "user_properties": {"user": "u1"},
    }
    assert expected == {key: session[key] for key in expected}
    assert [props["session_id"]] * 2 == [e and e["session_id"] for e in events]


async def test_single_session_model_batch_generates_a_session(
    api: Api, server: LocalServer
) -> None:
    """Without a session_id a single-session batch gets a new session for all its events."""
    case = golden("createModelEventBatch.two_events_single_session")["request_body"]

    _, body = await api.post("/events/model/batch", case)

    session = await server.store.get(body["session_id"])
    events = [await server.store.get(event_id) for event_id in body["event_ids"]]
    assert session is not None
    expected = ("session", "s")
    assert expected == (session["event_type"], session["event_name"])
    assert [(body["session_id"], "model")] * 2 == [
        (e and e["session_id"], e and e["event_type"]) for e in events
    ]


async def test_repeated_single_session_batch_extends_the_session(
    api: Api, server: LocalServer
) -> None:
    """A second batch into the same session adds its events to the session's children."""
    batch = {"is_single_session": True, "session_properties": {"session_id": "s-1"}}
    _, first = await api.post("/events/batch", {**batch, "events": [make_event()]})
    _, second = await api.post("/events/batch", {**batch, "events": [make_event()]})

    session = await server.store.get("s-1")

    assert session is not None
    assert first["event_ids"] + second["event_ids"] == session["children_ids"]


async def test_batch_without_single_session_keeps_each_session(
    api: Api, server: LocalServer
) -> None:
    """Without is_single_session each event keeps its session; the answer names the first."""
    events = [make_event(session_id="s-a"), make_event(session_id="s-b"), make_event()]

    _, body = await api.post("/events/batch", {"events": events})

    stored = [await server.store.get(event_id) for event_id in body["event_ids"]]
    sessions = [e and e["session_id"] for e in stored]
    expected = ("s-a", ["s-a", "s-b"], 3)
    assert expected == (body["session_id"], sessions[:2], await server.store.count())
    assert sessions[2] not in ("s-a", "s-b")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            make_event(event_type="span"),
            "events[1]: event_type must be one of model, tool, chain, session",
        ),
        (make_event(project=None), "events[1]: project is required"),
        (make_event(duration="1"), "events[1]: duration must be a finite number"),
        (
            make_event(duration=-1),
            "events[1]: duration must be from 0 to 8640000000000000, got -1",
        ),
        (make_event(config=[]), "events[1]: config must be an object"),
        (make_event(event_id=""), "events[1]: event_id must not be empty"),
        (
            make_event(children_ids=[1]),
            "events[1]: children_ids[0] must be a string of valid Unicode text",
        ),
        ("not an event", "events[1]: must be an object"),
    ],
)
async def test_partial_batch_stores_valid_events_and_lists_errors(
    api: Api, server: LocalServer, item: Any, message: str
) -> None:
    """A batch with an invalid event stores the others and answers the typed 500."""
    events = [make_event(event_id="ok-0"), item, make_event(event_id="ok-2")]

    actual = await api.post("/events/batch", {"events": events})

    answer = {"event_ids": ["ok-0", "ok-2"], "errors": [message], "success": False}
    expected = ((500, answer), 2)
    assert expected == (actual, await server.store.count())


async def test_partial_model_batch_names_each_failed_index(api: Api, server: LocalServer) -> None:
    """A model batch lists one message per failed event and stores no session for none."""
    events = [make_model_event(usage=None), make_model_event(model=3)]
    batch = {"model_events": events, "is_single_session": True}

    actual = await api.post("/events/model/batch", batch)

    errors = [
        "model_events[0]: usage is required",
        "model_events[1]: model must be a string of valid Unicode text",
    ]
    expected = ((500, {"event_ids": [], "errors": errors, "success": False}), 0)
    assert expected == (actual, await server.store.count())


async def test_update_merges_objects_and_replaces_duration(api: Api, server: LocalServer) -> None:
    """updateEvent merges each object key by key, replaces duration and answers no body."""
    event_id = await api.create(
        metadata={"a": 1, "b": 2}, outputs={"o": 1}, config={"model": "m"}, duration=5
    )
    update = {
        "event_id": event_id,
        "metadata": {"b": 3, "c": 4},
        "outputs": {"p": 2},
        "feedback": {"rating": 5},
        "user_properties": {"u": "x"},
        "metrics": {"m": 1},
        "duration": 99,
    }

    actual = await api.call("PUT", "/events", update)

    stored = await server.store.get(event_id)
    assert stored is not None
    merged = {
        "metadata": {"a": 1, "b": 3, "c": 4},
        "outputs": {"o": 1, "p": 2},
        "config": {"model": "m"},
        "feedback": {"rating": 5},
        "user_properties": {"u": "x"},
        "metrics": {"m": 1},
        "duration": 99,
    }
    expected = ((200, None), merged)
    assert expected == (actual, {key: stored[key] for key in merged})


async def test_update_answer_has_no_content_type(api: Api) -> None:
    """The 200 of updateEvent is empty, without a content type."""
    event_id = await api.create()

    async with api.session.put("/events", json={"event_id": event_id}) as response:
        actual = (response.status, response.headers.get("Content-Type"), await response.read())

    expected = (200, None, b"")
    assert expected == actual


async def test_update_of_unknown_event_is_404(api: Api) -> None:
    """updateEvent of an id that is not stored answers 404 with a JSON error."""
    actual = await api.call("PUT", "/events", {"event_id": "nope", "metrics": {"m": 1}})

    expected = {
        "success": False,
        "error": "event_not_found",
        "message": "no event with event_id 'nope'",
    }
    assert (404, expected) == actual
