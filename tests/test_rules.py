"""The shared rules: what they refuse, and that every copy of what they describe agrees.

The rules live once in ``_rules``; the models, the converter's registry,
the server's schemas and its query compiler each hold something derived
from or next to them. These tests keep the copies honest.
"""

from __future__ import annotations

from typing import Any, get_args

import attrs
import pytest

from honeyhive_async import _rules, models
from honeyhive_async._codec import _converter
from honeyhive_async._codec import _json as _json_checks
from honeyhive_async.funcs.events_iter_events import MAX_PAGE_SIZE
from honeyhive_async.server import _query, _schemas, _validate

T = _rules.MAX_TIME_MS


@pytest.mark.parametrize(
    ("model", "data", "issues"),
    [
        ("CreateEventRequest", {"project": "p", "duration": 0, "start_time": -T}, []),
        ("CreateEventRequest", {"project": ""}, [(("project",), "must not be empty")]),
        (
            "CreateEventRequest",
            {"duration": -1},
            [(("duration",), f"must be from 0 to {T}, got -1")],
        ),
        (
            "CreateEventRequest",
            {"start_time": 1.7e308},
            [(("start_time",), f"must be from {-T} to {T}, got 1.7e+308")],
        ),
        (
            "CreateEventRequest",
            {"end_time": T + 1, "duration": "wrong type, not a rule"},
            [(("end_time",), f"must be from {-T} to {T}, got {T + 1}")],
        ),
        (
            "GetEventsRequestBody",
            {"limit": 7501, "page": 2**62},
            [
                (("limit",), "must be from 1 to 7500, got 7501"),
                (("page",), f"must be from 1 to 1000000000, got {2**62}"),
            ],
        ),
        (
            "CreateModelEvent",
            {"cost": 2**64},
            [(("cost",), f"must be an integer of at most 64 bits, got {2**64}")],
        ),
        ("CreateModelEvent", {"cost": 1e300}, []),
        ("CreateModelEvent", {"cost": True}, []),
        ("SessionPropertiesBatch", {"session_id": ""}, [(("session_id",), "must not be empty")]),
        ("Unruled", {"anything": ""}, []),
    ],
)
def test_field_rules(model: str, data: dict[str, Any], issues: list[Any]) -> None:
    """Ranges and non-empty strings; a value of another type is left to the type checks."""
    assert issues == _rules.field_issues(model, data)


SESSION = {"event_type": "session", "event_id": "s"}


@pytest.mark.parametrize(
    ("event", "batch", "issues"),
    [
        ({"event_type": "tool", "parent_id": "x"}, None, []),
        (SESSION, None, []),
        ({**SESSION, "session_id": "s"}, "s", []),
        ({**SESSION, "parent_id": "p"}, None, ["parent_id"]),
        ({**SESSION, "session_id": "other"}, None, ["session_id"]),
        (SESSION, "other", ["session_id"]),
        ({**SESSION, "session_id": ["not", "a", "string"]}, None, []),
    ],
)
def test_session_rules(event: dict[str, Any], batch: str | None, issues: list[str]) -> None:
    """A session event is its own session: no parent, one id for it."""
    found = _rules.session_issues(event, batch_session_id=batch)
    assert issues == [path[-1] for path, _ in found]


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        (
            {
                "filters": [
                    {
                        "field": "metadata.cost",
                        "operator": "greater than",
                        "value": "1",
                        "type": "number",
                    }
                ]
            },
            [],
        ),
        ({"filters": [{"field": "metadata.cost", "operator": "exists"}]}, []),
        ({"filters": [{"field": "nope", "operator": "exists"}]}, [("filters", 0, "field")]),
        ({"filters": [{"field": "event_type.x", "operator": "exists"}]}, [("filters", 0, "field")]),
        ({"filters": [{"field": "a..b", "operator": "exists"}]}, [("filters", 0, "field")]),
        (
            {
                "filters": [
                    {"field": "config", "operator": "contains", "type": "number", "value": "1"}
                ]
            },
            [("filters", 0, "operator")],
        ),
        (
            {"filters": [{"field": "config", "operator": "is", "type": "number", "value": "x"}]},
            [("filters", 0, "value")],
        ),
        ({"filters": [{"field": "config", "operator": "is"}]}, [("filters", 0, "value")]),
        (
            {
                "filters": [
                    {
                        "field": "start_time",
                        "operator": "after",
                        "type": "datetime",
                        "value": "2024-02-30",
                    }
                ]
            },
            [("filters", 0, "value")],
        ),
        ({"filters": [{"field": "config", "operator": "exists"}] * 101}, [("filters",)]),
        ({"filters": [], "projections": ["event_id", "x y.z"]}, [("projections", 1)]),
        (
            {"filters": [], "dateRange": {"$gte": "2024-04-01", "$lte": "soon"}},
            [("dateRange", "$lte")],
        ),
    ],
)
def test_query_rules(body: dict[str, Any], paths: list[tuple[Any, ...]]) -> None:
    """What the server cannot run: bad paths, operators, values, dates, too many filters."""
    assert paths == [path for path, _ in _rules.query_issues(body)]


