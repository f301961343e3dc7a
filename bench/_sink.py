"""A minimal HoneyHive-shaped sink server for client benchmarks.

It answers every operation with a fixed, valid body and does no work, so
that what a benchmark measures is the client. Run it in its own process:
``python bench/_sink.py PORT``; it prints ``ready`` once listening.
"""

from __future__ import annotations

import asyncio
import json
import sys

from aiohttp import web

_CREATED = json.dumps({"event_id": "00000000-0000-4000-8000-000000000001", "success": True})


async def _create(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text=_CREATED, content_type="application/json")


async def _batch(request: web.Request) -> web.Response:
    body = await request.json()
    ids = [e.get("event_id", "x") for e in body.get("events", [])]
    return web.json_response({"event_ids": ids, "session_id": "s", "success": True})


def make_app() -> web.Application:
    """The sink's routes: single creates and batches."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/events", _create)
    app.router.add_post("/events/batch", _batch)
    return app


async def _main(port: int) -> None:
    runner = web.AppRunner(make_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_main(int(sys.argv[1])))
