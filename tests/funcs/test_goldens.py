"""Every recorded request of the official TypeScript SDK, replayed through the Python SDK.

For the same logical input the JSON body must equal the golden's
``request_body`` (key order free), and the decoded value must equal what the
golden's response says.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from honeyhive_async import HoneyHiveCore, errors, funcs, models
from honeyhive_async._codec import _converter
from tests import _goldens
from tests.conftest import SERVER

# Goldens the TypeScript SDK refused because the seed's examples carry
# `error: null`; here None means "unset", so they are sent like their seed case.
SEED_VERBATIM = {
    n: n.replace(".seed_verbatim", "") for n in _goldens.names() if "seed_verbatim" in n
}


def sent_body(mocked: aioresponses, method: str, path: str) -> Any:
    """The JSON body of the one request sent to *path*."""
    calls = mocked.requests[(method, URL(SERVER + path))]
    assert len(calls) == 1
    return json.loads(calls[0].kwargs["data"])


def strip_generated_ids(body: Any, expected: Any) -> Any:
    """*body* without the event ids the SDK generated where the golden has none."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(body.get("event"), dict):
        pairs.append((body["event"], expected.get("event", {})))
    for sent, wanted in zip(body.get("events", []), expected.get("events", []), strict=True):
        pairs.append((sent, wanted))
    for sent, wanted in pairs:
        if "event_id" not in wanted:
            assert uuid.UUID(sent["event_id"]).version == 4
            del sent["event_id"]
    return body


def mock_answer(mocked: aioresponses, golden: dict[str, Any]) -> None:
    body = golden["response_body"]
    mocked.add(
        SERVER + golden["path"],
        method=golden["method"],
        status=golden["response_status"],
        body=b"" if body is None else json.dumps(body).encode(),
        content_type="application/json",
    )


# Goldens whose request the TypeScript SDK sent and the server refuses (no event at all):
# here they are refused before sending, naming the missing field.
REFUSED = {"createEvent.no_event": "event", "createModelEvent.no_model_event": "model_event"}
SENT = [
    n
    for n in _goldens.names()
    if (_goldens.load(n)["request_sent"] or n in SEED_VERBATIM) and n not in REFUSED
]


@pytest.mark.parametrize(("name", "field"), sorted(REFUSED.items()))
async def test_what_the_server_refuses_is_not_sent(
    name: str, field: str, core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """A body without its event is refused here, where the TypeScript SDK sent it."""
    golden = _goldens.load(name)
    func_name, cls = _goldens.OPERATIONS[golden["operation"]]

    result = await getattr(funcs, func_name)(core, _goldens.python_input(golden["input"], cls))

    assert isinstance(result.error, errors.RequestValidationError)
    assert [(field, "required field missing")] == list(result.error.issues)
    assert {} == dict(mocked.requests)


@pytest.mark.parametrize("name", SENT)
async def test_body_equals_golden(name: str, core: HoneyHiveCore, mocked: aioresponses) -> None:
    """The body on the wire is the golden's, and the value is its response, decoded."""
    golden = _goldens.load(SEED_VERBATIM.get(name, name))
    func_name, cls = _goldens.OPERATIONS[golden["operation"]]
    source = _goldens.load(name)
    request = _goldens.python_input(source["input"], cls)
    mock_answer(mocked, golden)

    result = await getattr(funcs, func_name)(core, request)

    assert result.ok, result
    body = sent_body(mocked, golden["method"], golden["path"])
    assert golden["request_body"] == strip_generated_ids(body, golden["request_body"])
    # What the TypeScript SDK made of the answer: unknown fields dropped, names camelCased.
    assert wire_names(golden["ts_result"]["value"]) == _converter.unstructure(result.value)


def wire_names(value: Any) -> Any:
    """A TypeScript result in wire spelling, with the nulls an unset field leaves out."""
    if isinstance(value, dict):
        return {
            (k if k == "totalEvents" else re.sub("([A-Z])", r"_\1", k).lower()): wire_names(v)
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [wire_names(v) for v in value]
    return value


async def test_unknown_keys_are_refused_not_dropped(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """Keys the TypeScript SDK silently drops are a validation error here, naming each."""
    golden = _goldens.load("createEvent.key_order_and_unknown_keys")
    event = _goldens.python_input(golden["input"]["event"], models.CreateEventRequest)
    request = {"event": {**event, "unknownField": 1}, "extraTop": True}

    result = await funcs.events_create_event(core, request)

    assert not result.ok
    assert isinstance(result.error, errors.RequestValidationError)
    assert sorted(result.error.issues) == [
        ("event.unknownField", "unknown field"),
        ("extraTop", "unknown field"),
    ]
    assert dict(mocked.requests) == {}


async def test_dollar_keys_in_date_range_are_refused(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """``$gte`` is the wire name; the Python name is ``gte``, and the wrong one is named."""
    request = {"project": "p", "filters": [], "date_range": {"$gte": "2024-04-01T00:00:00.000Z"}}

    result = await funcs.events_get_events(core, request)

    assert isinstance(result.error, errors.RequestValidationError)
    assert list(result.error.issues) == [("date_range.$gte", "unknown field")]
    assert dict(mocked.requests) == {}


async def test_numeric_filter_value_is_sent_as_text(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """The case the TypeScript SDK refuses (a number as value) is sent as the wire's text."""
    golden = _goldens.load("getEvents.numeric_filter_value_rejected")
    request = _goldens.python_input(golden["input"], _goldens.OPERATIONS["getEvents"][1])
    mocked.post(SERVER + "/events/export", payload={"events": [], "totalEvents": 0})

    result = await funcs.events_get_events(core, request)

    assert result.ok, result
    [sent] = sent_body(mocked, "POST", "/events/export")["filters"]
    assert {**golden["input"]["filters"][0], "value": "0.0001"} == sent
