"""Helpers shared by the server tests: goldens, event factories, a tiny JSON client."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp

from honeyhive_async.server import LocalServer

FIXTURES = Path(__file__).parent / "fixtures"


def golden(name: str) -> dict[str, Any]:
    """One golden file (a copy of shared/spec/goldens), as a dict."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def make_event(**fields: Any) -> dict[str, Any]:
    """A valid CreateEventRequest in project ``p``, with ``fields`` overriding."""
    event: dict[str, Any] = {
        "project": "p",
        "source": "test",
        "event_name": "e",
        "event_type": "tool",
        "config": {},
        "inputs": {},
        "duration": 1,
    }
    event.update(fields)
    return event


def make_model_event(**fields: Any) -> dict[str, Any]:
    """A valid CreateModelEvent in project ``p``, with ``fields`` overriding."""
    event: dict[str, Any] = {
        "project": "p",
        "model": "gpt-4o",
        "provider": "openai",
        "messages": [{"role": "user", "content": "hi"}],
        "response": {"role": "assistant", "content": "hello"},
        "duration": 5,
        "usage": {"total_tokens": 3},
    }
    event.update(fields)
    return event


def tree_order(events: Sequence[Mapping[str, Any]]) -> Callable[[Mapping[str, Any]], Any]:
    """The sort key of getEvents' order, for created ``events`` that all have a start_time.

    Sessions latest first (a session starts with its earliest event), then
    in each session its session event, then the others by start_time and id.
    """
    starts: dict[str, float] = {}
    for event in events:
        session = _session_of(event)
        starts[session] = min(starts.get(session, event["start_time"]), event["start_time"])

    def key(event: Mapping[str, Any]) -> Any:
        session = _session_of(event)
        rank = event["event_type"] != "session"
        return (-starts[session], session, rank, event["start_time"], event["event_id"])

    return key


def _session_of(event: Mapping[str, Any]) -> str:
    session: str = event.get("session_id") or event["event_id"]
    return session


def shape(value: Any) -> Any:
    """A JSON value with every string, number and null replaced by its type name."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return value if isinstance(value, bool) else type(value).__name__


class Api:
    """Sends JSON requests through an aiohttp session and returns (status, decoded body)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def call(
        self, method: str, path: str, body: Any = None, **kwargs: Any
    ) -> tuple[int, Any]:
        """One request; the body is ``None`` when the answer has none."""
        if body is not None:
            kwargs["json"] = body
        async with self.session.request(method, path, **kwargs) as response:
            raw = await response.read()
            return response.status, json.loads(raw) if raw else None

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        """POST ``body`` as JSON."""
        return await self.call("POST", path, body, **kwargs)

    async def create(self, **fields: Any) -> str:
        """Create one event (see :func:`make_event`) and return its id."""
        status, body = await self.post("/events", {"event": make_event(**fields)})
        assert status == 200, body
        event_id: str = body["event_id"]
        return event_id

    async def export(self, **request: Any) -> tuple[int, Any]:
        """getEvents in project ``p`` (no filters unless given)."""
        return await self.post("/events/export", {"project": "p", "filters": [], **request})


@asynccontextmanager
async def local_api() -> AsyncIterator[tuple[LocalServer, Api]]:
    """A running server with a fresh in-memory database and a client with its key."""
    async with LocalServer() as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        async with aiohttp.ClientSession(server.url, headers=headers) as session:
            yield server, Api(session)


ROOT = Path(__file__).resolve().parents[2]
_URL = re.compile(r"Serving the HoneyHive Events API on (http://\S+)")


class CliServer(NamedTuple):
    """A ``serve`` subprocess, its base URL and the lines it printed on starting."""

    process: asyncio.subprocess.Process
    url: str
    banner: list[str]

    @property
    def api_key(self) -> str:
        """The key the banner's ``export HH_API_KEY=...`` line gives."""
        line = next(line for line in self.banner if "export HH_API_KEY=" in line)
        return line.split("=", 1)[1]


@asynccontextmanager
async def cli_server(*args: str) -> AsyncIterator[CliServer]:
    """Run ``python -m honeyhive_async serve --port 0 *args`` until the block ends.

    Reads the banner up to its last line; on exit kills the process if it
    still runs and reaps it, so no pipe or transport is left open.
    """
    command = [sys.executable, "-m", "honeyhive_async", "serve", "--port", "0", *args]
    data_home = tempfile.TemporaryDirectory()  # the default database goes there
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "XDG_DATA_HOME": data_home.name},
    )
    try:
        assert process.stdout is not None
        banner: list[str] = []
        while not banner or not banner[-1].startswith("Press Ctrl-C"):
            line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
            assert line, f"serve exited early: {banner}"
            banner.append(line.decode().rstrip())
        match = _URL.match(banner[0])
        assert match is not None, banner
        yield CliServer(process, match.group(1), banner)
    finally:
        if process.returncode is None:
            process.kill()
        await process.communicate()
        data_home.cleanup()
