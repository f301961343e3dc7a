"""The ``honeyhive_tracer`` fixture, ``trace_to`` and the quick retries of fault-marker tests.

The fixture's tests run user-style test files through ``pytester`` in a
subprocess (see ``test_plugin.py`` for why); ``trace_to`` is also tested
in-process, as a script outside pytest would use it.
"""

from __future__ import annotations

import asyncio
import re
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_async import tracing
from honeyhive_async.testing import (
    QUICK_RETRY,
    BackgroundServer,
    ServerTracer,
    no_wait,
    trace_to,
    unique_project,
)
from honeyhive_async.tracing import _state

from ..tracing.llm._fake_api import FakeAPI
from .test_plugin import DOC, configure

TRACER = """
import asyncio

import pytest

from honeyhive_async import RetryConfig, funcs, tracing


@tracing.trace(event_type="tool")
def search(question):
    return [f"about {question}"]


@tracing.trace
async def answer(question):
    return search(question)[0]


@pytest.mark.asyncio  # for strict mode
async def test_async_test(honeyhive_tracer, honeyhive_project):
    async with honeyhive_tracer.session("chat"):
        assert "about tea" == await answer("tea")
    assert [("chat", [("answer", [("search", [])])])] == await honeyhive_tracer.shapes()
    events = await honeyhive_tracer.events()
    assert {honeyhive_project} == {e["project_id"] for e in events}
    search_event = next(e for e in events if e["event_name"] == "search")
    assert {"question": "tea"} == search_event["inputs"]
    trees = await honeyhive_tracer.trees()
    assert "session" == trees[0]["event"]["event_type"]


def test_sync_test(honeyhive_tracer):
    search("coffee")  # a root call: a session of its own
    asyncio.run(answer("cake"))  # code that runs its own loop
    assert [("answer", [("answer", [("search", [])])]), ("search", [("search", [])])] == sorted(
        honeyhive_tracer.shapes_sync()
    )
    assert honeyhive_tracer.flush_sync().ok


@pytest.mark.asyncio(loop_scope="module")
async def test_module_loop_scope(honeyhive_tracer):
    await answer("water")
    assert [("answer", [("answer", [("search", [])])])] == await honeyhive_tracer.shapes()


@pytest.mark.asyncio  # for strict mode
async def test_feedback_after_the_fact(honeyhive_tracer):
    async with tracing.span("rated") as span:
        pass
    await honeyhive_tracer.flush()
    assert (await honeyhive_tracer.add_feedback(span.event_id, {"rating": 5})).ok
    rated = [e for e in await honeyhive_tracer.events() if e["event_id"] == span.event_id]
    assert [{"rating": 5}] == [e["feedback"] for e in rated]


def test_uninstalled_after_the_test():
    from honeyhive_async.tracing import _state

    assert _state.STATE.default is None
    assert "untraced" == search.__wrapped__("untraced")[0][6:]


@pytest.mark.asyncio
@pytest.mark.honeyhive_faults("503")
async def test_faults_give_up_at_once(honeyhive_tracer, honeyhive_core):
    search("lost")
    report = await honeyhive_tracer.flush()
    assert (0, 2) == (report.sent, report.failed)  # the call and its session
    assert "failed after 5 attempts" in report.undelivered[0].message
    res = await funcs.events_get_events(honeyhive_core, {"project": "p", "filters": []})
    assert 5 == res.error.attempts
    await asyncio.wait_for(honeyhive_core.sleep(3600), 5)  # the core's waits take no time


@pytest.mark.asyncio
async def test_unmarked_tests_keep_the_default_retries(honeyhive_core):
    assert RetryConfig() == honeyhive_core.retry_config
"""


