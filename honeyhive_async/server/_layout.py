"""The SQL table of the event store, derived from the fields, and its migrations.

The ``events`` table has one column per field of :data:`._fields.EVENT_FIELDS`
(JSON text for objects and lists) and the columns the store keeps for
itself (:data:`._trees.SESSION_START`). A database records in ``PRAGMA
user_version`` how many of :data:`MIGRATIONS` it has had; a new database
is created in the current layout and marked as having had them all. When
the layout changes, a migration is appended, never edited: opening an
older file then runs the ones it lacks, each in its own transaction, and
a file of a newer layout is refused rather than written with the wrong
columns. Adding a field is one :func:`add_field` migration, whose column
comes from the field's declaration, with its default for the old rows.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ._fields import EVENT_FIELDS, EventField
from ._trees import SESSION_START, TREE_INDEX, add_session_start

__all__ = [
    "EVENT_TABLE",
    "MIGRATIONS",
    "EventTable",
    "Migration",
    "NewerLayoutError",
    "add_field",
    "column_definition",
]

Migration = Callable[[sqlite3.Connection, "EventTable"], None]
"""One step from a layout to the next, run inside a transaction."""

_SQL_TYPES = {"text": "TEXT", "number": "NUMERIC", "json": "TEXT"}
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS events_by_time ON events (project, start_time DESC, event_id);",
    "CREATE INDEX IF NOT EXISTS events_by_type "
    "ON events (project, event_type, start_time DESC, event_id);",
    "CREATE INDEX IF NOT EXISTS events_by_session ON events (session_id, session_start);",
    "CREATE INDEX IF NOT EXISTS events_by_parent ON events (parent_id);",
    TREE_INDEX,
)


class NewerLayoutError(sqlite3.DatabaseError):
    """The database file was written by a newer version, in a layout this one does not know.

    A :class:`sqlite3.DatabaseError`, like other database files that cannot be used.
    """


def _sql_literal(field: EventField) -> str:
    value = json.dumps(field.default) if field.kind == "json" else field.default
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def column_definition(field: EventField) -> str:
    """The field's column in ``CREATE TABLE`` or ``ALTER TABLE ... ADD COLUMN``."""
    parts = [field.column, _SQL_TYPES[field.kind]]
    if not field.nullable:
        parts.append("NOT NULL")
    if field.unique:
        parts.append("UNIQUE")
    if field.default is not None:
        parts.append(f"DEFAULT {_sql_literal(field)}")
    return " ".join(parts)


def _columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(events)")}


def add_field(name: str) -> Migration:
    """The migration that adds field ``name`` (declared in the table) to older files.

    The column is made from the field's declaration; the rows already
    stored get its default, so the field needs one unless it may be null.
    """

    def migrate(conn: sqlite3.Connection, table: EventTable) -> None:
        field = table.field(name)
        if field.column not in _columns(conn):
            conn.execute(f"ALTER TABLE events ADD COLUMN {column_definition(field)}")

    migrate.__name__ = migrate.__qualname__ = f"add_field_{name}"
    return migrate


def _add_session_start(conn: sqlite3.Connection, table: EventTable) -> None:
    add_session_start(conn)


MIGRATIONS: tuple[Migration, ...] = (_add_session_start,)
"""Every layout change, oldest first; ``user_version`` N means the first N were run."""


@attrs.frozen(kw_only=True)
class EventTable:
    """The ``events`` table of some fields and migrations: its SQL, rows and upgrades."""

    fields: tuple[EventField, ...] = EVENT_FIELDS
    migrations: tuple[Migration, ...] = MIGRATIONS

    @property
    def version(self) -> int:
        """The ``user_version`` of a database in this layout."""
        return len(self.migrations)

    @property
    def selected(self) -> str:
        """The field columns, comma-separated, in the order of :attr:`fields`."""
        return ", ".join(field.column for field in self.fields)

    def field(self, name: str) -> EventField:
        """The field called ``name``."""
        return next(field for field in self.fields if field.name == name)

    def create_script(self) -> str:
        """``CREATE TABLE`` for a new database in this layout."""
        columns = [column_definition(field) for field in self.fields] + [SESSION_START]
        return "CREATE TABLE events (\n    " + ",\n    ".join(columns) + "\n);"

    def insert_statement(self) -> str:
        """The ``INSERT`` of one row (:meth:`to_row`); a stored ``event_id`` is left alone."""
        marks = ", ".join("?" * (len(self.fields) + 1))
        return (
            f"INSERT INTO events ({self.selected}, session_start) VALUES ({marks}) "
            "ON CONFLICT (event_id) DO NOTHING"
        )

    def to_row(self, event: Mapping[str, Any], session_start: float) -> tuple[Any, ...]:
        """The values of :meth:`insert_statement` for an event keyed by column."""
        row = [
            json.dumps(event[f.column]) if f.kind == "json" else event[f.column]
            for f in self.fields
        ]
        return (*row, session_start)

    def from_row(self, row: Sequence[Any]) -> dict[str, Any]:
        """An event, keyed by field name, from the columns of :attr:`selected`."""
        return {
            field.name: json.loads(value) if field.kind == "json" else value
            for field, value in zip(self.fields, row, strict=True)
        }

    def prepare(self, conn: sqlite3.Connection) -> bool:
        """Create the table, or bring an older one up to date; whether it migrated.

        Raises :class:`NewerLayoutError` for a file of a later layout.
        """
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        migrated = False
        if not _columns(conn):
            _in_transaction(conn, functools.partial(self._create, conn))
        elif found > self.version:
            raise NewerLayoutError(
                f"the database is in layout {found}, newer than this version of "
                f"honeyhive_async knows (up to {self.version}): upgrade honeyhive_async"
            )
        else:
            for version in range(found, self.version):
                _in_transaction(conn, functools.partial(self._migrate, conn, version))
                migrated = True
        conn.executescript("\n".join(_INDEXES))
        return migrated

    def _create(self, conn: sqlite3.Connection) -> None:
        if _columns(conn):
            return  # another process created it while this one waited for the lock
        conn.execute(self.create_script())
        conn.execute(f"PRAGMA user_version = {self.version}")

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        if conn.execute("PRAGMA user_version").fetchone()[0] > version:
            return  # another process ran it while this one waited for the lock
        self.migrations[version](conn, self)
        conn.execute(f"PRAGMA user_version = {version + 1}")


def _in_transaction(conn: sqlite3.Connection, work: Callable[[], None]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        work()
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


EVENT_TABLE = EventTable()
"""The current layout."""
