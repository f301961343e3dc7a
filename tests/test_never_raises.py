"""No request makes an operation raise: its outcome is a Result, refused exactly when unsent.

Generated requests of every operation, as mappings, as models and as any
mix of the two, with hostile values on top (lone surrogates, keys of mixed
types, values JSON cannot carry, nesting past the server's limit) go
through every entry point: the functions, the class facade, the batcher and
``events import``. Only ``CancelledError`` may propagate.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import math
import re
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import attrs
import pytest
from aioresponses import aioresponses
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from honeyhive_async import (
    Err,
    EventBatcher,
    HoneyHive,
    HoneyHiveCore,
    Ok,
    RetryConfig,
    errors,
    funcs,
    models,
)
from honeyhive_async._codec import _converter
from honeyhive_async.cli._import import _import_line
from tests.conftest import SERVER
from tests.strategies import CLEAN, DIRTY, REQUEST_TYPES, REQUESTS, events, nested

KEY = "hh-never-raises-0123456789"
NO_RETRY = RetryConfig(strategy="none")
CREATED = {"event_id": "e-1", "success": True}
ANSWERS: dict[str, tuple[str, str, Any]] = {
    "events_create_event": ("POST", "/events", CREATED),
    "events_update_event": ("PUT", "/events", None),
    "events_get_events": ("POST", "/events/export", {"events": [], "totalEvents": 0}),
    "events_create_model_event": ("POST", "/events/model", CREATED),
    "events_create_event_batch": (
        "POST",
        "/events/batch",
        {"event_ids": [], "session_id": "s", "success": True},
    ),
    "events_create_model_event_batch": (
        "POST",
        "/events/model/batch",
        {"event_ids": [], "success": True},
    ),
}


class Kind(str, enum.Enum):
    """A str enum, as callers use for ``event_type``."""

    TOOL = "tool"
    MODEL = "model"


CYCLE: dict[str, Any] = {}
CYCLE["self"] = CYCLE
UNSENDABLE: list[Any] = [
    {1, 2},
    object(),
    b"bytes",
    CYCLE,
    10**5000,
    math.nan,
    -math.inf,
    nested(150),
    nested(100_000),
    {("a", "b"): 1},
    {math.nan: 1},
    "\ud800",
    {"\udfff": 1},
]
"""Free-form values that no JSON body can carry, or the server would refuse."""


def _model_of(tp: Any) -> tuple[type[Any] | None, bool]:
    for arg in (tp, *get_args(tp)):
        if get_origin(arg) is list and get_args(arg)[0] in models.REQUEST_MODELS:
            return get_args(arg)[0], True
        if arg in models.REQUEST_MODELS:
            return arg, False
    return None, False


@st.composite
def mixed(draw: Any, value: Any, cls: type[Any]) -> Any:
    """*value* with some nested mappings made models (where they build), proxies, tuples, enums."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for f in attrs.fields(cls):
        if f.name not in out:
            continue
        model, is_list = _model_of(f.type)
        item = out[f.name]
        if model is not None and is_list and isinstance(item, list):
            item = [draw(mixed(x, model)) for x in item]
            item = tuple(item) if draw(st.integers(0, 4)) == 0 else item
        elif model is not None:
            item = draw(mixed(item, model))
        elif f.name == "event_type" and item in ("tool", "model") and draw(st.booleans()):
            item = Kind(item)
        out[f.name] = item
    shape = draw(st.integers(0, 4))
    if shape == 0:
        try:
            return cls(**out)
        except (TypeError, ValueError):  # missing fields, or a validator refused: keep the mapping
            return out
    return types.MappingProxyType(out) if shape == 1 else out


@st.composite
def hostile(draw: Any, value: Any) -> Any:
    """*value*, sometimes with unknown keys of mixed types or an unsendable free-form value."""
    if not isinstance(value, dict):
        return value
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return {**value, 1: "x", "y": 2, None: 3}
    if choice == 1:
        return _plant(value, draw(st.sampled_from(UNSENDABLE)))
    return value


