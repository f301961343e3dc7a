"""Django: a middleware (in ``MIDDLEWARE``) that makes each request one session.

Duck-typed: it imports nothing of Django. Django tells a middleware the
route it resolved (``request.resolver_match.route``) and the exception of a
view (``process_exception``) before it turns it into a 500, so the session
gets both; a streaming response's body is made with the session current,
and the session ends when it is exhausted or closed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from ._request import Request, begin
from ._routes import template
from ._wsgi import Body

__all__ = ["DjangoMiddleware"]

_ATTRIBUTE = "_honeyhive_request"  # where the request's session waits for process_exception


class DjangoMiddleware:
    """``MIDDLEWARE = ["honeyhive_async.tracing.web.DjangoMiddleware", ...]``: a session a request.

    List it first, so that the other middleware's work is inside the
    session. The session is named ``"GET /items/{item_id}/"`` (Django's
    ``<int:item_id>`` written ``{item_id}``), with inputs ``{method, route,
    path_params, query}`` and outputs ``{status}``; a view's exception, or
    a 5xx status, is its error.
    """

    sync_capable = True
    async_capable = False  # Django runs it in a thread under ASGI, with the context copied

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        started = _start(request)
        if started is None:
            return self.get_response(request)
        token = started.enter()
        try:
            response = self.get_response(request)
        except BaseException as exc:
            started.error = exc
            started.status = 500 if isinstance(exc, Exception) else None
            started.end()
            raise
        finally:
            started.leave(token)
        _answered(started, request, response)
        return response

    def process_exception(self, request: Any, exception: Exception) -> None:
        """Django's hook for a view's exception: it is the session's error (Django answers)."""
        started = getattr(request, _ATTRIBUTE, None)
        if isinstance(started, Request):
            started.error = exception

    def __repr__(self) -> str:
        return "<honeyhive_async.tracing.web.DjangoMiddleware>"


def _start(request: Any) -> Request | None:
    try:
        method = request.method
    except Exception:  # an odd request is handled untraced
        return None
    started = begin(method, lambda: _query(request))
    if started is not None:
        # A request that takes no attributes: its view's exception is not seen (its 500 is).
        with contextlib.suppress(Exception):
            setattr(request, _ATTRIBUTE, started)
    return started


def _query(request: Any) -> list[tuple[str, str]]:
    return [(name, value) for name, values in request.GET.lists() for value in values]


def _answered(started: Request, request: Any, response: Any) -> None:
    """Record what the response says; a streamed body ends the session when it is done."""
    try:
        match = getattr(request, "resolver_match", None)
        route = getattr(match, "route", None)
        started.routed(template(route), getattr(match, "kwargs", None) if route else None)
        started.status = response.status_code
        if getattr(response, "streaming", False) and not getattr(response, "is_async", False):
            response.streaming_content = Body(response.streaming_content, started)
            return
    except Exception:  # recorded with what could be read
        pass
    started.end()
