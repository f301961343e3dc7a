"""``EventBatcher``: hand events over without waiting; they are sent in batches behind you.

``await batcher.add(event)`` validates the event, gives it an ``event_id``
and queues it; background tasks send the queue as ``createEventBatch``
(model events: ``createModelEventBatch``) requests through the core's pooled
session. Nothing is dropped without a trace: an event is either
acknowledged by the server or listed in a :class:`DeliveryReport` (and in the
optional dead-letter file) with the reason it was not.

The batches on their way are :mod:`honeyhive_async._batching._sender`'s: each request
goes through the one retry policy, and every failed attempt is noted so that
an outage is logged at once with its cause. What each answer means for the
events of a batch is decided in :mod:`honeyhive_async._batching._outcome`; the report
types are in :mod:`honeyhive_async._batching._report`, the dead-letter file in
:mod:`honeyhive_async._batching._dead_letter`.

Model events carry no id on the wire, so the server's answer cannot say
which of them it stored; see ``docs/batcher.md`` for what is guaranteed for
them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from typing import Any, overload

import attrs

from .. import models
from .._codec import EVENT_OPERATION_IDS
from .._config import RetryConfig, check_seconds
from .._core import HoneyHiveCore, check_timeout
from .._utils import AsyncClosing, event_id_stream
from ..errors import BatcherClosedError, QueueFullError
from ._dead_letter import DeadLetterWriter
from ._intake import Intake
from ._outcome import AnyEvent, Item, event_kind, failed_groups, prepare
from ._report import (
    DeliveryReport,
    EventKind,
    FailedGroup,
    Reason,
    Undelivered,
    UndeliveredEvent,
)
from ._sender import BatchSender, remaining

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

DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024
"""Encoded bytes per request: 1 MiB under the service's (and the local server's) 5 MiB limit."""

DEFAULT_MAX_REPORT_BYTES = 32 * 1024 * 1024
"""Bytes of event JSON a report keeps (past them it keeps ids): the queue's default bound."""

_ENVELOPE = len('{"model_events":[]}')


class _Buffer:
    """The events of one kind waiting to become a batch, and the interval timer."""

    __slots__ = ("bytes", "items", "timer")

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.bytes = 0
        self.timer: asyncio.TimerHandle | None = None


