"""EventBatcher: batching, backpressure, delivery outcomes, deadlines, dead letters, loops."""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aioresponses import CallbackResult, aioresponses

from honeyhive_async import BackoffStrategy, HoneyHiveCore, RetryConfig, funcs, models
from honeyhive_async._batching._batcher import (
    BatcherClosedError,
    DeliveryReport,
    EventBatcher,
    QueueFullError,
    event_kind,
)
from honeyhive_async.cli._events import add_arguments, run_async
from honeyhive_async.errors import RequestValidationError
from honeyhive_async.server import FaultConfig, LocalServer
from tests.conftest import SleepRecorder

KEY = "batcher-test-key"
RETRY = RetryConfig(
    backoff=BackoffStrategy(initial_interval=0.0, max_interval=0.0, max_elapsed_time=60.0),
    max_attempts=4,
)
EVENT: dict[str, Any] = {
    "project": "batcher",
    "source": "test",
    "event_name": "step",
    "event_type": "tool",
    "config": {"tool": "search"},
    "inputs": {"query": "what is in the context?"},
    "duration": 12.5,
}
MODEL_EVENT: dict[str, Any] = {
    "project": "batcher",
    "model": "gpt-4o",
    "provider": "openai",
    "messages": [{"role": "user", "content": "hi"}],
    "response": {"role": "assistant", "content": "hello"},
    "duration": 300.0,
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}

Responder = Callable[[str, dict[str, Any]], web.Response]


def event(n: int, **fields: Any) -> dict[str, Any]:
    """A valid create-event request, distinct per *n*."""
    return {**EVENT, "event_name": f"step {n}", **fields}


def items_of(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events of a batch body, whichever kind."""
    return list(body.get("events") or body.get("model_events") or [])


def ok(path: str, body: dict[str, Any]) -> web.Response:
    """The batch success answer: every id, in request order."""
    ids = [e.get("event_id") or str(uuid.uuid4()) for e in items_of(body)]
    return web.json_response({"event_ids": ids, "session_id": "s-1", "success": True})


def status(code: int, headers: Mapping[str, str] | None = None) -> Responder:
    """A responder answering *code* with a JSON error body."""
    return lambda path, body: web.json_response(
        {"success": False, "message": f"status {code}"}, status=code, headers=headers
    )


def partial(stored: Iterable[int], rejected: Mapping[int, str] | None = None) -> Responder:
    """The typed batch 500: the events at *stored* kept, those at *rejected* refused."""

    def respond(path: str, body: dict[str, Any]) -> web.Response:
        key = "model_events" if "model" in path else "events"
        items = items_of(body)
        ids = [items[i].get("event_id") or str(uuid.uuid4()) for i in stored]
        errors = [f"{key}[{i}]: {msg}" for i, msg in (rejected or {}).items()]
        answer = {"event_ids": ids, "errors": errors, "success": False}
        return web.json_response(answer, status=500)

    return respond


def too_large_over(count: int) -> Responder:
    """413 for batches of more than *count* events, success otherwise."""

    def respond(path: str, body: dict[str, Any]) -> web.Response:
        return status(413)(path, body) if len(items_of(body)) > count else ok(path, body)

    return respond


class FakeAPI:
    """The two batch routes: records each request, answers from a script, can hold answers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any], int]] = []
        self.script: list[Responder] = []
        self.fallback: Responder = ok
        self.gate = asyncio.Event()
        self.gate.set()
        self.url = ""
        self._arrived = asyncio.Event()

    def app(self) -> web.Application:
        """The aiohttp application serving the batch routes."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/events/batch", self.handle)
        app.router.add_post("/events/model/batch", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        """Record the request, wait at the gate, answer by the script."""
        raw = await request.read()
        self.requests.append((request.path, json.loads(raw), len(raw)))
        self._arrived.set()
        await self.gate.wait()
        respond = self.script.pop(0) if self.script else self.fallback
        return respond(request.path, json.loads(raw))

    async def wait_for(self, count: int) -> None:
        """Return once *count* requests have arrived (fails after 5 s)."""

        async def until() -> None:
            while len(self.requests) < count:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(until(), 5)

    def sizes(self) -> list[int]:
        """How many events each request carried, in arrival order."""
        return [len(items_of(body)) for _, body, _ in self.requests]

    def sent_ids(self) -> list[str]:
        """The event ids of every request, in order."""
        return [
            e["event_id"] for _, body, _ in self.requests for e in items_of(body) if "event_id" in e
        ]


@pytest.fixture
async def api() -> AsyncIterator[FakeAPI]:
    """A running FakeAPI."""
    fake = FakeAPI()
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("/"))
    yield fake
    fake.gate.set()
    await server.close()


@pytest.fixture
async def hh(api: FakeAPI, sleeps: SleepRecorder) -> AsyncIterator[HoneyHiveCore]:
    """A core aimed at the FakeAPI, retrying up to 4 times without waiting."""
    async with HoneyHiveCore(
        bearer_auth=KEY, server_url=api.url, retry_config=RETRY, sleep=sleeps
    ) as core:
        yield core


def batcher_for(core: HoneyHiveCore, **options: Any) -> EventBatcher:
    """A batcher that only flushes when told (or when full), unless *options* say otherwise."""
    return EventBatcher(core, **{"flush_interval": 3600.0, **options})


# -- adding -------------------------------------------------------------------------


async def test_add_returns_ids_and_flush_sends_one_batch(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """add returns the event's id (given or generated); flush sends them in one request."""
    async with batcher_for(hh) as batcher:
        generated = await batcher.add(event(1))
        given = await batcher.add(event(2, event_id="e-2"))
        from_model = await batcher.add(models.CreateEventRequest(**event(3)))
        report = await batcher.flush()

    expected = (DeliveryReport(sent=3), [3], [generated, "e-2", from_model], 3)
    actual = (report, api.sizes(), api.sent_ids(), len({generated, given, from_model}))
    assert expected == actual