def _plant(value: dict[str, Any], bad: Any) -> dict[str, Any]:
    """*value* with *bad* inside the first free-form object found, or at the top."""
    for key in ("event", "model_event"):
        if isinstance(value.get(key), dict):
            return {**value, key: _plant(value[key], bad)}
    for key in ("events", "model_events"):
        if isinstance(value.get(key), list) and value[key] and isinstance(value[key][0], dict):
            return {**value, key: [_plant(value[key][0], bad), *value[key][1:]]}
    for key in ("inputs", "metadata", "response", "config"):
        if isinstance(value.get(key), dict):
            return {**value, key: {**value[key], "planted": bad}}
    return {**value, "planted": bad}


def requests_of(name: str) -> st.SearchStrategy[Any]:
    """Requests of operation *name*: generated, then mixed with models, then made hostile."""
    cls = REQUEST_TYPES[name]
    return REQUESTS[name].flatmap(lambda r: mixed(r, cls)).flatmap(lambda r: hostile(r))


@pytest.mark.parametrize("name", sorted(REQUESTS))
@settings(max_examples=80, deadline=None)
@given(data=st.data())
async def test_operations_return_a_result_and_refuse_exactly_when_nothing_is_sent(
    name: str, data: st.DataObject
) -> None:
    """Every request gives a Result; ``Err(RequestValidationError)`` iff nothing was sent."""
    request = data.draw(requests_of(name))
    method, path, body = ANSWERS[name]
    with aioresponses() as mocked:
        mocked.add(SERVER + path, method=method, payload=body, repeat=True)
        async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER, retry_config=NO_RETRY) as c:
            result = await getattr(funcs, name)(c, request)
        sent = bool(mocked.requests)

    assert isinstance(result, (Ok, Err))
    assert isinstance(result.error, errors.RequestValidationError) == (not sent), result


@pytest.mark.parametrize("name", sorted(REQUESTS))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
async def test_the_facade_raises_only_its_errors(name: str, data: st.DataObject) -> None:
    """The class facade returns the value or raises a ``HoneyHiveError``, nothing else."""
    request = data.draw(requests_of(name))
    method, path, body = ANSWERS[name]
    with aioresponses() as mocked:
        mocked.add(SERVER + path, method=method, payload=body, repeat=True)
        async with HoneyHive(bearer_auth=KEY, server_url=SERVER, retry_config=NO_RETRY) as hh:
            try:
                await getattr(hh.events, name.removeprefix("events_"))(request)
            except errors.RequestValidationError:
                assert not mocked.requests
            else:
                assert mocked.requests


EVENTS = st.one_of(events(CLEAN), events(DIRTY)).flatmap(
    lambda e: mixed(e, models.CreateEventRequest)
)


@settings(max_examples=80, deadline=None)
@given(batch=st.lists(EVENTS.flatmap(lambda e: hostile(e)), max_size=4))
async def test_batcher_add_raises_only_request_validation_errors(batch: list[Any]) -> None:
    """``EventBatcher.add`` queues an event or raises ``RequestValidationError``, nothing else."""
    answer = {"event_ids": [], "session_id": "s", "success": True}
    with aioresponses() as mocked:
        mocked.post(SERVER + "/events/batch", payload=answer, repeat=True)
        async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER, retry_config=NO_RETRY) as c:
            batcher = EventBatcher(c, flush_interval=60)
            for event in batch:
                with contextlib.suppress(errors.RequestValidationError):
                    await batcher.add(event)
            await batcher.aclose()


