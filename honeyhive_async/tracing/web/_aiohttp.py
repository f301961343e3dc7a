"""aiohttp.web: a middleware that makes each request one session.

aiohttp has matched the route before middleware run, so the session is
named from the start; an ``HTTPException`` raised by the handler is the
response it stands for (its status), anything else is the request's error
(status 500, as aiohttp answers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ._request import Request, begin

__all__ = ["AiohttpMiddleware", "aiohttp_middleware"]

Handler = Callable[[Any], Awaitable[Any]]


class AiohttpMiddleware:
    """``web.Application(middlewares=[tracing.web.aiohttp_middleware])``: a session per request.

    The session is named ``"GET /items/{item_id}"`` (the method and the
    resource's canonical path; the method alone when no route matched),
    with inputs ``{method, route, path_params, query}`` and outputs
    ``{status}``; an exception of the handler, or a 5xx status, is its error.
    """

    __slots__ = ()
    __middleware_version__ = 1  # what @aiohttp.web.middleware marks: a new-style middleware

    async def __call__(self, request: Any, handler: Handler) -> Any:
        started = _start(request)
        if started is None:
            return await handler(request)
        token = started.enter()
        try:
            response = await handler(request)
        except BaseException as exc:
            _failed(started, exc)
            raise
        else:
            started.status = _status(response)
        finally:
            started.leave(token)
            started.end()
        return response

    def __repr__(self) -> str:
        return "<honeyhive_async.tracing.web.aiohttp_middleware>"


def _start(request: Any) -> Request | None:
    started = begin(request.method, lambda: request.query.items())
    if started is not None:
        try:
            info = request.match_info
            resource = info.route.resource
            started.routed(None if resource is None else resource.canonical, info)
        except Exception:  # an odd request object: the session is named by its method
            started.routed(None, None)
    return started


def _failed(started: Request, exc: BaseException) -> None:
    from aiohttp.web_exceptions import HTTPException

    if isinstance(exc, HTTPException):  # raised as the answer: not an error unless 5xx
        started.status = exc.status
        return
    if isinstance(exc, Exception):  # aiohttp answers 500; a cancelled request has no status
        started.status = 500
    started.error = exc


def _status(response: Any) -> int | None:
    status = getattr(response, "status", None)
    return status if isinstance(status, int) else None


aiohttp_middleware = AiohttpMiddleware()
"""The middleware instance to list in ``web.Application(middlewares=[...])``."""
