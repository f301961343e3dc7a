"""One web request's session: what the aiohttp, ASGI, WSGI and Django middleware share.

A :class:`Request` is opened before the app handles the request (so the
app's traced calls nest under it), learns the route, the status and any
error while the request runs, and is recorded once when the response is
done. Nothing here raises: a failure to record is logged (a WARNING at most
once per 10 s) and the request goes on untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextvars import Token
from typing import Any

from .._spans import Node, Session, Span, close_span
from .._state import CURRENT, STATE, active_tracer, warn_limited

__all__ = ["Request", "begin", "query_dict"]


class Request:
    """The session (or, inside an open span, the span) of one request; ends once."""

    __slots__ = ("error", "method", "node", "params", "query", "route", "status")

    def __init__(self, node: Node, method: str, query: dict[str, str | list[str]]) -> None:
        self.node = node
        self.method = method
        self.query = query
        self.route: str | None = None
        self.params: dict[str, Any] = {}
        self.status: int | None = None
        self.error: BaseException | None = None

    def enter(self) -> Token[Node | None]:
        """Make the request's node current in this context (undo with :meth:`leave`)."""
        return CURRENT.set(self.node)

    def leave(self, token: Token[Node | None]) -> None:
        """Undo :meth:`enter`; never raises (a token of another context is ignored)."""
        try:
            CURRENT.reset(token)
        except (ValueError, RuntimeError):  # made in another context, or already used
            CURRENT.set(None)

    def routed(self, route: str | None, params: Mapping[str, Any] | None) -> None:
        """The route template that matched (``None``: none did) and its path parameters."""
        self.route = route
        self.params = dict(params or {})

    def end(self) -> None:
        """Record the request (its name, inputs, status, error); later calls do nothing."""
        node = self.node
        if node.ended:
            return
        try:
            node.name = self.method if self.route is None else f"{self.method} {self.route}"
            if node.recording:
                inputs = {
                    "method": self.method,
                    "route": self.route,
                    "path_params": self.params,
                    "query": self.query,
                }
                if node.inputs == "{}":  # captured once, at the end, when the route is known
                    node.inputs = node.tracer.capture(inputs)
                else:  # the app enriched the session's inputs: ours are merged into them
                    node.enrich(inputs=inputs)
                node.outputs = {**(node.outputs or {}), "status": self.status}
                if self.error is None and self.status is not None and self.status >= 500:
                    node.error = f"HTTP {self.status}"
        except Exception:  # the request is recorded with what could be filled in
            warn_limited("web", "tracing: filling in the request %r failed", node, exc_info=True)
        close_span(node, None, self.error)


Query = Callable[[], Iterable[tuple[str, str]]]
"""Reads a request's query parameters as name/value pairs (only for a request recorded)."""


def begin(method: object, query: Query) -> Request | None:
    """A :class:`Request` for *method* with *query*, or ``None`` when nothing is recorded.

    It is a new session, or, when the request is handled inside an open
    span (a test's session, an OpenTelemetry server span), a ``chain`` span
    under it. ``None`` when tracing is off, no tracer is configured, or
    opening failed (logged); never raises.
    """
    if not STATE.enabled:
        return None
    try:
        return _begin(str(method), query)
    except Exception:
        warn_limited("web", "tracing: opening a request's session failed", exc_info=True)
        return None


def _begin(method: str, query: Query) -> Request | None:
    parent = CURRENT.get()
    if STATE.find_parent is not None:  # a span of another tracing system may be innermost
        parent = STATE.find_parent(parent)
    node: Node
    if parent is None:
        tracer = active_tracer()
        if tracer is None:
            return None
        node = Session(tracer, method)
    else:
        node = Span(parent, method, "chain")
    if not node.recording:
        return Request(node, method, {})
    try:
        pairs = query_dict(query())
    except Exception:  # a query the framework cannot read is left out, never fails the request
        pairs = {}
    return Request(node, method, pairs)


def query_dict(pairs: Iterable[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Query parameters by name: one value as a string, a repeated name's as a list."""
    found: dict[str, str | list[str]] = {}
    for name, value in pairs:
        seen = found.get(name)
        if seen is None:
            found[name] = value
        elif isinstance(seen, list):
            seen.append(value)
        else:
            found[name] = [seen, value]
    return found
