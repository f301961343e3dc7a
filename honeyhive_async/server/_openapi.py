"""The OpenAPI 3.1 document of the local server, written as Python data.

The component schemas here are not only documentation: the request
validator (:mod:`._validate`) checks request bodies against these same
schemas, and what it does not read (``pattern``, the filter cases of
``anyOf``) comes from the grammars the query compiler uses
(:mod:`._grammar`), so the document cannot drift from what the server
accepts. The published document adds ``null`` to every optional request
field, which the validator reads as absent; the Event and
CreateEventRequest schemas derive from the field declarations
(:mod:`._fields`).
"""

from __future__ import annotations

import copy
from typing import Any

from .. import __version__, _rules
from .._fields import SESSION_FIELDS, UPDATE_FIELDS
from .._rules import NO_VALUE_OPERATORS
from ..models import EVENT_TYPES, FILTER_OPERATORS, FILTER_TYPES
from ._fields import DURATION, EVENT_FIELDS, ID, ID_LIST, NUM, OBJ, STR, Schema
from ._grammar import (
    DATETIME,
    FIELD_PATH,
    MAX_FIELD_CHARS,
    MAX_SEGMENTS,
    VALUE_PATTERNS,
    operators_for,
)

__all__ = [
    "EVENT_TYPES",
    "FILTER_OPERATORS",
    "FILTER_TYPES",
    "MAX_LIMIT",
    "SCHEMAS",
    "openapi_document",
]

MAX_LIMIT = _rules.MAX_LIMIT


def bounds(model: str, field: str) -> Schema:
    """``minimum`` and ``maximum`` of *model*'s *field*, from the shared value rules."""
    rule = _rules.FIELD_RULES[model][field]
    assert isinstance(rule, _rules.Bounds), f"{model}.{field} has no bounds"
    return {"minimum": rule.low, "maximum": rule.high}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


_STR, _ID, _NUM, _DURATION, _OBJ, _ID_LIST = STR, ID, NUM, DURATION, OBJ, ID_LIST
_OBJ_LIST: Schema = {"type": "array", "items": {"type": "object", "additionalProperties": True}}

_CREATE_EVENT: Schema = {
    "type": "object",
    "description": "One event to store. Unknown keys are ignored; null means absent. "
    "A session event has no parent, and its event_id and session_id, when both are given, "
    "are equal (and, in a single-session batch, the batch's session_id).",
    "required": [field.column for field in EVENT_FIELDS if field.required],
    "properties": {field.column: field.create_schema for field in EVENT_FIELDS},
    "if": {"properties": {"event_type": {"const": "session"}}, "required": ["event_type"]},
    "then": {"properties": {"parent_id": {"type": "null"}}},
}

_CREATE_MODEL_EVENT: Schema = {
    "type": "object",
    "description": "A model call; stored as an event of type `model` (see docs/server.md).",
    "required": ["project", "model", "provider", "messages", "response", "duration", "usage"],
    "properties": {
        "project": {**_ID, "description": "The project's name."},
        "model": _ID,
        "provider": _STR,
        "messages": _OBJ_LIST,
        "response": _OBJ,
        "duration": _DURATION,
        "usage": _OBJ,
        "cost": _NUM,
        "error": _STR,
        "source": {**_STR, "description": 'Defaults to "unknown".'},
        "event_name": {**_ID, "description": "Defaults to the model name."},
        "hyperparameters": _OBJ,
        "template": _OBJ_LIST,
        "template_inputs": _OBJ,
        "tools": _OBJ_LIST,
        "tool_choice": _STR,
        "response_format": _OBJ,
    },
}

_FIELD = {field.name: field for field in EVENT_FIELDS}
_SESSION_IDS = {"session_name": _ID, "session_id": _ID}

_SESSION_PROPERTIES: Schema = {
    "type": "object",
    "properties": {name: _SESSION_IDS.get(name) or _FIELD[name].value for name in SESSION_FIELDS},
}


def _batch_body(items_key: str, item: str, *, required: bool) -> Schema:
    return {
        "type": "object",
        "required": [items_key] if required else [],
        "properties": {
            items_key: {"type": "array", "items": _ref(item)},
            "is_single_session": {"type": "boolean"},
            "session_properties": _ref("SessionPropertiesBatch"),
        },
    }


_UPDATE_EVENT: Schema = {
    "type": "object",
    "required": ["event_id"],
    "properties": {
        "event_id": _ID,
        **{name: _FIELD[name].create_schema for name in UPDATE_FIELDS},
    },
}

_FIELD_PATH: Schema = {
    "type": "string",
    "maxLength": MAX_FIELD_CHARS,
    "pattern": FIELD_PATH,
    "description": "A top-level Event field, then (below a JSON field) up to "
    f"{MAX_SEGMENTS - 1} dot-separated keys or list indexes, e.g. "
    "`inputs.chat_history.0.content`.",
}
_DATETIME: Schema = {
    "type": "string",
    "pattern": DATETIME,
    "description": "ISO-8601 (UTC unless it says), or epoch milliseconds as a string.",
}


