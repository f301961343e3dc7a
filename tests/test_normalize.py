"""The step before validation: defaults, times in wire units, filters typed as the wire wants."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from honeyhive_async import errors, models
from honeyhive_async._codec import _converter
from honeyhive_async._codec._normalize import (
    filter_type,
    filter_value,
    infer_filter_type,
    prepare_event,
    prepare_request,
)
from honeyhive_async._defaults import NO_DEFAULTS, RequestDefaults

DEFAULTS = RequestDefaults(project="proj", source="src")
EVENT: dict[str, Any] = {"event_name": "n", "event_type": "tool", "duration": 1}
FULL = {**EVENT, "project": "proj", "source": "src", "config": {}, "inputs": {}}
MODEL_EVENT: dict[str, Any] = {
    "model": "m",
    "provider": "p",
    "messages": [],
    "response": {},
    "duration": 1,
    "usage": {},
}
APRIL = datetime(2024, 4, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)
APRIL_MS = 1711972800123.0


def prepare(cls: type[Any], request: Any, defaults: RequestDefaults = DEFAULTS) -> Any:
    return prepare_request(defaults, cls, request, "op")


def issues(cls: type[Any], request: Any) -> list[tuple[str, str]]:
    with pytest.raises(errors.RequestValidationError) as raised:
        prepare(cls, request)
    return list(raised.value.issues)


@pytest.mark.parametrize(
    ("cls", "request_", "expected"),
    [
        (models.CreateEventRequestBody, {"event": EVENT}, {"event": FULL}),
        (
            models.CreateEventRequestBody,
            {"event": {**EVENT, "project": "mine", "config": {"a": 1}}},
            {"event": {**FULL, "project": "mine", "config": {"a": 1}}},
        ),
        (
            models.CreateEventRequestBody,
            {"event": {**EVENT, "source": None, "inputs": None}},
            {"event": FULL},
        ),
        (
            models.CreateEventBatchRequestBody,
            {"events": [EVENT, {**EVENT, "project": "other"}], "is_single_session": True},
            {"events": [FULL, {**FULL, "project": "other"}], "is_single_session": True},
        ),
        (
            models.CreateModelEventRequestBody,
            {"model_event": MODEL_EVENT},
            {"model_event": {**MODEL_EVENT, "project": "proj", "source": "src"}},
        ),
        (
            models.CreateModelEventBatchRequestBody,
            {"model_events": [MODEL_EVENT]},
            {"model_events": [{**MODEL_EVENT, "project": "proj", "source": "src"}]},
        ),
        (
            models.GetEventsRequestBody,
            {"filters": []},
            {"filters": [], "project": "proj"},
        ),
        (
            models.UpdateEventRequestBody,
            {"event_id": "e", "metadata": {"project": None}},
            {"event_id": "e", "metadata": {"project": None}},
        ),
    ],
    ids=[
        "event",
        "given-kept",
        "none-is-unset",
        "batch",
        "model",
        "model-batch",
        "query",
        "update",
    ],
)
def test_defaults_fill_what_requests_lack(
    cls: type[Any], request_: dict[str, Any], expected: dict[str, Any]
) -> None:
    """project and source from the core, config and inputs ``{}``; given values are kept."""
    assert expected == prepare(cls, request_)


def test_without_defaults_project_stays_missing_for_validation() -> None:
    """With no default project, a request without one is refused by validation, naming it."""
    prepared = prepare(models.CreateEventRequestBody, {"event": EVENT}, NO_DEFAULTS)
    with pytest.raises(errors.RequestValidationError) as raised:
        _converter.to_wire(prepared, models.CreateEventRequestBody, "createEvent")
    assert {("event.project", "required field missing")} <= set(raised.value.issues)


def test_a_complete_request_is_returned_as_it_is() -> None:
    """Nothing to do: the same object comes back, and the caller's dicts are never changed."""
    complete = {"event": {**FULL, "start_time": APRIL_MS}}
    incomplete = {"event": dict(EVENT)}

    prepared = prepare(models.CreateEventRequestBody, incomplete)

    assert complete is prepare(models.CreateEventRequestBody, complete)
    assert ({"event": EVENT}, FULL) == (incomplete, prepared["event"])


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"start_time": APRIL}, {"start_time": APRIL_MS}),
        ({"end_time": APRIL.astimezone(timezone(timedelta(hours=2)))}, {"end_time": APRIL_MS}),
        ({"start_time": APRIL_MS, "end_time": 1000}, {"start_time": APRIL_MS, "end_time": 1000}),
        ({"start_time": 1e9 - 1}, {"start_time": 1e9 - 1}),
    ],
    ids=["utc", "other-zone", "milliseconds", "small-ms"],
)
def test_aware_datetimes_are_milliseconds(given: dict[str, Any], expected: dict[str, Any]) -> None:
    """An aware datetime becomes epoch milliseconds; numbers that are milliseconds stay."""
    prepared = prepare(models.CreateEventRequestBody, {"event": {**EVENT, **given}})
    assert {**FULL, **expected} == prepared["event"]


