"""``tracing.configure()`` never breaks the app: bad settings give one WARNING and pass-through."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_async import tracing
from honeyhive_async.testing import BackgroundServer, unique_project
from honeyhive_async.tracing import _state

REFUSED = "http://127.0.0.1:9"  # nothing listens: a valid URL that fails fast


class Warnings(logging.Handler):
    """The WARNING messages of tracing's logger while it is attached."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def warnings() -> Iterator[Warnings]:
    """What tracing logs at WARNING during the test."""
    handler = Warnings()
    _state.log.addHandler(handler)
    try:
        yield handler
    finally:
        _state.log.removeHandler(handler)


@tracing.trace
def double(n: int) -> int:
    return n * 2


KEYS = st.one_of(
    st.none(),
    st.sampled_from(["good-key-123", "", "   ", "k\ney", "kéy", "k\x00", "Bearer ", "Bearer ok"]),
    st.text(max_size=12),
    st.integers(),
)
URLS = st.one_of(
    st.sampled_from(
        [
            REFUSED,
            "",
            "127.0.0.1:9",
            "ftp://127.0.0.1",
            "http://",
            "http://user:pw@127.0.0.1:9",
            "http://[::1",
            "http://127.0.0.1:99999",
            "http://example.com",
            "http://exa mple.com",
        ]
    ),
    st.text(max_size=20),
    st.integers(),
)
TEXTS = st.one_of(st.none(), st.sampled_from(["app", "", " ", "\ud800"]), st.integers())
NUMBERS = st.one_of(
    st.sampled_from([0, 1, 0.5, -1, 10**9, float("nan"), float("inf"), True, "1", None]),
    st.floats(),
)
SETTINGS = st.fixed_dictionaries(
    {
        "api_key": KEYS,
        "server_url": URLS,
        "project": TEXTS,
        "source": TEXTS,
        "session_name": TEXTS,
        "sample_rate": NUMBERS,
        "max_value_chars": st.one_of(NUMBERS, st.integers(-10, 10**6)),
        "exit_timeout": NUMBERS,
        "max_queue_events": st.one_of(NUMBERS, st.integers(-10, 10**6)),
        "flush_interval": NUMBERS,
        "processors": st.sampled_from([(), None, 3, "x", (len,), (None,)]),
        "dead_letter": st.sampled_from([None, "", "/nonexistent/dir/dead.jsonl", 3]),
        "handle_sigterm": st.sampled_from([True, False, None]),
    }
)


@settings(max_examples=60, deadline=None)
@given(options=SETTINGS, disabled=st.booleans())
def test_configure_never_raises_and_warns_once(options: dict[str, Any], disabled: bool) -> None:
    """Whatever the settings: no exception, at most one WARNING, decorated calls still run."""
    handler = Warnings()
    _state.log.addHandler(handler)
    if disabled:
        tracing.disable()
    try:
        tracer = tracing.configure(**options)
        logged = list(handler.messages)
        assert 20 == double(10)
        with tracer.session("s"):
            assert 4 == double(2)
        tracing.flush(timeout=0.2)
        tracing.shutdown(timeout=0.2)
    finally:
        _state.log.removeHandler(handler)
        tracing.shutdown(timeout=0.2)
        tracing.enable()
    assert len(logged) <= (0 if disabled else 1), logged
    assert all("good-key" not in m for m in handler.messages)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"api_key": "k\ney"}, "api_key holds a control"),
        ({"api_key": "kéy"}, "api_key holds a control or non-ASCII"),
        ({"server_url": "127.0.0.1:8080"}, "server_url must be an http(s) URL"),
        ({"server_url": "http://[::1"}, "is not a valid URL"),
        ({"server_url": "http://user:pw@127.0.0.1"}, "must not carry credentials"),
        ({"server_url": "http://example.com"}, "unencrypted"),
        ({"project": " "}, "project"),
    ],
)
def test_bad_settings_name_the_option(
    options: dict[str, Any], named: str, warnings: Warnings
) -> None:
    """The one WARNING names the option; tracing then records nothing, and nothing raises."""
    tracer = tracing.configure(**{"project": "p", "api_key": "k", **options})
    assert [True] == [named in m for m in warnings.messages], warnings.messages
    assert (None, 6) == (_state.STATE.default, double(3))
    assert 0 == tracing.flush(timeout=1).sent
    with tracer.session("s") as session:
        assert not session.recording


def test_disabled_configures_nothing_and_says_nothing(
    monkeypatch: pytest.MonkeyPatch, warnings: Warnings
) -> None:
    """``HONEYHIVE_TRACING=false`` and no key: no WARNING, no exception, pass-through."""
    monkeypatch.delenv("HONEYHIVE_API_KEY", raising=False)
    monkeypatch.delenv("HH_API_KEY", raising=False)
    tracing.disable()
    tracing.configure(project="p")
    assert ([], None, 2) == (warnings.messages, _state.STATE.default, double(1))


def test_a_good_configuration_replaces_a_bad_one(warnings: Warnings) -> None:
    """Calling configure() again with usable settings turns tracing on."""
    tracing.configure(project="p", api_key="k\n")
    tracer = tracing.configure(project="p", api_key="k", server_url=REFUSED)
    assert (tracer, 1) == (_state.STATE.default, len(warnings.messages))
    tracing.shutdown(timeout=0.2)


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    """A local server for this test."""
    with BackgroundServer() as server:
        yield server


def test_configure_inside_a_running_loop(server: BackgroundServer) -> None:
    """An asyncio app calls configure() in its loop: its traced coroutines are delivered."""
    project = unique_project("asyncio")

    @tracing.trace
    async def answer(question: str) -> str:
        await asyncio.sleep(0)
        return question.upper()

    async def main() -> Any:
        tracing.configure(project=project, api_key=server.api_key, server_url=server.url)
        assert ("A", "B") == tuple(await asyncio.gather(answer("a"), answer("b")))
        return await asyncio.to_thread(tracing.flush, 10)

    report = asyncio.run(main())
    tracing.shutdown(timeout=5)
    assert (4, 0, 4) == (report.sent, report.failed, len(server.events_sync(project=project)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="exit hooks after asyncio.run: POSIX run")
def test_an_asyncio_app_delivers_at_exit(server: BackgroundServer) -> None:
    """configure() inside ``asyncio.run(main())``, no flush: exit delivers every event."""
    project = unique_project("asyncio-exit")
    source = f"""
        import asyncio
        from honeyhive_async import tracing

        @tracing.trace
        async def answer(question):
            return question

        async def main():
            tracing.configure(project={project!r})
            for i in range(5):
                await answer(str(i))

        asyncio.run(main())
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        env={**os.environ, "HONEYHIVE_API_KEY": server.api_key, "HONEYHIVE_SERVER_URL": server.url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (0, "") == (done.returncode, done.stderr)
    assert 10 == len(server.events_sync(project=project))
