"""Session trees in the event store: their order, their ``children_ids``, their merges.

getEvents returns whole trees together: sessions latest first, and in each
session the session event first, then its other events by ``start_time``
(ties by ``event_id``). Events whose session event is not stored are grouped
the same way by their ``session_id``. A session's place is its
``session_start``, the earliest ``start_time`` among its stored events. It
is kept in a column of every event of the session, so that one index
(:data:`TREE_INDEX`) serves the order and a page is read without sorting;
the key only changes when an event starts before all others of its
session, which, as spans end before their session does, is about once per
session.

``children_ids`` is computed when events are read, from the ``parent_id``
index, so it is right whatever order parents and children arrive in and
costs the writes nothing: the ids an event was created with, then every
stored event whose parent it is, in the order they were stored.

Every function here runs on the store's worker thread, inside the
caller's transaction.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._fields import SESSION_OBJECTS
from ._query import EventQuery

__all__ = [
    "SESSION_START",
    "SORT_AT_MOST",
    "TREE_INDEX",
    "TREE_ORDER",
    "add_session_start",
    "attach_children",
    "merge_session",
    "merged_ids",
    "page_statement",
    "settle_session_starts",
    "stored_ids",
]

SESSION_START = "session_start NUMERIC NOT NULL DEFAULT 0"
"""The column of each event's session key, besides the Event fields."""

_RANK = "(event_type <> 'session')"
TREE_ORDER = f" ORDER BY session_start DESC, session_id, {_RANK}, start_time, event_id"
"""getEvents' order; a total order, so pages neither skip nor repeat events."""
TREE_INDEX = (
    "CREATE INDEX IF NOT EXISTS events_by_tree ON events "
    f"(project, session_start DESC, session_id, {_RANK}, start_time, event_id);"
)

SORT_AT_MOST = 1000
"""Up to this many matches SQLite may sort a page; past it the tree index is forced."""

_SESSION_SCALARS = ("event_name", "source", "start_time", "end_time", "duration")


def _ids_param(ids: Sequence[str]) -> str:
    # One JSON parameter instead of one per id: pages of up to 7500 events
    # would pass SQLite's limit on bound parameters.
    return json.dumps(list(ids))


