"""The database file: its layouts, migrations and permissions."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import attrs
import pytest

from honeyhive_async.server import EventStore, _layout
from honeyhive_async.server._events import build_event
from honeyhive_async.server._fields import EVENT_FIELDS, ID_LIST, EventField
from honeyhive_async.server._query import compile_query

from ._support import make_event

# The table exactly as the server made it in layout 1 (session_start, before
# the columns were derived from the field declarations).
LAYOUT_1 = """
CREATE TABLE events (
    event_id TEXT NOT NULL UNIQUE, project TEXT NOT NULL, source TEXT NOT NULL,
    event_name TEXT NOT NULL, event_type TEXT NOT NULL, session_id TEXT NOT NULL,
    parent_id TEXT, children_ids TEXT NOT NULL, config TEXT NOT NULL, inputs TEXT NOT NULL,
    outputs TEXT NOT NULL, error TEXT, start_time NUMERIC NOT NULL, end_time NUMERIC NOT NULL,
    duration NUMERIC NOT NULL, metadata TEXT NOT NULL, feedback TEXT NOT NULL,
    metrics TEXT NOT NULL, user_properties TEXT NOT NULL,
    session_start NUMERIC NOT NULL DEFAULT 0
);
CREATE INDEX events_by_time ON events (project, start_time DESC, event_id);
CREATE INDEX events_by_type ON events (project, event_type, start_time DESC, event_id);
CREATE INDEX events_by_session ON events (session_id, session_start);
CREATE INDEX events_by_parent ON events (parent_id);
CREATE INDEX events_by_tree ON events
    (project, session_start DESC, session_id, (event_type <> 'session'), start_time, event_id);
PRAGMA user_version = 1;
"""
ALL = compile_query({"project": "p", "filters": []})


def _write_layout_1(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(LAYOUT_1)
    conn.execute(
        "INSERT INTO events VALUES ('s', 'p', 'test', 'e', 'session', 's', NULL, '[]', "
        "'{\"m\": 1}', '{}', '{}', NULL, 10, 11, 1, '{\"k\": \"v\"}', '{}', '{}', '{}', 10)"
    )
    conn.commit()
    conn.close()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    return version


async def test_database_of_layout_1_opens_with_its_data(tmp_path: Path) -> None:
    """A file of the previous layout opens as it is, keeps its events and takes new ones."""
    path = tmp_path / "layout-1.db"
    _write_layout_1(path)
    child = build_event(make_event(event_id="c", session_id="s", start_time=5), now=0)

    async with EventStore(str(path)) as store:
        await store.insert([child])
        events, total = await store.query(ALL)

    expected = ([("s", {"m": 1}, {"k": "v"}, ["c"]), ("c", {}, {}, [])], 2, 1)
    actual = (
        [(e["event_id"], e["config"], e["metadata"], e["children_ids"]) for e in events],
        total,
        _user_version(path),
    )
    assert expected == actual


def _with_tags(default: object) -> _layout.EventTable:
    """The current layout after "the event model gained a field": tags, a list."""
    tags = EventField(name="tags", kind="json", value=ID_LIST, default=default)
    return _layout.EventTable(
        fields=(*EVENT_FIELDS, tags),
        migrations=(*_layout.MIGRATIONS, _layout.add_field("tags")),
    )


async def test_a_new_field_reaches_an_older_database_with_its_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration adds the new field's column: old rows get its default, new rows their value."""
    path = str(tmp_path / "events.db")
    async with EventStore(path) as store:
        await store.insert([build_event(make_event(event_id="old"), now=0)])
    monkeypatch.setattr(_layout, "EVENT_TABLE", _with_tags(["it's untagged"]))
    new = {**build_event(make_event(event_id="new"), now=0), "tags": ["fresh"]}

    async with EventStore(path) as store:
        await store.insert([new])
        stored = [await store.get("old"), await store.get("new")]
    async with EventStore(path) as store:  # a second opening migrates nothing
        stored.append(await store.get("old"))

    expected = ([["it's untagged"], ["fresh"], ["it's untagged"]], 2)
    actual = ([event and event["tags"] for event in stored], _user_version(Path(path)))
    assert expected == actual


async def test_a_database_of_a_newer_layout_is_refused_untouched(tmp_path: Path) -> None:
    """A file written by a later version is not opened, and keeps its layout number."""
    path = tmp_path / "newer.db"
    _write_layout_1(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()

    with pytest.raises(_layout.NewerLayoutError, match="layout 99, newer than"):
        await EventStore(str(path)).open()

    assert (99, True) == (_user_version(path), issubclass(_layout.NewerLayoutError, sqlite3.Error))


async def test_a_failing_migration_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration that fails is rolled back whole: same layout number, same columns."""
    path = tmp_path / "events.db"
    _write_layout_1(path)

    def broken(conn: sqlite3.Connection, table: _layout.EventTable) -> None:
        conn.execute("ALTER TABLE events ADD COLUMN half_done TEXT")
        raise sqlite3.OperationalError("disk on fire")

    table = attrs.evolve(_layout.EVENT_TABLE, migrations=(*_layout.MIGRATIONS, broken))
    monkeypatch.setattr(_layout, "EVENT_TABLE", table)

    with pytest.raises(sqlite3.OperationalError, match="disk on fire"):
        await EventStore(str(path)).open()
    conn = sqlite3.connect(path)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(events)")]
    conn.close()

    assert (1, False) == (_user_version(path), "half_done" in columns)


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_database_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    """The database, its -wal and its -shm are created 0600, whatever the umask allows."""
    path = str(tmp_path / "events.db")
    previous = os.umask(0o022)
    try:
        async with EventStore(path) as store:
            await store.insert([build_event(make_event(), now=0)])
            modes = {suffix: _mode(path + suffix) for suffix in ("", "-wal", "-shm")}
    finally:
        os.umask(previous)

    assert {"": 0o600, "-wal": 0o600, "-shm": 0o600} == modes


async def test_an_existing_database_keeps_its_permissions(tmp_path: Path) -> None:
    """A file the user made keeps the mode they gave it."""
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)

    async with EventStore(str(path)) as store:
        await store.insert([build_event(make_event(), now=0)])

    assert 0o640 == _mode(str(path))


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            EventField(name="x", kind="json", value=ID_LIST, default=["it's"]),
            "x TEXT NOT NULL DEFAULT '[\"it''s\"]'",
        ),
        (EventField(name="x", kind="text", value={}, nullable=True), "x TEXT"),
        (EventField(name="x", kind="number", value={}, default=0), "x NUMERIC NOT NULL DEFAULT 0"),
        (EventField(name="x", kind="text", value={}, unique=True), "x TEXT NOT NULL UNIQUE"),
    ],
)
def test_column_definition(field: EventField, expected: str) -> None:
    """A field's column: SQL type by kind, NOT NULL unless nullable, its default quoted."""
    assert expected == _layout.column_definition(field)


def test_steps_another_process_already_took_are_skipped(tmp_path: Path) -> None:
    """Creating or migrating a file that another opener just did leaves it alone."""
    path = tmp_path / "events.db"
    _write_layout_1(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE events SET session_start = 99")  # what a second migration would reset
    try:
        _layout.EVENT_TABLE._create(conn)  # the table exists: no second CREATE TABLE
        _layout.EVENT_TABLE._migrate(conn, 0)  # layout 1 already: no second migration
        rows = conn.execute("SELECT COUNT(*), MAX(session_start) FROM events").fetchone()
    finally:
        conn.close()

    assert ((1, 99), 1) == (rows, _user_version(path))
