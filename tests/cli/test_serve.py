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
from honeyhive_async.cli._serve import SERVE_API_KEY_ENV, is_loopback
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

    expected = (200, 200, 0, "secret-key", "Stopped.")
    actual = (health, created, srv.process.returncode, srv.api_key, out.decode().strip())
    assert expected == actual


async def test_serve_generates_and_prints_a_key() -> None:
    """Without --api-key serve makes a key, prints it and accepts it."""
    async with cli_server("--faults", "rate=0") as srv:
        key = srv.api_key
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


@pytest.mark.parametrize("key", ["", "   ", "\t", "a\nb"])
def test_an_empty_blank_or_control_key_is_a_usage_error(
    key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """serve --api-key '' (or blank, or with control characters): exit 2, no traceback."""
    with pytest.raises(SystemExit) as exc_info:
        main(["serve", f"--api-key={key}"])
    err = capsys.readouterr().err

    expected = (2, True, False)
    actual = (exc_info.value.code, "argument --api-key: the API key" in err, "Traceback" in err)
    assert expected == actual


def test_a_blank_key_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The environment's key is checked like the option's, and the message names the variable."""
    monkeypatch.setenv(SERVE_API_KEY_ENV, "  ")

    status = main(["serve", "--port", "0"])

    expected = (2, f"honeyhive-async serve: error: ${SERVE_API_KEY_ENV}: the API key must not")
    assert expected == (status, capsys.readouterr().err[:76])


async def test_the_key_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """$HONEYHIVE_SERVE_API_KEY is accepted and not printed (it stays out of `ps` and logs)."""
    monkeypatch.setenv(SERVE_API_KEY_ENV, "env-secret-key")
    async with cli_server() as srv:
        headers = {"Authorization": "Bearer env-secret-key"}
        async with aiohttp.ClientSession(srv.url, headers=headers) as session:
            status, _ = await Api(session).export()

    expected = (200, f'"${SERVE_API_KEY_ENV}"', f"Viewer: {srv.url}/")
    assert expected == (status, srv.api_key, srv.banner[1])
    assert not any("env-secret-key" in line for line in srv.banner)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("", False),
        ("::", False),
        ("192.168.1.4", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    """Only loopback addresses keep the server to this machine."""
    assert expected == is_loopback(host)


def test_a_host_that_is_not_loopback_is_warned_about(capsys: pytest.CaptureFixture[str]) -> None:
    """--host 0.0.0.0 prints a warning before anything else (here the port is taken)."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        status = main(["serve", "--host", "0.0.0.0", "--port", str(taken.getsockname()[1])])
    first = capsys.readouterr().err.splitlines()[0]

    expected = (1, "honeyhive-async serve: warning: --host 0.0.0.0 is not a loopback address")
    assert expected == (status, first[:72])