def stored_ids(conn: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` that are stored."""
    rows = conn.execute(
        "SELECT event_id FROM events WHERE event_id IN (SELECT value FROM json_each(?))",
        (_ids_param(ids),),
    )
    return {row[0] for row in rows}


def settle_session_starts(
    conn: sqlite3.Connection, starts: Mapping[str, float]
) -> dict[str, float]:
    """The ``session_start`` of each session once events starting at ``starts`` join it.

    ``starts`` maps a session id to the earliest start among the events
    about to be inserted into it. Stored events of a session whose key
    drops are updated here; the new rows are to be inserted with the key
    returned.
    """
    keys: dict[str, float] = {}
    # One indexed look-up per session, with the id bound as it is: ids may hold any
    # character (a NUL does not survive a trip through json_each's keys).
    for session_id, start in starts.items():
        found = conn.execute(
            "SELECT session_start FROM events WHERE session_id = ? LIMIT 1", (session_id,)
        ).fetchone()
        stored = None if found is None else found[0]
        if stored is not None and stored <= start:
            keys[session_id] = stored
            continue
        keys[session_id] = start
        if stored is not None:
            conn.execute(
                "UPDATE events SET session_start = ? WHERE session_id = ?", (start, session_id)
            )
    return keys


def _reset_session_start(conn: sqlite3.Connection, session_id: str) -> None:
    conn.execute(
        "UPDATE events SET session_start = "
        "(SELECT MIN(start_time) FROM events WHERE session_id = ?) WHERE session_id = ?",
        (session_id, session_id),
    )


def merged_ids(stored: Iterable[str], new: Iterable[str]) -> list[str]:
    """The ids of *stored* and then those of *new* not among them, each once, in order.

    Linear: a session's ``children_ids`` can hold hundreds of thousands of
    ids (a 5 MiB body), and a merge that searched the list for each new id
    would hold the store's one thread for minutes.
    """
    return list(dict.fromkeys(itertools.chain(stored, new)))


def merge_session(conn: sqlite3.Connection, event: Mapping[str, Any]) -> None:
    """Merge a session event into the stored session with its id; nothing if there is none.

    The objects are merged key by key, the new keys winning; name, source,
    times and duration are the new event's, and so is ``error`` when it
    has one; ``children_ids`` gains the ids it lacks. A single-session
    batch stores its session from ``session_properties``, and the session
    event that a tracer sends when the session ends completes it this way.
    """
    columns = (*SESSION_OBJECTS, "children_ids", "error")
    found = conn.execute(
        f"SELECT {', '.join(columns)} FROM events WHERE event_id = ? AND event_type = 'session'",
        (event["event_id"],),
    ).fetchone()
    if found is None:
        return
    stored = dict(zip(columns, found, strict=True))
    values = [json.dumps({**json.loads(stored[name]), **event[name]}) for name in SESSION_OBJECTS]
    children = merged_ids(json.loads(stored["children_ids"]), event["children_ids"])
    values += [json.dumps(children), stored["error"] if event["error"] is None else event["error"]]
    values += [event[name] for name in _SESSION_SCALARS]
    sets = ", ".join(f"{name} = ?" for name in (*columns, *_SESSION_SCALARS))
    conn.execute(f"UPDATE events SET {sets} WHERE event_id = ?", (*values, event["event_id"]))
    # The session may now start later than before, so its key is looked up
    # again: once per merged session, not once per event.
    _reset_session_start(conn, event["session_id"])


def page_statement(columns: str, query: EventQuery, total: int) -> tuple[str, tuple[Any, ...]]:
    """The SELECT of ``columns`` for one page of ``query`` in tree order, and its parameters.

    ``total`` is how many events match, which decides how the page is read.
    """
    # The tree index yields a page without sorting. Given a date range,
    # SQLite prefers the start_time index instead and then reads and sorts
    # every event in the range: 40-65 ms against 0.5 ms for a page of 14k
    # matches among 100k events. Past SORT_AT_MOST matches the tree index
    # is forced, from the sessions that start by the range's end (no event
    # of the range is in a later one, as a session starts with its earliest
    # event); with fewer, SQLite's choice stays, as it then sorts a few
    # rows where walking the tree index could take 20 ms per 100k events.
    source, where, params = "events", query.where, query.params
    if total > SORT_AT_MOST:
        source = "events INDEXED BY events_by_tree"
        if query.latest_start is not None:
            where += " AND session_start <= ?"
            params = (*params, query.latest_start)
    sql = f"SELECT {columns} FROM {source} WHERE {where}{TREE_ORDER} LIMIT ? OFFSET ?"
    return sql, (*params, query.limit, query.offset)


def attach_children(conn: sqlite3.Connection, events: Sequence[dict[str, Any]]) -> None:
    """Complete the ``children_ids`` of ``events`` (stored events, as read) in place."""
    if not events:
        return
    rows = conn.execute(
        "SELECT parent_id, event_id FROM events "
        "WHERE parent_id IN (SELECT value FROM json_each(?)) ORDER BY rowid",
        (_ids_param([event["event_id"] for event in events]),),
    )
    found: dict[str, list[str]] = {}
    for parent_id, event_id in rows:
        found.setdefault(parent_id, []).append(event_id)
    for event in events:
        event["children_ids"] = merged_ids(event["children_ids"], found.get(event["event_id"], ()))


def add_session_start(conn: sqlite3.Connection) -> None:
    """Migrate layout 0, which had no ``session_start``: add the column and fill it in.

    The session index is dropped (the store builds it again with the key).
    """
    columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    if "session_start" not in columns:
        conn.execute(f"ALTER TABLE events ADD COLUMN {SESSION_START}")
    conn.execute(
        "CREATE TEMP TABLE session_starts AS "
        "SELECT session_id, MIN(start_time) AS start FROM events GROUP BY session_id"
    )
    conn.execute("CREATE UNIQUE INDEX temp.session_starts_by_id ON session_starts (session_id)")
    conn.execute(
        "UPDATE events SET session_start = "
        "(SELECT start FROM session_starts WHERE session_id = events.session_id)"
    )
    conn.execute("DROP TABLE temp.session_starts")
    conn.execute("DROP INDEX IF EXISTS events_by_session")