def _filter_case(filter_type: str) -> Schema:
    """The filters of one type whose operator compares ``value``."""
    pattern = VALUE_PATTERNS[filter_type]
    value: Schema = (
        {"type": "string"} if pattern is None else {"type": "string", "pattern": pattern}
    )
    case: Schema = {
        "required": ["value"],
        "properties": {
            # "string" is the type of filters that name none.
            "type": {"enum": ["string", None]}
            if filter_type == "string"
            else {"const": filter_type},
            "operator": {"enum": operators_for(filter_type)},
            "value": value,
        },
    }
    if filter_type != "string":
        case["required"] = ["type", "value"]
    return case


_EVENT_FILTER: Schema = {
    "type": "object",
    "required": ["field", "operator"],
    "properties": {
        "field": _FIELD_PATH,
        "value": {**_STR, "description": "Required unless the operator is (not) exists."},
        "operator": {"type": "string", "enum": list(FILTER_OPERATORS)},
        "type": {"type": "string", "enum": list(FILTER_TYPES), "default": "string"},
    },
    "description": "`exists`/`not exists` apply to any type; other operators compare "
    "`value`, whose form the filter's type decides.",
    "anyOf": [
        {"properties": {"operator": {"enum": sorted(NO_VALUE_OPERATORS)}}},
        *(_filter_case(filter_type) for filter_type in FILTER_TYPES),
    ],
}

_GET_EVENTS: Schema = {
    "type": "object",
    "required": ["project", "filters"],
    "properties": {
        "project": {**_ID, "description": "The project's name."},
        "filters": {"type": "array", "items": _ref("EventFilter")},
        "dateRange": {
            "type": "object",
            "description": "Bounds on start_time, inclusive.",
            "properties": {"$gte": _DATETIME, "$lte": _DATETIME},
        },
        "projections": {"type": "array", "items": _FIELD_PATH},
        "limit": {"type": "integer", **bounds("GetEventsRequestBody", "limit"), "default": 1000},
        "page": {"type": "integer", **bounds("GetEventsRequestBody", "page"), "default": 1},
    },
}

_EVENT: Schema = {
    "type": "object",
    "properties": {
        field.name: {**field.value, "type": [field.value["type"], "null"]}
        if field.nullable
        else field.value
        for field in EVENT_FIELDS
    },
}

_ID_RESULT: Schema = {
    "type": "object",
    "required": ["event_id", "success"],
    "properties": {"event_id": _STR, "success": {"type": "boolean"}},
}
_BATCH_RESULT: Schema = {
    "type": "object",
    "required": ["event_ids", "session_id", "success"],
    "properties": {"event_ids": _ID_LIST, "session_id": _STR, "success": {"type": "boolean"}},
}
_BATCH_FAILURE: Schema = {
    "type": "object",
    "required": ["event_ids", "errors", "success"],
    "properties": {
        "event_ids": {**_ID_LIST, "description": "The events that were stored."},
        "errors": {**_ID_LIST, "description": "One message per rejected event."},
        "success": {"type": "boolean", "const": False},
    },
}
_EVENTS_RESULT: Schema = {
    "type": "object",
    "required": ["events", "totalEvents"],
    "properties": {
        "events": {
            "type": "array",
            "items": _ref("Event"),
            "description": "Grouped by session, latest session first; in each session, the "
            "session event first, then the others by start_time (ties by event_id).",
        },
        "totalEvents": {"type": "integer", "description": "Every match, not just this page."},
    },
}
_ERROR: Schema = {
    "type": "object",
    "required": ["success", "error", "message"],
    "properties": {
        "success": {"type": "boolean", "const": False},
        "error": {**_STR, "description": "A short machine-readable code."},
        "message": _STR,
    },
}

SCHEMAS: dict[str, Schema] = {
    "CreateEventRequest": _CREATE_EVENT,
    "CreateEventBody": {
        "type": "object",
        "required": ["event"],
        "properties": {"event": _ref("CreateEventRequest")},
    },
    "CreateModelEvent": _CREATE_MODEL_EVENT,
    "CreateModelEventBody": {
        "type": "object",
        "required": ["model_event"],
        "properties": {"model_event": _ref("CreateModelEvent")},
    },
    "SessionPropertiesBatch": _SESSION_PROPERTIES,
    "CreateEventBatchRequestBody": _batch_body("events", "CreateEventRequest", required=True),
    "CreateModelEventBatchRequestBody": _batch_body(
        "model_events", "CreateModelEvent", required=False
    ),
    "UpdateEventRequestBody": _UPDATE_EVENT,
    "EventFilter": _EVENT_FILTER,
    "GetEventsRequestBody": _GET_EVENTS,
    "Event": _EVENT,
    "CreateEventResponse": _ID_RESULT,
    "CreateBatchResponse": _BATCH_RESULT,
    "BatchFailureResponse": _BATCH_FAILURE,
    "GetEventsResponse": _EVENTS_RESULT,
    "Error": _ERROR,
}
"""Component schemas by name; the validator uses the request schemas."""


