"""The batches on their way: each sent in a task until every event in it reaches an end.

A :class:`BatchSender` sends a batch as one request, retried by the one
retry policy (:func:`~honeyhive_async._retry.run_with_retries`), and acts on
what :func:`~honeyhive_async._batching._outcome.settle` makes of the answer: events
acknowledged, failed, sent again (a partial answer) or split (413). Every
failed attempt is noted, so that an outage is logged at once with its real
cause (:class:`~honeyhive_async._batching._alarm.DeliveryAlarm`) and events abandoned
at a deadline say why they were late.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from .._codec import Encoded
from .._config import NO_RETRY, RetryConfig
from .._core import HoneyHiveCore
from .._pipeline import Operation, execute
from .._result import Result
from .._retry import backoff_delay, run_with_retries, wait_before_retry
from ..errors import HoneyHiveError, PartialBatchError, ResponseValidationError
from ..funcs.events_create_event_batch import OPERATION as EVENT_BATCH
from ..funcs.events_create_model_event_batch import OPERATION as MODEL_EVENT_BATCH
from ._alarm import DeliveryAlarm
from ._outcome import Item, reason, settle
from ._report import EventKind, Reason

__all__ = ["Batch", "BatchSender", "remaining"]

log = logging.getLogger("honeyhive_async")

_BATCH: dict[EventKind, tuple[Operation[Any, Any], bytes]] = {
    "event": (EVENT_BATCH, b'{"events":['),
    "model_event": (MODEL_EVENT_BATCH, b'{"model_events":['),
}


class Batch:
    """The events of one batch task, and why its latest attempt failed (if it did)."""

    __slots__ = ("cause", "items")

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.cause: str | None = None


class BatchSender:
    """Sends batches in tasks of one event loop, at most ``max_in_flight`` at once.

    ``sent(items)`` and ``failed(items, reason, message, maybe_stored)`` are
    called as events reach their end; ``queued()`` is how many events wait,
    for the log.
    """

    __slots__ = (
        "_core",
        "_failed",
        "_queued",
        "_sent",
        "_slots",
        "alarm",
        "batches",
        "retries",
        "timeout",
    )

    def __init__(
        self,
        core: HoneyHiveCore,
        *,
        max_in_flight: int,
        retries: RetryConfig | None,
        timeout: float | None,
        sent: Callable[[list[Item]], None],
        failed: Callable[[list[Item], Reason, str, bool], None],
        queued: Callable[[], int],
    ) -> None:
        self._core = core
        self._slots = asyncio.Semaphore(max_in_flight)
        self.retries = retries
        self.timeout = timeout
        self._sent, self._failed, self._queued = sent, failed, queued
        self.alarm = DeliveryAlarm()
        self.batches: dict[asyncio.Task[None], Batch] = {}
        """The batch of every task still running."""

    def start(self, loop: asyncio.AbstractEventLoop, kind: EventKind, items: list[Item]) -> None:
        """Send *items* as one batch (or more, should it be split) in a task of *loop*."""
        batch = Batch(items)
        task = loop.create_task(self._run(kind, batch))
        self.batches[task] = batch
        task.add_done_callback(self._done)

    async def wait(self, deadline: float) -> dict[asyncio.Task[None], Batch]:
        """Wait until the batches running now end or the *deadline* (monotonic) passes."""
        batches = dict(self.batches)
        if batches:
            await asyncio.wait(set(batches), timeout=remaining(deadline))
        return batches

    async def cancel(self) -> None:
        """Cancel the batches still running and wait for them to account for their events."""
        late = set(self.batches)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)

    def late(self, batch: Batch | None, what: str) -> str:
        """Why the events of *batch* are late: the failure its attempts met, if any."""
        cause = None if batch is None else batch.cause
        if cause is not None:
            return f"{what}; the last attempt failed: {cause}"
        if self.alarm.cause is not None:
            return f"{what}; deliveries were failing: {self.alarm.cause}"
        return f"{what} (no answer yet)"

    async def _run(self, kind: EventKind, batch: Batch) -> None:
        async with self._slots:
            await self._deliver(kind, batch)

    async def _deliver(self, kind: EventKind, batch: Batch) -> None:
        """Send the batch until each event is acknowledged or given up: re-sends and splits too."""
        config = self.retries or self._core.retry_config
        work = [(batch.items, 1)]
        while work:
            part, attempt = work.pop()
            result = await self._post(kind, part, batch)
            step = settle(kind, part, result)
            self._sent(step.sent)
            for failed, why, message, maybe_stored in step.failed:
                self._failed(failed, why, message, maybe_stored)
            if step.split:
                middle = len(part) // 2
                work += [(part[middle:], attempt), (part[:middle], attempt)]
            if not step.resend:
                continue
            if attempt >= config.max_attempts or not config.enabled:
                message = f"not acknowledged after {attempt} attempts: {_message(result)}"
                maybe_stored = isinstance(result.error, ResponseValidationError)
                self._failed(step.resend, "gave_up", message, maybe_stored)
                continue
            error = result.error
            delay = (
                backoff_delay(attempt, config)
                if error is None
                else wait_before_retry(error, attempt, config)
            )
            await self._core.sleep(delay)
            work.append((step.resend, attempt + 1))

    async def _post(self, kind: EventKind, items: list[Item], batch: Batch) -> Result[Any]:
        """One request, retried by the one retry policy; every failed attempt is noted."""
        # Every event was validated and encoded when added: join, do not encode again.
        operation, head = _BATCH[kind]
        body = Encoded(
            head + b",".join([i.data for i in items]) + b"]}",
            tuple(i.event_id for i in items if i.event_id is not None),
        )

        async def attempt(number: int) -> Result[Any]:
            result = await execute(
                self._core, operation, body, retries=NO_RETRY, timeout=self.timeout
            )
            if result.ok:
                batch.cause = None
                self.alarm.succeeded()
            elif _outage(result.error):
                batch.cause = str(result.error)
                self.alarm.failed(batch.cause, self._queued())
            return result

        return await run_with_retries(
            attempt,
            rule=operation.retry,
            config=self.retries or self._core.retry_config,
            sleep=self._core.sleep,
        )

    def _done(self, task: asyncio.Task[None]) -> None:
        """Account for the events a batch task left behind: cancelled, or a bug."""
        batch = self.batches.pop(task, None)
        left = [] if batch is None else [i for i in batch.items if not i.done]
        if task.cancelled():
            self._failed(
                left, "pending", self.late(batch, "not delivered before the deadline"), False
            )
            return
        exc = task.exception()
        if exc is not None:
            log.error("EventBatcher: sending a batch failed", exc_info=exc)
            self._failed(left, "gave_up", f"{type(exc).__name__}: {exc}", True)


def remaining(deadline: float) -> float | None:
    """Seconds until the monotonic *deadline* (``None``: no deadline)."""
    if math.isinf(deadline):
        return None
    return max(0.0, deadline - time.monotonic())


def _outage(error: HoneyHiveError) -> bool:
    """Whether *error* says the server is down or busy (not that it refused some events)."""
    return not isinstance(error, PartialBatchError) and reason(error) == "gave_up"


def _message(result: Result[Any]) -> str:
    return "the answer did not list them" if result.error is None else str(result.error)
