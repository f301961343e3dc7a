"""Tests of a small traced app against a local HoneyHive (copy this file to start).

Needs pytest and pytest-asyncio; the fixtures come with honeyhive-async.
"""

from __future__ import annotations

import pytest

from honeyhive_async import EventBatcher, HoneyHiveCore, RetryConfig, errors, funcs, tracing
from honeyhive_async.testing import BackgroundServer, ServerTracer


# The app under test: in your project this is imported from your code.
@tracing.trace(event_type="tool")
def search(question: str) -> list[str]:
    return [f"a document about {question}"]


@tracing.trace
def answer(question: str) -> str:
    return search(question)[0]


@pytest.mark.asyncio  # needed in strict mode, harmless in auto mode
async def test_the_tracer_fixture(honeyhive_tracer: ServerTracer) -> None:
    """The honeyhive_tracer fixture records the test's traced calls and reads them back."""
    with honeyhive_tracer.session("chat"):
        assert "a document about tea" == answer("tea")
    assert [("chat", [("answer", [("search", [])])])] == await honeyhive_tracer.shapes()
    events = await honeyhive_tracer.events()
    assert {"question": "tea"} == next(e for e in events if e["event_name"] == "search")["inputs"]


@pytest.mark.asyncio
async def test_traced_calls_form_one_session(
    honeyhive_core: HoneyHiveCore, honeyhive_server: BackgroundServer
) -> None:
    """In an async test, a Tracer of your own on the core sends the session tree."""
    async with EventBatcher(honeyhive_core) as batcher:
        tracer = tracing.Tracer(batcher, project="my-app")
        try:
            async with tracer.session("chat"):
                assert "a document about tea" == answer("tea")
            await tracer.flush()
        finally:
            tracer.uninstall()

    assert [("chat", [("answer", [("search", [])])])] == await honeyhive_server.shapes(
        project="my-app"
    )
    events = await honeyhive_server.events(project="my-app")
    assert {"question": "tea"} == next(e for e in events if e["event_name"] == "search")["inputs"]


def test_sync_code_traced_through_the_environment(honeyhive_env: BackgroundServer) -> None:
    """In a sync test, tracing.configure() finds the server through the environment."""
    tracer = tracing.configure(project="my-app", source="test")
    try:
        with tracer.session("chat"):
            answer("coffee")
        report = tracing.flush(timeout=10)
    finally:
        tracing.shutdown(timeout=10)

    assert (3, 0) == (report.sent, report.failed)  # the session, answer and search
    assert [("chat", [("answer", [("search", [])])])] == honeyhive_env.shapes_sync(project="my-app")


NO_RETRIES = RetryConfig(strategy="none")
EVENT = {
    "project": "my-app",
    "source": "test",
    "event_name": "ping",
    "event_type": "tool",
    "config": {},
    "inputs": {},
    "duration": 1,
}


@pytest.mark.asyncio
async def test_faults_for_one_block(
    honeyhive_core: HoneyHiveCore, honeyhive_server: BackgroundServer
) -> None:
    """faults() fails requests inside its block only; nothing is stored meanwhile."""
    with honeyhive_server.faults("503"):
        res = await funcs.events_create_event(honeyhive_core, {"event": EVENT}, retries=NO_RETRIES)
    assert not res.ok
    assert isinstance(res.error, errors.APIError)
    assert 503 == res.error.status_code
    assert [] == await honeyhive_server.events(project="my-app")

    res = await funcs.events_create_event(honeyhive_core, {"event": EVENT}, retries=NO_RETRIES)
    assert res.ok


@pytest.mark.asyncio
@pytest.mark.honeyhive_faults("429", retry_after_seconds=0)
async def test_rate_limited_for_the_whole_test(honeyhive_core: HoneyHiveCore) -> None:
    """The marker turns faults on while the test function runs."""
    res = await funcs.events_create_event(honeyhive_core, {"event": EVENT}, retries=NO_RETRIES)
    assert not res.ok
    assert isinstance(res.error, errors.APIError)
    assert 429 == res.error.status_code
    assert "0" == res.error.headers["Retry-After"]


@pytest.mark.asyncio
async def test_shared_server_with_a_project_of_its_own(
    honeyhive_server_session: BackgroundServer, honeyhive_project: str
) -> None:
    """The session-wide server keeps every test's events: each test uses its own project."""
    url, key = honeyhive_server_session.url, honeyhive_server_session.api_key
    async with HoneyHiveCore(bearer_auth=key, server_url=url) as core:
        event = {**EVENT, "project": honeyhive_project}
        assert (await funcs.events_create_event(core, {"event": event})).ok

    events = await honeyhive_server_session.events(project=honeyhive_project)
    assert ["ping"] == [e["event_name"] for e in events]
