"""Events traced in worker processes, forked workers and processes ended by SIGTERM arrive.

Each test runs ``_process_app.py`` in a real interpreter against a local
server in this process, with real pools, forks and signals, then counts
what the server stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from honeyhive_async.testing import BackgroundServer, unique_project

APP = Path(__file__).with_name("_process_app.py")
POSIX = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork and SIGTERM are POSIX only")


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    """One local server for the module's subprocesses."""
    with BackgroundServer() as server:
        yield server


@pytest.fixture
def project() -> str:
    """A project of this test's own."""
    return unique_project("processes")


def environment(server: BackgroundServer, project: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PROJECT": project,
        "HONEYHIVE_API_KEY": server.api_key,
        "HONEYHIVE_SERVER_URL": server.url,
        **extra,
    }


def run_app(server: BackgroundServer, project: str, *args: str) -> tuple[int, int]:
    """Run the app to its end: (events it traced, events the server stored)."""
    done = subprocess.run(
        [sys.executable, str(APP), *args],
        env=environment(server, project),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert 0 == done.returncode, done.stderr
    assert "" == done.stderr
    traced = int(done.stdout.split("traced ", 1)[1].split()[0])
    return traced, len(server.events_sync(project=project))


@POSIX
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_used_with_with_delivers_every_event(
    server: BackgroundServer, project: str, method: str
) -> None:
    """``with Pool(2) as pool: pool.map(...)`` terminates its workers; nothing is lost."""
    assert (18, 18) == run_app(server, project, "pool", method, "9")


@POSIX
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_pool_executor_delivers_every_event(
    server: BackgroundServer, project: str, method: str
) -> None:
    """``ProcessPoolExecutor`` workers deliver what they traced."""
    assert (18, 18) == run_app(server, project, "executor", method, "9")


@POSIX
def test_prefork_workers_deliver_every_event(server: BackgroundServer, project: str) -> None:
    """A configured parent forks three workers that trace and ``sys.exit``: all arrive, once."""
    assert (26, 26) == run_app(server, project, "prefork", "3", "4")


def start_waiting(
    server: BackgroundServer, project: str, own: str, **extra: str
) -> subprocess.Popen[str]:
    """The app, once it has traced 5 tasks and waits for a signal."""
    proc = subprocess.Popen(
        [sys.executable, str(APP), "sigterm", "5", own],
        env=environment(server, project, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(2)]
    if ["traced 10\n", "ready\n"] != lines:
        proc.kill()
        _, err = proc.communicate(timeout=30)
        pytest.fail(f"the app did not get ready: {lines} {err}")
    return proc


def terminate(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Send SIGTERM; the exit status and what the app printed."""
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


@POSIX
def test_sigterm_drains_and_keeps_the_exit_status(server: BackgroundServer, project: str) -> None:
    """SIGTERM 0.x s after tracing: all 10 events stored, and the process still dies by -15."""
    proc = start_waiting(server, project, "default")
    status, _, err = terminate(proc)
    assert (-signal.SIGTERM, "") == (status, err)
    assert 10 == len(server.events_sync(project=project))


@POSIX
def test_sigterm_left_to_the_default_when_opted_out(server: BackgroundServer, project: str) -> None:
    """``handle_sigterm=False``: SIGTERM ends the process as before, without draining."""
    proc = start_waiting(server, project, "default", HANDLE_SIGTERM="0", FLUSH_INTERVAL="60")
    status, _, _ = terminate(proc)
    assert (-signal.SIGTERM, 0) == (status, len(server.events_sync(project=project)))


@POSIX
def test_the_apps_own_sigterm_handler_is_left_alone(server: BackgroundServer, project: str) -> None:
    """The app's handler runs (not tracing's); its ``tracing.shutdown()`` line delivers all."""
    proc = start_waiting(server, project, "own")
    status, out, err = terminate(proc)
    assert (3, "own handler\n", "") == (status, out, err)
    assert 10 == len(server.events_sync(project=project))


@POSIX
def test_sigterm_drain_time_is_bounded_by_exit_timeout(tmp_path: Path) -> None:
    """With the server unreachable, SIGTERM still ends the process within ``exit_timeout``."""
    script = tmp_path / "app.py"
    script.write_text(
        "import signal, sys\n"
        "from honeyhive_async import tracing\n"
        "tracing.configure(project='p', api_key='k', server_url='http://127.0.0.1:9',\n"
        "                  exit_timeout=0.5)\n"
        "tracing.trace(lambda: 1)()\n"
        "print('ready', flush=True)\n"
        "signal.pause()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert "ready\n" == proc.stdout.readline()
    started = time.monotonic()
    status, _, err = terminate(proc)
    assert -signal.SIGTERM == status
    assert time.monotonic() - started < 5  # 0.5 s of draining, then the signal
    assert "were not delivered on SIGTERM" in err


def test_a_drain_under_way_is_not_entered_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM during the exit drain (a pool terminating an ending worker) must not wait
    on the locks the interrupted drain holds in the same thread: it returns at once."""
    from honeyhive_async.tracing import _background

    monkeypatch.setattr(_background, "_draining", True)

    assert _background._on_sigterm() is False


@POSIX
def test_sigterm_during_the_exit_drain_leaves_it_to_end_the_process() -> None:
    """Tracing's handler returns (no kill) when the drain it would run is under way."""
    code = (
        "from honeyhive_async.tracing import _processes\n"
        "_processes._drain = lambda: False\n"
        "_processes._on_sigterm(15, None)\n"
        "print('survived')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    assert (0, "survived\n") == (done.returncode, done.stdout), done.stderr


@POSIX
def test_the_delivery_thread_leaves_sigterm_to_the_main_thread() -> None:
    """A handler runs only in the main thread: the loop thread blocks SIGTERM and SIGINT."""
    from honeyhive_async._sync import call_in_loop, shared_loop

    async def blocked() -> set[int]:
        return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))

    mask = call_in_loop(shared_loop().wait_ready(), blocked)

    assert {signal.SIGTERM, signal.SIGINT} <= mask