@pytest.mark.parametrize(
    ("given", "path", "fragment"),
    [
        ({"start_time": datetime(2024, 4, 1)}, "event.start_time", "naive datetime"),
        ({"end_time": datetime(2024, 4, 1)}, "event.end_time", "naive datetime"),
        ({"start_time": 1711972800.5}, "event.start_time", "is in milliseconds"),
        ({"end_time": 1711972800}, "event.end_time", "is in milliseconds"),
    ],
)
def test_naive_datetimes_and_seconds_are_refused(
    given: dict[str, Any], path: str, fragment: str
) -> None:
    """A naive datetime or a time in seconds is refused with a message naming the field."""
    [(actual_path, message)] = issues(models.CreateEventRequestBody, {"event": {**EVENT, **given}})
    assert (path, True) == (actual_path, fragment in message)


def test_batch_issues_name_the_event() -> None:
    """In a batch, the path names the event's index."""
    batch = {"events": [EVENT, {**EVENT, "start_time": datetime(2024, 4, 1)}]}
    assert ["events[1].start_time"] == [
        p for p, _ in issues(models.CreateEventBatchRequestBody, batch)
    ]


def test_date_range_takes_aware_datetimes() -> None:
    """date_range bounds may be aware datetimes, sent as ISO 8601 in UTC; text stays as it is."""
    query = {"filters": [], "date_range": {"gte": APRIL, "lte": "2024-05-01T00:00:00Z"}}
    prepared = prepare(models.GetEventsRequestBody, query)
    expected = {"gte": "2024-04-01T12:00:00.123Z", "lte": "2024-05-01T00:00:00Z"}
    assert expected == prepared["date_range"]


def test_naive_date_range_is_refused() -> None:
    """A naive bound is refused, naming it."""
    query = {"project": "p", "filters": [], "date_range": {"lte": datetime(2024, 4, 1)}}
    assert ["date_range.lte"] == [p for p, _ in issues(models.GetEventsRequestBody, query)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"operator": "greater than", "value": 0.001}, ("0.001", "number")),
        ({"operator": "greater than", "value": "0.001"}, ("0.001", "number")),
        ({"operator": "is", "value": 42}, ("42", "number")),
        ({"operator": "is", "value": True}, ("true", "boolean")),
        ({"operator": "is", "value": "False"}, ("false", "boolean")),
        ({"operator": "is", "value": "gpt-4o"}, ("gpt-4o", "string")),
        ({"operator": "contains", "value": "42"}, ("42", "string")),
        ({"operator": "is", "value": 1e-05, "type": "string"}, ("1e-05", "string")),
        ({"operator": "is", "value": "7", "type": "id"}, ("7", "id")),
        ({"operator": "exists"}, (None, None)),
    ],
)
def test_filters_get_wire_values_and_types(
    given: dict[str, Any], expected: tuple[str | None, str | None]
) -> None:
    """Numbers and booleans are sent as text; a missing type is the value's; a given one is kept."""
    query = {"project": "p", "filters": [{"field": "metadata.cost", **given}]}
    [sent] = prepare(models.GetEventsRequestBody, query)["filters"]
    assert expected == (sent.get("value"), sent.get("type"))


def test_non_finite_filter_value_is_refused() -> None:
    """NaN has no JSON text: refused, naming the value."""
    query = {"project": "p", "filters": [{"field": "x", "operator": "is", "value": math.nan}]}
    assert ["filters[0].value"] == [p for p, _ in issues(models.GetEventsRequestBody, query)]


