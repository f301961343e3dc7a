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
import collections
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any, overload

import attrs

from .. import models
from .._batching._batcher import DeliveryReport, EventBatcher, _seconds
from .._batching._outcome import AnyEvent, Item, prepare, undelivered
from .._core import HoneyHiveCore
from .._utils._closing import Closing
from ..errors import BatcherClosedError
from ._blocking import close_at_exit, refuse_running_loop, run_blocking
from ._loop_thread import shared_loop

__all__ = ["EventBatcherSync"]

log = logging.getLogger("honeyhive_async")


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
        self._cond = threading.Condition()
        self._handoff: collections.deque[Item] = collections.deque()
        self._limit = self._batcher.max_queue_events
        self._scheduled = False  # a drain is running or about to
        self._full = False  # the batcher's queue is full: adders wait
        self._closing = False
        self._waiting = 0
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
        item = prepare(event, self._ids, None, self._defaults)
        with self._cond:
            while (self._full or len(self._handoff) >= self._limit) and not self._closing:
                self._waiting += 1
                try:
                    self._cond.wait()
                finally:
                    self._waiting -= 1
            if self._closing:
                raise BatcherClosedError("this EventBatcherSync is closed; it takes no more events")
            self._handoff.append(item)
            start = not self._scheduled
            self._scheduled = True
        if start:
            shared_loop().call_soon(self._start_drain)
        return item.event_id

    def _start_drain(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """On the loop: move the handed-over events into the batcher, in order."""
        batcher = self._batcher
        try:
            while True:
                with self._cond:
                    if not self._handoff:
                        self._scheduled = False
                        return
                    item = self._handoff[0]  # taken off only once it is queued
                full = not batcher._has_room(item.size)
                if full:
                    self._set_full(True)
                try:
                    await batcher._add_item(item)
                finally:
                    if full:
                        self._set_full(False)
                with self._cond:
                    self._handoff.popleft()
                    if self._waiting:
                        self._cond.notify_all()
        except BatcherClosedError:
            # Closed under us (by closing its core): nothing can take these any more.
            lost = self._take_handoff()
            log.warning(
                "EventBatcherSync: %d events were not delivered: the batcher was closed (its "
                "core was closed?) before they were queued; close the batcher first",
                len(lost),
            )

    def _set_full(self, full: bool) -> None:
        with self._cond:
            self._full = full
            if not full and self._waiting:
                self._cond.notify_all()

    def _take_handoff(self) -> list[Item]:
        with self._cond:
            items = list(self._handoff)
            self._handoff.clear()
            self._scheduled = False
            self._cond.notify_all()
        return items

    async def _moved(self, deadline: float) -> bool:
        """Wait until what was handed over is in the batcher; ``False`` at the *deadline*."""
        while True:
            with self._cond:
                if not self._scheduled:
                    return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            task = self._task
            if task is not None and not task.done():
                await asyncio.wait({task}, timeout=left)
            else:
                await asyncio.sleep(0)  # the drain is about to start: let it

    # -- flush and close ------------------------------------------------------------

    def flush(self, timeout: float = 10.0) -> DeliveryReport:
        """Send everything added so far; return by *timeout* seconds with the report.

        Events still on their way at the deadline are listed as ``pending``
        and keep being sent.
        """
        seconds = _seconds("timeout", timeout)
        return run_blocking("EventBatcherSync.flush()", lambda: self._flush(seconds))

    async def _flush(self, seconds: float) -> DeliveryReport:
        deadline = time.monotonic() + seconds
        await self._moved(deadline)
        report = await self._batcher.flush(max(0.0, deadline - time.monotonic()))
        with self._cond:
            waiting = list(self._handoff)
        if not waiting:
            return report
        late = "still waiting for room in the queue at the flush deadline"
        extra = tuple(undelivered(i, "pending", late, False) for i in waiting)
        return attrs.evolve(report, undelivered=report.undelivered + extra)

    def close(self, timeout: float | None = None) -> DeliveryReport:
        """Send what was added, then close; return by the deadline with the final report.

        *timeout* defaults to the batcher's ``close_timeout`` seconds. Events
        not delivered by then are reported as ``pending``. ``add`` raises
        from the moment this is called; calling it again returns the same report.
        """
        if self.final_report is not None:
            return self.final_report
        seconds = self._batcher.close_timeout if timeout is None else _seconds("timeout", timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()  # waiting adders wake up and raise
        self.final_report = run_blocking("EventBatcherSync.close()", lambda: self._close(seconds))
        return self.final_report

    async def _close(self, seconds: float) -> DeliveryReport:
        deadline = time.monotonic() + seconds
        if not await self._moved(deadline):
            task = self._task
            if task is not None:
                task.cancel()
                await asyncio.wait({task})
            left = self._take_handoff()
            if left:
                late = "still waiting for room in the queue at the close deadline"
                self._batcher._record(left, "pending", late, False)
        return await self._batcher.aclose(max(0.0, deadline - time.monotonic()))
