"""Unknown event fields: the server refuses them as the client does, in batches too."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_async import _fields, errors, models
from honeyhive_async._codec import encode_event
from honeyhive_async._defaults import NO_DEFAULTS

from ._support import Api, local_api, make_event, make_model_event

KNOWN = {*_fields.CREATE_FIELDS, *(field.name for field in attrs.fields(models.CreateModelEvent))}


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/events", {"event": make_event(colour=1)}, (400, "event.colour: unknown field")),
        (
            "/events/model",
            {"model_event": make_model_event(colour=None)},
            (400, "model_event.colour: unknown field"),
        ),
    ],
)
async def test_an_unknown_field_of_one_event_is_400_naming_it(
    api: Api, path: str, body: dict[str, Any], expected: tuple[int, str]
) -> None:
    """createEvent and createModelEvent refuse a key that is no field, null or not."""
    status, answer = await api.post(path, body)

    assert expected == (status, answer["message"])


@pytest.mark.parametrize(
    ("path", "key", "make"),
    [
        ("/events/batch", "events", make_event),
        ("/events/model/batch", "model_events", make_model_event),
    ],
)
async def test_a_batch_refuses_only_the_event_with_an_unknown_field(
    api: Api, path: str, key: str, make: Any
) -> None:
    """The event with an unknown field is named in the partial 500; the others are stored."""
    status, answer = await api.post(path, {key: [make(), make(colour="red"), make()]})

    expected = (500, 2, [f"{key}[1]: colour unknown field"])
    assert expected == (status, len(answer["event_ids"]), answer["errors"])


async def test_the_batch_body_itself_may_carry_other_keys(api: Api) -> None:
    """Only events are closed: HoneyHive's SDKs send other top-level keys (``single_session``)."""
    status, _ = await api.post("/events/batch", {"events": [make_event()], "single_session": True})

    assert 200 == status


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.text(min_size=1, max_size=12).filter(lambda n: n not in KNOWN),
    value=st.one_of(st.none(), st.integers(), st.text(max_size=5)),
)
async def test_client_and_server_refuse_the_same_unknown_fields(name: str, value: Any) -> None:
    """Whatever the unknown key and its value, the client and the server both refuse the event."""
    event = make_event(**{name: value})
    with pytest.raises(errors.RequestValidationError):
        encode_event(event, NO_DEFAULTS, iter(["id-1"]))

    async with local_api() as (_, api):
        status, answer = await api.post("/events/batch", {"events": [event]})

    assert (500, [f"events[0]: {name} unknown field"]) == (status, answer["errors"])
