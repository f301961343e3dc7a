"""A traced async app against the local server: getEvents returns the exact tree."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from honeyhive_async import EventBatcher, HoneyHiveCore, funcs, tracing
from honeyhive_async.server import LocalServer
from honeyhive_async.tracing import _state

PROJECT = "e2e-tracing"


@tracing.trace(event_type="tool")
async def search(query: str) -> list[str]:
    await asyncio.sleep(0)
    return [f"{query}-doc"]


@tracing.trace(event_type="tool")
async def broken(query: str) -> None:
    raise LookupError(f"no index for {query}")


@tracing.trace(event_type="tool")
async def slow(query: str) -> None:
    await asyncio.Event().wait()  # never set: cancelled by the caller


@tracing.trace(event_type="model", capture_output="".join)
async def stream(prompt: str) -> AsyncIterator[str]:
    for token in ("Hello", " ", "world"):
        await asyncio.sleep(0)
        yield token


@tracing.trace
async def answer(question: str) -> str:
    docs = await asyncio.gather(search(question), search(question + "?"))
    extra = await asyncio.create_task(search("extra"))
    text = "".join([token async for token in stream(f"{docs} {extra}")])
    with pytest.raises(LookupError):
        await broken(question)
    task = asyncio.create_task(slow(question))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return text


async def test_nested_app_is_stored_as_one_exact_tree() -> None:
    """Session → chain → parallel tools, a stream, a failing tool, a cancelled task."""
    async with LocalServer() as server:
        core = HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url)
        async with core, EventBatcher(core) as batcher:
            tracer = tracing.Tracer(batcher, project=PROJECT)
            try:
                async with tracer.session("chat", inputs={"user": "ada"}) as session:
                    assert "Hello world" == await answer("q")
                report = await tracer.flush()
            finally:
                tracer.uninstall()
            assert (8, 0) == (report.sent, report.failed)
            page = await funcs.events_get_events(core, {"project": PROJECT, "filters": []})
    events = list(page.unwrap().events)
    by_id = {e.event_id: e for e in events}
    sid = session.session_id

    assert "session" == events[0].event_type  # the session event comes first
    assert {sid} == {e.session_id for e in events}
    shape = sorted((e.event_type, e.event_name, _parent_name(by_id, e)) for e in events)
    assert [
        ("chain", "answer", "chat"),
        ("model", "stream", "answer"),
        ("session", "chat", None),
        ("tool", "broken", "answer"),
        ("tool", "search", "answer"),
        ("tool", "search", "answer"),
        ("tool", "search", "answer"),
        ("tool", "slow", "answer"),
    ] == shape
    for event in events:
        children = {e.event_id for e in events if e.parent_id == event.event_id}
        assert children == set(event.children_ids or []), event.event_name
        assert event.duration is not None
        assert event.duration >= 0
        assert event.start_time is not None
        assert event.end_time is not None
        assert event.start_time <= event.end_time
        parent = by_id.get(event.parent_id or "")
        if parent is not None and parent.event_type != "session":
            assert parent.start_time is not None
            assert parent.end_time is not None
            assert parent.start_time <= event.start_time <= event.end_time <= parent.end_time + 1
    named = {e.event_name: e for e in events}
    assert "LookupError: no index for q" == named["broken"].error
    assert "cancelled (CancelledError)" == named["slow"].error
    assert {"result": "Hello world"} == named["stream"].outputs
    assert named["stream"].metrics is not None
    assert "time_to_first_item_ms" in named["stream"].metrics
    assert {"user": "ada"} == named["chat"].inputs
    assert {"query": "q"} == named["broken"].inputs


def _parent_name(by_id: dict[str, Any], event: Any) -> str | None:
    parent = by_id.get(event.parent_id or "")
    return None if parent is None else parent.event_name


@pytest.fixture(autouse=True)
def _uninstall() -> Any:
    yield
    _state.set_default(None)
