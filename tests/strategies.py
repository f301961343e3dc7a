"""Hypothesis strategies for requests of every operation: valid, invalid and hostile.

Requests are mappings with the Python field names, as a caller writes them.
Each field is usually valid and sometimes not: missing, of another type,
empty, out of range, a lone surrogate, nested too deep. No unknown keys
(the client refuses those by design, the server ignores them), no values
JSON cannot write at all (a cycle, a 5000-digit integer): those are the
business of other tests.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from honeyhive_async import _rules, models

HOSTILE_TEXT = ["", " ", "\ud800", "a\udfffb", "\x00", "é", "🙂", "x" * 300]
WEIRD_NUMBERS: list[Any] = [
    -1,
    0,
    -0.0,
    0.5,
    1e308,
    -1.7e308,
    2**53,
    2**63 - 1,
    2**63,
    2**64,
    10**20,
    _rules.MAX_TIME_MS,
    _rules.MAX_TIME_MS + 1,
    -_rules.MAX_TIME_MS - 1,
    _rules.MAX_PAGE,
    _rules.MAX_PAGE + 1,
    7500,
    7501,
    float("nan"),
    float("inf"),
]

clean_text = st.text(max_size=8)  # hypothesis leaves out surrogates unless asked
dirty_text = st.one_of(clean_text, st.sampled_from(HOSTILE_TEXT))
clean_ids = st.one_of(st.sampled_from(["a", "b", "s-1", "e-1"]), st.text(min_size=1, max_size=8))
dirty_ids = st.one_of(clean_ids, dirty_text)
wrong = st.sampled_from([None, True, 1, 1.5, "1", [], {}, ["a"]])
"""Values of some other type than the field's."""


def nested(depth: int) -> dict[str, Any]:
    """An object nested *depth* levels deep (itself included)."""
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"d": value}
    return value


def _json_values(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
    )
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=8,
    )


