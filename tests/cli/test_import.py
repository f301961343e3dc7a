"""``events import``: export round trips, re-imports, interruption, dead letters, hostile lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_async import EventBatcher, HoneyHiveCore, funcs
from honeyhive_async.cli import _import
from honeyhive_async.cli._events import add_arguments, run_async
from honeyhive_async.cli._import import event_of, line_event_id
from honeyhive_async.server import LocalServer

SESSION = "0b8f6f5e-4c36-4d55-9a53-2f9a4c1e7d10"
BASE: dict[str, Any] = {"source": "test", "config": {}, "inputs": {"q": "?"}, "duration": 5}
EVENT: dict[str, Any] = {**BASE, "project": "cli", "event_name": "step", "event_type": "chain"}


def parse(*argv: str) -> argparse.Namespace:
    """*argv* parsed by a parser that has the events actions."""
    parser = argparse.ArgumentParser(prog="events")
    add_arguments(parser)
    return parser.parse_args(argv)


def on(srv: LocalServer) -> list[str]:
    """The connection options for *srv*."""
    return [f"--server-url={srv.url}", f"--api-key={srv.api_key}"]


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    """A running local server."""
    async with LocalServer() as srv:
        yield srv


async def export(srv: LocalServer, project: str, out: Path) -> list[dict[str, Any]]:
    """Export *project* from *srv* to *out*; its lines as dicts."""
    assert 0 == await run_async(parse("export", "--project", project, "--out", str(out), *on(srv)))
    text = await asyncio.to_thread(out.read_text)
    return [json.loads(line) for line in text.splitlines()]


def without_project(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events sorted by id, without the field that names their project."""
    return sorted(({k: v for k, v in e.items() if k != "project_id"} for e in events), key=str)


