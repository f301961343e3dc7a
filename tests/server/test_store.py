"""The event store used directly: lifecycle, its worker thread, persistence."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from honeyhive_async.server import EventStore
from honeyhive_async.server._events import build_event
from honeyhive_async.server._query import compile_query

from ._support import make_event


def _store_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("honeyhive-store")]


async def test_store_runs_sql_on_one_worker_thread_and_stops_it() -> None:
    """An open store has one worker thread; closing it ends the thread."""
    store = EventStore()
    await store.open()
    running = len(_store_threads())
    await store.close()

    expected: tuple[int, list[str]] = (1, [])
    assert expected == (running, _store_threads())


async def test_file_store_persists_in_wal_mode(tmp_path: Path) -> None:
    """Events written to a file database are there after reopening; the journal is WAL."""
    path = str(tmp_path / "events.db")
    event = build_event(make_event(event_id="e-1"), now=1)
    async with EventStore(path) as store:
        await store.insert([event])

    async with EventStore(path) as store:
        actual = await store.get("e-1")
    with sqlite3.connect(path) as conn:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()

    assert actual is not None
    expected = ("e-1", "p", "wal")
    assert expected == (actual["event_id"], actual["project_id"], mode)


async def test_store_query_counts_and_pages() -> None:
    """query returns one page and the count of every match."""
    events = [build_event(make_event(event_id=f"e{i}", start_time=i), now=0) for i in range(5)]
    query = compile_query({"project": "p", "filters": [], "limit": 2, "page": 2})
    async with EventStore() as store:
        await store.insert(events)
        page, total = await store.query(query)

    expected = (["e2", "e1"], 5)
    assert expected == ([event["event_id"] for event in page], total)


async def test_closed_store_refuses_work() -> None:
    """Using a store that is not open raises; closing twice is harmless."""
    store = EventStore()
    await store.close()

    with pytest.raises(RuntimeError, match="not open"):
        await store.count()


async def test_store_cannot_be_opened_twice() -> None:
    """Opening an open store raises."""
    async with EventStore() as store:
        with pytest.raises(RuntimeError, match="already open"):
            await store.open()
