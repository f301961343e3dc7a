"""The request codec: one pass for valid input, and the caller's objects left as they were."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_async import models
from honeyhive_async._codec import encode_event
from honeyhive_async._defaults import NO_DEFAULTS, RequestDefaults
from honeyhive_async.errors import RequestValidationError
from honeyhive_async.funcs.events_create_event import OPERATION as CREATE
from honeyhive_async.funcs.events_create_event_batch import OPERATION as BATCH

EVENT: dict[str, Any] = {
    "project": "p",
    "source": "s",
    "event_name": "e",
    "event_type": "tool",
    "config": {"a": [1, {"b": 2}]},
    "inputs": {"q": "?"},
    "duration": 1.5,
}


def test_a_created_events_id_goes_to_a_copy() -> None:
    """Encoding gives the event an id on the wire; the caller's dict does not change."""
    request = {"event": dict(EVENT)}
    before = copy.deepcopy(request)
    encoded = CREATE.codec.encode(request, NO_DEFAULTS)
    assert (before, 1) == (request, len(encoded.event_ids))


def test_a_batchs_ids_go_to_copies() -> None:
    """Every id-less event of a batch gets an id on the wire, none in the caller's list."""
    request = {"events": [dict(EVENT), {**EVENT, "event_id": "given"}]}
    before = copy.deepcopy(request)
    encoded = BATCH.codec.encode(request, NO_DEFAULTS)
    assert before == request
    assert "given" == encoded.event_ids[1]
    assert encoded.event_ids[0] != "given"


def test_a_batcher_events_id_goes_to_a_copy() -> None:
    """The batcher's route leaves the caller's event as it was, too."""
    event = dict(EVENT)
    encoded = encode_event(event, NO_DEFAULTS, iter(["fresh"]))
    assert ("fresh", EVENT) == (encoded.event_id, event)


@pytest.mark.parametrize("missing", ["project", "source", "config", "inputs"])
def test_what_is_filled_in_is_on_the_wire_not_in_the_callers_dict(missing: str) -> None:
    """Defaults and empty objects complete the wire event only."""
    event = {k: v for k, v in EVENT.items() if k != missing}
    defaults = RequestDefaults(project="dp", source="ds")
    encoded = encode_event(event, defaults, iter(["x"]))
    assert missing not in event
    assert {"project": "dp", "source": "ds", "config": {}, "inputs": {}}[missing] == (
        json.loads(encoded.data)[missing]
    )


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["outputs", "metadata", "error", "session_id", "parent_id", "metrics"]),
        st.one_of(st.none(), st.just({"k": 1}), st.just("text")),
    )
)
def test_any_event_is_encoded_without_changing_it(extra: dict[str, Any]) -> None:
    """Whatever optional fields (or ``None``s) an event holds, the caller's dict is untouched."""
    event = {**EVENT, **extra}
    before = copy.deepcopy(event)
    with contextlib.suppress(RequestValidationError):  # refused ("text" is no object): fine
        encode_event(event, NO_DEFAULTS, iter(["x"]))
    assert before == event


def test_a_none_is_never_sent() -> None:
    """An optional field given as ``None`` is left out of the wire, as an unset one is."""
    encoded = encode_event({**EVENT, "error": None}, NO_DEFAULTS, iter(["x"]))
    assert b"error" not in encoded.data


def test_a_model_and_its_dict_encode_alike() -> None:
    """A model instance takes the same one-pass route as the mapping of its fields."""
    model = models.CreateEventRequest(**EVENT)
    as_model = encode_event(model, NO_DEFAULTS, iter(["x"]))
    as_dict = encode_event(dict(EVENT), NO_DEFAULTS, iter(["x"]))
    assert json.loads(as_model.data) == json.loads(as_dict.data)
