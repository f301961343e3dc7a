"""``EventBatcherSync``: an :class:`~honeyhive_async.EventBatcher` for threads without a loop.

The batcher itself runs on the background loop thread. ``add`` validates
and encodes the event in the caller's thread, puts it on a hand-over queue
and returns its id at once: it waits only while the batcher's own queue is
full (its backpressure), or in the unlikely case that the loop thread has
fallen a whole queue's worth of events behind in taking them over. A task
on the loop moves the events, in order, into the batcher.

Any number of threads may add at once. ``close()`` (or leaving ``with``)
moves what waits, flushes and closes the batcher within its close deadline
and returns the :class:`~honeyhive_async.DeliveryReport`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, overload

import attrs

from .. import models
from .._batching import DeliveryReport, EventBatcher
from .._codec import AnyEvent, EncodedEvent, encode_event
from .._config import check_seconds
from .._core import HoneyHiveCore
from .._utils import Closing, close_at_exit
from ..errors import BatcherClosedError
from ._door import refuse_running_loop, run_blocking, shared_loop
from ._handoff import Handoff

__all__ = ["EventBatcherSync"]

log = logging.getLogger("honeyhive_async")


def _closed() -> BatcherClosedError:
    return BatcherClosedError("this EventBatcherSync is closed; it takes no more events")


class EventBatcherSync(Closing):
    """Queue events with ``add(event)`` from any thread; they are sent in batches behind you.

    Made by ``HoneyHiveSync.events.batcher(**options)`` (or
    ``EventBatcherSync(core, **options)``) with the options of
    :class:`~honeyhive_async.EventBatcher`. Use it as ``with ... as batcher:``;
    leaving the block closes it and ``batcher.final_report`` holds the
    report, which :meth:`close` also returns.
    """

    def __init__(self, core: HoneyHiveCore, **options: Any) -> None:
        async def make() -> EventBatcher:
            return EventBatcher(core, **options)  # made on the loop that runs it

        self._batcher = run_blocking("EventBatcherSync()", make)
        self._defaults = core.defaults
        self._ids = iter(models.new_event_id, None)  # safe to share between threads
        self._handoff: Handoff[EncodedEvent] = Handoff(
            self._batcher.max_queue_events,
            lambda: shared_loop().call_soon(self._start_drain),
            max_bytes=self._batcher.max_queue_bytes,
            size=lambda event: len(event.data),
        )
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.final_report: DeliveryReport | None = None
        """The report of :meth:`close` (also when leaving ``with`` closed the batcher)."""
        close_at_exit(self, order=0)  # forgotten: what it holds is still delivered

    def __repr__(self) -> str:
        state = "closed" if self._closing else "open"
        return f"<EventBatcherSync {state} queued={self.queued}>"

    @property
    def queued(self) -> int:
        """Events accepted and not yet acknowledged or given up."""
        return len(self._handoff) + self._batcher.queued

    @property
    def sent(self) -> int:
        """Events the server acknowledged since the last report."""
        return self._batcher.sent

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (``add`` refuses from then on)."""
        return self._closing

    # -- adding -------------------------------------------------------------------

    @overload
    def add(self, event: models.CreateEventRequest) -> str: ...
    @overload
    def add(self, event: models.CreateModelEvent) -> None: ...
    @overload
    def add(self, event: Mapping[str, Any]) -> str | None: ...

    def add(self, event: AnyEvent) -> str | None:
        """Queue *event*; its ``event_id`` (``None`` for a model event). Thread-safe.

        Validates and encodes the event here, raising ``RequestValidationError``
        (naming the field) for an invalid one and :class:`BatcherClosedError`
        once the batcher is closed. Waits only while the batcher's queue is full.
        """
        refuse_running_loop("EventBatcherSync.add()")
        encoded = encode_event(event, self._defaults, self._ids)
        self._handoff.put(encoded, _closed)
        return encoded.event_id

    def _start_drain(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """On the loop: move the handed-over events into the batcher, in order."""
        intake = self._batcher.intake
        handoff = self._handoff
        try:
            while (event := handoff.peek()) is not None:  # taken off only once it is queued
                full = not intake.has_room(len(event.data))
                if full:
                    handoff.pause(True)
                try:
                    await intake.put(event)
                finally:
                    if full:
                        handoff.pause(False)
                handoff.pop()
        except BatcherClosedError:
            # Closed under us (by closing its core): nothing can take these any more.
            lost = handoff.take()
            log.warning(
                "EventBatcherSync: %d events were not delivered: the batcher was closed (its "
                "core was closed?) before they were queued; close the batcher first",
                len(lost),
            )

    async def _moved(self, deadline: float) -> bool:
        """Wait until what was handed over is in the batcher; ``False`` at the *deadline*."""
        while not self._handoff.idle:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            task = self._task
            if task is not None and not task.done():
                await asyncio.wait({task}, timeout=left)
            else:
                await asyncio.sleep(0)  # the drain is about to start: let it
        return True

    # -- flush and close ------------------------------------------------------------

    def flush(self, timeout: float = 10.0) -> DeliveryReport:
        """Send everything added so far; return by *timeout* seconds with the report.

        Events still on their way at the deadline are listed as ``pending``
        and keep being sent.
        """
        seconds = check_seconds("timeout", timeout)
        return run_blocking("EventBatcherSync.flush()", lambda: self._flush(seconds))

    async def _flush(self, seconds: float) -> DeliveryReport:
        deadline = time.monotonic() + seconds
        await self._moved(deadline)
        report = await self._batcher.flush(max(0.0, deadline - time.monotonic()))
        waiting = list(self._handoff.snapshot())
        if not waiting:
            return report
        late = "still waiting for room in the queue at the flush deadline"
        extra = self._batcher.intake.pending(waiting, late)
        return attrs.evolve(report, undelivered=report.undelivered + extra)

    def close(self, timeout: float | None = None) -> DeliveryReport:
        """Send what was added, then close; return by the deadline with the final report.

        *timeout* defaults to the batcher's ``close_timeout`` seconds. Events
        not delivered by then are reported as ``pending``. ``add`` raises
        from the moment this is called; calling it again returns the same report.
        """
        if self.final_report is not None:
            return self.final_report
        seconds = (
            self._batcher.close_timeout if timeout is None else check_seconds("timeout", timeout)
        )
        self._closing = True
        self._handoff.close()  # waiting adders wake up and raise
        self.final_report = run_blocking("EventBatcherSync.close()", lambda: self._close(seconds))
        return self.final_report

    async def _close(self, seconds: float) -> DeliveryReport:
        deadline = time.monotonic() + seconds
        if not await self._moved(deadline):
            task = self._task
            if task is not None:
                task.cancel()
                await asyncio.wait({task})
            left = self._handoff.take()
            if left:
                late = "still waiting for room in the queue at the close deadline"
                self._batcher.intake.give_up(left, "pending", late)
        return await self._batcher.aclose(max(0.0, deadline - time.monotonic()))
