"""The `events import` / `events export` command: parsing, refusal, import, export, progress."""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses
from hypothesis import given
from hypothesis import strategies as st

from honeyhive_async import HoneyHiveCore, funcs, models
from honeyhive_async._core import API_KEY_ENV, SERVER_URL_ENV
from honeyhive_async.cli._events import (
    add_arguments,
    infer_filter_type,
    parse_filter,
    run,
    run_async,
)
from honeyhive_async.cli._progress import Progress
from honeyhive_async.server import LocalServer
from tests.conftest import SERVER

EVENT: dict[str, Any] = {
    "project": "cli",
    "source": "test",
    "event_name": "step",
    "event_type": "chain",
    "config": {},
    "inputs": {"q": "?"},
    "duration": 5,
}
MODEL_EVENT: dict[str, Any] = {
    "project": "cli",
    "model": "gpt-4o",
    "provider": "openai",
    "messages": [{"role": "user", "content": "hi"}],
    "response": {"content": "hello"},
    "duration": 9,
    "usage": {"total_tokens": 2},
}


def parse(*argv: str) -> argparse.Namespace:
    """*argv* parsed by a parser that has the events actions."""
    parser = argparse.ArgumentParser(prog="events")
    add_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    """A running local server."""
    async with LocalServer() as srv:
        yield srv


def on(srv: LocalServer) -> list[str]:
    """The connection options for *srv*."""
    return [f"--server-url={srv.url}", f"--api-key={srv.api_key}"]  # a key may start with "-"


async def seed(srv: LocalServer, events: list[dict[str, Any]]) -> None:
    """Store *events* in *srv*."""
    async with HoneyHiveCore(bearer_auth=srv.api_key, server_url=srv.url) as core:
        (await funcs.events_create_event_batch(core, {"events": events})).unwrap()


# -- filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('metadata.cost "greater than" 0.01', ("metadata.cost", "greater than", "0.01", "number")),
        ("metadata.cost greater than 0.01", ("metadata.cost", "greater than", "0.01", "number")),
        ("event_type is not tool", ("event_type", "is not", "tool", "string")),
        ("inputs.q 'not contains' a b", ("inputs.q", "not contains", "a b", "string")),
        ("event_name is 'Model Completion'", ("event_name", "is", "Model Completion", "string")),
        ("feedback.liked is TRUE", ("feedback.liked", "is", "true", "boolean")),
        ("metrics.score less than -3.5e2", ("metrics.score", "less than", "-3.5e2", "number")),
        ("metadata.version is 1.2.3", ("metadata.version", "is", "1.2.3", "string")),
        ("error exists", ("error", "exists", None, None)),
        ("error not exists", ("error", "not exists", None, None)),
    ],
)
def test_parse_filter(text: str, expected: tuple[Any, ...]) -> None:
    """FIELD OPERATOR VALUE: operators with spaces, quotes, and the inferred type."""
    f = parse_filter(text)
    actual = (f.field, f.operator, f.value, f.type)
    assert expected == actual


@pytest.mark.parametrize(
    "text",
    ["metadata.cost", "metadata.cost equals 3", "error exists now", "x is", "", "is 3"],
)
def test_parse_filter_refuses_what_is_not_a_filter(text: str) -> None:
    """Missing parts, unknown operators and values for exists raise ValueError."""
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the problem
        parse_filter(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.01", "number"),
        ("-7", "number"),
        ("false", "boolean"),
        ("1e", "string"),
        ("nan", "string"),
    ],
)
def test_infer_filter_type(value: str, expected: str) -> None:
    """Numbers, booleans, and strings for everything else."""
    assert expected == infer_filter_type(value)


