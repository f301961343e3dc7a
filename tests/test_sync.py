"""``HoneyHiveSync`` and ``EventBatcherSync``: the blocking client on the background loop thread."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from aiohttp import ClientHandlerType, ClientRequest, ClientResponse

from honeyhive_async import (
    EventBatcherSync,
    HoneyHiveCore,
    HoneyHiveSync,
    errors,
    models,
)
from honeyhive_async._sync import shared_loop
from honeyhive_async.testing import BackgroundServer
from tests.conftest import INSTANT_RETRY, SleepRecorder

PROJECT = "sync"
EVENT: dict[str, Any] = {"event_name": "step", "event_type": "tool", "duration": 1}
MODEL_EVENT: dict[str, Any] = {
    "model": "gpt-4o",
    "provider": "openai",
    "messages": [{"role": "user", "content": "hi"}],
    "response": {"role": "assistant", "content": "hello"},
    "duration": 5,
    "usage": {"total_tokens": 3},
}


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    """One local server on its own thread for the module."""
    with BackgroundServer() as srv:
        yield srv


@pytest.fixture
def hh(server: BackgroundServer) -> Iterator[HoneyHiveSync]:
    """A blocking client on the local server, with a default project and source."""
    with HoneyHiveSync(
        bearer_auth=lambda: server.api_key,  # a plain provider works like an async one
        server_url=server.url,
        project=PROJECT,
        source="test",
    ) as client:
        yield client


def test_the_six_operations_return_values(hh: HoneyHiveSync, server: BackgroundServer) -> None:
    """Each operation blocks and returns its value; defaults fill project and source."""
    created = hh.events.create_event({"event": {**EVENT, "event_name": "one"}})
    hh.events.update_event({"event_id": created.event_id, "metadata": {"k": 1}})
    batch = hh.events.create_event_batch({"events": [EVENT, EVENT]})
    model = hh.events.create_model_event({"model_event": MODEL_EVENT})
    models_batch = hh.events.create_model_event_batch({"model_events": [MODEL_EVENT]})
    page = hh.events.get_events(
        {"filters": [{"field": "event_name", "operator": "is", "value": "one"}]}
    )

    stored = {e["event_id"]: e for e in server.events_sync(project=PROJECT)}
    assert (True, 2, True, 1, 1, {"k": 1}, "test") == (
        created.event_id in stored,
        len(batch.event_ids),
        model.event_id in stored,
        len(models_batch.event_ids),
        page.total_events,
        page.events[0].metadata,
        stored[created.event_id]["source"],
    )


def test_errors_are_raised_with_their_class(hh: HoneyHiveSync) -> None:
    """A failed call raises the error the function would return, of its status family."""
    with pytest.raises(errors.NotFoundError, match="no event with event_id 'missing'"):
        hh.events.update_event({"event_id": "missing", "duration": 1})
    with pytest.raises(errors.RequestValidationError, match=r"event\.event_type"):
        hh.events.create_event({"event": {**EVENT, "event_type": "x"}})


def test_retries_use_the_injected_sleep(server: BackgroundServer) -> None:
    """Retries on the loop thread wait through the core's sleep; the error says how many."""
    sleeps = SleepRecorder()
    with (
        HoneyHiveSync(
            bearer_auth=server.api_key,
            server_url=server.url,
            retry_config=INSTANT_RETRY,
            sleep=sleeps,
        ) as hh,
        server.faults("503"),
        pytest.raises(errors.ServerError) as raised,
    ):
        hh.events.get_events({"project": PROJECT, "filters": []})
    assert (INSTANT_RETRY.max_attempts, 3) == (raised.value.attempts, len(sleeps.waits))


