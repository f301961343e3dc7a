"""The event store used directly: lifecycle, its worker thread, persistence."""

from __future__ import annotations

import random
import sqlite3
import threading
from pathlib import Path

import pytest

from honeyhive_async.server import EventStore, _trees
from honeyhive_async.server._events import build_event
from honeyhive_async.server._query import compile_query

from ._support import make_event, tree_order

# The table as the server made it before session_start (layout 0).
LAYOUT_0 = """
CREATE TABLE events (
    event_id TEXT NOT NULL UNIQUE, project TEXT NOT NULL, source TEXT NOT NULL,
    event_name TEXT NOT NULL, event_type TEXT NOT NULL, session_id TEXT NOT NULL,
    parent_id TEXT, children_ids TEXT NOT NULL, config TEXT NOT NULL, inputs TEXT NOT NULL,
    outputs TEXT NOT NULL, error TEXT, start_time NUMERIC NOT NULL, end_time NUMERIC NOT NULL,
    duration NUMERIC NOT NULL, metadata TEXT NOT NULL, feedback TEXT NOT NULL,
    metrics TEXT NOT NULL, user_properties TEXT NOT NULL
);
CREATE INDEX events_by_time ON events (project, start_time DESC, event_id);
CREATE INDEX events_by_type ON events (project, event_type, start_time DESC, event_id);
CREATE INDEX events_by_session ON events (session_id);
CREATE INDEX events_by_parent ON events (parent_id);
"""
LAYOUT_0_ROWS = [
    # event_id, event_type, session_id, parent_id, children_ids, start_time
    ("a-1", "tool", "a", "a", "[]", 10),
    ("b", "session", "b", None, '["b-1"]', 20),
    ("b-1", "tool", "b", "b", "[]", 30),
    ("a-2", "chain", "a", "a-1", "[]", 40),
]


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

    expected = (["e2", "e1"], 5)  # each event is a session of its own here
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


def _write_layout_0(path: str) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(LAYOUT_0)
    for event_id, kind, session, parent, children, start in LAYOUT_0_ROWS:
        conn.execute(
            "INSERT INTO events VALUES "
            "(?, 'p', 'test', 'e', ?, ?, ?, ?, '{}', '{}', '{}', NULL, ?, ?, 1, "
            "'{}', '{}', '{}', '{}')",
            (event_id, kind, session, parent, children, start, start + 1),
        )
    conn.commit()
    conn.close()


async def test_database_of_the_previous_layout_is_upgraded(tmp_path: Path) -> None:
    """A file written before session trees opens, is upgraded once and is read in tree order."""
    path = str(tmp_path / "old.db")
    _write_layout_0(path)
    query = compile_query({"project": "p", "filters": []})
    late = build_event(make_event(event_id="a-0", session_id="a", start_time=5), now=0)

    async with EventStore(path) as store:
        upgraded, _ = await store.query(query)
        await store.insert([late])
    async with EventStore(path) as store:
        reopened, _ = await store.query(query)
    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()

    expected = (
        [("b", ["b-1"]), ("b-1", []), ("a-1", ["a-2"]), ("a-2", [])],
        [("b", ["b-1"]), ("b-1", []), ("a-0", []), ("a-1", ["a-2"]), ("a-2", [])],
        1,
    )
    actual = (
        [(e["event_id"], e["children_ids"]) for e in upgraded],
        [(e["event_id"], e["children_ids"]) for e in reopened],
        version,
    )
    assert expected == actual


@pytest.mark.parametrize("sort_at_most", [0, 10**6])
async def test_date_range_pages_follow_the_tree_order_however_read(
    monkeypatch: pytest.MonkeyPatch, sort_at_most: int
) -> None:
    """Through the tree index or sorted by SQLite, the pages of a date range are the same."""
    monkeypatch.setattr(_trees, "SORT_AT_MOST", sort_at_most)
    rng = random.Random(7)
    requests = [
        make_event(event_id=f"s{i}", event_type="session", start_time=rng.randrange(100))
        for i in range(0, 7, 2)
    ] + [
        make_event(event_id=f"e{i:03d}", session_id=f"s{i % 7}", start_time=rng.randrange(100))
        for i in range(120)
    ]
    in_range = [r for r in requests if 20 <= r["start_time"] <= 60]
    pages: list[str] = []
    totals: set[int] = set()
    async with EventStore() as store:
        await store.insert([build_event(request, now=0) for request in requests])
        for page in range(1, 5):
            body = {"dateRange": {"$gte": "20", "$lte": "60"}, "limit": 20, "page": page}
            events, total = await store.query(
                compile_query({"project": "p", "filters": [], **body})
            )
            pages += [event["event_id"] for event in events]
            totals.add(total)

    expected = (
        [r["event_id"] for r in sorted(in_range, key=tree_order(requests))],
        {len(in_range)},
    )
    assert expected == (pages, totals)