def _json(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    texts = {
        400: "Invalid JSON or a field that breaks the schema; the message names the field.",
        401: "Missing or wrong bearer token.",
        404: "No event with that event_id.",
        413: "Body larger than the server's limit.",
        500: "A server bug (`internal_error`), logged with its traceback; "
        "a write it interrupted is rolled back.",
    }
    return {str(s): {"description": texts[s], **_json(_ref("Error"))} for s in statuses}


def _operation(op_id: str, summary: str, body: str, ok: dict[str, Any], *errs: int) -> Schema:
    return {
        "operationId": op_id,
        "summary": summary,
        "tags": ["Events"],
        "requestBody": {"required": True, **_json(_ref(body))},
        "responses": {"200": ok, **_errors(400, 401, 413, *errs, 500)},
    }


def _batch_op(op_id: str, summary: str, body: str) -> Schema:
    op = _operation(
        op_id, summary, body, {"description": "All stored.", **_json(_ref("CreateBatchResponse"))}
    )
    op["responses"]["500"] = {
        "description": "Some events were invalid: the valid ones are stored, and the "
        "body lists the others (`BatchFailureResponse`). Or, as on every route, a server "
        "bug (`Error`, `internal_error`).",
        **_json({"anyOf": [_ref("BatchFailureResponse"), _ref("Error")]}),
    }
    return op


def _paths() -> dict[str, Any]:
    created = {"description": "Stored (or already stored).", **_json(_ref("CreateEventResponse"))}
    return {
        "/events": {
            "post": _operation("createEvent", "Create an event", "CreateEventBody", created),
            "put": _operation(
                "updateEvent",
                "Merge fields into a stored event",
                "UpdateEventRequestBody",
                {"description": "Updated; the body is empty."},
                404,
            ),
        },
        "/events/export": {
            "post": _operation(
                "getEvents",
                "Query a project's events",
                "GetEventsRequestBody",
                {"description": "One page of matches.", **_json(_ref("GetEventsResponse"))},
            )
        },
        "/events/model": {
            "post": _operation(
                "createModelEvent", "Create a model event", "CreateModelEventBody", created
            )
        },
        "/events/batch": {
            "post": _batch_op(
                "createEventBatch", "Create a batch of events", "CreateEventBatchRequestBody"
            )
        },
        "/events/model/batch": {
            "post": _batch_op(
                "createModelEventBatch",
                "Create a batch of model events",
                "CreateModelEventBatchRequestBody",
            )
        },
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "summary": "Liveness probe (no authentication)",
                "security": [],
                "responses": {
                    "200": {"description": "The server is up.", **_json(_OBJ)},
                    **_errors(500),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {
                    "200": {"description": "OpenAPI 3.1 document.", **_json(_OBJ)},
                    **_errors(401, 500),
                },
            }
        },
    }


def _or_null(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = dict(schema)
    if isinstance(schema.get("type"), str):
        out["type"] = [schema["type"], "null"]
    if "enum" in schema and None not in schema["enum"]:
        out["enum"] = [*schema["enum"], None]
    return out


def _null_means_absent(schema: Schema) -> Schema:
    """``schema`` with every optional property, here and in nested objects, also ``null``.

    The server reads an optional field sent as ``null`` as absent (see
    :mod:`._validate`); this says so in the published request schemas.
    """
    out = dict(schema)
    if "properties" in schema:
        required = set(schema.get("required", ()))
        out["properties"] = {
            name: _null_means_absent(sub) if name in required else _or_null(_null_means_absent(sub))
            for name, sub in schema["properties"].items()
        }
    if isinstance(schema.get("items"), dict):
        out["items"] = _null_means_absent(schema["items"])
    return out


def _request_schemas(paths: dict[str, Any]) -> set[str]:
    """The component schemas that request bodies use, directly or through others."""
    names: set[str] = set()
    todo = [
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for item in paths.values()
        for op in item.values()
        if "requestBody" in op
    ]
    while todo:
        name = todo.pop().rsplit("/", 1)[-1]
        if name not in names:
            names.add(name)
            todo += _refs(SCHEMAS[name])
    return names


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def openapi_document() -> dict[str, Any]:
    """Build the OpenAPI 3.1 document served at ``GET /openapi.json``.

    A fresh deep copy each call, so a caller may modify it freely.
    """
    paths = _paths()
    requests = _request_schemas(paths)
    schemas = {
        name: _null_means_absent(schema) if name in requests else schema
        for name, schema in SCHEMAS.items()
    }
    return copy.deepcopy(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "HoneyHive Events API (local server)",
                "version": __version__,
                "description": "A local, SQLite-backed implementation of the HoneyHive "
                "Events API for development and tests.",
            },
            "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}],
            "paths": paths,
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                "schemas": schemas,
            },
        }
    )
