"""The batcher's named intake: the one door for callers that are not ``add``'s usual caller.

``EventBatcher.add`` and ``add_nowait`` take events from application code.
Three other callers need more than those and less than the batcher's
insides, and they get it here, from ``batcher.intake``:

- tracing's delivery, which encodes events itself and must never wait or
  raise: :meth:`Intake.offer` queues an encoded event at once or raises
  ``QueueFullError``/``BatcherClosedError``, and :meth:`Intake.offer_all`
  queues what fits of many and returns the rest, at one step per event
  (no exception each); what it cannot queue it gives up with a reason
  (:meth:`Intake.give_up`), or only counts when it no longer holds the
  bytes (:meth:`Intake.count_dropped`);
- the blocking batcher, which encodes in its caller's thread and moves
  events over on the loop: :meth:`Intake.has_room`, then :meth:`Intake.put`,
  which waits for room; what never got in is given up, or listed as
  pending in a report (:meth:`Intake.pending`);
- ``events import``, whose messages name the file's line:
  :meth:`Intake.add` with a label.

Every event handed in ends in the batcher's report if it is not
acknowledged: given-up events with their reason (and in the dead-letter
file), counted ones under ``omitted``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._codec import AnyEvent, EncodedEvent
from ._outcome import Item
from ._report import FailedGroup, Reason

if TYPE_CHECKING:
    from ._batcher import EventBatcher

__all__ = ["Intake"]


def _item(event: EncodedEvent, label: str | None = None) -> Item:
    return Item(event.kind, event.event_id, event.data, label)


class Intake:
    """The door of one :class:`~honeyhive_async.EventBatcher` for encoded events; see the module."""

    __slots__ = ("_batcher",)

    def __init__(self, batcher: EventBatcher) -> None:
        self._batcher = batcher

    def offer(self, event: EncodedEvent) -> None:
        """Queue *event*, already checked and encoded, if there is room; never waits.

        On the batcher's loop. Raises ``QueueFullError`` when the queue is
        full and ``BatcherClosedError`` once the batcher is closed.
        """
        batcher = self._batcher
        state = batcher._bind()
        batcher._check_open()
        batcher._offer(_item(event), state)

    def offer_all(self, events: Iterable[EncodedEvent]) -> list[EncodedEvent]:
        """Queue each of *events* that fits, in order, never waiting; the ones that did not.

        On the batcher's loop. Once one does not fit, the rest are not tried
        (the order holds). Raises ``BatcherClosedError`` once the batcher is closed.
        """
        batcher = self._batcher
        state = batcher._bind()
        batcher._check_open()
        left = list(events)
        for index, event in enumerate(left):
            if not batcher._has_room(len(event.data)):
                batcher._cut_all()  # room only comes from sending
                return left[index:]
            batcher._enqueue(_item(event), state)
        return []

    async def put(self, event: EncodedEvent, label: str | None = None) -> None:
        """Queue *event*, already checked and encoded, waiting while the queue is full.

        Raises ``BatcherClosedError`` once the batcher is closed, also while
        waiting; cancelling the wait queues nothing.
        """
        await self._batcher._add_item(_item(event, label))

    async def add(self, event: AnyEvent, label: str) -> str | None:
        """``add(event)``, with messages about the event starting with *label* (``line 12``)."""
        return await self._batcher._add(event, label)

    def has_room(self, size: int) -> bool:
        """Whether an event of *size* encoded bytes would be queued without waiting."""
        return self._batcher._has_room(size)

    def give_up(self, events: Iterable[EncodedEvent], reason: Reason, message: str) -> None:
        """Report *events*, which will never be queued, with *reason* and *message*.

        They show in the next report and the dead-letter file like any
        undelivered event. Logging is the caller's (it knows how to rate-limit).
        """
        items = [_item(event) for event in events]
        if items and not self._batcher.closed:
            self._batcher._record(items, reason, message, False)

    def count_dropped(self, count: int = 1) -> None:
        """Count *count* events dropped without their bytes: ``omitted`` in the next report."""
        self._batcher._omitted += count

    def pending(self, events: Iterable[EncodedEvent], message: str) -> list[FailedGroup]:
        """Report entries for *events* still on their way (``pending``) when a deadline came.

        Within the report's bounds, like every entry: ids always, JSON while
        the byte budget lasts.
        """
        items = [_item(event) for event in events]
        return self._batcher._listing(items, "pending", message, False)
