"""The event's fields are declared once; every copy derived from them agrees."""

from __future__ import annotations

import sqlite3

import attrs

from honeyhive_async import models
from honeyhive_async.server import openapi_document
from honeyhive_async.server._events import build_event, build_session
from honeyhive_async.server._fields import EVENT_FIELDS, FIELD_KINDS
from honeyhive_async.server._layout import EVENT_TABLE

from ._support import make_event

NAMES = [field.name for field in EVENT_FIELDS]
COLUMNS = [field.column for field in EVENT_FIELDS]


def test_the_table_has_a_column_per_field_and_the_session_key() -> None:
    """CREATE TABLE makes exactly the fields' columns and session_start."""
    conn = sqlite3.connect(":memory:")
    conn.execute(EVENT_TABLE.create_script())
    actual = [row[1] for row in conn.execute("PRAGMA table_info(events)")]
    conn.close()

    assert [*COLUMNS, "session_start"] == actual


def test_query_kinds_and_openapi_event_list_the_fields() -> None:
    """getEvents' field kinds and the OpenAPI Event name the fields in order."""
    schemas = openapi_document()["components"]["schemas"]

    assert (NAMES, NAMES) == (list(FIELD_KINDS), list(schemas["Event"]["properties"]))


def test_openapi_create_request_is_the_fields_under_their_column_names() -> None:
    """CreateEventRequest has one property per field and requires the required ones."""
    schema = openapi_document()["components"]["schemas"]["CreateEventRequest"]
    required = [field.column for field in EVENT_FIELDS if field.required]

    assert (COLUMNS, required) == (list(schema["properties"]), schema["required"])


def test_the_client_models_have_the_same_fields() -> None:
    """The SDK's Event and CreateEventRequest agree with the server's declaration."""
    event = [field.name for field in attrs.fields(models.Event)]
    request = attrs.fields(models.CreateEventRequest)
    sent = [models.wire_name(field) for field in request]
    required = [models.wire_name(f) for f in request if f.default is attrs.NOTHING]

    expected = (NAMES, COLUMNS, [f.column for f in EVENT_FIELDS if f.required])
    assert expected == (event, sent, required)


def test_built_events_and_sessions_have_every_column() -> None:
    """The events the server stores have a value for each column, defaults included."""
    event = build_event(make_event(), now=0)
    session = build_session({}, "s", [event])

    expected = (COLUMNS, COLUMNS, {}, [], None)
    actual = (list(event), list(session), event["outputs"], event["children_ids"], event["error"])
    assert expected == actual
