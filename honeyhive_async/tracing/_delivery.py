"""Handing finished events to an EventBatcher from any thread, without waiting or raising.

The batcher belongs to one event loop. A sink takes each encoded event:
on that loop's thread it queues it at once; from any other thread it
appends it to a deque and wakes the loop once, and the loop drains the
deque. A full queue or a closed batcher drops the event with a counted,
rate-limited WARNING, and the drop shows in the batcher's next report.

The deque is bounded in events and bytes (``max_pending``,
``max_pending_bytes``), and a drain costs one step per event however full
the batcher is: what does not fit is dropped as one report entry, without
an exception per event, so a backlog never holds up a flush or shutdown
waiting for the loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .._sync import Handoff, running_loop
from ._state import warn_limited

if TYPE_CHECKING:
    import asyncio

    from .._batching import EventBatcher

__all__ = ["DEFAULT_MAX_PENDING", "LoopSink"]

T = TypeVar("T")

DEFAULT_MAX_PENDING = 100_000
"""Events waiting for the loop's thread to take them, at most, before new ones are dropped."""

DEFAULT_MAX_PENDING_BYTES = 32 * 1024 * 1024
"""Bytes of event JSON waiting for the loop's thread, at most (the batcher's default)."""

Pending = tuple[str, bytes, "str | None"]
"""An event handed over from another thread: its id, its JSON, why it was rejected (if it was)."""


def _size(pending: Pending) -> int:
    return len(pending[1])


class LoopSink:
    """Delivers encoded events to a batcher on its loop; safe to call from any thread.

    The batcher is reached only through its intake (``batcher.intake``).
    """

    def __init__(
        self,
        max_pending: int = DEFAULT_MAX_PENDING,
        max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
    ) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.batcher: EventBatcher | None = None
        self.max_pending = max_pending
        self.pending: Handoff[Pending] = Handoff(
            max_pending, self._schedule, max_bytes=max_pending_bytes, size=_size
        )
        self.dropped = 0
        self.unreported = 0  # drops made off the loop's thread, for its next report
        self.secret = ""  # the API key, to scrub from the error text and tracebacks events keep
        self._errors: tuple[type[Exception], type[Exception]] | None = None
        self._encoded: Any = None
        self._running_loop = running_loop

    def attach(self, batcher: EventBatcher, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver to *batcher* from now on; what is pending goes first."""
        import asyncio

        from .._codec import EncodedEvent
        from ..errors import BatcherClosedError, QueueFullError

        self._errors = (QueueFullError, BatcherClosedError)
        self._encoded = EncodedEvent
        self._running_loop = asyncio._get_running_loop  # looked up once: it runs per event
        self.batcher, self.loop = batcher, loop
        credentials = getattr(getattr(batcher, "core", None), "fixed_credentials", None)
        self.secret = getattr(credentials, "key", "") or self.secret
        self._schedule()

    def submit(self, event_id: str, data: bytes, rejected: str | None = None) -> None:
        """Queue one event (or report it, when *rejected* says why it must not be sent).

        Never blocks, never raises.
        """
        if self.loop is not None and self._running_loop() is self.loop:
            if self.pending:  # keep the order: older events first
                self.drain()
            self.offer(event_id, data, rejected)
            return
        if not self.pending.offer((event_id, data, rejected)):
            limits = f"{self.max_pending} events or {self.pending.max_bytes} bytes"
            self.drop(event_id, None, f"more than {limits} waited for delivery")
            return
        self.started()

    def started(self) -> None:
        """Called once something waits; a sink that starts its own loop starts it here."""

    def session_ended(self) -> None:
        """Called when a session's event was handed over; a sink may deliver it now."""

    def _schedule(self) -> None:
        """Have the loop drain what waits (the hand-off's wake-up; any thread)."""
        loop = self.loop
        if loop is None:
            return  # attach() drains
        try:
            loop.call_soon_threadsafe(self.drain)
        except RuntimeError:  # the loop is closed: nothing will take these events
            for event_id, *_ in self.pending.take():
                self.drop(event_id, None, "the event loop of the batcher is closed")

    def drain(self) -> None:
        """Move what other threads handed over into the batcher (on the loop's thread)."""
        batcher = self.batcher
        if self.unreported and batcher is not None and not batcher.closed:
            batcher.intake.count_dropped(self.unreported)
            self.unreported = 0
        while batch := self.pending.take():
            self._offer_all(batch)

    def _offer_all(self, batch: list[Pending]) -> None:
        """Queue what fits of *batch*, in order; drop the rest as one report entry."""
        batcher = self.batcher
        assert batcher is not None
        assert self._errors is not None
        events = []
        for event_id, data, rejected in batch:
            if rejected is not None:
                self.offer(event_id, data, rejected)
            else:
                events.append(self._encoded("event", event_id, data))
        try:
            left = batcher.intake.offer_all(events)
            message = (
                f"the batcher's queue is full ({batcher.queued} events); the event was not queued"
            )
        except self._errors as exc:
            left, message = events, str(exc)
        except Exception as exc:  # a bug must still not lose the events silently
            left, message = events, f"{type(exc).__name__}: {exc}"
        if left:
            self.dropped += len(left)
            if not batcher.closed:
                batcher.intake.give_up(left, "dropped", message)
            warn_limited(
                "dropped",
                "tracing: dropped %d events (%d so far): %s",
                len(left),
                self.dropped,
                message,
            )

    def offer(self, event_id: str, data: bytes, rejected: str | None = None) -> None:
        batcher = self.batcher
        assert batcher is not None
        assert self._errors is not None
        if rejected is not None:
            self._report(event_id, data, "rejected", rejected)
            warn_limited("rejected", "tracing: an event was not sent: %s", rejected)
            return
        try:
            batcher.intake.offer(self._encoded("event", event_id, data))
        except self._errors as exc:
            self.drop(event_id, data, str(exc))
        except Exception as exc:  # a bug must still not lose the event silently
            self.drop(event_id, data, f"{type(exc).__name__}: {exc}")

    def drop(self, event_id: str, data: bytes | None, message: str) -> None:
        """Count and report an event that could not be queued."""
        self.dropped += 1
        self._report(event_id, data, "dropped", message)
        warn_limited(
            "dropped",
            "tracing: dropped an event (%d so far): %s",
            self.dropped,
            message,
        )

    def _report(self, event_id: str, data: bytes | None, reason: Any, message: str) -> None:
        batcher = self.batcher
        if batcher is None or running_loop() is not self.loop:
            self.unreported += 1  # counted in the loop's next report (see drain)
        elif batcher.closed:
            return
        elif data is None:
            batcher.intake.count_dropped()
        else:
            batcher.intake.give_up([self._encoded("event", event_id, data)], reason, message)

    async def call(self, work: Callable[[EventBatcher], Awaitable[T]]) -> T:
        """Run ``work(batcher)`` on the batcher's loop, from a coroutine on any loop."""
        assert self.batcher is not None  # attached when the tracer was built
        self.drain()
        return await work(self.batcher)
