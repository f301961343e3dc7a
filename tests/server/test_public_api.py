"""The public surface: exported names and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import honeyhive_async.server
from honeyhive_async import models
from honeyhive_async.server import LocalServer, create_app, openapi_document

from ._support import Api


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted and lists exactly the public names of the package."""
    public = {name for name in dir(honeyhive_async.server) if not name.startswith("_")}

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
    """Every route of the app is in the document and the document has no other."""
    app = create_app(api_key="k")
    routes = {
        (route.resource.canonical, route.method.lower())
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
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


async def test_openapi_is_served(api: Api, server: LocalServer) -> None:
    """GET /openapi.json serves the document."""
    actual = await api.call("GET", "/openapi.json")

    assert (200, openapi_document()) == actual


async def test_healthz(api: Api) -> None:
    """GET /healthz answers ok."""
    status, body = await api.call("GET", "/healthz")

    expected = (200, "ok")
    assert expected == (status, body["status"])
