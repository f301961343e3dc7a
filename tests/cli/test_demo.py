"""``python -m honeyhive_async demo``: the reference examples end to end."""

from __future__ import annotations

import os
import re
import subprocess
import sys

SEED_EVENT = "7f22137a-6911-4ed3-bc36-110f1dde6b66"


def demo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HONEYHIVE_")}
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "honeyhive_async", "demo", *args],
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_runs_offline_against_the_embedded_server() -> None:
    """Without a key the demo starts its own server, runs all six examples, shows a table."""
    done = demo()

    assert 0 == done.returncode, done.stderr
    out = done.stdout
    assert "embedded server at http://127.0.0.1:" in out
    for operation in (
        "createEvent",
        "createModelEvent",
        "createEventBatch",
        "createModelEventBatch",
        "updateEvent",
        "getEvents",
    ):
        assert f"  {operation} " in out
    assert "ERR" not in out
    assert "rating=5" in out  # the update reached the stored event
    assert f"both sent event {SEED_EVENT}" in out
    assert out.rstrip().endswith("3 events; all steps succeeded")


def tree(out: str) -> list[tuple[str, str, str]]:
    """The pipeline's session tree as the demo drew it: (indent and branch, type, name)."""
    lines = out.split("events sent\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [re.match(r"  ([ │├└─]*)(\w+) +(\w+)", line).groups() for line in lines]


def test_demo_traces_a_pipeline_and_draws_its_session() -> None:
    """The traced pipeline comes first: one session, its tree read back, the failed tool marked."""
    out = demo().stdout

    assert "A traced pipeline (@tracing.trace)" in out.split("createEvent")[0]
    assert re.search(r"session [0-9a-f-]{36}: 6 events sent", out)
    expected = [
        ("", "session", "chat"),
        ("└─ ", "chain", "answer"),
        ("   ├─ ", "tool", "search"),
        ("   ├─ ", "tool", "weather"),
        ("   ├─ ", "model", "complete"),
        ("   └─ ", "model", "stream_reply"),
    ]
    assert expected == tree(out)
    assert 1 == out.count("! RuntimeError: weather API down")
    assert "To look at it in the viewer: run `python -m honeyhive_async serve`" in out


def test_the_query_reads_the_projects_the_demo_wrote_and_counts_what_it_lists() -> None:
    """getEvents asks for the stored projects (not "<value>"): its counts add up to the table."""
    out = demo().stdout
    counts = re.findall(r"getEvents \((.+?)\)\s+ok\s+(\d+) matching", out)
    table = out.split("as stored:")[1].splitlines()[4:-2]
    total = int(out.rstrip().rsplit("\n", 1)[-1].split()[0])

    expected = ({"Simple RAG", "New Project"}, 3, 3, 3)
    actual = ({p for p, _ in counts}, sum(int(n) for _, n in counts), len(table), total)
    assert expected == actual


def test_demo_uses_a_given_server_and_key() -> None:
    """With a key and ``--server-url`` (or serve's two lines) the demo talks to that server."""
    server = subprocess.Popen(
        [sys.executable, "-m", "honeyhive_async", "serve", "--port", "0", "--api-key", "k-1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().rsplit(" ", 1)[-1].strip()
        done = demo("--server-url", url, env={"HONEYHIVE_API_KEY": "k-1"})
        exported = demo(env={"HH_API_URL": url, "HH_API_KEY": "k-1"})  # what serve prints
        wrong = demo("--server-url", url, "--api-key", "not-the-key-1234")
    finally:
        server.terminate()
        server.wait(timeout=10)
        assert server.stdout is not None
        server.stdout.close()
    assert 0 == done.returncode, done.stderr
    assert f"demo against {url}" in done.stdout
    first = exported.stdout.splitlines()[0]
    assert (0, f"honeyhive_async demo against {url}") == (exported.returncode, first)
    session = re.findall(r"session ([0-9a-f-]{36}): 6 events sent", exported.stdout)
    link = f"Look at it in the viewer: {url}/?project=honeyhive_async+demo&session={session[0]}"
    assert link in exported.stdout
    assert 1 == wrong.returncode
    assert "ERR  6 events not delivered: createEventBatch: HTTP 401" in wrong.stdout
    assert "HTTP 401" in wrong.stdout
    assert "not-the-key-1234" not in wrong.stdout


def test_key_without_server_url_stays_local() -> None:
    """A key alone does not send demo data to production by surprise."""
    done = demo(env={"HONEYHIVE_API_KEY": "real-key"})
    assert 0 == done.returncode
    assert "no --server-url: using the embedded server" in done.stderr
