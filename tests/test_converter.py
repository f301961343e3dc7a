"""The converter's two ways in agree: the compiled mapping encoder and cattrs."""

from __future__ import annotations

import types
from typing import Any

import pytest

from honeyhive_async import models
from honeyhive_async._codec import _converter
from honeyhive_async._defaults import RequestDefaults
from honeyhive_async.errors import RequestValidationError

EVENT: dict[str, Any] = {
    "project": "p",
    "source": "s",
    "event_name": "n",
    "event_type": "tool",
    "config": {"k": None},
    "inputs": {},
    "duration": 2.5,
}
MODEL_EVENT: dict[str, Any] = {
    "project": "p",
    "model": "m",
    "provider": "openai",
    "messages": [{"role": "user", "content": "hi"}],
    "response": {},
    "duration": 1,
    "usage": {},
}

# (model, input, accepted) — valid and invalid inputs for both paths.
CASES: list[tuple[type[Any], Any, bool]] = [
    (models.CreateEventRequestBody, {"event": EVENT}, True),
    (models.CreateEventRequestBody, {}, False),
    (models.CreateEventRequestBody, {"event": None}, False),
    (
        models.CreateEventRequestBody,
        {"event": {**EVENT, "children_ids": ["a"], "error": None}},
        True,
    ),
    (models.CreateEventRequestBody, {"event": {**EVENT, "start_time": 1714978764301.5}}, True),
    (
        models.CreateEventRequestBody,
        {"event": {**EVENT, "event_type": "session", "event_id": "s", "session_id": "s"}},
        True,
    ),
    (models.CreateEventRequestBody, {"event": {**EVENT, "event_type": "other"}}, False),
    (models.CreateEventRequestBody, {"event": {**EVENT, "event_type": ["model"]}}, False),
    (models.CreateEventRequestBody, {"event": {**EVENT, "duration": True}}, False),
    (models.CreateEventRequestBody, {"event": {**EVENT, "children_ids": "a"}}, False),
    (models.CreateEventRequestBody, {"event": {**EVENT, "children_ids": [1]}}, False),
    (models.CreateEventRequestBody, {"event": {**EVENT, "extra": 1}}, False),
    (models.CreateEventRequestBody, {"event": {**EVENT, "config": []}}, False),
    (models.CreateEventRequestBody, {"event": "not an event"}, False),
    (models.CreateEventRequestBody, [], False),
    (models.UpdateEventRequestBody, {"event_id": "e", "duration": 3}, True),
    (models.UpdateEventRequestBody, {"event_id": 3}, False),
    (models.GetEventsRequestBody, {"project": "p", "filters": []}, True),
    (
        models.GetEventsRequestBody,
        {
            "project": "p",
            "filters": [{"field": "metadata.b", "operator": "exists"}],
            "date_range": {"gte": "2024-01-01T00:00:00Z"},
            "projections": ["event_id"],
            "limit": 10,
            "page": 2,
        },
        True,
    ),
    (models.GetEventsRequestBody, {"project": "p", "filters": [], "limit": 1.5}, False),
    (models.GetEventsRequestBody, {"project": "p", "filters": [], "limit": True}, False),
    (models.GetEventsRequestBody, {"project": "p", "filters": [{"field": "a"}]}, False),
    (
        models.GetEventsRequestBody,
        {"project": "p", "filters": [{"field": "a", "operator": "is", "type": "float"}]},
        False,
    ),
    (models.CreateModelEventRequestBody, {"model_event": MODEL_EVENT}, True),
    (models.CreateModelEventRequestBody, {"model_event": {**MODEL_EVENT, "messages": [1]}}, False),
    (models.CreateModelEventBatchRequestBody, {"model_events": [MODEL_EVENT] * 2}, True),
    (
        models.CreateEventBatchRequestBody,
        {
            "events": [EVENT],
            "is_single_session": True,
            "session_properties": {"session_name": "s", "user_properties": {"u": 1}},
        },
        True,
    ),
    (models.CreateEventBatchRequestBody, {"events": [EVENT], "is_single_session": 1}, False),
]


