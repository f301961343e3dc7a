"""The public surface: exported names and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest

import honeyhive_async.server
from honeyhive_async import models
from honeyhive_async.server import LocalServer, create_app, openapi_document

from ._support import Api


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted and lists exactly the public names of the package."""
    # pytest rewrites the asserts of a package that ships a pytest plugin (ours:
    # honeyhive_async.testing.plugin), adding names such as "@py_builtins".
    names = (name for name in dir(honeyhive_async.server) if name.isidentifier())
    public = {name for name in names if not name.startswith("_")}

    assert (sorted(public), public) == (
        honeyhive_async.server.__all__,
        set(honeyhive_async.server.__all__),
    )


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_openapi_covers_exactly_the_routes() -> None:
    """Every API route of the app is in the document and the document has no other.

    The viewer's page and the data routes it reads (named ``viewer-...``) are not the API.
    """
    app = create_app(api_key="k")
    routes = {
        (route.resource.canonical, route.method.lower())
        for route in app.router.routes()
        if route.resource is not None
        and route.method != "HEAD"
        and not (route.name or "").startswith("viewer-")
    }

    documented = {
        (path, method) for path, item in openapi_document()["paths"].items() for method in item
    }

    assert routes == documented


def test_openapi_references_resolve() -> None:
    """Every $ref of the document names one of its component schemas."""
    document = openapi_document()
    names = document["components"]["schemas"]

    unresolved = [
        ref for ref in _refs(document) if ref.removeprefix("#/components/schemas/") not in names
    ]

    expected: tuple[str, list[str]] = ("3.1.0", [])
    assert expected == (document["openapi"], unresolved)


def test_openapi_event_types_are_the_models_enum() -> None:
    """Created and returned events take the models' event types, session included."""
    schemas = openapi_document()["components"]["schemas"]

    actual = [
        schemas[name]["properties"]["event_type"]["enum"]
        for name in ("CreateEventRequest", "Event")
    ]

    expected = [["model", "tool", "chain", "session"]] * 2
    assert (expected, list(models.EVENT_TYPES)) == (actual, expected[0])


def _at(document: dict[str, Any], path: str) -> Any:
    node: Any = document["components"]["schemas"]
    for key in path.split("/"):
        node = node[key]
    return node


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("CreateEventRequest/properties/project/type", "string"),
        ("CreateEventRequest/properties/outputs/type", ["object", "null"]),
        ("CreateEventRequest/properties/parent_id/type", ["string", "null"]),
        ("CreateEventBody/properties/event", {"$ref": "#/components/schemas/CreateEventRequest"}),
        (
            "CreateEventBatchRequestBody/properties/session_properties",
            {"anyOf": [{"$ref": "#/components/schemas/SessionPropertiesBatch"}, {"type": "null"}]},
        ),
        ("GetEventsRequestBody/properties/dateRange/properties/$gte/type", ["string", "null"]),
        ("GetEventsRequestBody/properties/page/type", ["integer", "null"]),
        (
            "EventFilter/properties/type/enum",
            ["string", "number", "boolean", "datetime", "id", None],
        ),
        ("UpdateEventRequestBody/properties/duration/type", ["number", "null"]),
        ("Event/properties/outputs/type", "object"),
    ],
)
def test_openapi_optional_request_fields_take_null(path: str, expected: Any) -> None:
    """An optional request field may be null (read as absent); required ones and answers may not."""
    assert expected == _at(openapi_document(), path)


def test_openapi_documents_internal_errors_on_every_route() -> None:
    """Every operation documents the 500 of a server bug; batches also their typed 500."""
    document = openapi_document()
    responses = {
        item["operationId"]: item["responses"]["500"]["content"]["application/json"]["schema"]
        for path in document["paths"].values()
        for item in path.values()
    }
    error = {"$ref": "#/components/schemas/Error"}
    batch = {"anyOf": [{"$ref": "#/components/schemas/BatchFailureResponse"}, error]}

    expected = {op: batch if "Batch" in op else error for op in responses}
    assert expected == responses


async def test_openapi_is_served(api: Api, server: LocalServer) -> None:
    """GET /openapi.json serves the document."""
    actual = await api.call("GET", "/openapi.json")

    assert (200, openapi_document()) == actual


async def test_healthz(api: Api) -> None:
    """GET /healthz answers ok."""
    status, body = await api.call("GET", "/healthz")

    expected = (200, "ok")
    assert expected == (status, body["status"])
