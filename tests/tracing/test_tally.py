"""A process that ends without draining (os._exit, SIGKILL) is reported by the next one.

The unit tests drive :mod:`honeyhive_async.tracing._tally` directly; the
others run real interpreters that trace against a server that is down (a
closed port, so every event waits), end the hard way, and check what the
next process that starts delivering says.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from honeyhive_async.tracing import _tally

POSIX = pytest.mark.skipif(os.name != "posix", reason="pids are checked with os.kill(pid, 0)")


@pytest.fixture
def tmpdir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory of the test's own, for this process and its children."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return tmp_path


def tally_dir(root: Path) -> Path:
    return root / f"honeyhive_async-{os.getuid()}"


def dead_pid() -> int:
    """The pid of a process that has ended (and been waited for)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


@POSIX
def test_a_tally_holds_the_waiting_count_and_is_removed_when_closed(tmpdir_env: Path) -> None:
    tally = _tally.Tally.open()
    assert tally is not None
    path = tally_dir(tmpdir_env) / f"{os.getpid()}.tally"

    tally.set(42)
    assert (os.getpid(), 42) == _tally._FORMAT.unpack(path.read_bytes())
    assert 0o600 == path.stat().st_mode & 0o777
    assert 0o700 == path.parent.stat().st_mode & 0o777
    tally.close()

    assert not path.exists()


@POSIX
def test_the_tally_of_an_ended_process_is_reported_once(
    tmpdir_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tally_dir(tmpdir_env)
    directory.mkdir(mode=0o700)
    gone, quiet = dead_pid(), dead_pid()
    (directory / f"{gone}.tally").write_bytes(_tally._FORMAT.pack(gone, 7))
    (directory / f"{quiet}.tally").write_bytes(_tally._FORMAT.pack(quiet, 0))
    (directory / f"{os.getppid()}.tally").write_bytes(_tally._FORMAT.pack(os.getppid(), 3))
    (directory / "notes.txt").write_text("not a tally")

    with caplog.at_level(logging.WARNING, logger="honeyhive_async.tracing"):
        assert 7 == _tally.report_earlier()
        assert 0 == _tally.report_earlier()  # reported once, and removed

    messages = [record.getMessage() for record in caplog.records]
    assert [f"tracing: process {gone} ended without delivering about 7 traced events"] == [
        message.split(" (", 1)[0] for message in messages
    ]
    left = sorted(path.name for path in directory.iterdir())
    assert [f"{os.getppid()}.tally", "notes.txt"] == left  # a live process's tally stays


@POSIX
def test_a_tally_is_not_written_by_a_forked_child(tmpdir_env: Path) -> None:
    tally = _tally.Tally.open()
    assert tally is not None
    tally.set(5)
    pid = os.fork()
    if pid == 0:  # the child: its writes and its close must not touch the parent's tally
        tally.set(99)
        tally.close()
        os._exit(0)
    os.waitpid(pid, 0)
    path = tally_dir(tmpdir_env) / f"{os.getpid()}.tally"

    assert (os.getpid(), 5) == _tally._FORMAT.unpack(path.read_bytes())
    tally.close()


APP = """
    import os, signal, sys, time
    from honeyhive_async import tracing

    tracing.configure(project="p", api_key="k", server_url=sys.argv[1], exit_timeout=0.3)

    @tracing.trace
    def step(n):
        return n

    for n in range(int(sys.argv[2])):
        step(n)
    # Until the tally holds every event (the server is down: they all wait).
    import struct
    folder = os.path.join(os.environ["TMPDIR"], f"honeyhive_async-{os.getuid()}")
    path = os.path.join(folder, f"{os.getpid()}.tally")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with open(path, "rb") as file:
                if struct.unpack("<qq", file.read(16))[1] == 2 * int(sys.argv[2]):
                    break
        except (OSError, struct.error):
            pass
        time.sleep(0.05)
    print("ready", flush=True)
    how = sys.argv[3]
    if how == "os._exit":
        os._exit(0)
    if how == "wait":
        time.sleep(60)  # until SIGKILL
"""


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def run(url: str, calls: int, how: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(APP), url, str(calls), how],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert "ready\n" == process.stdout.readline()
    return process


@POSIX
@pytest.mark.parametrize("how", ["os._exit", "SIGKILL", "exit"])
def test_the_next_process_says_what_a_hard_end_may_have_lost(tmpdir_env: Path, how: str) -> None:
    url = closed_port_url()
    first = run(url, 5, "wait" if how == "SIGKILL" else how)
    if how == "SIGKILL":
        first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)  # waited for: its pid is gone

    second = run(url, 1, "exit")
    _, err = second.communicate(timeout=30)

    said = f"process {first.pid} ended without delivering about 10 traced events"
    if how == "exit":  # a clean end says what it could not deliver itself, and leaves no tally
        assert said not in err
    else:
        assert said in err, err
    assert [] == [path.name for path in tally_dir(tmpdir_env).glob("*.tally")]
