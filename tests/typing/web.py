"""Checked by mypy --strict, never run: the web middleware fit the frameworks' own types.

aiohttp's ``middlewares=``, Starlette's ``add_middleware`` and a WSGI
server's application slot take them as they are, with no cast; each
``type: ignore`` below is needed (strict mypy reports an unused one), so
these lines fail if a middleware's signature stopped being checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import make_server

from aiohttp import web
from flask import Flask
from starlette.applications import Starlette
from typing_extensions import assert_type

from honeyhive_async import tracing
from honeyhive_async.tracing.web import (
    AiohttpMiddleware,
    ASGIMiddleware,
    DjangoMiddleware,
    WSGIMiddleware,
    aiohttp_middleware,
)


def aiohttp_app() -> web.Application:
    assert_type(aiohttp_middleware, AiohttpMiddleware)
    return web.Application(middlewares=[tracing.web.aiohttp_middleware])


def starlette_app() -> ASGIMiddleware:
    app = Starlette()
    app.add_middleware(ASGIMiddleware)
    wrapped = ASGIMiddleware(app)
    ASGIMiddleware("not an app")  # type: ignore[arg-type]
    return ASGIMiddleware(wrapped)


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [])
    return [b"ok"]


def wsgi_server() -> None:
    wrapped = WSGIMiddleware(wsgi_app)
    assert_type(wrapped({}, lambda status, headers: print), Iterable[bytes])
    make_server("127.0.0.1", 0, wrapped)
    WSGIMiddleware(Flask(__name__).wsgi_app)
    WSGIMiddleware(starlette_app)  # type: ignore[arg-type]


def django_middleware(get_response: Callable[[Any], Any]) -> DjangoMiddleware:
    return DjangoMiddleware(get_response)
