"""The trace viewer: a page at ``/`` and the data routes it reads, all under ``/viewer/``.

The page (``static/index.html``, ``viewer.js``, ``viewer.css``: hand-written,
no build, no CDN) holds no data and needs no key; every data route under
``/viewer/api/`` wants the API key like the API does, sent by the page as
``Authorization: Bearer``. ``serve`` prints a link with the key in the URL
fragment, which browsers never send; the page moves it to
``sessionStorage`` and out of the address bar.

:func:`guard` stands before everything: on the viewer's routes it refuses
a ``Host`` that is not a loopback name or the host the server was bound
to, and an ``Origin`` that is not this server (DNS rebinding), and adds a
strict Content-Security-Policy (no inline script, no eval, nothing from
elsewhere); on writes elsewhere it bumps the revision that the page polls
to show new sessions and events without a reload.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from importlib import resources
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

from . import _browse
from ._store import EventStore
from ._validate import Invalid, write_json

__all__ = [
    "ASSETS",
    "CONTENT_SECURITY_POLICY",
    "OPEN_ROUTES",
    "Revision",
    "allow_host",
    "guard",
    "register",
]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
ASSETS = {
    "viewer.js": "text/javascript",
    "viewer.css": "text/css",
}
"""The page's files besides ``index.html``, served from ``/viewer/static/``."""
OPEN_ROUTES = frozenset(
    (method, path)
    for method in ("GET", "HEAD")
    for path in ("/", *(f"/viewer/static/{name}" for name in ASSETS))
)
"""The routes that need no key: the page and its files, which hold no data."""

_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_MAX_PAGE_SIZE = 200
_MAX_PAGE = 1_000_000
_MAX_TEXT = 200


class Revision:
    """A number that grows with every write the server takes (the page polls it)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


_REVISION = web.AppKey("honeyhive_viewer_revision", Revision)
_HOSTS = web.AppKey("honeyhive_viewer_hosts", set[str])


def allow_host(app: web.Application, host: str) -> None:
    """Let the viewer answer requests for *host* (the address the server is bound to)."""
    app[_HOSTS].add(host.strip("[]").lower())


def _allowed(app: web.Application, host: str | None) -> bool:
    if not host:
        return False
    name = host.strip("[]").lower()
    if name in _LOOPBACK_NAMES or name in app[_HOSTS]:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _origin_problem(request: web.Request) -> str | None:
    """Why the request's Host or Origin is refused, or ``None``."""
    try:
        here = URL(f"http://{request.host}")
    except ValueError:
        return "the Host header is not a host"
    if not _allowed(request.app, here.host):
        return f"Host {here.host!r} is not this server's (use 127.0.0.1 or localhost)"
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    try:
        there = URL(origin)
    except ValueError:
        return "the Origin header is not a URL"
    if there.scheme != "http" or there.host != here.host or there.port != here.port:
        return f"Origin {origin!r} is not this server"
    return None


def _is_viewer(path: str) -> bool:
    return path == "/" or path.startswith("/viewer/")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Host and Origin checks and security headers on the viewer; revisions on writes."""
    if not _is_viewer(request.path):
        response = await handler(request)
        if request.method in ("POST", "PUT") and request.path != "/events/export":
            request.app[_REVISION].value += 1
        return response
    problem = _origin_problem(request)
    if problem is not None:
        body = {"success": False, "error": "forbidden", "message": problem}
        response = web.json_response(body, status=403)
    else:
        response = await handler(request)
    response.headers.update(_SECURITY_HEADERS)
    return response


def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath("static").joinpath(name).read_bytes()


def _page_handler() -> Handler:
    page = _asset("index.html")

    async def index(request: web.Request) -> web.Response:
        """The viewer's page: a shell the script fills in."""
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    return index


def _asset_handler(name: str, media: str) -> Handler:
    data = _asset(name)

    async def asset(request: web.Request) -> web.Response:
        """One of the page's files."""
        return web.Response(body=data, content_type=media, charset="utf-8")

    return asset


