"""``BackgroundServer``: the local server on its own thread, from sync and async code."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest

from honeyhive_async import HoneyHiveCore, RetryConfig, funcs
from honeyhive_async.server import FaultConfig
from honeyhive_async.testing import BackgroundServer, _background

NO_RETRIES = RetryConfig(strategy="none")


def make_event(project: str = "p", **fields: Any) -> dict[str, Any]:
    """A valid createEvent body's event."""
    return {
        "project": project,
        "source": "test",
        "event_name": "e",
        "event_type": "tool",
        "config": {},
        "inputs": {},
        "duration": 1,
        **fields,
    }


async def create(server: BackgroundServer, **fields: Any) -> int:
    """Create one event through a fresh core; the HTTP status (200 when stored)."""
    async with HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url) as core:
        res = await funcs.events_create_event(
            core, {"event": make_event(**fields)}, retries=NO_RETRIES
        )
    if res.ok:
        return 200
    return int(getattr(res.error, "status_code", 0))


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    """A running background server."""
    with BackgroundServer() as srv:
        yield srv


def test_sync_code_reaches_it_while_the_caller_blocks(server: BackgroundServer) -> None:
    """A sync caller (here running its own loop) is served; events_sync reads the result."""
    assert 200 == asyncio.run(create(server, event_name="from sync"))
    assert ["from sync"] == [e["event_name"] for e in server.events_sync(project="p")]


async def test_async_helpers_do_not_block_the_callers_loop(server: BackgroundServer) -> None:
    """events, trees and shapes are awaited on the test's loop while the server runs on its own."""
    assert 200 == await create(server, event_name="b", start_time=2000)
    assert 200 == await create(server, event_name="a", start_time=1000, project="other")
    assert ["a", "b"] == [e["event_name"] for e in await server.events()]
    assert ["b"] == [e["event_name"] for e in await server.events(project="p")]
    assert [("b", [])] == await server.shapes(project="p")
    assert [("b", [])] == server.shapes_sync(project="p")
    trees = await server.trees(project="other")
    assert ["a"] == [tree["event"]["event_name"] for tree in trees]
    assert trees == server.trees_sync(project="other")


async def test_events_reads_every_page(
    server: BackgroundServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More events than one page holds all come back, oldest first."""
    monkeypatch.setattr(_background, "_PAGE", 2)
    for start in (5000, 3000, 4000, 1000, 2000):
        assert 200 == await create(server, event_name=str(start), start_time=start)
    expected = ["1000", "2000", "3000", "4000", "5000"]
    assert expected == [e["event_name"] for e in await server.events(project="p")]
    assert expected == [e["event_name"] for e in await server.events()]


async def test_faults_hold_for_the_block_and_then_restore(server: BackgroundServer) -> None:
    """Inside faults() requests fail and nothing is stored; afterwards the old plan is back."""
    base = FaultConfig(rate=0.0)
    server.set_faults(base)
    with server.faults("503") as config:
        assert config is server.current_faults
        assert 503 == await create(server)
        with server.faults("429", retry_after_seconds=0):
            assert 429 == await create(server)
        assert 503 == await create(server)
    assert base is server.current_faults
    assert [] == await server.events()
    assert 200 == await create(server)


async def test_faults_drop_and_stall_end_with_the_server() -> None:
    """A dropped connection is a transport error; a stalled request ends when the server stops."""
    with BackgroundServer() as server, server.faults("drop"):
        assert 0 == await create(server)
    async with aiohttp.ClientSession() as session:
        with BackgroundServer(faults=FaultConfig(rate=1, kinds=["stall"])) as stalled:
            headers = {"Authorization": f"Bearer {stalled.api_key}"}
            request = asyncio.ensure_future(
                session.post(f"{stalled.url}/events", json={"event": make_event()}, headers=headers)
            )
            await asyncio.sleep(0.2)
        async with await request as response:
            assert 504 == response.status


@pytest.mark.parametrize(
    ("kinds", "options", "message"),
    [
        ((), {}, "kinds must be distinct fault kinds out of 500, 503, 429, drop, stall, got none"),
        (("404",), {}, "kinds must be distinct fault kinds .* got 404"),
        (("500",), {"rate": 2}, "rate must be a number from 0 to 1, got 2"),
    ],
)
def test_faults_are_validated_by_fault_config(
    server: BackgroundServer, kinds: tuple[Any, ...], options: dict[str, Any], message: str
) -> None:
    """Bad options raise FaultConfig's ValueError, naming the option, and change nothing."""
    with pytest.raises(ValueError, match=message), server.faults(*kinds, **options):
        pass
    assert server.current_faults is None


def test_faults_defaults_agree_with_fault_config() -> None:
    """faults() spells out FaultConfig's defaults (but rate): they must not drift apart."""
    defaults = {f.name: f.default for f in attrs.fields(FaultConfig)}
    options = inspect.signature(BackgroundServer.faults).parameters
    for name in ("weights", "seed", "retry_after_seconds", "stall_seconds"):
        assert defaults[name] == options[name].default, name
    assert 1.0 == options["rate"].default


def test_lifecycle() -> None:
    """Not running before start or after stop; started once; stop is idempotent."""
    server = BackgroundServer(api_key="k")
    assert "<BackgroundServer not running>" == repr(server)
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        assert f"<BackgroundServer {server.url}>" == repr(server)
        assert "k" == server.api_key
        with pytest.raises(RuntimeError, match="already started"):
            server.start()
    server.stop()
    with pytest.raises(RuntimeError, match="not running"):
        server.events_sync()


def test_a_server_that_cannot_start_raises_and_leaves_no_thread(tmp_path: Path) -> None:
    """The startup error reaches the caller; the thread is gone."""
    server = BackgroundServer(db_path=str(tmp_path / "missing" / "events.db"))
    with pytest.raises(Exception, match="unable to open database"):
        server.start()
    assert server._thread is not None
    assert not server._thread.is_alive()


def test_file_database_keeps_events(tmp_path: Path) -> None:
    """db_path is handed to the server: a second server on the file sees the events."""
    path = str(tmp_path / "events.db")
    with BackgroundServer(db_path=path) as first:
        assert 200 == asyncio.run(create(first))
    with BackgroundServer(db_path=path) as second:
        assert 1 == len(second.events_sync())


def test_importing_the_sdk_or_testing_does_not_import_pytest() -> None:
    """Only the plugin module imports pytest; the package never imports the testing helpers."""
    code = (
        "import sys, honeyhive_async; assert 'honeyhive_async.testing' not in sys.modules; "
        "import honeyhive_async.testing; assert 'pytest' not in sys.modules, 'pytest'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert 0 == done.returncode, done.stderr
