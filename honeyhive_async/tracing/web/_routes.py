"""Route templates and query strings as each framework gives them, in one form.

Every middleware names a session ``"<METHOD> <template>"`` with the
template written the same way whatever the framework: parameters in braces
without their converters (Flask's and Django's ``<int:item_id>``, and
Starlette's ``{item_id:int}``, become ``{item_id}``, as aiohttp's
``canonical`` already is), starting with ``/``.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["asgi_route", "query_pairs", "template", "werkzeug_route"]

_ANGLE = re.compile(r"<(?:[^<>:]*:)?([^<>:]+)>")
_CONVERTER = re.compile(r"\{([^{}:]+):[^{}]*\}")


def template(route: object) -> str | None:
    """*route* in the one form (``None`` if it is not text)."""
    return _template(route) if isinstance(route, str) else None


@functools.lru_cache(maxsize=1024)  # an app has few routes: two regex passes saved per request
def _template(route: str) -> str:
    route = _CONVERTER.sub(r"{\1}", _ANGLE.sub(r"{\1}", route))
    return route if route.startswith("/") else f"/{route}"


def query_pairs(query: bytes | str) -> list[tuple[str, str]]:
    """The name/value pairs of a query string (blank values kept, bad escapes replaced)."""
    if isinstance(query, bytes):
        query = query.decode("utf-8", "replace")
    return parse_qsl(query, keep_blank_values=True)


def asgi_route(scope: Any, before: Any) -> tuple[str | None, Any]:
    """The route Starlette's router (FastAPI's too) matched, with its path parameters.

    *scope* is the scope after the app ran, *before* a copy taken before:
    Starlette 1.8+ and FastAPI leave the route in ``scope["route"]`` (a
    ``Mount`` adds its matched prefix to ``root_path``, and that prefix comes
    before the route's path); with older Starlette the app's routes are
    matched again against *before*, as its router did.
    """
    route = scope.get("route")
    path = _route_path(route)
    if path is None:
        return _match_again(scope.get("app"), before), scope.get("path_params")
    root_path = before.get("root_path", "")
    after = scope.get("root_path", "")
    prefix = after[len(root_path) :] if isinstance(after, str) and after != root_path else ""
    return template(prefix + path), scope.get("path_params")


def _route_path(route: Any) -> str | None:
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else None


def _match_again(app: Any, before: Any) -> str | None:
    """The template of the route of *app* (a Starlette or FastAPI app) that *before* matches."""
    routes = getattr(getattr(app, "router", None), "routes", None)
    scope = dict(before)
    prefix = ""
    for _ in range(_MOUNTS):
        found = None
        for route in routes or ():
            match, child = route.matches(scope)
            name = getattr(match, "name", None)  # Starlette's Match: NONE, PARTIAL, FULL
            if name == "FULL" or (name == "PARTIAL" and found is None):
                found = (route, child)
                if name == "FULL":
                    break
        if found is None:
            return None
        route, child = found
        path = _route_path(route)
        if path is None:
            return None
        inner = getattr(route, "routes", None)  # a Mount: its routes are matched in turn
        if not inner:
            return template(prefix + path)
        prefix += getattr(route, "path", "")  # the mount's prefix (its path_format ends "{path}")
        scope.update(child)
        routes = inner
    return None


_MOUNTS = 8  # mounts within mounts followed at most (a bound for a route table of odd shape)


def werkzeug_route(environ: Any) -> tuple[str | None, Any]:
    """The rule Flask (werkzeug) matched for the request of *environ*, with its arguments."""
    request = environ.get("werkzeug.request")
    rule = getattr(getattr(request, "url_rule", None), "rule", None)
    if rule is None:
        return None, None
    return template(rule), getattr(request, "view_args", None)
