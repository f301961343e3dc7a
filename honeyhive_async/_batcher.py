"""``EventBatcher``: hand events over without waiting; they are sent in batches behind you.

``await batcher.add(event)`` validates the event, gives it an ``event_id``
and queues it; background tasks send the queue as ``createEventBatch``
(model events: ``createModelEventBatch``) requests through the core's pooled
session. Nothing is dropped without a trace: an event is either
acknowledged by the server or listed in a :class:`DeliveryReport` (and in the
optional dead-letter file) with the reason it was not.

How each outcome of a batch is handled:

- success: every event whose id came back is *sent*;
- the typed partial 500 (``PartialBatchError``): the acknowledged events are
  sent, the ones the server names in ``errors`` (``events[3]: ...``) are
  *rejected* with that message, and only the rest are sent again;
- 413: the batch is split in halves, each sent on its own; one event that
  alone is too large is *rejected*;
- anything else, after the core's retries: the events *gave up* (or were
  *rejected*, for a 4xx that says the request is wrong).

Model events carry no id on the wire, so the server's answer cannot say
which of them it stored; see ``docs/batcher.md`` for what is guaranteed for
them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import re
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, overload

import attrs

from . import _converter, _rules, models
from ._closing import AsyncClosing
from ._config import RetryConfig
from ._core import HoneyHiveCore, check_timeout
from ._pipeline import Encoded, Operation, execute, to_json
from ._result import Result
from ._retry import backoff_delay, wait_before_retry
from .errors import (
    APIError,
    BatcherClosedError,
    HoneyHiveError,
    PartialBatchError,
    QueueFullError,
    RequestValidationError,
    ResponseValidationError,
    TransportError,
)
from .funcs.events_create_event_batch import OPERATION as EVENT_BATCH
from .funcs.events_create_model_event_batch import OPERATION as MODEL_EVENT_BATCH

__all__ = [
    "DEFAULT_MAX_BATCH_BYTES",
    "AnyEvent",
    "BatcherClosedError",
    "DeliveryReport",
    "EventBatcher",
    "EventKind",
    "QueueFullError",
    "Reason",
    "UndeliveredEvent",
    "event_kind",
]

log = logging.getLogger("honeyhive_async")

EventKind = Literal["event", "model_event"]
"""``event``: a create-event request (``createEventBatch``); ``model_event``: an LLM call."""
Reason = Literal["rejected", "gave_up", "pending", "dropped"]
"""Why an event was not delivered: the server (or a tracing processor) refused it, retries
ran out, time ran out, or tracing found the queue full (tracing never waits)."""
AnyEvent = models.CreateEventRequest | models.CreateModelEvent | Mapping[str, Any]
"""What :meth:`EventBatcher.add` accepts."""

DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024
"""Encoded bytes per request: 1 MiB under the service's (and the local server's) 5 MiB limit."""

_OPERATION: dict[EventKind, str] = {
    "event": "createEventBatch",
    "model_event": "createModelEventBatch",
}
_ENVELOPE = len('{"model_events":[]}')
_MODEL_ONLY_FIELDS = frozenset({"model", "provider", "messages", "response", "usage"})
_INDEXED_ERROR = re.compile(r"\s*(?:model_events|events)\[(\d+)\]")
_MODELS: dict[EventKind, type[models.CreateEventRequest] | type[models.CreateModelEvent]] = {
    "event": models.CreateEventRequest,
    "model_event": models.CreateModelEvent,
}
_BATCH: dict[EventKind, tuple[Operation[Any, Any], bytes]] = {
    "event": (EVENT_BATCH, b'{"events":['),
    "model_event": (MODEL_EVENT_BATCH, b'{"model_events":['),
}
_ID_POOL = 64


@attrs.frozen(kw_only=True)
class UndeliveredEvent:
    """One event the server did not acknowledge, and why.

    ``wire`` is the event as it was sent, with the ``event_id`` the batcher
    assigned (``add(u.wire)`` to a batcher again retries it without risking
    a duplicate). ``maybe_stored``
    says the server may have stored the event although it did not
    acknowledge it; only for model events does that make a retry unsafe.
    """

    wire: dict[str, Any]
    kind: EventKind
    event_id: str | None
    reason: Reason
    message: str
    maybe_stored: bool = False

    def to_json(self) -> dict[str, Any]:
        """The dead-letter line: ``kind``, ``reason``, ``message``, ``maybe_stored``, ``event``."""
        return {
            "kind": self.kind,
            "reason": self.reason,
            "message": self.message,
            "maybe_stored": self.maybe_stored,
            "event": self.wire,
        }


@attrs.frozen(kw_only=True)
class DeliveryReport:
    """What became of the events since the previous report (of ``flush`` or ``aclose``).

    ``sent`` counts the events the server acknowledged. ``undelivered`` lists
    every other event that reached an end, and (reason ``pending``) the ones
    still on their way when the deadline passed: after a ``flush`` those are
    still being sent and turn up again in a later report; after ``aclose``
    they were abandoned. ``omitted`` counts failures beyond the batcher's
    ``max_report_events`` that are not listed (the dead-letter file has
    them). ``dead_letter`` is the file the undelivered events were appended
    to, ``dead_letter_error`` why writing it failed.
    """

    sent: int = 0
    undelivered: tuple[UndeliveredEvent, ...] = ()
    omitted: int = 0
    dead_letter: str | None = None
    dead_letter_error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every event was delivered."""
        return not self.undelivered and not self.omitted

    @property
    def failed(self) -> int:
        """How many events were not delivered (listed or omitted)."""
        return len(self.undelivered) + self.omitted

    def count(self, reason: Reason) -> int:
        """How many of the listed undelivered events have *reason*."""
        return sum(1 for u in self.undelivered if u.reason == reason)