async def test_model_events_go_to_their_own_stream(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """A model event (mapping or model) returns None and is sent by createModelEventBatch."""
    async with batcher_for(hh) as batcher:
        ids = [
            await batcher.add(MODEL_EVENT),
            await batcher.add(models.CreateModelEvent(**MODEL_EVENT)),
            await batcher.add(event(1)) is not None,
        ]
        report = await batcher.flush()

    paths = sorted((path, len(items_of(body))) for path, body, _ in api.requests)
    expected = ([None, None, True], 3, [("/events/batch", 1), ("/events/model/batch", 2)])
    assert expected == (ids, report.sent, paths)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (EVENT, "event"),
        (MODEL_EVENT, "model_event"),
        ({"project": "p", "provider": "openai"}, "model_event"),
        ({**MODEL_EVENT, "event_type": "model"}, "event"),
        ({"project": "p"}, "event"),
        (models.CreateModelEvent(**MODEL_EVENT), "model_event"),
        (models.CreateEventRequest(**EVENT), "event"),
    ],
)
def test_event_kind_recognises_model_events_by_their_fields(data: Any, kind: str) -> None:
    """Mappings without event_type but with model-only fields are model events."""
    assert kind == event_kind(data)


@pytest.mark.parametrize(
    ("data", "issue"),
    [
        ({**EVENT, "event_type": "span"}, "event_type"),
        ({k: v for k, v in EVENT.items() if k != "project"}, "project"),
        ({**EVENT, "duration": "12"}, "duration"),
        ({**EVENT, "duration": float("nan")}, "duration"),
        ({**EVENT, "inputs": {"when": object()}}, "inputs.when"),
        ({**EVENT, "evnet_id": "x"}, "evnet_id"),
        ({**MODEL_EVENT, "messages": "hi"}, "messages"),
        ("not an event", ""),
    ],
)
async def test_invalid_event_is_refused_at_add(hh: HoneyHiveCore, data: Any, issue: str) -> None:
    """An invalid event raises RequestValidationError naming the field, and is not queued."""
    async with batcher_for(hh) as batcher:
        with pytest.raises(RequestValidationError) as caught:
            await batcher.add(data)
        with pytest.raises(RequestValidationError):
            batcher.add_nowait(data)
        queued = batcher.queued

    expected = (True, 0)
    actual = (issue in [path for path, _ in caught.value.issues], queued)
    assert expected == actual