def test_paging_is_a_plain_iterator(hh: HoneyHiveSync) -> None:
    """iter_events yields every event; limit bounds them; breaking off stops the query."""
    project = "sync-paging"
    hh.events.create_event_batch({"events": [{**EVENT, "project": project}] * 25})
    query = {"project": project, "filters": []}

    every = list(hh.events.iter_events(query, page_size=10))
    limited = list(hh.events.iter_events({**query, "limit": 12}, page_size=10))
    everything = hh.events.get_all_events(query, page_size=7)
    iterator = hh.events.iter_events(query, page_size=10)
    first = next(iterator)
    iterator.close()

    assert (25, 12, 25, True) == (
        len(every),
        len(limited),
        len(everything),
        isinstance(first, models.Event),
    )


def test_many_threads_share_one_client(hh: HoneyHiveSync, server: BackgroundServer) -> None:
    """Calls from many threads at once run concurrently on the one core; none is lost."""
    project = "sync-threads"

    def create(n: int) -> str:
        event = {**EVENT, "project": project, "event_name": f"e{n}"}
        return hh.events.create_event({"event": event}).event_id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(create, range(80)))

    assert (80, 80) == (len(set(ids)), len(server.events_sync(project=project)))


async def test_inside_a_running_loop_it_refuses_clearly(hh: HoneyHiveSync) -> None:
    """Blocking inside an event loop would stall it: a RuntimeError points to HoneyHive."""
    with pytest.raises(RuntimeError, match=r"running event loop.*use HoneyHive"):
        hh.events.get_events({"filters": []})
    with pytest.raises(RuntimeError, match="running event loop"):
        hh.events.iter_events({"filters": []})
    with pytest.raises(RuntimeError, match="running event loop"):
        hh.events.batcher()


def test_on_the_loop_thread_it_refuses_too(hh: HoneyHiveSync) -> None:
    """Called from the background loop itself it raises instead of deadlocking."""
    outcome: list[BaseException] = []

    def on_loop() -> None:
        try:
            hh.events.get_events({"filters": []})
        except RuntimeError as exc:
            outcome.append(exc)

    async def run_on_loop() -> None:
        on_loop()

    shared_loop().run(run_on_loop())
    assert ["running event loop"] == [
        m for e in outcome for m in ["running event loop"] if m in str(e)
    ]


def test_closing(server: BackgroundServer) -> None:
    """``with`` closes the core it made, never one it was given; closing twice is fine."""
    with HoneyHiveSync(bearer_auth=server.api_key, server_url=server.url) as own:
        pass
    own.close()
    core = HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url)
    with HoneyHiveSync(core=core) as shared:
        shared.events.get_events({"project": PROJECT, "filters": []})
    assert (True, True, False) == (own.closed, own.core.closed, core.closed)
    assert "HoneyHiveSync(HoneyHiveCore(" in repr(shared)
    shared_loop().run(core.aclose())


# -- the batcher ------------------------------------------------------------------------


def test_batcher_from_many_threads(hh: HoneyHiveSync, server: BackgroundServer) -> None:
    """Threads add at once; leaving ``with`` delivers all and keeps the report."""
    project = "sync-batcher"

    def add(n: int) -> None:
        for i in range(100):
            batcher.add({**EVENT, "project": project, "event_name": f"{n}-{i}"})

    with hh.events.batcher(max_batch_events=30) as batcher:
        threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        model_id = batcher.add(MODEL_EVENT)

    report = batcher.final_report
    assert report is not None
    assert (601, 0, None, 600) == (
        report.sent,
        report.failed,
        model_id,
        len(server.events_sync(project=project)),
    )
    assert report is batcher.close()
    with pytest.raises(errors.BatcherClosedError):
        batcher.add(EVENT)


def test_batcher_validates_in_the_callers_thread(hh: HoneyHiveSync) -> None:
    """An invalid event raises at once, naming the field; nothing is queued."""
    with (
        hh.events.batcher() as batcher,
        pytest.raises(errors.RequestValidationError, match="duration"),
    ):
        batcher.add({**EVENT, "duration": "long"})
    assert batcher.final_report is not None
    assert (0, 0) == (batcher.final_report.sent, batcher.final_report.failed)


