"""SQLite storage of events, driven from asyncio through one worker thread.

The connection is created on, used from and closed on a single dedicated
thread, so SQLite work never blocks the event loop and never needs locks:
requests queue up on that thread and run one after the other. Every write
is one transaction committed before its coroutine returns, so whatever the
server acknowledged is in the database file.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .._fields import MERGED_FIELDS
from .._utils import AsyncResource
from . import _layout
from ._query import EventQuery, project_event
from ._trees import (
    attach_children,
    merge_session,
    merged_ids,
    page_statement,
    settle_session_starts,
    stored_ids,
)

__all__ = ["MERGED_FIELDS", "EventStore"]

_T = TypeVar("_T")


def _first_sightings(
    events: Sequence[Mapping[str, Any]], known: set[str]
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """Split ``events`` into those with an id not ``known`` yet and the repeats.

    Only the first event with a new id counts as new; ``known`` gains its id.
    """
    fresh: list[Mapping[str, Any]] = []
    repeats: list[Mapping[str, Any]] = []
    for event in events:
        if event["event_id"] in known:
            repeats.append(event)
        else:
            known.add(event["event_id"])
            fresh.append(event)
    return fresh, repeats


def _create_private(path: str) -> None:
    """Create the database file readable and writable by its owner only, unless it exists.

    SQLite gives the ``-wal`` and ``-shm`` files it makes beside it the
    same permissions. An existing file keeps the ones it has.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return  # it exists, or cannot be made: then SQLite says why in its own words
    os.close(fd)


