"""The event's fields are listed once (``_fields``); every typed copy and derived list agrees.

A field added in one place and missed in another fails here: the server's
field table, the attrs models, the TypedDicts, the OpenAPI schemas, the
enrich signatures and what they record.
"""

from __future__ import annotations

import ast
import inspect
import pathlib
import typing
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_async import _fields, _rules, models, params, tracing
from honeyhive_async.server import _fields as server_fields
from honeyhive_async.server import openapi_document
from honeyhive_async.server._events import build_session
from honeyhive_async.tracing._spans import Node
from honeyhive_async.tracing._tracer import _OPTIONAL
from tests.tracing.conftest import Recorder

PACKAGE = pathlib.Path(_fields.__file__).parent
SCHEMAS = openapi_document()["components"]["schemas"]


def names(model: type) -> list[str]:
    """The wire names of an attrs model's fields, in order."""
    return [models.wire_name(field) for field in attrs.fields(model)]


def keys(typed_dict: Any) -> set[str]:
    """Every key of a TypedDict, required or not."""
    return set(typed_dict.__required_keys__ | typed_dict.__optional_keys__)


# -- the module itself -----------------------------------------------------------------


def test_the_field_module_imports_nothing() -> None:
    """``_fields`` is constants only: tracing (standard library only) reads it."""
    tree = ast.parse(pathlib.Path(_fields.__file__).read_text())
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]

    assert [] == imports


def test_the_groups_are_event_fields_of_the_right_kind() -> None:
    """Objects are JSON fields; merged, enriched and session objects are objects."""
    kinds = _fields.FIELD_KINDS
    assert {"json"} == {kinds[name] for name in _fields.OBJECT_FIELDS}
    assert set(_fields.MERGED_FIELDS) <= set(_fields.OBJECT_FIELDS)
    assert set(_fields.ENRICH_FIELDS) <= set(_fields.OBJECT_FIELDS)
    assert set(_fields.SESSION_OBJECTS) == set(_fields.OBJECT_FIELDS) & set(_fields.SESSION_FIELDS)
    assert set(_fields.UPDATE_FIELDS) - set(_fields.MERGED_FIELDS) <= set(_fields.EVENT_FIELDS)
    assert len(_fields.EVENT_FIELDS) == len(set(_fields.CREATE_FIELDS))


# -- the server ------------------------------------------------------------------------


def test_the_server_table_declares_the_fields() -> None:
    """The server's field table: the names, kinds and create-request names of ``_fields``."""
    table = server_fields.EVENT_FIELDS
    expected = (_fields.EVENT_FIELDS, _fields.FIELD_KINDS, _fields.CREATE_FIELDS)
    actual = (
        tuple(field.name for field in table),
        {field.name: field.kind for field in table},
        tuple(field.column for field in table),
    )
    assert expected == actual


def test_the_server_schemas_derive_from_the_fields() -> None:
    """updateEvent's body and the session properties list the update and session fields."""
    update = list(SCHEMAS["UpdateEventRequestBody"]["properties"])
    session = list(SCHEMAS["SessionPropertiesBatch"]["properties"])

    assert (["event_id", *_fields.UPDATE_FIELDS], list(_fields.SESSION_FIELDS)) == (update, session)


def test_a_batch_session_carries_every_session_object() -> None:
    """Each object of the session properties lands in the session the server builds."""
    props = {name: {"from": name} for name in _fields.SESSION_OBJECTS}
    event = {"project": "p", "source": "s", "start_time": 1.0, "end_time": 2.0, "parent_id": "s"}
    session = build_session(props, "s", [{**event, "event_id": "e"}])

    assert props == {name: session[name] for name in _fields.SESSION_OBJECTS}


def test_the_client_checks_know_the_fields() -> None:
    """The client's filter checks name the same fields and kinds."""
    assert _fields.FIELD_KINDS == dict(_rules.EVENT_FIELD_KINDS)


# -- the models and the TypedDicts ----------------------------------------------------------