@attrs.frozen
class _LoopState:
    """What the batcher needs from the event loop it runs in, made on first use."""

    loop: asyncio.AbstractEventLoop
    room: asyncio.Event
    sender: BatchSender


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


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
    - ``max_report_bytes`` (32 MiB): the events' JSON the next report keeps;
      past it, listed events keep their id, reason and message only
      (``body`` is ``None``; the dead-letter file has them whole).

    A batcher belongs to the event loop it is first used in; it takes no
    loop when built.
    """

    __slots__ = (
        "__weakref__",
        "_buffers",
        "_closed",
        "_core",
        "_dead_letter",
        "_ids",
        "_omitted",
        "_queued",
        "_queued_bytes",
        "_report_bytes",
        "_reported",
        "_sent",
        "_state",
        "_undelivered",
        "close_timeout",
        "final_report",
        "flush_interval",
        "intake",
        "max_batch_bytes",
        "max_batch_events",
        "max_in_flight",
        "max_queue_bytes",
        "max_queue_events",
        "max_report_bytes",
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
        max_report_bytes: int = DEFAULT_MAX_REPORT_BYTES,
    ) -> None:
        self._core = core
        self.max_batch_events = _positive_int("max_batch_events", max_batch_events)
        self.max_batch_bytes = _positive_int("max_batch_bytes", max_batch_bytes)
        self.max_in_flight = _positive_int("max_in_flight", max_in_flight)
        self.max_queue_events = _positive_int("max_queue_events", max_queue_events)
        self.max_queue_bytes = _positive_int("max_queue_bytes", max_queue_bytes)
        self.max_report_events = _positive_int("max_report_events", max_report_events)
        self.max_report_bytes = _positive_int("max_report_bytes", max_report_bytes)
        self.flush_interval = check_timeout(flush_interval)
        self.close_timeout = check_seconds("close_timeout", close_timeout)
        self.timeout = None if timeout is None else check_timeout(timeout)
        if retries is not None and not isinstance(retries, RetryConfig):
            raise TypeError(f"retries must be a RetryConfig, got {retries!r}")
        self.retries = retries
        if self.max_queue_events < self.max_batch_events:
            raise ValueError("max_queue_events must be >= max_batch_events")
        if self.max_queue_bytes < self.max_batch_bytes:
            raise ValueError("max_queue_bytes must be >= max_batch_bytes")
        self._dead_letter = (
            None if dead_letter is None else DeadLetterWriter(os.fspath(dead_letter))
        )
        self._state: _LoopState | None = None
        self._buffers: dict[EventKind, _Buffer] = {"event": _Buffer(), "model_event": _Buffer()}
        self._queued = self._queued_bytes = self._sent = self._omitted = 0
        self._reported = self._report_bytes = 0  # listed in _undelivered: events, JSON bytes
        self._undelivered: list[FailedGroup | UndeliveredEvent] = []
        self._ids = event_id_stream()
        self._closed = False
        self.final_report: DeliveryReport | None = None
        """The report of :meth:`aclose` (also when ``async with`` closed the batcher)."""
        self.intake = Intake(self)
        """The door for callers that encode events themselves or must not wait (:mod:`._intake`)."""
        core.close_with(self)  # closing the core flushes and closes the batcher first

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        in_flight = 0 if self._state is None else len(self._state.sender.batches)
        return f"<EventBatcher {state} queued={self._queued} in_flight={in_flight}>"

    @property
    def core(self) -> HoneyHiveCore:
        """The core the batches are sent through."""
        return self._core

    @property
    def queued(self) -> int:
        """Events accepted and not yet acknowledged or given up."""
        return self._queued

    @property
    def failed(self) -> int:
        """Events given up since the last report (its ``failed``, so far)."""
        return self._reported + self._omitted

    @property
    def sent(self) -> int:
        """Events the server acknowledged since the last report (its ``sent``, so far)."""
        return self._sent

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called (``add`` refuses from then on)."""
        return self._closed

    def __del__(self) -> None:
        if not getattr(self, "_closed", True) and self._queued:
            # A warning (not a ResourceWarning, hidden by default): these events are lost.
            log.warning(
                "EventBatcher dropped without being closed: %d queued events were never "
                "sent; use `async with EventBatcher(...)` or `await batcher.aclose()`",
                self._queued,
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
        return await self._add(event, None)

    async def _add(self, event: AnyEvent, label: str | None) -> str | None:
        """:meth:`add`, with a *label* that starts the messages about the event (``line 12``)."""
        self._bind()
        self._check_open()
        item = prepare(event, self._ids, label, self._core.defaults)
        await self._add_item(item)
        return item.event_id

    async def _add_item(self, item: Item) -> None:
        """Queue *item*, already validated and encoded, waiting while the queue is full.

        For :meth:`_add`, and for the blocking batcher, which prepares events
        in its caller's thread. Raises like :meth:`add`.
        """
        state = self._bind()
        self._check_open()
        while not self._has_room(item.size):
            self._cut_all()  # room only comes from sending: buffered events must go out
            state.room.clear()
            await state.room.wait()
            self._check_open()
        self._enqueue(item, state)

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
        item = prepare(event, self._ids, None, self._core.defaults)
        self._offer(item, state)
        return item.event_id

    def _offer(self, item: Item, state: _LoopState) -> None:
        if not self._has_room(item.size):
            self._cut_all()
            raise QueueFullError(
                f"the batcher's queue is full ({self._queued} events, {self._queued_bytes} "
                f"bytes); the event was not queued",
                operation_id=EVENT_OPERATION_IDS[item.kind],
                request_event_ids=() if item.event_id is None else (item.event_id,),
            )
        self._enqueue(item, state)

    def _bind(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._state
        if state is None:
            sender = BatchSender(
                self._core,
                max_in_flight=self.max_in_flight,
                retries=self.retries,
                timeout=self.timeout,
                sent=self._succeed,
                failed=self._fail,
                queued=lambda: self._queued,
            )
            state = self._state = _LoopState(loop, asyncio.Event(), sender)
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

    def _enqueue(self, item: Item, state: _LoopState) -> None:
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
        self._state.sender.start(self._state.loop, kind, items)

    def _cut_all(self) -> None:
        for kind in self._buffers:
            self._cut(kind)

    # -- accounting -------------------------------------------------------------

    def _succeed(self, items: list[Item]) -> None:
        for item in items:
            item.done = True
        self._sent += len(items)
        self._release(items)

    def _fail(self, items: list[Item], reason: Reason, message: str, maybe_stored: bool) -> None:
        if not items:
            return
        for item in items:
            item.done = True
        self._release(items)
        self._record(items, reason, message, maybe_stored)
        assert self._state is not None  # events fail only once sending started
        self._state.sender.alarm.warn(
            "undelivered",
            "EventBatcher: %d %ss not delivered (%s): %s",
            len(items),
            items[0].kind,
            reason,
            message,
        )

    def _record(self, items: list[Item], reason: Reason, message: str, maybe_stored: bool) -> None:
        """List *items* for the next report (within its bounds) and the dead-letter file."""
        keep = max(0, self.max_report_events - self._reported)
        listed = items[:keep]
        self._omitted += len(items) - len(listed)
        groups = self._listing(listed, reason, message, maybe_stored)
        self._undelivered += groups
        self._reported += len(listed)
        self._report_bytes += sum(group.size() for group in groups)
        if self._dead_letter is not None:
            whole = failed_groups(items, reason, message, maybe_stored)
            self._dead_letter.add(whole, None if self._state is None else self._state.loop)

    def _listing(
        self, items: list[Item], reason: Reason, message: str, maybe_stored: bool
    ) -> list[FailedGroup]:
        """*items* as report entries, their JSON kept while the report's byte budget lasts."""
        budget = self.max_report_bytes - self._report_bytes
        return failed_groups(items, reason, message, maybe_stored, budget)

    def _release(self, items: list[Item]) -> None:
        if not items:
            return
        self._queued -= len(items)
        self._queued_bytes -= sum(i.size for i in items)
        if self._state is not None:
            self._state.room.set()

    # -- flush and close ----------------------------------------------------------

    async def flush(self, timeout: float = 10.0) -> DeliveryReport:
        """Send everything queued so far; return by *timeout* seconds with the report.

        Events still on their way at the deadline are listed as ``pending``
        and keep being sent. Cancelling the wait leaves the batcher running.
        """
        deadline = time.monotonic() + check_seconds("timeout", timeout)
        self._bind()
        self._check_open()
        self._cut_all()
        sender = self._bind().sender
        batches = await sender.wait(deadline)
        if self._dead_letter is not None:
            await self._dead_letter.wait(remaining(deadline))
        late = "still being sent at the flush deadline"
        pending = [
            group
            for batch in batches.values()
            for group in self._listing(
                [i for i in batch.items if not i.done], "pending", sender.late(batch, late), False
            )
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
        seconds = self.close_timeout if timeout is None else check_seconds("timeout", timeout)
        deadline = time.monotonic() + seconds
        self._closed = True
        if self._state is not None:
            state = self._bind()
            state.room.set()  # waiting adders wake up and raise
            reserve = min(seconds / 10, 0.5) if self._dead_letter is not None else 0.0
            self._cut_all()
            await state.sender.wait(deadline - reserve)
            await state.sender.cancel()
            if self._dead_letter is not None:
                await self._dead_letter.wait(remaining(deadline))
        self.final_report = report = self._report([])
        if self._state is not None and self._state.sender.alarm.suppressed("undelivered"):
            counts = ", ".join(f"{why}: {n}" for why, n in report.by_reason().items())
            log.warning(
                "EventBatcher closed: %d events not delivered in all (%s)", report.failed, counts
            )
        return report

    def _report(self, pending: list[FailedGroup]) -> DeliveryReport:
        report = DeliveryReport(
            sent=self._sent,
            undelivered=Undelivered((*self._undelivered, *pending)),
            omitted=self._omitted,
            dead_letter=None if self._dead_letter is None else self._dead_letter.path,
            dead_letter_error=None if self._dead_letter is None else self._dead_letter.take_error(),
        )
        self._sent = self._omitted = self._reported = self._report_bytes = 0
        self._undelivered = []
        return report
