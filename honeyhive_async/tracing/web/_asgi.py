"""ASGI (Starlette, FastAPI): a middleware that makes each HTTP request one session.

Duck-typed: it imports nothing of the frameworks. The session is current
while the app runs (so the app's traced calls, its background work started
with the request's context, and a streamed body's traced calls nest under
it) and is recorded when the app returns; the route is the one the
framework's router matched (``scope["route"]``, or its routes matched
again for Starlette before 1.8).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ._request import Request, begin
from ._routes import asgi_route, query_pairs

__all__ = ["ASGIApp", "ASGIMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
"""An ASGI 3 application."""


class ASGIMiddleware:
    """Wraps an ASGI app: each ``http`` request is one session (others pass through).

    ``app.add_middleware(tracing.web.ASGIMiddleware)`` in Starlette and
    FastAPI, or ``ASGIMiddleware(app)`` around any ASGI app. The session is
    named ``"GET /items/{item_id}"``, with inputs ``{method, route,
    path_params, query}`` and outputs ``{status}``; an exception leaving the
    app, or a 5xx status, is its error.
    """

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = _start(scope)
        if started is None:
            return await self.app(scope, receive, send)
        before = _copy(scope)  # the router adds to the scope: what it matched against

        async def send_status(message: Message) -> None:
            if started.status is None:
                started.status = _status(message)
            await send(message)

        token = started.enter()
        try:
            await self.app(scope, receive, send_status)
        except BaseException as exc:
            if started.status is None and isinstance(exc, Exception):
                started.status = 500  # what servers answer when the app raises before answering
            started.error = exc
            raise
        finally:
            started.leave(token)
            _routed(started, scope, before)
            started.end()
        return None

    def __repr__(self) -> str:
        return f"<ASGIMiddleware around {self.app!r}>"


def _start(scope: Scope) -> Request | None:
    try:
        if scope.get("type") != "http":
            return None
        method = scope.get("method", "GET")
    except Exception:  # an odd scope is passed to the app untraced
        return None
    return begin(method, lambda: query_pairs(scope.get("query_string", b"")))


def _copy(scope: Scope) -> Scope:
    try:
        return dict(scope)
    except Exception:  # the route is then looked up in the scope alone
        return {}


def _status(message: Message) -> int | None:
    try:
        if message.get("type") == "http.response.start":
            status = message.get("status")
            return status if isinstance(status, int) else None
    except Exception:  # a message of an odd shape is the app's and the server's business
        pass
    return None


def _routed(started: Request, scope: Scope, before: Scope) -> None:
    try:
        started.routed(*asgi_route(scope, before))
    except Exception:  # the session is named by the method alone
        started.routed(None, None)