def _store(request: web.Request) -> EventStore:
    from ._app import STORE_KEY

    return request.app[STORE_KEY]


def _json(body: Any) -> web.Response:
    return web.json_response(body, dumps=write_json)


def _whole(query: Mapping[str, str], name: str, default: int, top: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 12 and 1 <= int(text) <= top):
        raise Invalid((name,), f"must be a whole number from 1 to {top}")
    return int(text)


async def projects(request: web.Request) -> web.Response:
    """The projects, most recently active first."""
    found = await _store(request).read(_browse.projects)
    return _json({"projects": found, "revision": request.app[_REVISION].value})


async def sessions(request: web.Request) -> web.Response:
    """One page of a project's sessions: ``project``, ``q``, ``errors``, ``page``, ``limit``."""
    query = request.query
    project = query.get("project", "")
    if not project:
        raise Invalid(("project",), "is required")
    text = query.get("q", "")
    if len(text) > _MAX_TEXT:
        raise Invalid(("q",), f"must be at most {_MAX_TEXT} characters")
    errors = query.get("errors", "") in ("1", "true")
    limit = _whole(query, "limit", 50, _MAX_PAGE_SIZE)
    page = _whole(query, "page", 1, _MAX_PAGE)
    found, total = await _store(request).read(
        _browse.sessions, project, text, errors, (page - 1) * limit, limit
    )
    body = {"sessions": found, "total": total, "page": page, "limit": limit}
    return _json({**body, "revision": request.app[_REVISION].value})


async def session(request: web.Request) -> web.Response:
    """A session's tree: its events without payloads, in start order."""
    session_id = request.match_info["session_id"]
    events = await _store(request).read(_browse.session_tree, session_id)
    if not events:
        return _not_found(f"no session {session_id!r}")
    return _json({"session_id": session_id, "events": events})


async def export(request: web.Request) -> web.Response:
    """A session's events as JSONL, the lines ``events export`` writes and ``import`` reads."""
    session_id = request.match_info["session_id"]
    events = await _store(request).read(_browse.session_events, session_id)
    if not events:
        return _not_found(f"no session {session_id!r}")
    body = "".join(write_json(event) + "\n" for event in events)
    return web.Response(
        text=body,
        content_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="session.jsonl"'},
    )


async def event(request: web.Request) -> web.Response:
    """One event with its payload, each field capped."""
    event_id = request.match_info["event_id"]
    found = await _store(request).read(_browse.event_detail, event_id)
    if found is None:
        return _not_found(f"no event {event_id!r}")
    return _json(found)


async def revision(request: web.Request) -> web.Response:
    """The write counter the page polls for live updates."""
    return _json({"revision": request.app[_REVISION].value})


def _not_found(message: str) -> web.Response:
    body = {"success": False, "error": "not_found", "message": message}
    return web.json_response(body, status=404)


def register(app: web.Application) -> None:
    """Add the viewer's routes and state to *app* (before it starts)."""
    app[_REVISION] = Revision()
    app[_HOSTS] = set()
    router = app.router
    router.add_get("/", _page_handler(), name="viewer-page")
    for name, media in ASSETS.items():
        router.add_get(f"/viewer/static/{name}", _asset_handler(name, media), name=f"viewer-{name}")
    api = "/viewer/api"
    router.add_get(f"{api}/projects", projects, name="viewer-projects")
    router.add_get(f"{api}/sessions", sessions, name="viewer-sessions")
    router.add_get(f"{api}/sessions/{{session_id}}", session, name="viewer-session")
    router.add_get(f"{api}/sessions/{{session_id}}/export", export, name="viewer-export")
    router.add_get(f"{api}/events/{{event_id}}", event, name="viewer-event")
    router.add_get(f"{api}/revision", revision, name="viewer-revision")