@pytest.mark.parametrize(
    ("value", "limit", "where"),
    [
        ({"a": {"b": {}}}, 3, None),
        ({"a": {"b": {}}}, 2, ("a", "b")),
        ({"a": [1, {"b": [[]]}]}, 3, ("a", 1, "b")),
        ({"a": 1, "z": {"deep": {"er": {}}}}, 3, ("z", "deep", "er")),
        ({"a": {"b": {"c": {"d": {"e": {}}}}}}, 1, ("a",)),
    ],
)
def test_too_deep_names_the_way_down(value: Any, limit: int, where: Any) -> None:
    """The path to the first container past the limit (or its first four steps)."""
    assert where == _json_checks.too_deep(value, limit)


def test_unicode_and_finite_issues_name_the_place() -> None:
    """A lone surrogate in a value or a key, an infinite number: found with their paths."""
    assert (("a", 1), "must be valid Unicode text (it holds a lone surrogate)") == (
        _json_checks.unicode_issue({"a": ["ok", "\ud800"]})
    )
    assert ("a",) == (_json_checks.unicode_issue({"a": {"\udfff": 1}}) or ((), ""))[0]
    assert (("x", 0), "must be a finite number") == _json_checks.finite_issue({"x": [float("inf")]})
    assert None is _json_checks.unicode_issue({"a": ["é", "🙂"]})


# -- the copies agree ------------------------------------------------------------------


def test_the_event_fields_agree_everywhere() -> None:
    """The Event model, the rules' field kinds and the server's query field kinds list the same."""
    model_fields = [f.name for f in attrs.fields(models.Event)]
    assert model_fields == list(_rules.EVENT_FIELD_KINDS) == list(_query.FIELD_KINDS)
    assert dict(_rules.EVENT_FIELD_KINDS) == dict(_query.FIELD_KINDS)


def test_the_limits_agree_everywhere() -> None:
    """One limit on a page and on nesting, used by the server, its schema and the client."""
    assert _rules.MAX_LIMIT == _schemas.MAX_LIMIT == MAX_PAGE_SIZE
    assert _rules.MAX_DEPTH == _validate.MAX_DEPTH
    assert _rules.OPERATORS_BY_TYPE is _query.OPERATORS_BY_TYPE
    assert _rules.NEGATIONS is _query.NEGATIONS


@pytest.mark.parametrize("name", sorted(_rules.FIELD_RULES))
def test_the_server_schemas_do_not_contradict_the_rules(name: str) -> None:
    """Where a schema states a minimum, maximum or non-empty string, the rules say the same."""
    schema = _schemas.SCHEMAS[name]["properties"]
    rules = _rules.FIELD_RULES[name]
    for field, spec in schema.items():
        rule = rules.get(field)
        if spec.get("minLength"):
            assert isinstance(rule, _rules.NonEmpty), field
        if "minimum" in spec:
            assert isinstance(rule, _rules.Bounds), field
            assert rule.low == spec["minimum"], field
        if "maximum" in spec:
            assert isinstance(rule, _rules.Bounds), field
            assert rule.high == spec["maximum"], field


@pytest.mark.parametrize("name", sorted(_rules.FIELD_RULES))
def test_every_ruled_field_is_a_scalar_field_of_its_model(name: str) -> None:
    """A rule names a model and a field that exist, whose wire name is its own."""
    cls = getattr(models, name)
    fields = {models.wire_name(f): f for f in attrs.fields(cls)}
    for field in _rules.FIELD_RULES[name]:
        assert field in fields, field
        assert fields[field].name == field, field


# -- the model registry --------------------------------------------------------------------


def _models_in(tp: Any) -> set[type[Any]]:
    """The attrs classes a field type names, however nested (``list[X] | None``)."""
    found = {tp} if isinstance(tp, type) and attrs.has(tp) else set()
    for arg in get_args(tp):
        found |= _models_in(arg)
    return found


def test_every_model_is_registered_once() -> None:
    """Each attrs class in ``models`` is a request model or a response model, not both."""
    defined = {
        value
        for value in vars(models).values()
        if isinstance(value, type) and attrs.has(value) and value.__module__ == models.__name__
    }
    requests, responses = set(models.REQUEST_MODELS), set(models.RESPONSE_MODELS)
    assert (defined, set()) == (requests | responses, requests & responses)
    assert (_converter.REQUEST_MODELS, _converter.RESPONSE_MODELS) == (
        models.REQUEST_MODELS,
        models.RESPONSE_MODELS,
    )


@pytest.mark.parametrize("registry", [models.REQUEST_MODELS, models.RESPONSE_MODELS])
def test_models_nested_in_a_registered_model_are_registered_alike(registry: Any) -> None:
    """A request model holds only request models; a response model only response models."""
    for cls in registry:
        attrs.resolve_types(cls)
        for f in attrs.fields(cls):
            assert _models_in(f.type) <= set(registry), (cls, f.name)
