"""The ``serve`` command: as a real subprocess, and its argument handling in-process."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from honeyhive_async.cli import main
from tests.server._support import ROOT, Api, cli_server, make_event


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_serve_prints_its_url_serves_and_stops_cleanly(signum: signal.Signals) -> None:
    """serve prints URL and key, answers /healthz and API calls, and exits 0 on a signal."""
    async with cli_server("--api-key", "secret-key") as srv:
        headers = {"Authorization": "Bearer secret-key"}
        async with aiohttp.ClientSession(srv.url, headers=headers) as session:
            async with session.get("/healthz") as response:
                health = response.status
            created, _ = await Api(session).post("/events", {"event": make_event()})
        srv.process.send_signal(signum)
        out, _ = await asyncio.wait_for(srv.process.communicate(), timeout=10)

    expected = (200, 200, 0, "API key: secret-key", "Stopped.")
    actual = (health, created, srv.process.returncode, srv.banner[1], out.decode().strip())
    assert expected == actual


async def test_serve_generates_and_prints_a_key() -> None:
    """Without --api-key serve makes a key, prints it and accepts it."""
    async with cli_server("--faults", "rate=0") as srv:
        key = srv.banner[1].removeprefix("API key: ")
        async with aiohttp.ClientSession(srv.url, headers={"Authorization": f"Bearer {key}"}) as s:
            status, _ = await Api(s).export()

    expected = (200, True)
    assert expected == (status, len(key) >= 20)


def test_bad_fault_spec_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad --faults spec exits 2 with a message naming the option."""
    actual = main(["serve", "--faults", "rate=x"])

    expected = (2, "--faults: invalid fault spec 'rate=x'")
    assert expected == (
        actual,
        capsys.readouterr().err.split("error: ", 1)[1][:37],
    )


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["serve", "--port", "70000"],
        ["serve", "--port", "x"],
        ["serve", "--max-body-bytes", "0"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str]) -> None:
    """Unknown commands and bad option values are argparse errors (exit 2)."""
    with pytest.raises(SystemExit) as exc_info:
        main(argv)

    expected = 2
    assert expected == exc_info.value.code


def test_port_in_use_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """serve on a port that is taken exits 1 with the OS error."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        actual = main(["serve", "--port", str(taken.getsockname()[1])])

    expected = (1, "honeyhive-async serve: error:")
    assert expected == (actual, capsys.readouterr().err[:29])


def test_unusable_database_path_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """serve with a --db in a missing directory exits 1 with SQLite's message."""
    actual = main(["serve", "--port", "0", "--db", str(tmp_path / "missing" / "events.db")])

    expected = (1, "honeyhive-async serve: error: unable to open database file")
    assert expected == (actual, capsys.readouterr().err.strip())


def test_cli_import_does_not_load_the_server() -> None:
    """Importing the CLI module leaves the server package unloaded, so --help is quick."""
    code = "import sys, honeyhive_async.cli; print('honeyhive_async.server' in sys.modules)"

    actual = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )

    expected = "False"
    assert expected == actual.stdout.strip()