class _Item:
    """One queued event, kept as its encoded JSON only.

    Holding bytes instead of the caller's objects keeps the queue's memory
    what its byte bound says, and leaves the garbage collector almost
    nothing to scan however many events wait.
    """

    __slots__ = ("data", "done", "event_id", "kind", "size")

    def __init__(self, kind: EventKind, event_id: str | None, data: bytes) -> None:
        self.kind = kind
        self.event_id = event_id
        self.data = data  # the event's JSON, encoded once: batches are joined from these
        self.size = len(data)
        self.done = False


class _Buffer:
    """The events of one kind waiting to become a batch, and the interval timer."""

    __slots__ = ("bytes", "items", "timer")

    def __init__(self) -> None:
        self.items: list[_Item] = []
        self.bytes = 0
        self.timer: asyncio.TimerHandle | None = None


@attrs.frozen
class _LoopState:
    """What the batcher needs from the event loop it runs in, made on first use."""

    loop: asyncio.AbstractEventLoop
    room: asyncio.Event
    slots: asyncio.Semaphore


@attrs.define
class _Step:
    """The outcome of one request for its events; ``resend``/``split`` ask for more requests."""

    sent: list[_Item] = attrs.Factory(list)
    failed: list[tuple[list[_Item], Reason, str, bool]] = attrs.Factory(list)
    resend: list[_Item] = attrs.Factory(list)
    split: bool = False


def event_kind(event: object) -> EventKind:
    """Whether *event* is a create-event request or a model event.

    A mapping is a model event when it has no ``event_type`` but one of the
    fields only model events have (``model``, ``provider``, ``messages``,
    ``response``, ``usage``).
    """
    if event.__class__ is dict or isinstance(event, Mapping):  # dict first: it is the usual case
        if "event_type" in event or _MODEL_ONLY_FIELDS.isdisjoint(event):
            return "event"
        return "model_event"
    return "model_event" if isinstance(event, models.CreateModelEvent) else "event"


def _prepare(event: AnyEvent, ids: Iterator[str]) -> _Item:
    """Validate *event*, give it an id from *ids*, and measure its encoded size; or refuse it."""
    kind = event_kind(event)
    wire = _converter.to_wire(event, _MODELS[kind], _OPERATION[kind])
    event_id = None
    if kind == "event":
        event_id = wire.get("event_id")
        if event_id is None:
            # A session event is its own session: its session_id is its id.
            own = wire.get("session_id") if wire["event_type"] == "session" else None
            event_id = wire["event_id"] = own or next(ids)
    # The event sits two levels down in the batch body: {"events": [event]}.
    return _Item(kind, event_id, to_json(wire, _OPERATION[kind], depth=_rules.MAX_DEPTH - 2))


