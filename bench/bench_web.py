"""What ``tracing.web``'s middleware add to a request, against the bare app.

Real apps called in-process, without a server or a socket, so that the
middleware's share is not drowned by the network: a Starlette app (ASGI,
its scope built here, awaited on one loop) and a Flask app (WSGI, its
environ built here, the body read and closed as a server does), each
answering ``GET /items/{item_id}?q=rag`` with a small JSON body. Two cases:
a tracer recording (each request one session, handed to an in-memory
batcher stub: recording, not delivery, is measured) and no tracer (the
requests pass through). Each round times ``--requests`` requests of the
bare app and of the wrapped one back to back, alternating which goes
first; the figures are the medians over rounds of the extra microseconds
per request and of the ratio. Run:
``python bench/bench_web.py [--rounds 15] [--requests 3000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

from _common import StubBatcher
from flask import Flask
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from honeyhive_async import tracing
from honeyhive_async.tracing.web import ASGIMiddleware, WSGIMiddleware


async def item(request: Request) -> JSONResponse:
    return JSONResponse({"id": request.path_params["item_id"]})


STARLETTE = Starlette(routes=[Route("/items/{item_id:int}", item)])
FLASK = Flask(__name__)


@FLASK.get("/items/<int:item_id>")
def flask_item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


SCOPE = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/items/42",
    "raw_path": b"/items/42",
    "query_string": b"q=rag",
    "root_path": "",
    "headers": [(b"host", b"bench")],
    "server": ("bench", 80),
    "client": ("127.0.0.1", 1),
}


async def asgi_requests(app: Any, requests: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    start = time.perf_counter_ns()
    for _ in range(requests):
        await app(dict(SCOPE), receive, send)
    return (time.perf_counter_ns() - start) / requests / 1000


def wsgi_requests(app: Callable[..., Any], requests: int) -> float:
    def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[..., None]:
        return lambda data: None

    start = time.perf_counter_ns()
    for _ in range(requests):
        environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": "/items/42",
            "QUERY_STRING": "q=rag",
            "SERVER_NAME": "bench",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "bench",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": io.StringIO(),
        }
        body = app(environ, start_response)
        b"".join(body)
        getattr(body, "close", lambda: None)()
    return (time.perf_counter_ns() - start) / requests / 1000


async def measure(timer: Callable[[Any, int], Any], bare: Any, wrapped: Any, args: Any) -> str:
    async def timed(app: Any) -> float:
        result = timer(app, args.requests)
        return float(await result if asyncio.iscoroutine(result) else result)

    diffs, ratios = [], []
    for r in range(args.rounds):
        if r % 2:
            tw, tb = await timed(wrapped), await timed(bare)
        else:
            tb, tw = await timed(bare), await timed(wrapped)
        diffs.append(tw - tb)
        ratios.append(tw / tb)
    return (
        f"+{statistics.median(diffs):.1f} µs per request "
        f"(min {min(diffs):.1f}, max {max(diffs):.1f}); ratio {statistics.median(ratios):.2f}"
    )


async def run(args: Any) -> None:
    """Both apps, both cases; on the loop the tracer is bound to, as in an asyncio server."""
    asgi = ASGIMiddleware(STARLETTE)
    wsgi = WSGIMiddleware(FLASK.wsgi_app)
    for label in ("recording", "no tracer"):
        tracer = None
        if label == "recording":
            tracer = tracing.Tracer(StubBatcher(), project="bench")  # type: ignore[arg-type]
        print(f"ASGI (Starlette), {label}: {await measure(asgi_requests, STARLETTE, asgi, args)}")
        print(f"WSGI (Flask), {label}: {await measure(wsgi_requests, FLASK.wsgi_app, wsgi, args)}")
        if tracer is not None:
            tracer.uninstall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=3000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