async def test_export_then_import_copies_a_project_to_another_server(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A session tree, events and a model event: exported, imported elsewhere, exported again."""
    tree = [
        {**EVENT, "event_type": "session", "event_name": "chat", "event_id": SESSION},
        {**EVENT, "session_id": SESSION, "parent_id": SESSION, "event_name": "answer"},
        {**EVENT, "event_name": "alone", "metadata": {"cost": 0.5}, "start_time": 1.7e12},
    ]
    model = {
        "project": "cli",
        "model": "gpt-4o",
        "provider": "openai",
        "messages": [{"role": "user", "content": "hi"}],
        "response": {"content": "hello"},
        "duration": 9,
        "usage": {"total_tokens": 2},
    }
    async with HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url) as core:
        (await funcs.events_create_event_batch(core, {"events": tree})).unwrap()
        (await funcs.events_create_model_event(core, {"model_event": model})).unwrap()
    original = await export(server, "cli", tmp_path / "a.jsonl")

    async with LocalServer() as other:
        status = await run_async(
            parse("import", str(tmp_path / "a.jsonl"), "--project", "copy", *on(other))
        )
        copied = await export(other, "copy", tmp_path / "b.jsonl")
    out = capsys.readouterr().out

    expected = (0, 4, without_project(original), {"copy"}, "4 sent, 0 failed")
    actual = (
        status,
        len(original),
        without_project(copied),
        {e["project_id"] for e in copied},
        out.split(": ", 1)[1][:16],
    )
    assert expected == actual


async def test_importing_a_file_twice_stores_each_event_once(
    server: LocalServer, tmp_path: Path
) -> None:
    """Lines without event_id get an id from their line: a second import adds nothing.

    The same file sent to another project (``--project``) is another set of events.
    """
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps(EVENT) + "\n" for _ in range(6)))

    first = await run_async(parse("import", str(source), *on(server)))
    second = await run_async(parse("import", str(source), *on(server)))
    elsewhere = await run_async(parse("import", str(source), "--project", "b", *on(server)))

    expected = (0, 0, 0, 6, 6)
    counts = (await server.store.count("cli"), await server.store.count("b"))
    assert expected == (first, second, elsewhere, *counts)


async def test_an_interrupted_import_says_where_and_resumes_without_duplicates(
    server: LocalServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C at line 5: the summary names the line and the --skip that resumes exactly."""
    source = tmp_path / "events.jsonl"
    source.write_text(
        "".join(json.dumps({**EVENT, "event_name": f"e{n}"}) + "\n" for n in range(9))
    )
    original = _import._import_line

    async def interrupted_at_5(batcher: EventBatcher, number: int, *rest: Any) -> str | None:
        if number == 5:
            raise asyncio.CancelledError  # as asyncio.run cancels on Ctrl-C
        return await original(batcher, number, *rest)

    monkeypatch.setattr(_import, "_import_line", interrupted_at_5)
    with pytest.raises(asyncio.CancelledError):
        await run_async(parse("import", str(source), *on(server)))
    out = capsys.readouterr().out
    stored_before = await server.store.count("cli")
    monkeypatch.setattr(_import, "_import_line", original)
    resumed = await run_async(parse("import", str(source), "--skip", "4", *on(server)))
    resumed_out = capsys.readouterr().out

    expected = (
        f"interrupted at line 4 of {source}",
        f"honeyhive-async events import {source} --skip 4",
        4,
        0,
        "(the first 4 lines skipped): 5 sent, 0 failed",
        9,
    )
    actual = (
        out.splitlines()[0].split(" into ")[0],
        out.splitlines()[-1].strip(),
        stored_before,
        resumed,
        resumed_out.split(f"{server.url} ")[1][:45],
        await server.store.count("cli"),
    )
    assert expected == actual


async def test_a_missing_file_prints_only_the_error(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No summary, no progress: one error line and exit status 2."""
    status = await run_async(parse("import", str(tmp_path / "nope.jsonl"), *on(server)))
    out, err = capsys.readouterr()

    expected = (2, "", 1, True)
    actual = (status, out, len(err.splitlines()), "No such file" in err)
    assert expected == actual


async def test_dead_letters_name_the_line_and_replay_rewrites_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused event's message names its line; replaying the file keeps one file, private."""
    source = tmp_path / "events.jsonl"
    big = {**EVENT, "outputs": {"text": "x" * 3000}}
    source.write_text(f"{json.dumps(EVENT)}\n\n{json.dumps(big)}\n")
    dead = tmp_path / "events.dead-letter.jsonl"
    async with LocalServer(max_body_bytes=2000) as srv:
        first = await run_async(parse("import", str(source), *on(srv)))
        (line,) = [json.loads(text) for text in dead.read_text().splitlines()]
        mode = stat.S_IMODE(dead.stat().st_mode)
        again = await run_async(parse("import", str(dead), *on(srv)))
        kept = [json.loads(text)["event"]["outputs"] for text in dead.read_text().splitlines()]
    async with LocalServer() as roomy:
        replayed = await run_async(parse("import", str(dead), *on(roomy)))
        stored = await roomy.store.count("cli")
    out = capsys.readouterr().out

    expected = (1, "line 3: ", 0o600, 1, [big["outputs"]], 0, 1, False, [])
    actual = (
        first,
        line["message"][:8],
        mode,
        again,
        kept,
        replayed,
        stored,
        dead.exists(),
        sorted(p for p in os.listdir(tmp_path) if p.count("dead-letter") > 1),
    )
    assert expected == actual
    assert f"every event of {dead} was delivered: removed it" in out


def test_line_ids_depend_on_the_event_and_its_place() -> None:
    """The same event at the same line: the same id; elsewhere, changed or moved: another."""
    reordered = dict(reversed(list(EVENT.items())))
    ids = [
        line_event_id(7, EVENT),
        line_event_id(7, reordered),
        line_event_id(8, EVENT),
        line_event_id(7, {**EVENT, "event_name": "other"}),
        line_event_id(7, {**EVENT, "project": "elsewhere"}),
    ]

    assert [True, False, False, False] == [ids[0] == other for other in ids[1:]]


def test_an_exported_event_reads_as_a_create_request() -> None:
    """project_id becomes project (or --project), children_ids is dropped, the id is kept."""
    exported = {**EVENT, "event_id": "e-1", "children_ids": ["c"], "project_id": "p"}
    del exported["project"]

    kept = event_of(exported, 1, None)
    moved = event_of({"kind": "event", "event": exported}, 1, "q")

    expected = ({**EVENT, "event_id": "e-1", "project": "p"}, "q")
    assert expected == (kept, moved["project"])


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
EVENTISH = st.fixed_dictionaries(
    {},
    optional={
        key: JSON | st.just(value)
        for key, value in {**EVENT, "event_id": "x", "kind": "event"}.items()
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    number=st.integers(1, 10**9),
    line=st.one_of(
        st.binary(max_size=200),
        JSON.map(lambda v: json.dumps(v).encode()),
        EVENTISH.map(lambda v: json.dumps(v).encode()),
        st.builds(lambda e: json.dumps({"kind": "event", "event": e}).encode(), EVENTISH),
        st.text().map(lambda t: json.dumps({**EVENT, "event_name": t}).encode()),
        st.sampled_from(["\ud800", "a\udfff", "\x00"]).map(
            lambda t: json.dumps({**EVENT, "inputs": {t: t}}).encode()
        ),
        st.integers(500, 3000).map(lambda depth: b"[" * depth + b"]" * depth),
    ),
)
async def test_any_line_is_queued_or_reported_never_raised(number: int, line: bytes) -> None:
    """Whatever a JSONL line holds (bytes, hostile JSON, lone surrogates), it is one of the two."""
    async with HoneyHiveCore(bearer_auth="k", server_url="http://127.0.0.1:9") as core:
        batcher = EventBatcher(core, flush_interval=3600, max_queue_events=10_000)
        problem = await _import._import_line(batcher, number, line, None)
        queued = batcher.queued
        await batcher.aclose(timeout=0)

    assert (problem is None) == (queued == 1), problem


@given(skip=st.text(max_size=12))
def test_skip_takes_only_a_whole_number(skip: str) -> None:
    """--skip N: any text is either a number >= 0 or a usage error (exit 2), never a crash."""
    parser = argparse.ArgumentParser(prog="events")
    add_arguments(parser)
    try:
        args = parser.parse_args(["import", "f.jsonl", f"--skip={skip}"])
    except SystemExit as exc:
        status = exc.code
    else:
        status = 0 if args.skip == int(skip) >= 0 else -1
    assert status in (0, 2)