class _Database:
    """The synchronous half: runs only on the store's worker thread."""

    def __init__(self, path: str, table: _layout.EventTable) -> None:
        self.table = table
        self._select = f"SELECT {table.selected} FROM events"
        self._insert = table.insert_statement()
        if path != ":memory:":
            _create_private(path)
        self.conn = sqlite3.connect(path, isolation_level=None)
        try:
            upgraded = self._setup(path)
        except BaseException:
            self.conn.close()
            raise
        self._analyzed_rows = self.count(None)
        self._unanalyzed = 0
        if (
            upgraded
            or self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).fetchone()
            is None
        ):
            self._analyze()

    def _setup(self, path: str) -> bool:
        """Set the connection up and create or migrate the table; whether it migrated."""
        self.conn.execute("PRAGMA busy_timeout = 5000")
        if path != ":memory:":
            self.conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode: a commit is in the OS before we answer, so it
            # survives the process being killed; only an OS crash or power loss
            # can take back the last commits. FULL would fsync every commit.
            self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA cache_size = -65536")
        return self.table.prepare(self.conn)

    def _analyze(self) -> None:
        # With statistics the planner scans the table for a project that holds
        # most rows instead of visiting it row by row through an index (3x
        # faster counts). A full ANALYZE takes ~40 ms per 100k events and runs
        # each time the table has doubled; sampled statistics misled the planner.
        self.conn.execute("ANALYZE")
        self._analyzed_rows = self.count(None)
        self._unanalyzed = 0

    def _note_inserted(self, rows: int) -> None:
        self._unanalyzed += rows
        if self._unanalyzed > max(1000, self._analyzed_rows):
            self._analyze()

    def _transaction(self, work: Callable[[], _T]) -> _T:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            result = work()
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        return result

    def insert(
        self, events: Sequence[Mapping[str, Any]], session: Mapping[str, Any] | None
    ) -> None:
        """Store events and a batch's session in one transaction (see ``EventStore.insert``)."""
        if events or session is not None:
            self._note_inserted(self._transaction(lambda: self._write(events, session)))

    def _write(self, events: Sequence[Mapping[str, Any]], session: Mapping[str, Any] | None) -> int:
        """Insert the new events, merge repeated session events; the number of rows added."""
        ids = [event["event_id"] for event in events]
        known = stored_ids(self.conn, [*ids, session["event_id"]] if session else ids)
        fresh, repeats = _first_sightings(events, known)
        extended = session if session is not None and session["event_id"] in known else None
        if session is not None and extended is None:
            fresh.append(session)
        self._insert_new(fresh)
        if extended is not None:
            self._extend_session(extended)
        for event in repeats:
            if event["event_type"] == "session":
                merge_session(self.conn, event)
        return len(fresh)

    def _insert_new(self, events: Sequence[Mapping[str, Any]]) -> None:
        starts: dict[str, float] = {}
        for event in events:
            session, start = event["session_id"], event["start_time"]
            starts[session] = min(starts.get(session, start), start)
        keys = settle_session_starts(self.conn, starts)
        rows = [self.table.to_row(e, keys[e["session_id"]]) for e in events]
        self.conn.executemany(self._insert, rows)

    def _extend_session(self, session: Mapping[str, Any]) -> None:
        found = self.conn.execute(
            "SELECT children_ids FROM events WHERE event_id = ?", (session["event_id"],)
        ).fetchone()
        children = merged_ids(json.loads(found[0]), session["children_ids"])
        self.conn.execute(
            "UPDATE events SET children_ids = ? WHERE event_id = ?",
            (json.dumps(children), session["event_id"]),
        )

    def update(self, event_id: str, changes: Mapping[str, Any]) -> bool:
        """Merge changes into one event in one transaction; False if it is not stored."""

        def work() -> bool:
            found = self.conn.execute(
                f"SELECT {', '.join(MERGED_FIELDS)} FROM events WHERE event_id = ?", (event_id,)
            ).fetchone()
            if found is None:
                return False
            merged = [
                json.dumps({**json.loads(stored), **(changes.get(name) or {})})
                for name, stored in zip(MERGED_FIELDS, found, strict=True)
            ]
            sets = [f"{name} = ?" for name in MERGED_FIELDS]
            if changes.get("duration") is not None:
                sets.append("duration = ?")
                merged.append(changes["duration"])
            self.conn.execute(
                f"UPDATE events SET {', '.join(sets)} WHERE event_id = ?", (*merged, event_id)
            )
            return True

        return self._transaction(work)

    def get(self, event_id: str) -> dict[str, Any] | None:
        """One event by id."""
        row = self.conn.execute(self._select + " WHERE event_id = ?", (event_id,)).fetchone()
        if row is None:
            return None
        event = self.table.from_row(row)
        attach_children(self.conn, [event])
        return event

    def count(self, project: str | None) -> int:
        """Events stored, in one project or in all."""
        if project is None:
            row = self.conn.execute("SELECT COUNT(*) FROM events").fetchone()
        else:
            row = self.conn.execute("SELECT COUNT(*) FROM events WHERE project = ?", (project,))
            row = row.fetchone()
        return int(row[0])

    def query(self, query: EventQuery) -> tuple[list[dict[str, Any]], int]:
        """One page of matches and the number of all matches."""
        # Both statements run back to back on this thread, and no write can
        # come between them, so the count and the page agree.
        where = " WHERE " + query.where
        total = self.conn.execute("SELECT COUNT(*) FROM events" + where, query.params)
        total_events = int(total.fetchone()[0])
        rows = []
        if query.offset < total_events:
            statement = page_statement(self.table.selected, query, total_events)
            rows = self.conn.execute(*statement).fetchall()
        events = [self.table.from_row(row) for row in rows]
        if not query.projections or any(p.head == "children_ids" for p in query.projections):
            attach_children(self.conn, events)
        if query.projections:
            events = [project_event(event, query.projections) for event in events]
        return events, total_events

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class EventStore(AsyncResource):
    """The server's event storage: an SQLite database behind async methods.

    ``path=None`` keeps the database in memory (gone when the store
    closes); a file path makes it persistent, in WAL mode. Open it with
    ``await store.open()`` or ``async with store:``; every method runs its
    SQL on the store's own worker thread. Events are plain dicts with the
    spec's Event fields (``project_id`` is the project's name).
    """

    def __init__(self, path: str | None = None) -> None:
        self._path = path
        self._executor: ThreadPoolExecutor | None = None
        self._db: _Database | None = None

    @property
    def path(self) -> str | None:
        """The database file, or ``None`` for an in-memory database."""
        return self._path

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        if self._executor is None:
            raise RuntimeError("the event store is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def open(self) -> None:
        """Create the worker thread, connect and create the schema if needed."""
        if self._executor is not None:
            raise RuntimeError("the event store is already open")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="honeyhive-store")
        try:
            self._db = await self._run(_Database, self._path or ":memory:", _layout.EVENT_TABLE)
        except BaseException:
            self._executor.shutdown(wait=True)
            self._executor = None
            raise

    async def close(self) -> None:
        """Close the connection and stop the worker thread; a no-op when closed."""
        executor, db = self._executor, self._db
        if executor is None:
            return
        try:
            if db is not None:
                await self._run(db.close)
        finally:
            self._executor = self._db = None
            executor.shutdown(wait=True)

    async def aopen(self) -> None:
        """:meth:`open` (what ``async with`` does first)."""
        await self.open()

    async def aclose(self) -> None:
        """:meth:`close` (what leaving ``async with`` does)."""
        await self.close()

    def _database(self) -> _Database:
        if self._db is None:
            raise RuntimeError("the event store is not open")
        return self._db

    async def insert(
        self, events: Sequence[Mapping[str, Any]], *, session: Mapping[str, Any] | None = None
    ) -> None:
        """Store events (and a batch's session event) in one transaction.

        An event whose ``event_id`` is already stored (or comes earlier in
        ``events``) is left as it is, so retried creates are harmless, with
        one exception: a ``session`` event whose session is stored is merged
        into it (:func:`._trees.merge_session`). A batch's ``session`` that
        exists gains the new children in its stored ``children_ids``.
        """
        await self._run(self._database().insert, events, session)

    async def update(self, event_id: str, changes: Mapping[str, Any]) -> bool:
        """Merge ``changes`` into a stored event; ``False`` if there is no such event.

        The objects in :data:`MERGED_FIELDS` are merged key by key (shallow);
        ``duration`` is replaced.
        """
        return await self._run(self._database().update, event_id, changes)

    async def get(self, event_id: str) -> dict[str, Any] | None:
        """The stored event with this id (``children_ids`` complete, as in a query), or ``None``."""
        return await self._run(self._database().get, event_id)

    async def count(self, project: str | None = None) -> int:
        """How many events are stored, in one project or in all."""
        return await self._run(self._database().count, project)

    async def read(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run ``fn(connection, *args)`` on the store's thread: a read of its own (the viewer's)."""
        return await self._run(fn, self._database().conn, *args)

    async def query(self, query: EventQuery) -> tuple[list[dict[str, Any]], int]:
        """One page of the events matching a compiled query, and the number of all matches.

        Whole session trees together, in :data:`._trees.TREE_ORDER`; every
        event's ``children_ids`` lists its stored children too.
        """
        return await self._run(self._database().query, query)
