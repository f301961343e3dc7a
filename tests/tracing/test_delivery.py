"""Tracing over a real EventBatcher: full queues and closed batchers drop, counted and reported."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from honeyhive_async import EventBatcher, HoneyHiveCore, funcs, tracing
from honeyhive_async.server import LocalServer


@pytest.fixture
async def core() -> AsyncIterator[HoneyHiveCore]:
    """A core on a fresh local server."""
    async with (
        LocalServer() as server,
        HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url) as core,
    ):
        yield core


@tracing.trace(event_type="tool")
def step(i: int) -> int:
    return i


async def test_a_full_queue_drops_counts_warns_once_and_reports(
    core: HoneyHiveCore, caplog: pytest.LogCaptureFixture
) -> None:
    """Tracing never waits for room: the overflow is dropped, logged once, and reported."""
    batcher = EventBatcher(core, max_batch_events=2, max_queue_events=4, flush_interval=60)
    tracer = tracing.Tracer(batcher, project="full-queue")
    try:
        with caplog.at_level(logging.WARNING, logger="honeyhive_async.tracing"):
            results = [step(i) for i in range(10)]  # 20 events in one tick: 4 fit
        report = await batcher.aclose()
    finally:
        tracer.uninstall()

    warnings = [r for r in caplog.records if "dropped an event" in r.getMessage()]
    assert (list(range(10)), 16, 16, 4) == (
        results,
        tracer.dropped,
        report.count("dropped"),
        report.sent,
    )
    assert 1 == len(warnings)


async def test_a_closed_batcher_drops_without_raising(core: HoneyHiveCore) -> None:
    """Traced calls after the batcher closed still return; their events are counted as dropped."""
    batcher = EventBatcher(core)
    tracer = tracing.Tracer(batcher, project="closed")
    try:
        await batcher.aclose()
        assert 5 == step(5)
    finally:
        tracer.uninstall()
    assert 2 == tracer.dropped  # the span and its session


async def test_feedback_after_the_fact_is_stored(core: HoneyHiveCore) -> None:
    """add_feedback updates an event that was already sent; it returns the Result."""
    async with EventBatcher(core) as batcher:
        tracer = tracing.Tracer(batcher, project="feedback")
        try:
            async with tracing.span("answer", event_type="chain") as span:
                span.enrich(outputs={"text": "42"})
            await tracer.flush()
            result = await tracer.add_feedback(span.event_id, {"rating": 5})
        finally:
            tracer.uninstall()
    page = await funcs.events_get_events(core, {"project": "feedback", "filters": []})
    stored = {e.event_id: e for e in page.unwrap().events}

    assert result.ok
    assert {"rating": 5} == stored[span.event_id].feedback