@pytest.fixture
def only_our_plugins(monkeypatch: pytest.MonkeyPatch) -> tuple[str, ...]:
    """The inner run loads the plugin (and pytest-asyncio) by name, nothing else: faster."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return ("-p", "honeyhive_async.testing.plugin")


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_the_fixture_in_sync_and_async_tests(
    pytester: pytest.Pytester, only_our_plugins: tuple[str, ...], mode: str
) -> None:
    """Async tests of any loop scope and sync tests read what they traced; the tracer goes after."""
    configure(pytester, mode)
    pytester.makepyfile(test_tracer=TRACER)
    result = pytester.runpytest_subprocess("-p", "pytest_asyncio.plugin", *only_our_plugins)
    result.assert_outcomes(passed=7)


def test_the_fixture_without_pytest_asyncio(
    pytester: pytest.Pytester, only_our_plugins: tuple[str, ...]
) -> None:
    """The fixture needs no event loop of pytest's: a sync test with pytest-asyncio off."""
    pytester.makeini("[pytest]\nfilterwarnings = error\naddopts = --strict-markers\n")
    pytester.makepyfile(
        """
        from honeyhive_async import tracing

        @tracing.trace
        def step(n):
            return n + 1

        def test_sync(honeyhive_tracer):
            with honeyhive_tracer.session("run"):
                step(step(1))
            assert [("run", [("step", []), ("step", [])])] == honeyhive_tracer.shapes_sync()
        """
    )
    result = pytester.runpytest_subprocess(*only_our_plugins, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer() as running:
        yield running


@pytest.fixture(autouse=True)
def no_tracer_left() -> Iterator[None]:
    """Each test here starts and ends with no tracer installed."""
    _state.set_default(None)
    yield
    assert _state.STATE.default is None


@tracing.trace
def double(value: Any) -> Any:
    return [value, value]


def test_trace_to_outside_pytest_fixtures(server: BackgroundServer) -> None:
    """trace_to installs a ServerTracer for its block, delivers what is left and uninstalls it."""
    with trace_to(server, project="script", source="cli") as tracer:
        assert isinstance(tracer, ServerTracer)
        assert tracer is _state.STATE.default
        double(1)
    events = server.events_sync(project="script")
    assert [("double", [("double", [])])] == server.shapes_sync(project="script")
    assert {"cli"} == {e["source"] for e in events}


def test_trace_to_without_installing(server: BackgroundServer) -> None:
    """install=False leaves root calls untraced; the tracer's own sessions still record."""
    with trace_to(server, project="quiet", install=False) as tracer:
        double(2)
        with tracer.session("kept"):
            double(3)
        assert [("kept", [("double", [])])] == tracer.shapes_sync()


def test_a_bad_option_leaves_nothing_open(server: BackgroundServer) -> None:
    """An option the Tracer refuses raises from trace_to, and no tracer is installed."""
    with (
        pytest.raises(ValueError, match="sample_rate"),
        trace_to(server, project="p", sample_rate=2.0),
    ):
        pass  # pragma: no cover - not reached


async def test_quick_retry_keeps_the_attempts_and_drops_the_waits() -> None:
    """QUICK_RETRY: five attempts as by default, no backoff and no Retry-After wait."""
    assert (5, 0.0, 0.0, 0.0) == (
        QUICK_RETRY.max_attempts,
        QUICK_RETRY.backoff.initial_interval,
        QUICK_RETRY.backoff.max_interval,
        QUICK_RETRY.max_retry_after,
    )
    await asyncio.wait_for(no_wait(3600), 5)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=8,
    )
)
def test_what_is_traced_is_what_events_reads(server: BackgroundServer, value: Any) -> None:
    """Any JSON argument of a traced call comes back from events() as it was given."""
    project = unique_project("prop")
    with trace_to(server, project=project) as tracer:
        assert [value, value] == double(value)
        events = tracer.events_sync()
    call = next(e for e in events if e["event_type"] == "chain")
    assert ({"value": value}, {"result": [value, value]}) == (call["inputs"], call["outputs"])


def test_errors_of_reads_name_the_server(server: BackgroundServer) -> None:
    """A read after the server stopped fails loudly rather than returning nothing."""
    with trace_to(server, project="gone") as tracer:
        pass
    server.stop()
    with pytest.raises(RuntimeError, match="not running"):
        tracer.events_sync()


def doc_block(title: str) -> str:
    """The python block of docs/testing.md titled *title*, dedented (it may sit in a list)."""
    blocks = re.findall(
        rf'^( *)```python title="{re.escape(title)}"\n(.*?)^\1```',
        DOC.read_text(encoding="utf-8"),
        re.S | re.M,
    )
    assert 1 == len(blocks), title
    indent, body = blocks[0]
    return textwrap.dedent(body) if indent else body


def test_the_docs_fixture_example_passes(
    pytester: pytest.Pytester, only_our_plugins: tuple[str, ...]
) -> None:
    """The first example of docs/testing.md, as a user's test file."""
    configure(pytester)
    pytester.makepyfile(test_answer=doc_block("test_answer.py"))
    result = pytester.runpytest_subprocess("-p", "pytest_asyncio.plugin", *only_our_plugins)
    result.assert_outcomes(passed=1)


@pytest.fixture
def openai_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAPI]:
    """A fake OpenAI API, and the environment that points the openai client at it."""
    api = FakeAPI().start()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{api.url}/v1")
    yield api
    api.stop()


def test_a_module_level_client_fails_and_the_documented_fix_passes(
    pytester: pytest.Pytester, only_our_plugins: tuple[str, ...], openai_api: FakeAPI
) -> None:
    """The warning of docs/testing.md, checked: a client made at import fails from the 2nd test."""
    configure(pytester)
    fixed = doc_block("test_client.py")
    fixture = fixed[fixed.index("@pytest.fixture") : fixed.index("async def test_")]
    at_import = (
        "client_made_at_import = tracing.wrap_openai(AsyncOpenAI())\n\n\n"
        "@pytest.fixture\ndef client():\n    return client_made_at_import\n\n\n"
    )
    twice = "\n\ntest_again = test_the_call_is_a_model_event\n"
    pytester.makepyfile(
        test_fixed=fixed + twice, test_module_level=fixed.replace(fixture, at_import) + twice
    )
    result = pytester.runpytest_subprocess("-p", "pytest_asyncio.plugin", *only_our_plugins)
    outcomes = result.parseoutcomes()
    # The documented fix passes whatever the versions. The client made at import breaks
    # from the 2nd test with the httpx/anyio that openai uses today; with the oldest ones
    # the project allows (openai 1.55.3) its pool happens to survive a closed loop.
    if outcomes.get("failed"):
        result.assert_outcomes(passed=2 + 1, failed=1)
        result.stdout.fnmatch_lines(
            ["FAILED test_module_level.py::test_again - *Event loop is closed"]
        )
    else:
        result.assert_outcomes(passed=2 + 2)
