"""The viewer's reads: session summaries, a session's tree without payloads, one event capped.

Plain functions over the store's SQLite connection, run on the store's
worker thread (:meth:`EventStore.read`). The list and the tree carry no
payloads (no inputs, outputs, config, metadata bodies), so a session of
10,000 events is a few hundred kilobytes; an event's payload is read when
it is selected, each field capped at :data:`MAX_FIELD_CHARS` characters of JSON.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .._fields import OBJECT_FIELDS
from ._layout import EVENT_TABLE
from ._trees import attach_children

__all__ = [
    "MAX_FIELD_CHARS",
    "PAYLOAD_FIELDS",
    "event_detail",
    "projects",
    "session_events",
    "session_tree",
    "sessions",
]

MAX_FIELD_CHARS = 200_000
"""Characters of one payload field's JSON sent to the viewer; past that it is cut, saying so."""
PAYLOAD_FIELDS = OBJECT_FIELDS
"""The fields that hold a payload: sent with an event when it is selected, never in the tree."""


def _number(column: str, key: str) -> str:
    path = f"'$.{key}'"
    return (
        f"(CASE WHEN json_type({column}, {path}) IN ('integer', 'real') "
        f"THEN json_extract({column}, {path}) END)"
    )


# Total tokens of one event: metadata (model events, HoneyHive's place) or
# metrics (the OpenTelemetry mapping), total or prompt + completion.
_TOKENS = (
    f"COALESCE({_number('metadata', 'total_tokens')}, {_number('metrics', 'total_tokens')}, "
    f"{_number('metadata', 'prompt_tokens')} + {_number('metadata', 'completion_tokens')}, "
    f"{_number('metrics', 'prompt_tokens')} + {_number('metrics', 'completion_tokens')})"
)
_FAILED = "(error IS NOT NULL AND error <> '')"

_SESSIONS = f"""
SELECT session_id,
       COALESCE(MAX(CASE WHEN event_id = session_id THEN event_name END),
                MIN(CASE WHEN parent_id IS NULL OR parent_id = session_id THEN event_name END),
                MIN(event_name)) AS name,
       MIN(start_time) AS started,
       MAX(end_time) AS ended,
       COUNT(*) AS events,
       SUM({_FAILED}) AS errors,
       SUM({_TOKENS}) AS tokens,
       SUM(instr(lower(event_name), :text) > 0) AS named
FROM events WHERE project = :project
GROUP BY session_id
HAVING (:errors = 0 OR errors > 0)
   AND (:text = '' OR named > 0 OR instr(lower(session_id), :text) > 0)
"""


def projects(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every project with its number of sessions and events, most recently active first."""
    rows = conn.execute(
        "SELECT project, COUNT(DISTINCT session_id), COUNT(*), MAX(start_time) FROM events "
        "GROUP BY project ORDER BY MAX(start_time) DESC, project"
    ).fetchall()
    return [{"project": p, "sessions": s, "events": e} for p, s, e, _ in rows]


def sessions(
    conn: sqlite3.Connection, project: str, text: str, errors: bool, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of a project's sessions, newest first, and how many match."""
    params = {"project": project, "text": text.lower(), "errors": int(errors)}
    total = conn.execute(f"SELECT COUNT(*) FROM ({_SESSIONS})", params).fetchone()[0]
    rows = conn.execute(
        f"{_SESSIONS} ORDER BY started DESC, session_id LIMIT :limit OFFSET :offset",
        {**params, "limit": limit, "offset": offset},
    ).fetchall()
    page = [
        {
            "session_id": sid,
            "name": name,
            "start_time": started,
            "duration": None if started is None or ended is None else max(ended - started, 0),
            "events": count,
            "errors": failed or 0,
            "tokens": tokens,
        }
        for sid, name, started, ended, count, failed, tokens, _ in rows
    ]
    return page, int(total)


def session_tree(conn: sqlite3.Connection, session_id: str) -> list[dict[str, Any]]:
    """A session's events in start order, ids, names, types and times only."""
    rows = conn.execute(
        f"SELECT event_id, parent_id, event_type, event_name, start_time, end_time, duration, "
        f"{_FAILED}, {_TOKENS} FROM events WHERE session_id = ? ORDER BY start_time, event_id",
        (session_id,),
    ).fetchall()
    return [
        {
            "id": event_id,
            "parent": parent,
            "type": kind,
            "name": name,
            "start": start,
            "end": end,
            "duration": duration,
            "error": bool(failed),
            "tokens": tokens,
        }
        for event_id, parent, kind, name, start, end, duration, failed, tokens in rows
    ]


def event_detail(conn: sqlite3.Connection, event_id: str) -> dict[str, Any] | None:
    """One event for the detail pane: scalars as stored, each payload field capped."""
    columns = (
        "event_id, session_id, parent_id, project, source, event_name, event_type, "
        "start_time, end_time, duration, error, " + ", ".join(PAYLOAD_FIELDS)
    )
    row = conn.execute(f"SELECT {columns} FROM events WHERE event_id = ?", (event_id,)).fetchone()
    if row is None:
        return None
    names = [name.strip() for name in columns.split(",")]
    event = dict(zip(names, row, strict=True))
    cut = []
    for field in PAYLOAD_FIELDS:
        text = event[field]
        if text is None:
            continue
        if len(text) > MAX_FIELD_CHARS:
            event[field] = text[:MAX_FIELD_CHARS]
            cut.append(field)
        else:
            event[field] = json.loads(text)
    event["truncated"] = cut
    return event


def session_events(conn: sqlite3.Connection, session_id: str) -> list[dict[str, Any]]:
    """A session's whole events as getEvents returns them (the lines of ``events export``)."""
    rows = conn.execute(
        f"SELECT {EVENT_TABLE.selected} FROM events WHERE session_id = ? "
        "ORDER BY event_type <> 'session', start_time, event_id",
        (session_id,),
    ).fetchall()
    events = [EVENT_TABLE.from_row(row) for row in rows]
    attach_children(conn, events)
    return events
