"""The OpenAPI 3.1 document of the local server, written as Python data.

The component schemas here are not only documentation: the request
validator (:mod:`._validate`) checks request bodies against these same
schemas, so the document cannot drift from what the server accepts.
"""

from __future__ import annotations

import copy
from typing import Any

from .._version import __version__
from ..models import EVENT_TYPES, FILTER_OPERATORS, FILTER_TYPES

__all__ = [
    "EVENT_TYPES",
    "FILTER_OPERATORS",
    "FILTER_TYPES",
    "MAX_LIMIT",
    "SCHEMAS",
    "openapi_document",
]

MAX_LIMIT = 7500

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


_STR: Schema = {"type": "string"}
_ID: Schema = {"type": "string", "minLength": 1}
_NUM: Schema = {"type": "number"}
_MS: Schema = {"type": "number", "description": "UTC epoch milliseconds."}
_DURATION: Schema = {"type": "number", "minimum": 0, "description": "Milliseconds."}
_OBJ: Schema = {"type": "object", "additionalProperties": True}
_OBJ_LIST: Schema = {"type": "array", "items": {"type": "object", "additionalProperties": True}}
_ID_LIST: Schema = {"type": "array", "items": {"type": "string"}}

_CREATE_EVENT: Schema = {
    "type": "object",
    "description": "One event to store. Unknown keys are ignored; null means absent.",
    "required": ["project", "source", "event_name", "event_type", "config", "inputs", "duration"],
    "properties": {
        "project": {**_ID, "description": "The project's name."},
        "source": _STR,
        "event_name": _ID,
        "event_type": {
            "type": "string",
            "enum": list(EVENT_TYPES),
            "description": "`session` stores the session itself: its event_id is the "
            "session id and it has no parent; sent again, it is merged into the stored session.",
        },
        "event_id": {**_ID, "description": "Generated (uuid4) when absent."},
        "session_id": {
            **_ID,
            "description": "Generated (uuid4) when absent; a session event's is its event_id.",
        },
        "parent_id": {
            **_ID,
            "description": "Defaults to the session id; must be absent in a session event.",
        },
        "children_ids": _ID_LIST,
        "config": _OBJ,
        "inputs": _OBJ,
        "outputs": _OBJ,
        "error": _STR,
        "start_time": {**_MS, "description": "UTC epoch ms; defaults to now."},
        "end_time": {**_MS, "description": "UTC epoch ms; defaults to start_time + duration."},
        "duration": _DURATION,
        "metadata": _OBJ,
        "feedback": _OBJ,
        "metrics": _OBJ,
        "user_properties": _OBJ,
    },
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

_SESSION_PROPERTIES: Schema = {
    "type": "object",
    "properties": {
        "session_name": _ID,
        "source": _STR,
        "session_id": _ID,
        "error": _STR,
        "config": _OBJ,
        "inputs": _OBJ,
        "outputs": _OBJ,
        "user_properties": _OBJ,
        "metrics": _OBJ,
        "feedback": _OBJ,
        "metadata": _OBJ,
    },
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
        "metadata": _OBJ,
        "feedback": _OBJ,
        "metrics": _OBJ,
        "outputs": _OBJ,
        "config": _OBJ,
        "user_properties": _OBJ,
        "duration": _DURATION,
    },
}

_EVENT_FILTER: Schema = {
    "type": "object",
    "required": ["field", "operator"],
    "properties": {
        "field": {**_ID, "description": "Dotted path, e.g. `inputs.chat_history.0.content`."},
        "value": {**_STR, "description": "Required unless the operator is (not) exists."},
        "operator": {"type": "string", "enum": list(FILTER_OPERATORS)},
        "type": {"type": "string", "enum": list(FILTER_TYPES), "default": "string"},
    },
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
            "properties": {
                "$gte": {**_STR, "format": "date-time"},
                "$lte": {**_STR, "format": "date-time"},
            },
        },
        "projections": {"type": "array", "items": _ID},
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 1000},
        "page": {"type": "integer", "minimum": 1, "default": 1},
    },
}

_NULLABLE_STR: Schema = {"type": ["string", "null"]}
_EVENT: Schema = {
    "type": "object",
    "properties": {
        "project_id": {**_STR, "description": "The project's name."},
        "source": _STR,
        "event_name": _STR,
        "event_type": {"type": "string", "enum": list(EVENT_TYPES)},
        "event_id": _STR,
        "session_id": _STR,
        "parent_id": _NULLABLE_STR,
        "children_ids": {
            **_ID_LIST,
            "description": "The ids it was created with, then every stored event whose "
            "parent_id is this event's id.",
        },
        "config": _OBJ,
        "inputs": _OBJ,
        "outputs": _OBJ,
        "error": _NULLABLE_STR,
        "start_time": _MS,
        "end_time": _MS,
        "duration": _NUM,
        "metadata": _OBJ,
        "feedback": _OBJ,
        "metrics": _OBJ,
        "user_properties": _OBJ,
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
    }
    return {str(s): {"description": texts[s], **_json(_ref("Error"))} for s in statuses}


def _operation(op_id: str, summary: str, body: str, ok: dict[str, Any], *errs: int) -> Schema:
    return {
        "operationId": op_id,
        "summary": summary,
        "tags": ["Events"],
        "requestBody": {"required": True, **_json(_ref(body))},
        "responses": {"200": ok, **_errors(400, 401, 413, *errs)},
    }


def _batch_op(op_id: str, summary: str, body: str) -> Schema:
    op = _operation(
        op_id, summary, body, {"description": "All stored.", **_json(_ref("CreateBatchResponse"))}
    )
    op["responses"]["500"] = {
        "description": "Some events were invalid: the valid ones are stored.",
        **_json(_ref("BatchFailureResponse")),
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
                "responses": {"200": {"description": "The server is up.", **_json(_OBJ)}},
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document.", **_json(_OBJ)}},
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    """Build the OpenAPI 3.1 document served at ``GET /openapi.json``.

    A fresh deep copy each call, so a caller may modify it freely.
    """
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
            "paths": _paths(),
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                "schemas": SCHEMAS,
            },
        }
    )