class Mode:
    """The strategies of one kind of request: *clean* ones break no rule a client can know."""

    def __init__(self, clean: bool) -> None:
        self.clean = clean
        self.text = clean_text if clean else dirty_text
        self.ids = clean_ids if clean else dirty_ids
        self.free_form = st.one_of(
            st.dictionaries(self.text, _json_values(self.text), max_size=4),
            # Around the depth the server stores: 3 levels above in a batch.
            st.integers(90, 97 if clean else 102).map(nested),
        )
        low, high = -_rules.MAX_TIME_MS, _rules.MAX_TIME_MS
        self.times = st.one_of(
            st.integers(low, high),
            st.floats(low, high),
            st.sampled_from([low, high, 0, 1714978764301.5]),
        )
        self.durations = st.one_of(
            st.integers(0, _rules.MAX_DURATION_MS),
            st.floats(0, _rules.MAX_DURATION_MS),
        )
        self.numbers = st.one_of(
            st.integers(-_rules.MAX_INTEGER, _rules.MAX_INTEGER),
            st.floats(allow_nan=False, allow_infinity=False),
        )
        if not clean:
            self.times = self.durations = self.numbers = st.one_of(
                self.times, st.sampled_from(WEIRD_NUMBERS)
            )

    def sometimes(self, good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> Any:
        """*good* in a clean request; in another, mostly *good*, sometimes *bad*."""
        return good if self.clean else st.one_of(good, good, good, bad)

    def fields(
        self, draw: Any, spec: dict[str, tuple[bool, st.SearchStrategy[Any]]]
    ) -> dict[str, Any]:
        """A mapping with its required fields (most of the time) and some optional ones."""
        out: dict[str, Any] = {}
        for name, (required, strategy) in spec.items():
            chance = (10 if self.clean else 9) if required else 4
            if draw(st.integers(0, 9)) < chance:
                out[name] = draw(strategy)
        return out


CLEAN, DIRTY = Mode(clean=True), Mode(clean=False)
EVENT_TYPES = st.sampled_from(models.EVENT_TYPES)


@st.composite
def events(draw: Any, m: Mode) -> dict[str, Any]:
    """A CreateEventRequest mapping."""
    return m.fields(
        draw,
        {
            "project": (True, m.sometimes(m.ids, wrong)),
            "source": (True, m.sometimes(m.text, wrong)),
            "event_name": (True, m.sometimes(m.ids, wrong)),
            "event_type": (True, m.sometimes(EVENT_TYPES, m.text | wrong)),
            "event_id": (False, m.sometimes(m.ids, wrong)),
            "session_id": (False, m.sometimes(m.ids, wrong)),
            "parent_id": (False, m.sometimes(m.ids, wrong)),
            "children_ids": (False, m.sometimes(st.lists(m.text, max_size=2), wrong)),
            "config": (True, m.sometimes(m.free_form, wrong)),
            "inputs": (True, m.sometimes(m.free_form, wrong)),
            "outputs": (False, m.sometimes(m.free_form, wrong)),
            "error": (False, m.sometimes(m.text, wrong)),
            "start_time": (False, m.sometimes(m.times, wrong)),
            "end_time": (False, m.sometimes(m.times, wrong)),
            "duration": (True, m.sometimes(m.durations, wrong)),
            "metadata": (False, m.sometimes(m.free_form, wrong)),
            "feedback": (False, m.free_form),
            "metrics": (False, m.free_form),
            "user_properties": (False, m.free_form),
        },
    )


@st.composite
def model_events(draw: Any, m: Mode) -> dict[str, Any]:
    """A CreateModelEvent mapping."""
    return m.fields(
        draw,
        {
            "project": (True, m.sometimes(m.ids, wrong)),
            "model": (True, m.sometimes(m.ids, wrong)),
            "provider": (True, m.sometimes(m.text, wrong)),
            "messages": (True, m.sometimes(st.lists(m.free_form, max_size=2), wrong)),
            "response": (True, m.sometimes(m.free_form, wrong)),
            "duration": (True, m.sometimes(m.durations, wrong)),
            "usage": (True, m.sometimes(m.free_form, wrong)),
            "cost": (False, m.sometimes(m.numbers, wrong)),
            "error": (False, m.text),
            "source": (False, m.text),
            "event_name": (False, m.sometimes(m.ids, wrong)),
            "hyperparameters": (False, m.free_form),
            "template": (False, st.lists(m.free_form, max_size=1)),
            "tools": (False, m.sometimes(st.lists(m.free_form, max_size=1), wrong)),
            "tool_choice": (False, m.text),
            "response_format": (False, m.free_form),
        },
    )


@st.composite
def session_properties(draw: Any, m: Mode) -> dict[str, Any]:
    """A SessionPropertiesBatch mapping."""
    return m.fields(
        draw,
        {
            "session_name": (False, m.sometimes(m.ids, wrong)),
            "source": (False, m.text),
            "session_id": (False, m.sometimes(m.ids, wrong)),
            "config": (False, m.free_form),
            "metadata": (False, m.sometimes(m.free_form, wrong)),
        },
    )


FIELD_PATHS = st.sampled_from(
    [
        "event_id",
        "event_type",
        "start_time",
        "metadata.cost",
        "inputs.chat_history.0.content",
        "metrics.Answer Faithfulness",
        "config",
        "children_ids",
        "event_type.x",
        "nope.x",
        "a..b",
        "x" * 300,
        ".".join(["metadata"] * 17),
    ]
)
FILTER_VALUES = st.sampled_from(
    ["1", "-2.5e3", "1e999", "true", "FALSE", "2024-04-01", "2024-13-01", "x", ""]
)
DATES = st.sampled_from(
    ["2024-04-01T00:00:00Z", "2024-04-01", "1714978764301", "2024-02-30", "yesterday"]
)


@st.composite
def filters(draw: Any, m: Mode) -> dict[str, Any]:
    """An EventFilter mapping (query rules apply to clean ones too: the server decides)."""
    return m.fields(
        draw,
        {
            "field": (True, m.sometimes(FIELD_PATHS | m.text, wrong)),
            "value": (False, m.sometimes(FILTER_VALUES | m.text, wrong)),
            "operator": (True, m.sometimes(st.sampled_from(models.FILTER_OPERATORS), m.text)),
            "type": (False, m.sometimes(st.sampled_from(models.FILTER_TYPES), m.text)),
        },
    )


@st.composite
def get_events_bodies(draw: Any, m: Mode) -> dict[str, Any]:
    """A GetEventsRequestBody mapping."""
    few = st.lists(filters(m), max_size=3)
    many = st.lists(filters(m), min_size=_rules.MAX_FILTERS - 1, max_size=_rules.MAX_FILTERS + 1)
    dates = st.fixed_dictionaries({}, optional={"gte": DATES | m.text, "lte": DATES | m.text})
    return m.fields(
        draw,
        {
            "project": (True, m.sometimes(m.ids, wrong)),
            "filters": (True, m.sometimes(few, many | wrong)),
            "date_range": (False, m.sometimes(dates, wrong)),
            "projections": (False, m.sometimes(st.lists(FIELD_PATHS, max_size=2), wrong)),
            "limit": (False, m.sometimes(st.integers(1, 7500), st.sampled_from(WEIRD_NUMBERS))),
            "page": (False, m.sometimes(st.integers(1, 5), st.sampled_from(WEIRD_NUMBERS))),
        },
    )


@st.composite
def update_bodies(draw: Any, m: Mode) -> dict[str, Any]:
    """An UpdateEventRequestBody mapping."""
    return m.fields(
        draw,
        {
            "event_id": (True, m.sometimes(m.ids, wrong)),
            "metadata": (False, m.free_form),
            "feedback": (False, m.free_form),
            "metrics": (False, m.sometimes(m.free_form, wrong)),
            "outputs": (False, m.free_form),
            "config": (False, m.free_form),
            "user_properties": (False, m.free_form),
            "duration": (False, m.sometimes(m.durations, wrong)),
        },
    )


def event_batches(
    items: st.SearchStrategy[Any], key: str, m: Mode
) -> st.SearchStrategy[dict[str, Any]]:
    """A batch body of *items* under *key*."""
    return st.fixed_dictionaries(
        {key: st.lists(items, max_size=3)},
        optional={
            "is_single_session": m.sometimes(st.booleans(), wrong),
            "session_properties": m.sometimes(session_properties(m), wrong),
        },
    )


def _requests(m: Mode) -> dict[str, st.SearchStrategy[Any]]:
    envelope = (
        (lambda key, item: st.fixed_dictionaries({key: item}))
        if m.clean
        else (lambda key, item: st.fixed_dictionaries({}, optional={key: item | wrong}))
    )
    return {
        "events_create_event": envelope("event", events(m)),
        "events_update_event": update_bodies(m),
        "events_get_events": get_events_bodies(m),
        "events_create_model_event": envelope("model_event", model_events(m)),
        "events_create_event_batch": event_batches(events(m), "events", m),
        "events_create_model_event_batch": event_batches(model_events(m), "model_events", m),
    }


_CLEAN, _DIRTY = _requests(CLEAN), _requests(DIRTY)
REQUESTS: dict[str, st.SearchStrategy[Any]] = {
    name: st.one_of(_CLEAN[name], _DIRTY[name]) for name in _CLEAN
}
"""A request strategy per operation (by function name in ``funcs``): half clean, half not."""

REQUEST_TYPES: dict[str, type[Any]] = {
    "events_create_event": models.CreateEventRequestBody,
    "events_update_event": models.UpdateEventRequestBody,
    "events_get_events": models.GetEventsRequestBody,
    "events_create_model_event": models.CreateModelEventRequestBody,
    "events_create_event_batch": models.CreateEventBatchRequestBody,
    "events_create_model_event_batch": models.CreateModelEventBatchRequestBody,
}


def to_wire_names(request: Any) -> Any:
    """A getEvents mapping with its wire names (``dateRange`` with ``$gte``/``$lte``)."""
    if not isinstance(request, dict) or "date_range" not in request:
        return request
    out = {k: v for k, v in request.items() if k != "date_range"}
    bounds = request["date_range"]
    out["dateRange"] = (
        {f"${k}": v for k, v in bounds.items()} if isinstance(bounds, dict) else bounds
    )
    return out