def test_the_models_have_the_fields() -> None:
    """Event, CreateEventRequest, UpdateEventRequestBody and SessionPropertiesBatch."""
    expected = (
        list(_fields.EVENT_FIELDS),
        list(_fields.CREATE_FIELDS),
        ["event_id", *_fields.UPDATE_FIELDS],
        list(_fields.SESSION_FIELDS),
    )
    actual = (
        names(models.Event),
        names(models.CreateEventRequest),
        names(models.UpdateEventRequestBody),
        names(models.SessionPropertiesBatch),
    )
    assert expected == actual


def test_the_models_type_the_objects_as_objects() -> None:
    """The fields typed as free-form objects in Event are the object fields."""
    hints = typing.get_type_hints(models.Event)
    objects = [name for name, hint in hints.items() if hint == (models.JSONObject | None)]

    assert sorted(_fields.OBJECT_FIELDS) == sorted(objects)


def test_the_typed_dicts_have_the_fields() -> None:
    """The request TypedDicts have the keys of their models."""
    expected = (
        set(_fields.CREATE_FIELDS),
        {"event_id", *_fields.UPDATE_FIELDS},
        set(_fields.SESSION_FIELDS),
    )
    actual = (
        keys(params.CreateEventRequestDict),
        keys(params.UpdateEventRequestBodyDict),
        keys(params.SessionPropertiesBatchDict),
    )
    assert expected == actual


# -- tracing ------------------------------------------------------------------------------

ENRICHERS: list[Callable[..., None]] = [tracing.enrich, tracing.enrich_session, Node.enrich]


@pytest.mark.parametrize("enricher", ENRICHERS, ids=lambda f: f.__qualname__)
def test_enrich_signatures_take_the_enrich_fields(enricher: Callable[..., None]) -> None:
    """``enrich``, ``enrich_session`` and ``Span.enrich`` take one keyword per enrich field."""
    parameters = inspect.signature(enricher).parameters.values()
    keywords = [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]

    assert list(_fields.ENRICH_FIELDS) == keywords


def test_tracing_sends_every_enrich_field() -> None:
    """Each enrich field is a slot of a node and reaches the event (optional or in place)."""
    in_place = {"inputs", "outputs", "config"}  # the event's JSON has its own place for these

    assert set(_fields.ENRICH_FIELDS) <= set(Node.__slots__)
    assert set(_fields.ENRICH_FIELDS) == {*_OPTIONAL, *in_place}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
OBJECTS = st.dictionaries(st.text(min_size=1, max_size=8), JSON_VALUES, min_size=1, max_size=4)


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(field=st.sampled_from(_fields.ENRICH_FIELDS), value=OBJECTS)
async def test_each_enrich_keyword_lands_in_its_field(field: str, value: dict[str, Any]) -> None:
    """What ``enrich``, ``Span.enrich`` and ``enrich_session`` get as *name* is the event's."""
    recorder = Recorder()
    tracer = tracing.Tracer(recorder, project="tests", install=False)  # type: ignore[arg-type]
    with tracer.session("s"):
        with tracing.span("a"):
            tracing.enrich(**{field: value})
        with tracing.span("b") as b:
            b.enrich(**{field: value})
        tracing.enrich_session(**{field: value})
    a, b_event, session = recorder.events

    assert [value] * 3 == [a.get(field), b_event.get(field), session.get(field)]


# -- "one home": the object fields are data in few places ------------------------------------

HOMES = {"_fields.py", "server/_fields.py"}
EXAMPLES = {"cli/_demo_examples.py"}  # example events, not a list of fields


def literal_modules(text: str) -> set[str]:
    """The package's modules where *text* is a string constant in code (docstrings aside)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value == text and id(node) not in docs:
                found.add(path.relative_to(PACKAGE).as_posix())
                break
    return found


def test_user_properties_is_spelt_out_only_at_home() -> None:
    """``"user_properties"`` appears as data only in the field lists (and example events)."""
    assert set() == literal_modules("user_properties") - HOMES - EXAMPLES