# -- when batches are sent ------------------------------------------------------------


async def test_full_batches_are_sent_without_a_flush(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """A batch leaves once it holds max_batch_events; flush sends the remainder."""
    async with batcher_for(hh, max_batch_events=10) as batcher:
        for n in range(25):
            await batcher.add(event(n))
        await api.wait_for(2)
        before_flush = api.sizes()
        report = await batcher.flush()

    expected = ([10, 10], [10, 10, 5], 25)
    actual = (before_flush, api.sizes(), report.sent)
    assert expected == actual


async def test_batches_stay_under_the_byte_limit(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """No request body exceeds max_batch_bytes; every event is still sent."""
    limit = 2_000
    async with batcher_for(hh, max_batch_bytes=limit, max_queue_bytes=limit) as batcher:
        for n in range(20):
            await batcher.add(event(n, outputs={"text": "x" * 300}))
        report = await batcher.flush()

    sizes = [size for _, _, size in api.requests]
    expected = (True, 20, True)
    actual = (max(sizes) <= limit, report.sent, len(sizes) > 4)
    assert expected == actual


async def test_an_event_larger_than_a_batch_is_sent_alone(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """An event over max_batch_bytes still goes out, in a request of its own."""
    async with batcher_for(hh, max_batch_bytes=500, max_queue_bytes=500) as batcher:
        await batcher.add(event(1))
        await batcher.add(event(2, outputs={"text": "x" * 1000}))
        report = await batcher.flush()

    expected = ([1, 1], 2)
    actual = (api.sizes(), report.sent)
    assert expected == actual


async def test_a_batch_leaves_after_the_flush_interval(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """An event waits at most flush_interval seconds before it is sent."""
    async with EventBatcher(hh, flush_interval=0.05) as batcher:
        event_id = await batcher.add(event(1))
        await api.wait_for(1)

    expected = ([event_id], 1)
    actual = (api.sent_ids(), batcher.final_report and batcher.final_report.sent)
    assert expected == actual


async def test_batches_in_flight_are_bounded(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """At most max_in_flight requests are outstanding; the rest wait their turn."""
    api.gate.clear()
    async with batcher_for(hh, max_batch_events=1, max_in_flight=2) as batcher:
        for n in range(5):
            await batcher.add(event(n))
        await api.wait_for(2)
        for _ in range(20):
            await asyncio.sleep(0)
        held = len(api.requests)
        api.gate.set()
        report = await batcher.flush()

    expected = (2, 5)
    actual = (held, report.sent)
    assert expected == actual


# -- backpressure ---------------------------------------------------------------------


async def test_add_waits_while_the_queue_is_full(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """With the queue full, add waits and add_nowait refuses; both resume once there is room."""
    api.gate.clear()
    async with batcher_for(hh, max_batch_events=2, max_queue_events=2) as batcher:
        await batcher.add(event(1))
        await batcher.add(event(2))
        waiting = asyncio.ensure_future(batcher.add(event(3)))
        await api.wait_for(1)
        with pytest.raises(QueueFullError) as refused:
            batcher.add_nowait(event(4))
        blocked = not waiting.done()
        api.gate.set()
        await waiting
        report = await batcher.flush()

    expected = (True, True, 3, 2)
    actual = (blocked, "queue is full" in str(refused.value), report.sent, len(api.requests))
    assert expected == actual


async def test_the_queue_is_bounded_by_bytes(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """The encoded bytes queued count too: a third large event finds no room."""
    api.gate.clear()
    big = {"text": "x" * 200}
    options = {"max_batch_bytes": 1_000, "max_queue_bytes": 1_000}
    async with batcher_for(hh, **options) as batcher:
        batcher.add_nowait(event(1, outputs=big))
        batcher.add_nowait(event(2, outputs=big))
        with pytest.raises(QueueFullError):
            batcher.add_nowait(event(3, outputs=big))
        api.gate.set()
        report = await batcher.flush()

    expected = 2
    actual = report.sent
    assert expected == actual


async def test_cancelling_a_waiting_add_queues_nothing(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """Cancelling add while it waits for room propagates and leaves the queue as it was."""
    api.gate.clear()
    async with batcher_for(hh, max_batch_events=1, max_queue_events=1) as batcher:
        await batcher.add(event(1))
        waiting = asyncio.ensure_future(batcher.add(event(2)))
        await api.wait_for(1)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        queued = batcher.queued
        api.gate.set()
        report = await batcher.flush()

    expected = (1, 1, 1)
    actual = (queued, report.sent, len(api.requests))
    assert expected == actual


async def test_cancelling_flush_leaves_the_batcher_sending(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """Cancelling a flush propagates; the batches go on and a later flush reports them."""
    api.gate.clear()
    async with batcher_for(hh) as batcher:
        await batcher.add(event(1))
        flushing = asyncio.ensure_future(batcher.flush())
        await api.wait_for(1)
        flushing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await flushing
        api.gate.set()
        report = await batcher.flush()

    expected = (1, 1)
    actual = (report.sent, len(api.requests))
    assert expected == actual


# -- delivery outcomes ------------------------------------------------------------------


async def test_partial_failure_resends_only_missing_events(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """Typed 500: acknowledged events are done, rejected ones reported, only the rest re-sent."""
    api.script = [partial(stored=[0, 2], rejected={3: "event_type must be one of ..."})]
    async with batcher_for(hh) as batcher:
        ids = [await batcher.add(event(n)) for n in range(4)]
        report = await batcher.flush()

    (rejected,) = report.undelivered
    second_request = [e["event_id"] for e in items_of(api.requests[1][1])]
    expected = (
        3,
        [ids[1]],
        ids[3],
        "rejected",
        "the server refused it: event_type must be one of ...",
    )
    actual = (report.sent, second_request, rejected.event_id, rejected.reason, rejected.message)
    assert expected == actual


async def test_partial_failure_rounds_are_bounded(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """A server that keeps leaving an event out gets max_attempts rounds, then it gave up."""
    api.script, api.fallback = [partial(stored=[0])], partial(stored=[])
    async with batcher_for(hh) as batcher:
        await batcher.add(event(1))
        await batcher.add(event(2))
        report = await batcher.flush()

    expected = (1, ["gave_up"], [2, 1, 1, 1])
    assert expected == (report.sent, [u.reason for u in report.undelivered], api.sizes())


@pytest.mark.parametrize(
    ("stored", "sent", "resent", "reasons"),
    [
        pytest.param([0, 1], 2, [], ["rejected"], id="all-valid-stored"),
        pytest.param([], 2, [2], ["rejected"], id="none-stored-resend"),
        pytest.param([0], 0, [], ["rejected", "gave_up", "gave_up"], id="ambiguous"),
    ],
)
async def test_partial_failure_of_model_events(
    api: FakeAPI,
    hh: HoneyHiveCore,
    stored: list[int],
    sent: int,
    resent: list[int],
    reasons: list[str],
) -> None:
    """Model events: ids are counted; only a batch that stored nothing is sent again."""
    api.script = [partial(stored=stored, rejected={2: "usage is required"})]
    async with batcher_for(hh) as batcher:
        for _ in range(3):
            await batcher.add(MODEL_EVENT)
        report = await batcher.flush()

    maybe = [u.maybe_stored for u in report.undelivered]
    expected = (sent, resent, reasons, [r == "gave_up" for r in reasons])
    assert expected == (report.sent, api.sizes()[1:], [u.reason for u in report.undelivered], maybe)


async def test_413_splits_the_batch(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """A 413 splits the batch in halves until the pieces fit; all events arrive once."""
    api.fallback = too_large_over(2)
    async with batcher_for(hh) as batcher:
        ids = [await batcher.add(event(n)) for n in range(5)]
        report = await batcher.flush()

    accepted = [
        e["event_id"] for _, b, _ in api.requests if len(items_of(b)) <= 2 for e in items_of(b)
    ]
    expected = ([5, 2, 3, 1, 2], 5, sorted(ids))
    actual = (api.sizes(), report.sent, sorted(accepted))
    assert expected == actual


async def test_an_event_too_large_alone_is_rejected(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """An event that gets 413 on its own is rejected; its batch mates are delivered."""
    api.fallback = lambda path, body: (
        status(413)(path, body) if "x" * 100 in json.dumps(body) else ok(path, body)
    )
    async with batcher_for(hh) as batcher:
        await batcher.add(event(1))
        big = await batcher.add(event(2, outputs={"text": "x" * 100}))
        report = await batcher.flush()

    (rejected,) = report.undelivered
    expected = (1, big, "rejected")
    actual = (report.sent, rejected.event_id, rejected.reason)
    assert expected == actual


async def test_retry_exhaustion_is_reported(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """A batch failing every attempt with 503 is reported as gave_up, after max_attempts."""
    api.fallback = status(503)
    async with batcher_for(hh) as batcher:
        for n in range(3):
            await batcher.add(event(n))
        report = await batcher.flush()

    reasons = {(u.reason, "HTTP 503" in u.message) for u in report.undelivered}
    expected = (0, 3, {("gave_up", True)}, 4)
    actual = (report.sent, report.failed, reasons, len(api.requests))
    assert expected == actual


async def test_model_events_are_not_retried_after_a_5xx(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """A 503 may have stored model events: they are reported, maybe_stored, never re-sent."""
    api.fallback = status(503)
    async with batcher_for(hh) as batcher:
        await batcher.add(MODEL_EVENT)
        report = await batcher.flush()

    (failed,) = report.undelivered
    expected = (1, "gave_up", True)
    actual = (len(api.requests), failed.reason, failed.maybe_stored)
    assert expected == actual


async def test_a_client_error_rejects_the_batch(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """A 401 is not retried; the events are reported as rejected."""
    api.fallback = status(401)
    async with batcher_for(hh) as batcher:
        await batcher.add(event(1))
        report = await batcher.flush()

    expected = (1, ["rejected"])
    actual = (len(api.requests), [u.reason for u in report.undelivered])
    assert expected == actual


async def test_the_report_keeps_at_most_max_report_events(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """Failures past max_report_events are counted in omitted, not listed."""
    api.fallback = status(400)
    async with batcher_for(hh, max_report_events=2) as batcher:
        for n in range(5):
            await batcher.add(event(n))
        report = await batcher.flush()
        later = await batcher.flush()

    expected = (2, 3, 5, False, DeliveryReport())
    assert expected == (len(report.undelivered), report.omitted, report.failed, report.ok, later)


async def test_the_report_keeps_json_within_max_report_bytes(
    api: FakeAPI, hh: HoneyHiveCore, tmp_path: Path
) -> None:
    """Past max_report_bytes an event keeps its id, reason and message; the dead letters get all."""
    api.fallback = status(400)
    dead = tmp_path / "dead.jsonl"
    big = [event(n, inputs={"text": "x" * 1000}) for n in range(5)]
    async with batcher_for(hh, max_report_bytes=2500, dead_letter=dead) as batcher:
        ids = [await batcher.add(e) for e in big]
        report = await batcher.flush()

    lines = [json.loads(line) for line in dead.read_text().splitlines()]
    expected = (
        ids,
        [True, True, False, False, False],
        {"rejected"},
        [e["inputs"] for e in big],
    )
    actual = (
        [u.event_id for u in report.undelivered],
        [u.wire is not None for u in report.undelivered],
        {u.reason for u in report.undelivered},
        [line["event"]["inputs"] for line in lines],
    )
    assert expected == actual


# -- deadlines and closing --------------------------------------------------------------


async def test_flush_returns_by_its_deadline(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """With the server not answering, flush returns at its deadline listing events as pending."""
    api.gate.clear()
    async with batcher_for(hh) as batcher:
        await batcher.add(event(1))
        started = time.monotonic()
        report = await batcher.flush(timeout=0.2)
        elapsed = time.monotonic() - started
        api.gate.set()
        later = await batcher.flush()

    expected = (True, ["pending"], 1)
    actual = (elapsed < 2, [u.reason for u in report.undelivered], later.sent)
    assert expected == actual


async def test_aclose_abandons_what_is_late_and_dead_letters_it(
    api: FakeAPI, hh: HoneyHiveCore, tmp_path: Path
) -> None:
    """aclose returns by its deadline; late events are pending, in the report and the file."""
    api.gate.clear()
    dead = tmp_path / "dead.jsonl"
    batcher = batcher_for(hh, dead_letter=dead)
    ids = [await batcher.add(event(n)) for n in range(3)]
    started = time.monotonic()
    report = await batcher.aclose(timeout=0.3)
    elapsed = time.monotonic() - started
    lines = [json.loads(line) for line in dead.read_text().splitlines()]

    expected = (True, 3, {"pending"}, ids, {"event"}, 0)
    actual = (
        elapsed < 2,
        report.count("pending"),
        {line["reason"] for line in lines},
        [line["event"]["event_id"] for line in lines],
        {line["kind"] for line in lines},
        batcher.queued,
    )
    assert expected == actual


async def test_leaving_the_block_flushes_and_closes(api: FakeAPI, hh: HoneyHiveCore) -> None:
    """async with ends with everything sent, final_report set, and add refused."""
    async with batcher_for(hh) as batcher:
        await batcher.add(event(1))
    with pytest.raises(BatcherClosedError):
        await batcher.add(event(2))
    again = await batcher.aclose()

    expected = (1, True, again)
    actual = (len(api.requests), batcher.closed, batcher.final_report)
    assert expected == actual


async def test_a_waiting_add_raises_when_the_batcher_closes(
    api: FakeAPI, hh: HoneyHiveCore
) -> None:
    """An add waiting for room raises BatcherClosedError when aclose is called."""
    api.gate.clear()
    batcher = batcher_for(hh, max_batch_events=1, max_queue_events=1)
    await batcher.add(event(1))
    waiting = asyncio.ensure_future(batcher.add(event(2)))
    await api.wait_for(1)
    closing = asyncio.ensure_future(batcher.aclose(timeout=5))
    with pytest.raises(BatcherClosedError):
        await waiting
    api.gate.set()
    report = await closing

    expected = (1, True)
    actual = (report.sent, report.ok)
    assert expected == actual


async def test_flush_after_close_raises(hh: HoneyHiveCore) -> None:
    """flush on a closed batcher raises BatcherClosedError."""
    batcher = batcher_for(hh)
    report = await batcher.aclose()
    with pytest.raises(BatcherClosedError):
        await batcher.flush()

    assert DeliveryReport() == report


# -- dead letters -------------------------------------------------------------------------


async def test_dead_letters_replay_through_events_import(
    api: FakeAPI, hh: HoneyHiveCore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Undelivered events land in the dead-letter file, and `events import` of it sends them."""
    dead = tmp_path / "dead.jsonl"
    api.fallback = status(503)
    async with batcher_for(hh, dead_letter=dead) as batcher:
        ids = [await batcher.add(event(n)) for n in range(3)]
        await batcher.add(MODEL_EVENT)
    lines = [json.loads(line) for line in dead.read_text().splitlines()]
    first = {"kinds": sorted(line["kind"] for line in lines), "keys": set(lines[0])}

    api.fallback, api.requests = ok, []
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["import", str(dead), "--server-url", api.url, "--api-key", KEY])
    status_code = await run_async(args)

    expected = (
        {
            "kinds": ["event", "event", "event", "model_event"],
            "keys": {"kind", "reason", "message", "maybe_stored", "event"},
        },
        0,
        sorted(ids),
        ["/events/batch", "/events/model/batch"],
    )
    actual = (first, status_code, sorted(api.sent_ids()), sorted(p for p, _, _ in api.requests))
    assert expected == actual


async def test_an_unwritable_dead_letter_file_is_reported(
    api: FakeAPI, hh: HoneyHiveCore, tmp_path: Path
) -> None:
    """When the dead-letter file cannot be written, the report says why."""
    api.fallback = status(400)
    async with batcher_for(hh, dead_letter=tmp_path) as batcher:
        await batcher.add(event(1))

    report = batcher.final_report
    assert report is not None
    expected = (1, True)
    actual = (report.failed, "IsADirectoryError" in (report.dead_letter_error or ""))
    assert expected == actual


# -- options and loops --------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"max_batch_events": 0},
        {"max_batch_bytes": -1},
        {"max_in_flight": True},
        {"flush_interval": 0},
        {"close_timeout": -1},
        {"max_queue_events": 10, "max_batch_events": 20},
        {"max_queue_bytes": 10},
        {"timeout": 0},
    ],
)
def test_bad_options_are_refused(options: dict[str, Any]) -> None:
    """Invalid options raise ValueError when the batcher is built."""
    core = HoneyHiveCore(bearer_auth=KEY, server_url="https://hh.test")
    with pytest.raises(ValueError):  # noqa: PT011 - each option has its own message
        EventBatcher(core, **options)


def test_retries_must_be_a_retry_config() -> None:
    """retries= takes a RetryConfig only."""
    core = HoneyHiveCore(bearer_auth=KEY, server_url="https://hh.test")
    with pytest.raises(TypeError):
        EventBatcher(core, retries=3)  # type: ignore[arg-type]


def _acknowledge(url: Any, **kwargs: Any) -> CallbackResult:
    ids = [e["event_id"] for e in json.loads(kwargs["data"])["events"]]
    return CallbackResult(payload={"event_ids": ids, "session_id": "s", "success": True})


def test_works_in_two_event_loops() -> None:
    """Built outside any loop, a batcher works in asyncio.run; another run works as well."""

    async def use(core: HoneyHiveCore, batcher: EventBatcher) -> int:
        async with core, batcher:
            await batcher.add(event(1))
        assert batcher.final_report is not None
        return batcher.final_report.sent

    def fresh() -> tuple[HoneyHiveCore, EventBatcher]:
        core = HoneyHiveCore(bearer_auth=KEY, server_url="https://hh.test")
        return core, EventBatcher(core)

    with aioresponses() as mocked:
        mocked.post("https://hh.test/events/batch", callback=_acknowledge, repeat=True)
        first = asyncio.run(use(*fresh()))
        second = asyncio.run(use(*fresh()))

    expected = (1, 1)
    actual = (first, second)
    assert expected == actual


def test_a_batcher_refuses_a_second_loop() -> None:
    """A batcher used in one loop raises RuntimeError when used from another."""
    core = HoneyHiveCore(bearer_auth=KEY, server_url="https://hh.test")
    batcher = EventBatcher(core)

    async def flush() -> DeliveryReport:
        return await batcher.flush()

    asyncio.run(flush())
    with pytest.raises(RuntimeError, match="another event loop"):
        asyncio.run(flush())


# -- against the local server ----------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def _never(seconds: float) -> None:
    await asyncio.Event().wait()


@pytest.mark.parametrize(
    ("sleep", "reason"),
    [
        pytest.param(_never, "pending", id="stuck-in-backoff"),
        pytest.param(None, "gave_up", id="instant"),
    ],
)
async def test_aclose_deadline_with_the_server_unreachable(
    tmp_path: Path, sleep: Any, reason: str
) -> None:
    """A closed port: aclose(timeout=1) returns within ~1 s with every event in the dead letters."""
    dead = tmp_path / "dead.jsonl"
    url = f"http://127.0.0.1:{_closed_port()}"
    options = {"sleep": sleep} if sleep else {"sleep": SleepRecorder()}
    async with HoneyHiveCore(
        bearer_auth=KEY, server_url=url, retry_config=RETRY, **options
    ) as core:
        batcher = EventBatcher(core, dead_letter=dead)
        ids = {await batcher.add(event(n)) for n in range(250)}
        started = time.monotonic()
        report = await batcher.aclose(timeout=1)
        elapsed = time.monotonic() - started
    lines = [json.loads(line) for line in dead.read_text().splitlines()]

    expected = (True, 0, 250, {reason}, ids)
    actual = (
        elapsed < 2.5,
        report.sent,
        report.failed,
        {u.reason for u in report.undelivered},
        {line["event"]["event_id"] for line in lines},
    )
    assert expected == actual


@pytest.mark.slow
async def test_20000_events_arrive_exactly_once_through_faults() -> None:
    """Through 500s, 429s, dropped connections and stalls, every event is stored exactly once."""
    faults = FaultConfig(
        rate=0.2,
        kinds=("500", "429", "drop", "stall"),
        weights=(3, 3, 3, 1),
        seed=4,
        retry_after_seconds=1,
        stall_seconds=2.0,
    )
    patient = RetryConfig(
        backoff=BackoffStrategy(initial_interval=0.0, max_interval=0.0, max_elapsed_time=120.0),
        max_attempts=30,
    )
    waits = SleepRecorder()
    async with (
        LocalServer(faults=faults) as srv,
        HoneyHiveCore(
            bearer_auth=srv.api_key,
            server_url=srv.url,
            retry_config=patient,
            timeout=0.5,
            sleep=waits,
        ) as core,
    ):
        async with EventBatcher(core, max_in_flight=8, close_timeout=60) as batcher:
            ids = {await batcher.add(event(n, project="exactly-once")) for n in range(20_000)}
        srv.set_faults(None)
        # The 0.5 s timeout is for the faults; reading 7,500 events may take longer.
        stored = await funcs.events_get_all_events(
            core, {"project": "exactly-once", "filters": []}, page_size=7500, timeout=60
        )
        count = await srv.store.count("exactly-once")

    report = batcher.final_report
    assert report is not None
    stored_ids = [e.event_id for e in stored.unwrap()]
    retried = (len(waits.waits) > 10, 1.0 in waits.waits)  # faults were met, Retry-After honoured
    expected = (20_000, True, 20_000, 20_000, ids, (True, True))
    actual = (report.sent, report.ok, count, len(stored_ids), set(stored_ids), retried)
    assert expected == actual


async def test_model_events_reach_the_local_server() -> None:
    """Model events and events, mixed, are stored by the local server."""
    async with (
        LocalServer() as srv,
        HoneyHiveCore(bearer_auth=srv.api_key, server_url=srv.url) as core,
    ):
        async with EventBatcher(core, max_batch_events=7) as batcher:
            for n in range(20):
                await batcher.add({**MODEL_EVENT, "project": "mixed", "event_name": f"m{n}"})
                await batcher.add(event(n, project="mixed"))
        count = await srv.store.count("mixed")

    expected = (40, 40)
    actual = (batcher.final_report and batcher.final_report.sent, count)
    assert expected == actual


async def test_the_local_servers_413_splits_batches() -> None:
    """Against a small body limit, batches are split; an event too large alone is rejected."""
    async with (
        LocalServer(max_body_bytes=4_000) as srv,
        HoneyHiveCore(bearer_auth=srv.api_key, server_url=srv.url) as core,
    ):
        async with EventBatcher(core) as batcher:
            for n in range(6):
                await batcher.add(event(n, project="limits", outputs={"text": "x" * 500}))
            huge = await batcher.add(event(99, project="limits", outputs={"text": "x" * 5000}))
        count = await srv.store.count("limits")

    report = batcher.final_report
    assert report is not None
    expected = (6, 6, [(huge, "rejected")])
    assert expected == (report.sent, count, [(u.event_id, u.reason) for u in report.undelivered])


async def test_an_event_changed_after_add_is_sent_as_it_was(
    api: FakeAPI, hh: HoneyHiveCore
) -> None:
    """The batcher keeps the encoded event, not the caller's object."""
    mine = event(1, inputs={"q": "hi"})
    async with EventBatcher(hh) as batcher:
        await batcher.add(mine)
        mine["event_name"] = "changed afterwards"
        mine["inputs"]["late"] = True
    ((_, body, _),) = api.requests
    (sent,) = items_of(body)
    assert ("step 1", {"q": "hi"}) == (sent["event_name"], sent["inputs"])