def test_models_are_prepared_too() -> None:
    """Models carrying datetimes or numeric filter values are converted the same way."""
    body = models.CreateEventRequestBody(
        event=models.CreateEventRequest(**{**FULL, "start_time": APRIL})  # type: ignore[arg-type]
    )
    query = models.GetEventsRequestBody(
        project="p",
        filters=[models.EventFilter(field="x", operator="less than", value=3)],  # type: ignore[arg-type]
        date_range=models.DateRange(gte=APRIL),  # type: ignore[arg-type]
    )

    event = prepare(models.CreateEventRequestBody, body).event
    prepared = prepare(models.GetEventsRequestBody, query)

    assert (APRIL_MS, "3", "number", "2024-04-01T12:00:00.123Z") == (
        event.start_time,
        prepared.filters[0].value,
        prepared.filters[0].type,
        prepared.date_range.gte,
    )


def test_batcher_events_get_the_defaults() -> None:
    """prepare_event does for one batcher event what prepare_request does for a body."""
    assert FULL == prepare_event("event", EVENT, DEFAULTS)
    model = prepare_event("model_event", MODEL_EVENT, DEFAULTS)
    assert {**MODEL_EVENT, "project": "proj", "source": "src"} == model


def test_filter_type_for_the_command_line() -> None:
    """The command line's inference is the SDK's: one function."""
    assert ("number", "string", None) == (
        filter_type("is", "1.5"),
        filter_type("not contains", "1.5"),
        filter_type("not exists", ""),
    )


# -- properties: any outside input ----------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    ["project", "source", "start_time", "end_time", "config", "inputs", "event_name", "x"]
)
ANY_EVENT = st.dictionaries(
    FIELDS,
    JSON | st.datetimes() | st.datetimes(timezones=st.just(timezone.utc)),
    max_size=6,
)
REQUESTS = st.one_of(
    st.tuples(st.just(models.CreateEventRequestBody), st.fixed_dictionaries({"event": ANY_EVENT})),
    st.tuples(
        st.just(models.CreateEventBatchRequestBody),
        st.fixed_dictionaries({"events": st.lists(ANY_EVENT | JSON, max_size=3)}),
    ),
    st.tuples(
        st.just(models.GetEventsRequestBody),
        st.fixed_dictionaries(
            {
                "filters": st.lists(
                    st.dictionaries(st.sampled_from(["field", "operator", "value", "type"]), JSON)
                    | JSON,
                    max_size=3,
                ),
                "date_range": st.dictionaries(
                    st.sampled_from(["gte", "lte"]), JSON | st.datetimes(), max_size=2
                )
                | JSON,
            }
        ),
    ),
    st.tuples(st.sampled_from(list(_converter.REQUEST_MODELS)), JSON),
)


@given(REQUESTS)
@example(
    (
        models.GetEventsRequestBody,
        {"project": "p", "filters": [{"field": "x", "operator": [], "value": "1"}]},
    )
)
def test_any_request_is_prepared_or_refused_with_paths(case: tuple[type[Any], Any]) -> None:
    """Whatever is passed, the step returns or raises RequestValidationError naming fields."""
    cls, request = case
    found: tuple[tuple[str, str], ...] = (("-", "-"),)
    try:
        prepare(cls, request)
    except errors.RequestValidationError as error:
        found = error.issues
    assert found
    assert all(isinstance(path, str) and path for path, _ in found)


@given(st.datetimes(timezones=st.timezones(), min_value=datetime(1971, 1, 1)))
def test_aware_datetimes_round_trip_as_milliseconds(moment: datetime) -> None:
    """The milliseconds sent are the moment's, to the microsecond's rounding."""
    prepared = prepare(models.CreateEventRequestBody, {"event": {**EVENT, "start_time": moment}})
    millis = prepared["event"]["start_time"]
    assert abs(millis - moment.timestamp() * 1000) < 0.001


@given(st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False))
def test_number_filter_values_read_back(value: float) -> None:
    """A number's text is a JSON number that reads back as the same number, typed ``number``."""
    text = filter_value(value)
    assert text is not None
    assert ("number", value) == (infer_filter_type(text), type(value)(text))
