"""Route templates and query strings as each framework gives them, in one form.

Every middleware names a session ``"<METHOD> <template>"`` with the
template written the same way whatever the framework: parameters in braces
without their converters (Flask's and Django's ``<int:item_id>`` become
``{item_id}``, as Starlette's ``path_format`` and aiohttp's ``canonical``
already are), starting with ``/``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["asgi_route", "query_pairs", "template", "werkzeug_route"]

_ANGLE = re.compile(r"<(?:[^<>:]*:)?([^<>:]+)>")


def template(route: object) -> str | None:
    """*route* in the one form (``None`` if it is not text)."""
    if not isinstance(route, str):
        return None
    route = _ANGLE.sub(r"{\1}", route)
    return route if route.startswith("/") else f"/{route}"


def query_pairs(query: bytes | str) -> list[tuple[str, str]]:
    """The name/value pairs of a query string (blank values kept, bad escapes replaced)."""
    if isinstance(query, bytes):
        query = query.decode("utf-8", "replace")
    return parse_qsl(query, keep_blank_values=True)


def asgi_route(scope: Any, root_path: str) -> tuple[str | None, Any]:
    """The route Starlette's router (FastAPI's too) left in *scope*, with its path parameters.

    *root_path* is the scope's before the app ran: a ``Mount`` adds its
    matched prefix to it, and that prefix comes before the route's path.
    """
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(path, str):
        return None, None
    after = scope.get("root_path", "")
    prefix = after[len(root_path) :] if isinstance(after, str) and after != root_path else ""
    return template(prefix + path), scope.get("path_params")


def werkzeug_route(environ: Any) -> tuple[str | None, Any]:
    """The rule Flask (werkzeug) matched for the request of *environ*, with its arguments."""
    request = environ.get("werkzeug.request")
    rule = getattr(getattr(request, "url_rule", None), "rule", None)
    if rule is None:
        return None, None
    return template(rule), getattr(request, "view_args", None)