@settings(max_examples=60, deadline=None)
@given(event=events(DIRTY).flatmap(lambda e: hostile(e)))
async def test_events_import_reports_a_bad_line_and_goes_on(event: Any) -> None:
    """A line ``events import`` cannot queue is reported as a problem; the import goes on."""
    try:  # escapes lone surrogates, as files have them
        line = json.dumps(event, default=repr).encode()
    except (TypeError, ValueError, RecursionError):
        assume(False)  # no line of a file: a cycle, a tuple key, too deep to write
    with aioresponses() as mocked:
        answer = {"event_ids": [], "session_id": "s", "success": True}
        mocked.post(SERVER + "/events/batch", payload=answer, repeat=True)
        async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER, retry_config=NO_RETRY) as c:
            batcher = EventBatcher(c, flush_interval=60)
            problem = await _import_line(batcher, 1, line, None)
            await batcher.aclose()
    assert problem is None or problem.startswith(("invalid event:", "not JSON"))


def test_events_import_of_a_lone_surrogate_skips_the_line(tmp_path: Path) -> None:
    """The issue's case: a surrogate in one line of a file does not abort the import."""
    event = {
        "project": "p",
        "source": "s",
        "event_name": "\ud800",
        "event_type": "tool",
        "config": {},
        "inputs": {},
        "duration": 1,
    }

    async def queue() -> str | None:
        async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER) as core:
            batcher = EventBatcher(core)
            problem = await _import_line(batcher, 1, json.dumps(event).encode(), None)
            await batcher.aclose()
            return problem

    expected = "invalid event: event_name: must be valid Unicode text (a lone surrogate)"
    assert expected == asyncio.run(queue())


@pytest.mark.parametrize("name", sorted(REQUESTS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_models_mappings_and_mixes_get_the_same_checks(name: str, data: st.DataObject) -> None:
    """A request as a mapping and as models (or a mix) gives the same wire or the same issues."""
    cls = REQUEST_TYPES[name]
    request = data.draw(REQUESTS[name])
    other = data.draw(mixed(request, cls))

    def outcome(value: Any) -> Any:
        try:
            return _converter.to_wire(value, cls, "op")
        except errors.RequestValidationError as error:
            # The mix may hold another mapping type in the same place: the name differs.
            return [(path, re.sub(r"got \w+$", "got ...", text)) for path, text in error.issues]

    assert outcome(request) == outcome(other)


class _RaisingMapping(Mapping[str, Any]):
    """A caller's mapping that raises when read."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no reading me")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no iterating me")

    def __len__(self) -> int:
        return 1


class _RaisingEquality:
    """A value whose ``__eq__`` raises (as in a membership test)."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no comparing me")

    __hash__ = object.__hash__


BASE_EVENT = {
    "project": "p",
    "source": "s",
    "event_name": "e",
    "event_type": "tool",
    "config": {},
    "inputs": {},
    "duration": 1,
}

CORNERS: list[tuple[str, Any, str]] = [
    ("events_create_event_batch", {"events": 5, "is_single_session": True}, "events"),
    ("events_get_events", {"project": "p", "filters": [], "limit": -(10**5000)}, "limit"),
    ("events_create_event", {"event": {**BASE_EVENT, "duration": 10**5000}}, "event.duration"),
    ("events_create_event", _RaisingMapping(), ""),
    ("events_create_event", {"event": _RaisingMapping()}, ""),
    ("events_create_event", {"event": {**BASE_EVENT, "event_type": _RaisingEquality()}}, ""),
    (
        "events_get_all_events",
        models.GetEventsRequestBody(project="p", filters=[], page="2"),  # type: ignore[arg-type]
        "page",
    ),
]


@pytest.mark.parametrize(("name", "request_", "field"), CORNERS)
async def test_the_corners_that_used_to_raise_are_errs_naming_the_field(
    name: str, request_: Any, field: str
) -> None:
    """Each is an ``Err(RequestValidationError)`` naming its field (the request itself: ``""``)."""
    async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER) as core:
        result = await getattr(funcs, name)(core, request_)
    assert isinstance(result, Err)
    assert isinstance(result.error, errors.RequestValidationError)
    assert field in [path for path, _ in result.error.issues]