class Gate:
    """A client middleware that holds every request until released (from any thread)."""

    def __init__(self) -> None:
        self.open = asyncio.Event()  # used on the background loop only

    async def __call__(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        await self.open.wait()
        return await handler(request)

    def release(self) -> None:
        shared_loop().call_soon(self.open.set)


def gated(server: BackgroundServer, gate: Gate) -> HoneyHiveSync:
    return HoneyHiveSync(
        bearer_auth=server.api_key,
        server_url=server.url,
        project="gated",
        source="test",
        middlewares=[gate],
    )


def test_add_waits_only_for_the_batchers_backpressure(server: BackgroundServer) -> None:
    """With the server held, adds return while there is room; then wait until room comes."""
    gate = Gate()
    done = threading.Event()
    options = {"max_batch_events": 1, "max_queue_events": 2, "max_in_flight": 1}
    with gated(server, gate) as hh, hh.events.batcher(**options) as batcher:
        for _ in range(3):  # two queued, one handed over: none waits for the network
            batcher.add(EVENT)
        # The loop takes the third one over when it gets to it: from then on the queue is full.
        until = time.monotonic() + 10
        while not batcher._handoff.paused and time.monotonic() < until:
            time.sleep(0.001)

        def fourth() -> None:
            batcher.add(EVENT)
            done.set()

        thread = threading.Thread(target=fourth)
        thread.start()
        waited = not done.wait(0.2)  # the queue is full: the fourth add waits for room
        gate.release()
        thread.join(10)
    assert batcher.final_report is not None
    assert (True, True, 4) == (waited, done.is_set(), batcher.final_report.sent)


def test_close_by_the_deadline_reports_what_waits(server: BackgroundServer) -> None:
    """A server that never answers: close returns by its timeout, every event listed pending."""
    gate = Gate()
    options = {"max_batch_events": 1, "max_queue_events": 2, "max_in_flight": 1}
    with gated(server, gate) as hh:
        batcher = hh.events.batcher(**options)
        for _ in range(3):
            batcher.add(EVENT)
        report = batcher.close(timeout=0.2)
    assert (0, 3, {"pending": 3}) == (report.sent, report.failed, report.by_reason())


def test_closing_the_client_closes_its_batchers(server: BackgroundServer) -> None:
    """Events added to a batcher made by the client are delivered when the client closes."""
    project = "sync-close"
    with HoneyHiveSync(
        bearer_auth=server.api_key, server_url=server.url, project=project, source="test"
    ) as hh:
        batcher = hh.events.batcher()
        batcher.add(EVENT)
    assert (True, 1) == (batcher.closed, len(server.events_sync(project=project)))


def test_batcher_repr_and_counts(hh: HoneyHiveSync) -> None:
    """The repr says whether it is open and how many events are queued."""
    batcher: EventBatcherSync = hh.events.batcher()
    text = repr(batcher)
    report = batcher.flush()
    batcher.close()
    assert ("<EventBatcherSync open queued=0>", 0, "closed") == (
        text,
        report.sent,
        repr(batcher).split()[1],
    )


FORGOTTEN = """
import sys
from honeyhive_async import HoneyHiveSync

hh = HoneyHiveSync(bearer_auth=sys.argv[1], server_url=sys.argv[2], project="sync-exit", source="t")
batcher = hh.events.batcher(flush_interval=60)
for n in range(10):
    batcher.add({"event_name": f"e{n}", "event_type": "tool", "duration": 1})
"""


def test_what_a_program_forgets_to_close_is_delivered_at_exit(server: BackgroundServer) -> None:
    """A batcher never closed is closed at exit: its events arrive, with a WARNING that says so."""
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", FORGOTTEN, server.api_key, server.url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert (10, True, False) == (
        len(server.events_sync(project="sync-exit")),
        "was not closed: its 10 events are sent at exit" in done.stderr,
        "Traceback" in done.stderr,
    )
