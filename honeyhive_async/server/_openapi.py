"""The OpenAPI 3.1 document of the local server, written as Python data.

The component schemas are :mod:`._schemas`' (which the request validator
checks bodies against); this module adds the paths, their operations and
answers, and publishes ``null`` for every optional request field, which the
validator reads as absent.
"""

from __future__ import annotations

import copy
from typing import Any

from .. import __version__
from ._fields import OBJ, Schema
from ._schemas import SCHEMAS, ref

__all__ = ["openapi_document"]


def _json(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    texts = {
        400: "Invalid JSON or a field that breaks the schema; the message names the field.",
        401: "Missing or wrong bearer token.",
        404: "No event with that event_id.",
        413: "Body larger than the server's limit.",
        415: "A Content-Type that is not OTLP, or protobuf without opentelemetry-proto.",
        500: "A server bug (`internal_error`), logged with its traceback; "
        "a write it interrupted is rolled back.",
    }
    return {str(s): {"description": texts[s], **_json(ref("Error"))} for s in statuses}


def _operation(op_id: str, summary: str, body: str, ok: dict[str, Any], *errs: int) -> Schema:
    return {
        "operationId": op_id,
        "summary": summary,
        "tags": ["Events"],
        "requestBody": {"required": True, **_json(ref(body))},
        "responses": {"200": ok, **_errors(400, 401, 413, *errs, 500)},
    }


def _batch_op(op_id: str, summary: str, body: str) -> Schema:
    op = _operation(
        op_id, summary, body, {"description": "All stored.", **_json(ref("CreateBatchResponse"))}
    )
    op["responses"]["500"] = {
        "description": "Some events were invalid: the valid ones are stored, and the "
        "body lists the others (`BatchFailureResponse`). Or, as on every route, a server "
        "bug (`Error`, `internal_error`).",
        **_json({"anyOf": [ref("BatchFailureResponse"), ref("Error")]}),
    }
    return op


def _paths() -> dict[str, Any]:
    created = {"description": "Stored (or already stored).", **_json(ref("CreateEventResponse"))}
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
                {"description": "One page of matches.", **_json(ref("GetEventsResponse"))},
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
        "/session/start": {
            "post": {
                **_operation(
                    "startSession",
                    "Start a session (HoneyHive's legacy route)",
                    "StartSessionBody",
                    {"description": "Stored.", **_json(ref("StartSessionResponse"))},
                ),
                "tags": ["Sessions"],
            }
        },
        "/opentelemetry/v1/traces": {
            "post": {
                **_operation(
                    "exportTraces",
                    "Take OTLP/HTTP spans as events",
                    "ExportTraceServiceRequest",
                    {"description": "Stored.", **_json(OBJ)},
                    415,
                ),
                "tags": ["OpenTelemetry"],
            }
        },
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "summary": "Liveness probe (no authentication)",
                "security": [],
                "responses": {
                    "200": {"description": "The server is up.", **_json(OBJ)},
                    **_errors(500),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {
                    "200": {"description": "OpenAPI 3.1 document.", **_json(OBJ)},
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
