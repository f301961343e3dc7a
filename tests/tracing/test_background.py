"""``tracing.configure()``: background delivery for programs without a loop, exit and fork."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from honeyhive_async import HoneyHiveCore, funcs, tracing
from honeyhive_async.tracing import _state

KEY = "background-test-key"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """A local server in its own process (sync code under test runs no loop of its own)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "honeyhive_async", "serve", "--port", "0", "--api-key", KEY],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture
def project() -> str:
    """A project name of this test's own."""
    return f"bg-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _no_tracer_left() -> Iterator[None]:
    yield
    tracing.shutdown(timeout=5)
    _state.set_default(None)


def stored(server_url: str, project: str) -> list[dict[str, Any]]:
    """The events of *project* on the server, as wire dicts, in the server's order."""

    async def read() -> list[dict[str, Any]]:
        async with HoneyHiveCore(bearer_auth=KEY, server_url=server_url) as core:
            page = await funcs.events_get_events(core, {"project": project, "filters": []})
            return [
                {
                    k: getattr(e, k)
                    for k in (
                        "event_type",
                        "event_name",
                        "event_id",
                        "parent_id",
                        "session_id",
                        "error",
                        "outputs",
                    )
                }
                for e in page.unwrap().events
            ]

    return asyncio.run(read())


@tracing.trace(event_type="tool")
def tool(n: int) -> int:
    if n < 0:
        raise ValueError("negative")
    return n * 2


@tracing.trace
def job(numbers: list[int]) -> int:
    with ThreadPoolExecutor(4) as pool:  # plain pool: wrap carries the span over
        results = list(pool.map(tracing.wrap(tool), numbers))
    return sum(results)


def test_sync_app_in_thread_pool(server_url: str, project: str) -> None:
    """A sync app traced from a thread pool: one tree per job, flushed and stored whole."""
    tracing.configure(project=project, api_key=KEY, server_url=server_url)
    with ThreadPoolExecutor(3) as pool:
        totals = list(pool.map(job, [[1, 2], [3], [4, 5, 6]]))
    report = tracing.flush(timeout=20)
    assert [6, 6, 30] == totals
    assert (report.sent, report.failed) == (3 + 6 + 3, 0)  # sessions, tools, jobs
    events = stored(server_url, project)
    sessions = {e["event_id"] for e in events if e["event_type"] == "session"}
    jobs = {e["event_id"]: e for e in events if e["event_type"] == "chain"}
    tools = [e for e in events if e["event_type"] == "tool"]
    assert 3 == len(sessions) == len(jobs)
    assert all(j["parent_id"] == j["session_id"] in sessions for j in jobs.values())
    assert all(t["session_id"] == jobs[t["parent_id"]]["session_id"] for t in tools)
    assert 6 == len(tools)


def test_flush_without_events_reports_nothing(project: str) -> None:
    """Configuring starts no thread; a flush with nothing traced returns an empty report."""
    tracing.configure(project=project, api_key=KEY, server_url="http://127.0.0.1:9")
    report = tracing.flush(timeout=1)
    assert (0, 0) == (report.sent, report.failed)


def test_configure_names_a_missing_key(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No key anywhere: one WARNING that says how to give one, and tracing passes through."""
    monkeypatch.delenv("HONEYHIVE_API_KEY", raising=False)
    monkeypatch.delenv("HH_API_KEY", raising=False)
    tracer = tracing.configure(project="p")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [True] == ["api_key" in w for w in warnings], warnings
    assert (None, 4) == (_state.STATE.default, tool(2))
    with tracer.session("s") as session:  # the tracer it returns records nothing
        assert not session.recording


def run_script(source: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


EXIT_SCRIPT = """
    import os
    from honeyhive_async import tracing

    EXIT_TIMEOUT = 5

    tracing.configure(project=os.environ["PROJECT"], exit_timeout=EXIT_TIMEOUT)

    @tracing.trace
    def step(i):
        return i

    for i in range(50):
        step(i)
    print("done")
"""


def test_exit_drains_the_queue(server_url: str, project: str) -> None:
    """A script that traces and exits without flushing: every event reaches the server."""
    env = {"PROJECT": project, "HONEYHIVE_API_KEY": KEY, "HONEYHIVE_SERVER_URL": server_url}
    done = run_script(EXIT_SCRIPT, env)
    assert 0 == done.returncode, done.stderr
    assert "Traceback" not in done.stderr
    assert 100 == len(stored(server_url, project))  # 50 calls, 50 sessions


def test_exit_timeout_zero_says_what_was_left(server_url: str, project: str) -> None:
    """``exit_timeout=0`` skips the drain and logs how many events were not delivered."""
    source = EXIT_SCRIPT.replace("EXIT_TIMEOUT = 5", "EXIT_TIMEOUT = 0")
    env = {"PROJECT": project, "HONEYHIVE_API_KEY": KEY, "HONEYHIVE_SERVER_URL": server_url}
    done = run_script(source, env)
    assert 0 == done.returncode, done.stderr
    assert "were not delivered" in done.stderr


def test_exit_writes_undeliverable_events_to_the_dead_letter_file(tmp_path: Path) -> None:
    """With the server unreachable, what is left at the exit deadline goes to the dead letters."""
    dead = tmp_path / "dead.jsonl"
    source = f"""
        from honeyhive_async import tracing
        tracing.configure(project="p", api_key="k", server_url="http://127.0.0.1:9",
                          exit_timeout=1.0, dead_letter={str(dead)!r})

        @tracing.trace
        def step(i):
            return i

        for i in range(3):
            step(i)
    """
    done = run_script(source, {})
    assert 0 == done.returncode, done.stderr
    lines = [json.loads(line) for line in dead.read_text().splitlines()]
    assert 6 == len(lines)
    assert {"chain", "session"} == {line["event"]["event_type"] for line in lines}
    assert "were not delivered at exit" in done.stderr


FORK_SCRIPT = """
    import os
    from honeyhive_async import tracing

    tracing.configure(project=os.environ["PROJECT"])

    @tracing.trace
    def step(name):
        return name

    step("parent-before")  # queued, not flushed, when the fork happens
    pid = os.fork()
    if pid == 0:
        step("child")
        report = tracing.flush(timeout=20)
        print("child", report.sent, report.failed, flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
    step("parent-after")
    report = tracing.flush(timeout=20)
    print("parent", report.sent, report.failed, flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_fork_child_starts_fresh(server_url: str, project: str) -> None:
    """A forked child sends only its own events, through a delivery thread of its own."""
    env = {"PROJECT": project, "HONEYHIVE_API_KEY": KEY, "HONEYHIVE_SERVER_URL": server_url}
    done = run_script(FORK_SCRIPT, env)
    assert 0 == done.returncode, done.stderr
    lines = sorted(done.stdout.split("\n")[:2])
    assert ["child 2 0", "parent 4 0"] == lines
    events = stored(server_url, project)
    results = sorted(e["outputs"]["result"] for e in events if e["event_type"] == "chain")
    assert ["child", "parent-after", "parent-before"] == results
    assert 3 == sum(e["event_type"] == "session" for e in events)