def test_filter_options_on_the_command_line() -> None:
    """--filter takes one or several words; --filter-type sets the type of the one before."""
    args = parse(
        "export",
        "--project",
        "p",
        "--filter",
        "metadata.cost",
        "greater than",
        "0.01",
        "--filter",
        "metadata.code is 42",
        "--filter-type",
        "string",
    )

    expected = [
        models.EventFilter(
            field="metadata.cost", operator="greater than", value="0.01", type="number"
        ),
        models.EventFilter(field="metadata.code", operator="is", value="42", type="string"),
    ]
    assert expected == args.filters


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--project", "p", "--filter-type", "number"],
        ["export", "--project", "p", "--filter", "x", "equals", "1"],
        ["export", "--project", "p", "--since", "yesterday"],
        ["export", "--project", "p", "--page-size", "7501"],
        ["import", "f.jsonl", "--batch-size", "0"],
        ["export"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Bad options are usage errors: exit status 2 with a message."""
    with pytest.raises(SystemExit) as caught:
        parse(*argv)

    expected = (2, True)
    actual = (caught.value.code, "error:" in capsys.readouterr().err)
    assert expected == actual


# -- refusal ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "f.jsonl"], "no API key and no server URL"),
        (["export", "--project", "p"], "no API key and no server URL"),
        (["export", "--project", "p", "--server-url", "http://localhost:1"], "no API key for"),
    ],
)
def test_refuses_without_key_or_server(
    argv: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without an API key and server URL the command exits 2 and calls nobody."""
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    monkeypatch.delenv(SERVER_URL_ENV, raising=False)

    status = run(parse(*argv))

    expected = (2, True)
    actual = (status, message in capsys.readouterr().err)
    assert expected == actual


# -- import -----------------------------------------------------------------------------------


async def test_import_reports_malformed_lines_and_sends_the_rest(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad JSON and invalid events are reported by line number; every good line is stored."""
    dead_letter_line = {"kind": "event", "reason": "gave_up", "event": {**EVENT, "event_id": "d1"}}
    lines = [
        json.dumps(EVENT),
        "{not json",
        json.dumps({**EVENT, "event_type": "span"}),
        "",
        json.dumps(MODEL_EVENT),
        json.dumps(dead_letter_line),
        json.dumps([1, 2]),
        json.dumps({**dead_letter_line, "kind": "model_event"}),
    ]
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(lines) + "\n")

    status = await run_async(parse("import", str(source), *on(server)))
    out, err = capsys.readouterr()
    stored = await server.store.count("cli")

    expected = (
        1,
        3,
        [
            "line 2: not JSON",
            "line 3: invalid event: event_type",
            "line 7: invalid event",
            "line 8: kind 'model_event'",
        ],
        "3 sent, 0 failed, 4 malformed lines skipped",
        False,
    )
    reported = [
        line[: len(want)] for line, want in zip(err.splitlines(), expected[2], strict=False)
    ]
    actual = (
        status,
        stored,
        reported,
        out.split(": ", 1)[1].strip(),
        source.with_suffix(".dead-letter.jsonl").exists(),
    )
    assert expected == actual


async def test_import_writes_failed_events_to_the_dead_letter_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Events the server rejects end in FILE.dead-letter.jsonl, named in the summary."""
    source = tmp_path / "events.jsonl"
    big = {**EVENT, "outputs": {"text": "x" * 3000}}
    source.write_text(f"{json.dumps(EVENT)}\n{json.dumps(big)}\n")
    async with LocalServer(max_body_bytes=2000) as srv:
        status = await run_async(parse("import", str(source), *on(srv)))
    out = capsys.readouterr().out
    dead = tmp_path / "events.dead-letter.jsonl"
    (line,) = [json.loads(text) for text in dead.read_text().splitlines()]

    expected = (1, "rejected", big["outputs"], True)
    actual = (status, line["reason"], line["event"]["outputs"], f"events import {dead}" in out)
    assert expected == actual


async def test_import_of_a_missing_file_exits_2(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that cannot be read is an error with exit status 2."""
    status = await run_async(parse("import", str(tmp_path / "nope.jsonl"), *on(server)))

    expected = (2, True)
    actual = (status, "No such file" in capsys.readouterr().err)
    assert expected == actual


@pytest.mark.parametrize("tty", [True, False])
async def test_import_progress_only_on_a_terminal(
    server: LocalServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tty: bool,
) -> None:
    """A terminal gets \\r-updated progress; a pipe only the final line."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    monkeypatch.setattr(Progress, "interval", 0.001)
    source = tmp_path / "events.jsonl"
    source.write_text(json.dumps(EVENT) + "\n" + json.dumps(EVENT) + "\n")

    await run_async(parse("import", str(source), *on(server)))
    err = capsys.readouterr().err

    expected = (tty, 1, True)
    refreshed = re.search(r"\r  \d read  \d acknowledged  \d+/s", err) is not None
    actual = (refreshed, err.count("\n"), "  2 read, 2 acknowledged in " in err)
    assert expected == actual


# -- export ------------------------------------------------------------------------------------


async def test_export_with_a_filter_to_a_file(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only matching events are written, one JSON object a line, across several pages."""
    await seed(server, [{**EVENT, "metadata": {"cost": n / 100}} for n in range(10)])
    out = tmp_path / "out.jsonl"

    status = await run_async(
        parse(
            "export",
            "--project",
            "cli",
            "--filter",
            'metadata.cost "greater than" 0.05',
            "--out",
            str(out),
            "--page-size",
            "3",
            *on(server),
        )
    )
    costs = sorted(json.loads(line)["metadata"]["cost"] for line in out.read_text().splitlines())
    stdout, stderr = capsys.readouterr()

    expected = (0, [0.06, 0.07, 0.08, 0.09], "", True)
    actual = (status, costs, stdout, stderr.strip().startswith("4 written in"))
    assert expected == actual


async def test_an_export_file_is_readable_by_its_owner_only(
    server: LocalServer, tmp_path: Path
) -> None:
    """It holds whole events: created 0600 whatever the umask (000 here)."""
    await seed(server, [EVENT])
    out = tmp_path / "out.jsonl"
    old = os.umask(0)
    try:
        status = await run_async(
            parse("export", "--project", "cli", "--out", str(out), *on(server))
        )
    finally:
        os.umask(old)
    assert (0, 0o600) == (status, stat.S_IMODE(out.stat().st_mode))


async def test_export_to_stdout_within_dates(
    server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --out the lines go to stdout; --since/--until bound start_time."""
    day = 86_400_000
    start = 1_704_067_200_000  # 2024-01-01T00:00:00Z
    await seed(
        server, [{**EVENT, "event_name": f"d{n}", "start_time": start + n * day} for n in range(5)]
    )

    status = await run_async(
        parse(
            "export",
            "--project",
            "cli",
            "--since",
            "2024-01-02T00:00:00Z",
            "--until",
            "2024-01-04T00:00:00+00:00",
            *on(server),
        )
    )
    out, err = capsys.readouterr()
    names = sorted(json.loads(line)["event_name"] for line in out.splitlines())

    expected = (0, ["d1", "d2", "d3"], True)
    actual = (status, names, err.strip().startswith("3 written in"))
    assert expected == actual


async def test_export_error_midway_exits_1(
    mocked: aioresponses, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A page that fails ends the export with status 1 and says how far it got."""
    page = {"events": [{"event_id": "a"}, {"event_id": "b"}], "totalEvents": 5}
    mocked.post(SERVER + "/events/export", payload=page)
    mocked.post(SERVER + "/events/export", status=403, payload={"message": "forbidden"})
    out = tmp_path / "out.jsonl"

    status = await run_async(
        parse(
            "export",
            "--project",
            "p",
            "--page-size",
            "2",
            "--out",
            str(out),
            "--server-url",
            SERVER,
            "--api-key",
            "k",
        )
    )
    err = capsys.readouterr().err

    expected = (1, True, 2)
    actual = (
        status,
        "error after 2 events: getEvents: HTTP 403" in err,
        len(out.read_text().splitlines()),
    )
    assert expected == actual


@given(text=st.text(max_size=60))
def test_parse_filter_of_any_text_is_a_filter_or_a_value_error(text: str) -> None:
    """--filter takes any text: a valid EventFilter (field, known operator) or ValueError."""
    try:
        f = parse_filter(text)
    except ValueError:
        return
    assert (bool(f.field), f.operator in models.FILTER_OPERATORS) == (True, True)


@given(argv=st.lists(st.text(max_size=12), max_size=6))
def test_any_export_arguments_parse_or_exit_2(argv: list[str]) -> None:
    """Arbitrary words after `export --project p` are options or a usage error, never a crash."""
    try:
        parse("export", "--project", "p", *argv)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    assert code in (0, 2)
