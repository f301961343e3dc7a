"""Batches on their way while the server is down: the cause is logged at once and reported."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
from typing import Any

import pytest

from honeyhive_async import EventBatcher, HoneyHiveCore
from tests.conftest import INSTANT_RETRY, SleepRecorder

EVENT: dict[str, Any] = {
    "project": "sender",
    "source": "test",
    "event_name": "step",
    "event_type": "tool",
    "config": {},
    "inputs": {},
    "duration": 1.0,
}


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def stuck(seconds: float) -> None:
    """An injected retry sleep that never ends: batches wait in their backoff."""
    await asyncio.Event().wait()


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The batcher's WARNING lines."""
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


async def test_an_outage_is_logged_once_with_its_cause_and_reported_with_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Server down: one WARNING names the refused connection; pending events carry the cause."""
    caplog.set_level(logging.WARNING, "honeyhive_async")
    url = f"http://127.0.0.1:{closed_port()}"
    async with HoneyHiveCore(
        bearer_auth="k", server_url=url, retry_config=INSTANT_RETRY, sleep=stuck
    ) as core:
        batcher = EventBatcher(core, max_batch_events=10, flush_interval=3600)
        for n in range(50):
            await batcher.add({**EVENT, "event_name": f"step {n}"})
        report = await batcher.aclose(timeout=0.5)
    failing = [w for w in warnings_of(caplog) if "deliveries are failing" in w]
    messages = {u.message.split(";")[1].strip()[:24] for u in report.undelivered}

    waited = {"the last attempt failed:", "deliveries were failing:"}  # no free slot: never sent
    expected = (1, True, 50, {"pending"}, True, True)
    actual = (
        len(failing),
        "Connect" in failing[0] and str(url[7:]) in failing[0],
        report.failed,
        {u.reason for u in report.undelivered},
        messages <= waited,
        all("cancelled" not in u.message and "Connect" in u.message for u in report.undelivered),
    )
    assert expected == actual


async def test_retries_run_out_with_the_cause_in_the_report(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without waits the retries run out: gave_up, with the refused connection as the message."""
    caplog.set_level(logging.WARNING, "honeyhive_async")
    url = f"http://127.0.0.1:{closed_port()}"
    sleeps = SleepRecorder()
    async with (
        HoneyHiveCore(
            bearer_auth="k", server_url=url, retry_config=INSTANT_RETRY, sleep=sleeps
        ) as core,
        EventBatcher(core) as batcher,
    ):
        await batcher.add(EVENT)
    report = batcher.final_report
    assert report is not None

    expected = (1, "gave_up", True, 3)
    actual = (
        report.failed,
        report.undelivered[0].reason,
        "Connect" in report.undelivered[0].message,
        len(sleeps.waits),  # 4 attempts by the one retry policy: 3 waits
    )
    assert expected == actual


async def test_closing_the_core_closes_its_batchers_first(caplog: pytest.LogCaptureFixture) -> None:
    """core.aclose() flushes a batcher built on it first: all sent, no error logged."""
    from honeyhive_async.server import LocalServer

    caplog.set_level(logging.WARNING, "honeyhive_async")
    async with LocalServer() as server:
        core = HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url)
        batcher = EventBatcher(core, flush_interval=3600)
        for n in range(5):
            await batcher.add({**EVENT, "event_name": f"step {n}"})
        await core.aclose()
        stored = await server.store.count("sender")

    report = batcher.final_report
    assert report is not None
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    expected = (True, True, 5, 5, [])
    assert expected == (batcher.closed, core.closed, report.sent, stored, errors)


def test_a_batcher_dropped_with_queued_events_logs_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Never closed and garbage-collected with events queued: a WARNING says they are lost."""
    caplog.set_level(logging.WARNING, "honeyhive_async")

    async def forget() -> None:
        core = HoneyHiveCore(bearer_auth="k", server_url="http://127.0.0.1:9")
        batcher = EventBatcher(core, flush_interval=3600)
        for _ in range(3):
            batcher.add_nowait(EVENT)
        del batcher

    asyncio.run(forget())
    gc.collect()

    expected = ["EventBatcher dropped without being closed: 3 queued events were never sent"]
    assert expected == [w.split(";")[0] for w in warnings_of(caplog)]