def _fresh_ids() -> Iterator[str]:
    """Client-side event ids, drawn from the OS a few dozen at a time."""
    while True:
        yield from models.new_event_ids(_ID_POOL)


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a number of seconds >= 0, got {value!r}")
    return float(value)


class EventBatcher(AsyncClosing):
    """Queue events with ``await add(event)``; they are sent in batches in the background.

    Use it as ``async with EventBatcher(core) as batcher:``; leaving the block
    flushes and closes it, and ``batcher.final_report`` holds the report.
    Options (keyword-only):

    - ``max_batch_events`` (100), ``max_batch_bytes`` (4 MiB encoded) and
      ``flush_interval`` (1 s): a batch is sent as soon as it is full by count
      or bytes, or when its oldest event has waited ``flush_interval`` seconds.
    - ``max_in_flight`` (4): batches being sent at once.
    - ``max_queue_events`` (10,000) and ``max_queue_bytes`` (32 MiB encoded):
      the events accepted and not yet acknowledged or given up. When full,
      ``add`` waits and ``add_nowait`` raises :class:`QueueFullError`.
    - ``dead_letter``: a JSONL file every undelivered event is appended to.
    - ``retries``, ``timeout``: per-request retry policy and seconds per
      attempt (the core's by default).
    - ``close_timeout`` (10 s): the deadline of ``aclose`` on leaving ``async with``.
    - ``max_report_events`` (100,000): undelivered events kept for the next
      report; more are only counted (and still go to the dead-letter file).

    A batcher belongs to the event loop it is first used in; it takes no
    loop when built.
    """

    __slots__ = (
        "_batches",
        "_buffers",
        "_closed",
        "_core",
        "_dead",
        "_dead_letter",
        "_dead_letter_error",
        "_ids",
        "_omitted",
        "_queued",
        "_queued_bytes",
        "_sent",
        "_state",
        "_undelivered",
        "_writer",
        "close_timeout",
        "final_report",
        "flush_interval",
        "max_batch_bytes",
        "max_batch_events",
        "max_in_flight",
        "max_queue_bytes",
        "max_queue_events",
        "max_report_events",
        "retries",
        "timeout",
    )

    def __init__(
        self,
        core: HoneyHiveCore,
        *,
        max_batch_events: int = 100,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        flush_interval: float = 1.0,
        max_in_flight: int = 4,
        max_queue_events: int = 10_000,
        max_queue_bytes: int = 32 * 1024 * 1024,
        dead_letter: str | os.PathLike[str] | None = None,
        retries: RetryConfig | None = None,
        timeout: float | None = None,
        close_timeout: float = 10.0,
        max_report_events: int = 100_000,
    ) -> None:
        self._core = core
        self.max_batch_events = _positive_int("max_batch_events", max_batch_events)
        self.max_batch_bytes = _positive_int("max_batch_bytes", max_batch_bytes)
        self.max_in_flight = _positive_int("max_in_flight", max_in_flight)
        self.max_queue_events = _positive_int("max_queue_events", max_queue_events)
        self.max_queue_bytes = _positive_int("max_queue_bytes", max_queue_bytes)
        self.max_report_events = _positive_int("max_report_events", max_report_events)
        self.flush_interval = check_timeout(flush_interval)
        self.close_timeout = _seconds("close_timeout", close_timeout)
        self.timeout = None if timeout is None else check_timeout(timeout)
        if retries is not None and not isinstance(retries, RetryConfig):
            raise TypeError(f"retries must be a RetryConfig, got {retries!r}")
        self.retries = retries
        if self.max_queue_events < self.max_batch_events:
            raise ValueError("max_queue_events must be >= max_batch_events")
        if self.max_queue_bytes < self.max_batch_bytes:
            raise ValueError("max_queue_bytes must be >= max_batch_bytes")
        self._dead_letter = None if dead_letter is None else os.fspath(dead_letter)
        self._state: _LoopState | None = None
        self._buffers: dict[EventKind, _Buffer] = {"event": _Buffer(), "model_event": _Buffer()}
        self._batches: dict[asyncio.Task[None], list[_Item]] = {}
        self._queued = self._queued_bytes = self._sent = self._omitted = 0
        self._undelivered: list[UndeliveredEvent] = []
        self._dead: list[UndeliveredEvent] = []
        self._writer: asyncio.Task[None] | None = None
        self._dead_letter_error: str | None = None
        self._ids = _fresh_ids()
        self._closed = False
        self.final_report: DeliveryReport | None = None
        """The report of :meth:`aclose` (also when ``async with`` closed the batcher)."""

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<EventBatcher {state} queued={self._queued} in_flight={len(self._batches)}>"

    @property
    def queued(self) -> int:
        """Events accepted and not yet acknowledged or given up."""
        return self._queued

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called (``add`` refuses from then on)."""
        return self._closed

    def __del__(self) -> None:
        if not getattr(self, "_closed", True) and self._queued:
            warnings.warn(
                f"EventBatcher dropped with {self._queued} events not sent: "
                "use `async with` or await aclose()",
                ResourceWarning,
                stacklevel=1,
            )

    # -- adding ---------------------------------------------------------------

    @overload
    async def add(self, event: models.CreateEventRequest) -> str: ...
    @overload
    async def add(self, event: models.CreateModelEvent) -> None: ...
    @overload
    async def add(self, event: Mapping[str, Any]) -> str | None: ...

    async def add(self, event: AnyEvent) -> str | None:
        """Queue *event*, waiting while the queue is full; its ``event_id`` (``None``: model event).

        Raises ``RequestValidationError`` (naming the field) for an invalid
        event and :class:`BatcherClosedError` once the batcher is closed,
        also while waiting. Cancelling the wait queues nothing.
        """
        state = self._bind()
        self._check_open()
        item = _prepare(event, self._ids)
        while not self._has_room(item.size):
            self._cut_all()  # room only comes from sending: buffered events must go out
            state.room.clear()
            await state.room.wait()
            self._check_open()
        self._enqueue(item, state)
        return item.event_id

    @overload
    def add_nowait(self, event: models.CreateEventRequest) -> str: ...
    @overload
    def add_nowait(self, event: models.CreateModelEvent) -> None: ...
    @overload
    def add_nowait(self, event: Mapping[str, Any]) -> str | None: ...

    def add_nowait(self, event: AnyEvent) -> str | None:
        """Queue *event* if there is room, else raise :class:`QueueFullError`; never waits.

        Must be called from inside the running event loop. Otherwise as :meth:`add`.
        """
        state = self._bind()
        self._check_open()
        item = _prepare(event, self._ids)
        self._offer(item, state)
        return item.event_id

    def _add_encoded_nowait(self, event_id: str, data: bytes) -> None:
        """Queue an event its caller built valid and encoded (the tracing layer); never waits.

        Raises like :meth:`add_nowait`, without validating or encoding again.
        """
        state = self._bind()
        self._check_open()
        self._offer(_Item("event", event_id, data), state)

    def _offer(self, item: _Item, state: _LoopState) -> None:
        if not self._has_room(item.size):
            self._cut_all()
            raise QueueFullError(
                f"the batcher's queue is full ({self._queued} events, {self._queued_bytes} "
                f"bytes); the event was not queued",
                operation_id=_OPERATION[item.kind],
                request_event_ids=() if item.event_id is None else (item.event_id,),
            )
        self._enqueue(item, state)

    def _record_dropped(
        self, event_id: str | None, data: bytes | None, reason: Reason, message: str
    ) -> None:
        """Report an event that never entered the queue; *data* ``None``: count it only.

        For callers that must not wait or raise (tracing): the event shows in
        the next report and the dead-letter file like any undelivered one.
        Logging is the caller's (it rate-limits).
        """
        if data is None:
            self._omitted += 1
            return
        self._record([_Item("event", event_id, data)], reason, message, False)

    def _bind(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._state
        if state is None:
            state = self._state = _LoopState(
                loop, asyncio.Event(), asyncio.Semaphore(self.max_in_flight)
            )
        elif state.loop is not loop:
            raise RuntimeError("this EventBatcher belongs to another event loop; make one per loop")
        return state

    def _check_open(self) -> None:
        if self._closed:
            raise BatcherClosedError("this EventBatcher is closed; it takes no more events")

    def _has_room(self, size: int) -> bool:
        # An event larger than the byte bound still fits into an empty queue.
        return self._queued < self.max_queue_events and (
            self._queued_bytes + size <= self.max_queue_bytes or self._queued == 0
        )

    def _enqueue(self, item: _Item, state: _LoopState) -> None:
        buffer = self._buffers[item.kind]
        if buffer.items and _ENVELOPE + buffer.bytes + item.size + 1 > self.max_batch_bytes:
            self._cut(item.kind)
        buffer.items.append(item)
        buffer.bytes += item.size + 1
        self._queued += 1
        self._queued_bytes += item.size
        if len(buffer.items) >= self.max_batch_events:
            self._cut(item.kind)
        elif buffer.timer is None:
            buffer.timer = state.loop.call_later(self.flush_interval, self._cut, item.kind)

    def _cut(self, kind: EventKind) -> None:
        """Turn the buffered events of *kind* into a batch and start sending it."""
        buffer = self._buffers[kind]
        if buffer.timer is not None:
            buffer.timer.cancel()
            buffer.timer = None
        if not buffer.items or self._state is None:
            return
        items, buffer.items, buffer.bytes = buffer.items, [], 0
        task = self._state.loop.create_task(self._run_batch(kind, items))
        self._batches[task] = items
        task.add_done_callback(self._batch_done)

    def _cut_all(self) -> None:
        for kind in self._buffers:
            self._cut(kind)

    # -- sending --------------------------------------------------------------

    async def _run_batch(self, kind: EventKind, items: list[_Item]) -> None:
        assert self._state is not None  # batches exist only once bound
        async with self._state.slots:
            await self._deliver(kind, items)

    async def _deliver(self, kind: EventKind, items: list[_Item]) -> None:
        """Send *items* until each is acknowledged or given up: re-sends and splits included."""
        config = self.retries or self._core.retry_config
        work = [(items, 1)]
        while work:
            part, attempt = work.pop()
            result = await self._post(kind, part)
            step = _settle(kind, part, result)
            self._succeed(step.sent)
            for failed, reason, message, maybe_stored in step.failed:
                self._fail(failed, reason, message, maybe_stored=maybe_stored)
            if step.split:
                middle = len(part) // 2
                work += [(part[middle:], attempt), (part[:middle], attempt)]
            if not step.resend:
                continue
            if attempt >= config.max_attempts or not config.enabled:
                message = f"not acknowledged after {attempt} attempts: {_message(result)}"
                maybe_stored = isinstance(result.error, ResponseValidationError)
                self._fail(step.resend, "gave_up", message, maybe_stored=maybe_stored)
                continue
            error = result.error
            delay = (
                backoff_delay(attempt, config)
                if error is None
                else wait_before_retry(error, attempt, config)
            )
            await self._core.sleep(delay)
            work.append((step.resend, attempt + 1))

    async def _post(self, kind: EventKind, items: list[_Item]) -> Result[Any]:
        # Every event was validated and encoded when added: join, do not encode again.
        operation, head = _BATCH[kind]
        body = Encoded(
            head + b",".join([i.data for i in items]) + b"]}",
            tuple(i.event_id for i in items if i.event_id is not None),
        )
        return await execute(
            self._core, operation, body, retries=self.retries, timeout=self.timeout
        )

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        """Account for the events a batch task left behind: cancelled, or a bug."""
        items = self._batches.pop(task, [])
        left = [i for i in items if not i.done]
        if task.cancelled():
            self._fail(left, "pending", "not delivered before the deadline (sending was cancelled)")
            return
        exc = task.exception()
        if exc is not None:
            log.error("EventBatcher: sending a batch failed", exc_info=exc)
            self._fail(left, "gave_up", f"{type(exc).__name__}: {exc}", maybe_stored=True)

    def _succeed(self, items: list[_Item]) -> None:
        for item in items:
            item.done = True
        self._sent += len(items)
        self._release(items)

    def _fail(
        self, items: list[_Item], reason: Reason, message: str, *, maybe_stored: bool = False
    ) -> None:
        if not items:
            return
        for item in items:
            item.done = True
        self._release(items)
        self._record(items, reason, message, maybe_stored)
        log.warning(
            "EventBatcher: %d %ss not delivered (%s): %s",
            len(items),
            items[0].kind,
            reason,
            message,
        )

    def _record(self, items: list[_Item], reason: Reason, message: str, maybe_stored: bool) -> None:
        """List *items* for the next report and the dead-letter file."""
        records = [_undelivered(i, reason, message, maybe_stored) for i in items]
        keep = max(0, self.max_report_events - len(self._undelivered))
        self._undelivered += records[:keep]
        self._omitted += len(records[keep:])
        if self._dead_letter is not None:
            self._dead += records
            self._start_writer()

    def _release(self, items: list[_Item]) -> None:
        if not items:
            return
        self._queued -= len(items)
        self._queued_bytes -= sum(i.size for i in items)
        if self._state is not None:
            self._state.room.set()

    # -- dead letters -----------------------------------------------------------

    def _start_writer(self) -> None:
        state = self._state
        idle = self._writer is None or self._writer.done()
        if idle and state is not None and not state.loop.is_closed():
            self._writer = state.loop.create_task(self._write_dead_letters())

    async def _write_dead_letters(self) -> None:
        """Append the queued dead letters to the file, in a thread, until none are left."""
        assert self._dead_letter is not None  # only started with a dead-letter file
        while self._dead:
            records, self._dead = self._dead, []
            try:
                await asyncio.to_thread(_append_jsonl, self._dead_letter, records)
            except OSError as exc:
                self._dead_letter_error = f"{type(exc).__name__}: {exc}"
                log.error("EventBatcher: cannot write the dead-letter file: %s", exc)

    async def _wait_for_writer(self, deadline: float) -> None:
        writer = self._writer
        if writer is not None and not writer.done():
            await asyncio.wait({writer}, timeout=_remaining(deadline))

    # -- flush and close ----------------------------------------------------------

    async def flush(self, timeout: float = 10.0) -> DeliveryReport:
        """Send everything queued so far; return by *timeout* seconds with the report.

        Events still on their way at the deadline are listed as ``pending``
        and keep being sent. Cancelling the wait leaves the batcher running.
        """
        deadline = time.monotonic() + _seconds("timeout", timeout)
        self._bind()
        self._check_open()
        self._cut_all()
        batches = dict(self._batches)
        if batches:
            await asyncio.wait(set(batches), timeout=_remaining(deadline))
        await self._wait_for_writer(deadline)
        pending = [
            _undelivered(i, "pending", "still being sent at the flush deadline", False)
            for items in batches.values()
            for i in items
            if not i.done
        ]
        return self._report(pending)

    async def aclose(self, timeout: float | None = None) -> DeliveryReport:
        """Send what is queued, then close; return by the deadline with the final report.

        *timeout* defaults to ``close_timeout`` seconds. Events not delivered
        by then are abandoned and reported as ``pending`` (and written to the
        dead-letter file, for which the last tenth of the time, at most
        0.5 s, is kept). ``add`` raises from the moment this is called.
        Calling it again returns the same report.
        """
        if self.final_report is not None:
            return self.final_report
        seconds = self.close_timeout if timeout is None else _seconds("timeout", timeout)
        deadline = time.monotonic() + seconds
        self._closed = True
        if self._state is not None:
            self._bind()
            self._state.room.set()  # waiting adders wake up and raise
            reserve = min(seconds / 10, 0.5) if self._dead_letter is not None else 0.0
            await self._close_batches(deadline - reserve)
            await self._wait_for_writer(math.inf)
        self.final_report = self._report([])
        return self.final_report

    async def _close_batches(self, deadline: float) -> None:
        self._cut_all()
        if self._batches:
            await asyncio.wait(set(self._batches), timeout=_remaining(deadline))
        late = set(self._batches)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)

    def _report(self, pending: list[UndeliveredEvent]) -> DeliveryReport:
        report = DeliveryReport(
            sent=self._sent,
            undelivered=(*self._undelivered, *pending),
            omitted=self._omitted,
            dead_letter=self._dead_letter,
            dead_letter_error=self._dead_letter_error,
        )
        self._sent = self._omitted = 0
        self._undelivered = []
        self._dead_letter_error = None
        return report


def _settle(kind: EventKind, items: list[_Item], result: Result[Any]) -> _Step:
    """What one answer means for each event of the request that got it."""
    if result.ok:
        if kind == "model_event":
            return _Step(sent=items)
        acknowledged = set(result.value.event_ids)
        sent = [i for i in items if i.event_id in acknowledged]
        return _Step(sent=sent, resend=[i for i in items if i.event_id not in acknowledged])
    error = result.error
    if isinstance(error, PartialBatchError):
        return _settle_partial(kind, items, error)
    too_large = isinstance(error, APIError) and error.status_code == 413
    if too_large or isinstance(error, RequestValidationError):
        if len(items) > 1:
            return _Step(split=True)
        return _Step(failed=[(items, "rejected", error.message, False)])
    if isinstance(error, ResponseValidationError) and kind == "event":
        return _Step(resend=items)
    return _Step(failed=[(items, _reason(error), str(error), _maybe_stored(error))])


def _settle_partial(kind: EventKind, items: list[_Item], error: PartialBatchError) -> _Step:
    """The typed partial 500: acknowledged, rejected by index, and the rest."""
    rejected = _rejected_indices(error.errors, len(items))
    step = _Step(failed=[([items[i]], "rejected", msg, False) for i, msg in rejected.items()])
    valid = [item for index, item in enumerate(items) if index not in rejected]
    if kind == "event":
        stored = set(error.event_ids)
        step.sent = [i for i in valid if i.event_id in stored]
        step.resend = [i for i in valid if i.event_id not in stored]
    elif len(error.event_ids) == len(valid):
        step.sent = valid
    elif not error.event_ids:
        step.resend = valid
    elif valid:
        message = (
            f"the server stored {len(error.event_ids)} of {len(valid)} valid model events and "
            f"model events carry no id, so which is unknown: {error}"
        )
        step.failed.append((valid, "gave_up", message, True))
    return step


def _rejected_indices(errors: Iterable[str], count: int) -> dict[int, str]:
    """The request positions the server's ``errors`` name (``events[3]: ...``), with the message."""
    found: dict[int, str] = {}
    for message in errors:
        match = _INDEXED_ERROR.match(message)
        if match is not None and int(match.group(1)) < count:
            found.setdefault(int(match.group(1)), message)
    return found


