"""The component schemas of the local server's API, written as Python data.

Not only documentation: the request validator (:mod:`._validate`) checks
request bodies against these same schemas, and what it does not read
(``pattern``, the filter cases of ``anyOf``) comes from the grammars the
query compiler uses (:mod:`._grammar`), so they cannot drift from what the
server accepts. Every bound comes from the shared rules
(:mod:`honeyhive_async._rules`); the Event and CreateEventRequest schemas
derive from the field declarations (:mod:`._fields`). :mod:`._openapi`
puts them in the published document.
"""

from __future__ import annotations

from .. import _rules
from .._fields import SESSION_FIELDS, UPDATE_FIELDS
from .._rules import MAX_DURATION_MS, MAX_TIME_MS, NO_VALUE_OPERATORS
from ..models import EVENT_TYPES, FILTER_OPERATORS, FILTER_TYPES
from ._fields import DURATION, EVENT_FIELDS, ID, ID_LIST, MS, NUM, OBJ, STR, Schema
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
    "bounds",
    "ref",
]

MAX_LIMIT = _rules.MAX_LIMIT


def bounds(model: str, field: str) -> Schema:
    """``minimum`` and ``maximum`` of *model*'s *field*, from the shared value rules."""
    rule = _rules.FIELD_RULES[model][field]
    assert isinstance(rule, _rules.Bounds), f"{model}.{field} has no bounds"
    return {"minimum": rule.low, "maximum": rule.high}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


_STR, _ID, _NUM, _DURATION, _OBJ, _ID_LIST = STR, ID, NUM, DURATION, OBJ, ID_LIST
_OBJ_LIST: Schema = {"type": "array", "items": {"type": "object", "additionalProperties": True}}

_CREATE_EVENT: Schema = {
    "type": "object",
    "description": "One event to store. A key that is not a field is refused (400, naming "
    "it), as the SDK refuses it; null means absent. "
    "A session event has no parent, and its event_id and session_id, when both are given, "
    "are equal (and, in a single-session batch, the batch's session_id).",
    "required": [field.column for field in EVENT_FIELDS if field.required],
    "properties": {field.column: field.create_schema for field in EVENT_FIELDS},
    "additionalProperties": False,
    "if": {"properties": {"event_type": {"const": "session"}}, "required": ["event_type"]},
    "then": {"properties": {"parent_id": {"type": "null"}}},
}

_CREATE_MODEL_EVENT: Schema = {
    "type": "object",
    "description": "A model call; stored as an event of type `model` (see docs/server.md). "
    "A key that is not a field is refused (400, naming it).",
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
    "additionalProperties": False,
}

_FIELD = {field.name: field for field in EVENT_FIELDS}
_SESSION_IDS = {"session_name": _ID, "session_id": _ID}

_SESSION_PROPERTIES: Schema = {
    "type": "object",
    "properties": {name: _SESSION_IDS.get(name) or _FIELD[name].value for name in SESSION_FIELDS},
}


_START_SESSION: Schema = {
    "type": "object",
    "description": "HoneyHive's legacy session start (PyPI `honeyhive` 1.x calls it). Without "
    'a project the session goes to "default"; without session_id one is made.',
    "properties": {
        **_SESSION_PROPERTIES["properties"],
        "project": _ID,
        "children_ids": _ID_LIST,
        "start_time": {**MS, "minimum": -MAX_TIME_MS, "maximum": MAX_TIME_MS},
        "end_time": {**MS, "minimum": -MAX_TIME_MS, "maximum": MAX_TIME_MS},
        "duration": {**_DURATION, "maximum": MAX_DURATION_MS},
    },
}
_SESSION_STARTED: Schema = {
    "type": "object",
    "required": ["session_id", "event_id"],
    "description": "The stored session event, with HoneyHive's org_id, workspace_id and "
    "project_id (here: local, local and the project's name).",
    "properties": {"session_id": _ID, "event_id": _ID},
}
_OTLP_TRACES: Schema = {
    "type": "object",
    "description": "An OTLP ExportTraceServiceRequest in the OTLP/HTTP JSON encoding; "
    "application/x-protobuf is taken too when opentelemetry-proto is installed (415 "
    "otherwise). Ids are hex (or base64), times nanoseconds; see docs/server.md.",
    "properties": {
        "resourceSpans": {
            "type": "array",
            "items": {"type": ["object", "null"], "additionalProperties": True},
        }
    },
}


def _batch_body(items_key: str, item: str, *, required: bool) -> Schema:
    return {
        "type": "object",
        "required": [items_key] if required else [],
        "properties": {
            items_key: {"type": "array", "items": ref(item)},
            "is_single_session": {"type": "boolean"},
            "session_properties": ref("SessionPropertiesBatch"),
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
        "filters": {"type": "array", "items": ref("EventFilter")},
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
            "items": ref("Event"),
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
        "properties": {"event": ref("CreateEventRequest")},
    },
    "CreateModelEvent": _CREATE_MODEL_EVENT,
    "CreateModelEventBody": {
        "type": "object",
        "required": ["model_event"],
        "properties": {"model_event": ref("CreateModelEvent")},
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
    "StartSessionRequest": _START_SESSION,
    "StartSessionBody": {
        "type": "object",
        "required": ["session"],
        "properties": {"session": ref("StartSessionRequest")},
    },
    "StartSessionResponse": _SESSION_STARTED,
    "ExportTraceServiceRequest": _OTLP_TRACES,
}
"""Component schemas by name; the validator uses the request schemas."""