def full_way(cls: type[Any], data: Any) -> Any:
    """The wire dict by the cattrs way: structure, then unstructure."""
    return _converter.unstructurer(cls)(_converter.structurer(cls)(data))


@pytest.mark.parametrize(("cls", "data", "accepted"), CASES)
def test_fast_and_full_paths_agree(cls: type[Any], data: Any, accepted: bool) -> None:
    """The compiled encoder accepts what cattrs accepts and builds the same wire dict."""
    encode = _converter.mapping_encoder(cls)
    if accepted:
        assert full_way(cls, data) == encode(data)
        assert [] == _converter.find_issues(data, cls)
    else:
        with pytest.raises(_converter.Refused):
            encode(data)
        with pytest.raises(RequestValidationError):
            _converter.to_wire(data, cls, "op")
        assert _converter.find_issues(data, cls)


@pytest.mark.parametrize("missing", ["config", "inputs"])
def test_the_encoder_takes_the_steps_that_need_no_conversion(missing: str) -> None:
    """A left-out ``config`` or ``inputs`` is ``{}``, a left-out project the core's default."""
    event = {k: v for k, v in EVENT.items() if k not in (missing, "project")}
    defaults = RequestDefaults(project="from-core")
    wire = _converter.mapping_encoder(models.CreateEventRequestBody)({"event": event}, defaults)
    assert ({}, "from-core") == (wire["event"][missing], wire["event"]["project"])
    with pytest.raises(_converter.Refused):  # no default to take: refused, as before
        _converter.mapping_encoder(models.CreateEventRequestBody)({"event": event})


def test_a_time_in_seconds_is_left_to_the_normalizing_step() -> None:
    """The encoder refuses it, so that the slow path can say why, naming the field."""
    with pytest.raises(_converter.Refused):
        _converter.mapping_encoder(models.CreateEventRequestBody)(
            {"event": {**EVENT, "start_time": 1_714_978_764.3}}
        )


def test_other_mappings_take_the_full_way() -> None:
    """A read-only mapping is not a plain dict: the encoder passes, cattrs accepts it."""
    data = types.MappingProxyType({"event": types.MappingProxyType(dict(EVENT))})
    with pytest.raises(_converter.Refused):
        _converter.mapping_encoder(models.CreateEventRequestBody)(data)
    assert {"event": EVENT} == full_way(models.CreateEventRequestBody, data)


def test_wire_names_for_renamed_fields() -> None:
    """``date_range`` goes out as ``dateRange`` with ``$gte``/``$lte``; ``totalEvents`` comes in."""
    body = models.GetEventsRequestBody(
        project="p", filters=[], date_range=models.DateRange(gte="a", lte="b")
    )
    assert {"project": "p", "filters": [], "dateRange": {"$gte": "a", "$lte": "b"}} == (
        _converter.unstructure(body)
    )
    response = _converter.structurer(models.GetEventsResponse)({"events": [], "totalEvents": 4})
    assert 4 == response.total_events


def test_model_input_equals_mapping_input() -> None:
    """A model and the mapping with its field names give the same wire dict."""
    model = models.CreateEventRequestBody(event=models.CreateEventRequest(**EVENT))
    assert _converter.unstructure(model) == (
        _converter.mapping_encoder(models.CreateEventRequestBody)({"event": EVENT})
    )


def test_enum_fields_are_checked_on_models_too() -> None:
    """Building a model with a wrong enum value fails at once, naming the field."""
    with pytest.raises(ValueError, match="event_type"):
        models.CreateEventRequest(**{**EVENT, "event_type": "span"})


def test_event_ids_are_uuid4() -> None:
    """Client-side ids are distinct random UUID4 strings."""
    import uuid

    ids = [*models.new_event_ids(15), *models.new_event_ids(16), *models.new_event_ids(100)]
    ids.append(models.new_event_id())
    assert 132 == len(set(ids))
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)