def _reason(error: HoneyHiveError) -> Reason:
    if isinstance(error, APIError) and 400 <= error.status_code < 500:
        return "gave_up" if error.status_code in (408, 429) else "rejected"
    return "gave_up"


def _maybe_stored(error: HoneyHiveError) -> bool:
    """Whether the server may have stored a request that failed with *error*."""
    if isinstance(error, TransportError):
        return error.sent
    if isinstance(error, APIError):
        return error.status_code >= 500
    return isinstance(error, ResponseValidationError)


def _message(result: Result[Any]) -> str:
    return "the answer did not list them" if result.error is None else str(result.error)


def _undelivered(item: _Item, reason: Reason, message: str, maybe_stored: bool) -> UndeliveredEvent:
    return UndeliveredEvent(
        wire=json.loads(item.data),
        kind=item.kind,
        event_id=item.event_id,
        reason=reason,
        message=message,
        maybe_stored=maybe_stored,
    )


def _append_jsonl(path: str, records: list[UndeliveredEvent]) -> None:
    """Append one JSON line per record to *path* (runs in a worker thread)."""
    text = "".join(
        json.dumps(r.to_json(), ensure_ascii=False, separators=(",", ":"), default=repr) + "\n"
        for r in records
    )
    with open(path, "a", encoding="utf-8") as file:
        file.write(text)


def _remaining(deadline: float) -> float | None:
    if math.isinf(deadline):
        return None
    return max(0.0, deadline - time.monotonic())
