"""WSGI (Flask, any WSGI app): a middleware that makes each request one session.

Duck-typed: it imports nothing of the frameworks. The session is current
in the request's thread while the app runs and while each piece of the body
is made (so a streamed body's traced calls nest too, and nothing leaks into
the server's code between pieces); it is recorded when the body is closed
(PEP 3333: servers always close it; exhausted, for a body without
``close``; never closed, when it is collected). The route is Flask's
(werkzeug's ``url_rule``), read when the app starts its response; other
WSGI apps' sessions are named by the method (Django's: ``DjangoMiddleware``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ._request import Request, begin
from ._routes import query_pairs, werkzeug_route

__all__ = ["Body", "WSGIApp", "WSGIMiddleware"]

StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
"""A WSGI application (PEP 3333)."""


class WSGIMiddleware:
    """Wraps a WSGI app: each request is one session.

    ``app.wsgi_app = tracing.web.WSGIMiddleware(app.wsgi_app)`` in Flask,
    ``WSGIMiddleware(application)`` around any WSGI app. The session is
    named ``"GET /items/{item_id}"`` where the framework tells the route
    (Flask; else the method alone), with inputs ``{method, route,
    path_params, query}`` and outputs ``{status}``; an exception leaving the
    app or its body, or a 5xx status, is its error.
    """

    __slots__ = ("app",)

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = _start(environ)
        if started is None:
            return self.app(environ, start_response)

        def start_status(status: str, headers: Any, *exc_info: Any) -> Callable[[bytes], object]:
            _answered(started, environ, status)
            return start_response(status, headers, *exc_info)

        token = started.enter()
        try:
            body = self.app(environ, start_status)
        except BaseException as exc:
            _failed(started, exc)
            started.end()
            raise
        finally:
            started.leave(token)
        return Body(body, started)

    def __repr__(self) -> str:
        return f"<WSGIMiddleware around {self.app!r}>"


class Body:
    """A body made with the session current; the session ends when it is closed.

    Or when it is exhausted, if the app's body has no ``close``; or, left
    unclosed (a test client's answer nobody read), when it is collected.
    """

    __slots__ = ("__weakref__", "_body", "_closes", "_end", "_items", "_started")

    def __init__(self, body: Iterable[bytes], started: Request) -> None:
        self._body = body
        # A body that can be closed (Flask's runs its teardown then) ends the session there.
        self._closes = callable(getattr(body, "close", None))
        self._items: Iterator[bytes] | None = None
        self._started = started
        self._end = weakref.finalize(self, started.end)  # calling it ends the session, once
        self._end.atexit = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        started = self._started
        token = started.enter()
        try:
            if self._items is None:
                self._items = iter(self._body)
            return next(self._items)
        except StopIteration:
            if not self._closes:
                self._end()
            raise
        except BaseException as exc:
            _failed(started, exc)
            self._end()
            raise
        finally:
            started.leave(token)

    def close(self) -> None:
        """Close the app's body (PEP 3333: the server always calls this), then end the session."""
        started = self._started
        close = getattr(self._body, "close", None)
        token = started.enter()
        try:
            if close is not None:
                close()
        except BaseException as exc:
            _failed(started, exc)
            raise
        finally:
            started.leave(token)
            self._end()


def _start(environ: dict[str, Any]) -> Request | None:
    try:
        method = environ.get("REQUEST_METHOD", "GET")
    except Exception:  # an odd environ is passed to the app untraced
        return None
    return begin(method, lambda: query_pairs(environ.get("QUERY_STRING", "")))


def _answered(started: Request, environ: dict[str, Any], status: object) -> None:
    """The app starts its response: its status, and the route (Flask's request is still there)."""
    try:
        started.status = int(str(status)[:3])
    except Exception:  # not a status line: recorded without one
        started.status = None
    try:
        route, params = werkzeug_route(environ)
        if route is not None or started.route is None:
            started.routed(route, params)
    except Exception:  # the session is named by the method alone
        started.routed(None, None)


def _failed(started: Request, exc: BaseException) -> None:
    if isinstance(exc, Exception) and started.status is None:
        started.status = 500  # what the server answers when the app fails before answering
    started.error = exc
