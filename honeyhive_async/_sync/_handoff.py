"""One hand-off queue between threads and the event loop that takes their items.

Callers on any thread put items in; the loop's thread takes them out in
order. Both the blocking batcher (``EventBatcherSync``) and tracing's
delivery use it, and differ only in what a full queue means to them: the
batcher's callers wait for room (:meth:`Handoff.put`), tracing never waits
and drops the item, counting it (:meth:`Handoff.offer` returns ``False``).

The queue is bounded by count and, given a *size* of each item, by bytes:
an item that would take it past *max_bytes* waits (or is refused) like
one past the count, except into an empty queue, so one large item is
never refused for its size alone.

The loop is woken once per burst, not once per item: the first item handed
over after the loop last found the queue empty calls ``wake`` (which
schedules a drain on the loop), and the drain takes items until
:meth:`Handoff.peek` finds none, which ends the burst. Standard library only.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

__all__ = ["Handoff"]

T = TypeVar("T")


class Handoff(Generic[T]):
    """Items from any thread to one loop, in order, at most *limit* waiting; thread-safe.

    *wake* is called (outside the lock) when a burst begins; it must make
    the loop drain, and may be called from any thread. With *size* (an
    item's bytes), at most *max_bytes* wait too.
    """

    def __init__(
        self,
        limit: int,
        wake: Callable[[], object],
        *,
        max_bytes: int | None = None,
        size: Callable[[T], int] | None = None,
    ) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._size = size
        self.bytes = 0  # of the waiting items, when they have a size
        self._wake = wake
        self._items: collections.deque[T] = collections.deque()
        self._cond = threading.Condition(threading.Lock())
        self._scheduled = False  # a drain is running or about to
        self._paused = False  # the taker has no room: putters wait
        self._closed = False
        self._waiting = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def idle(self) -> bool:
        """Whether no drain is scheduled or running (everything handed over was taken)."""
        return not self._scheduled

    @property
    def paused(self) -> bool:
        """Whether the taker said it has no room (:meth:`pause`)."""
        return self._paused

    def _full(self, size: int) -> bool:  # under the lock
        if len(self._items) >= self.limit:
            return True
        return (
            self.max_bytes is not None and bool(self._items) and self.bytes + size > self.max_bytes
        )

    def _sized(self, item: T) -> int:
        return 0 if self._size is None else self._size(item)

    def _taken(self, items: Iterable[T]) -> None:  # under the lock
        if self._size is not None:
            self.bytes -= sum(map(self._size, items))

    def offer(self, item: T) -> bool:
        """Hand *item* over without waiting; ``False`` (and nothing queued) when full."""
        size = self._sized(item)
        with self._cond:
            if self._full(size):
                return False
            self._items.append(item)
            self.bytes += size
            if self._scheduled:
                return True
            self._scheduled = True
        self._wake()
        return True

    def put(self, item: T, closed: Callable[[], BaseException]) -> None:
        """Hand *item* over, waiting while the queue is full or paused.

        Once :meth:`close` was called, raises what *closed* makes, also
        while waiting.
        """
        size = self._sized(item)
        with self._cond:
            while (self._paused or self._full(size)) and not self._closed:
                self._waiting += 1
                try:
                    self._cond.wait()
                finally:
                    self._waiting -= 1
            if self._closed:
                raise closed()
            self._items.append(item)
            self.bytes += size
            if self._scheduled:
                return
            self._scheduled = True
        self._wake()

    def close(self) -> None:
        """Refuse further :meth:`put` calls, waking those waiting (they raise)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- the loop's side --------------------------------------------------------------

    def peek(self) -> T | None:
        """The oldest item, left in place; ``None`` when empty, which ends the burst."""
        with self._cond:
            if self._items:
                return self._items[0]
            self._scheduled = False
            return None

    def pop(self) -> None:
        """Remove the oldest item (taken by the loop), making room for a waiting putter."""
        with self._cond:
            self._taken([self._items.popleft()])
            if self._waiting:
                self._cond.notify_all()

    def take(self) -> list[T]:
        """Every waiting item, oldest first, leaving the queue empty and the burst ended."""
        with self._cond:
            items = list(self._items)
            self._items.clear()
            self.bytes = 0
            self._scheduled = False
            if self._waiting:
                self._cond.notify_all()
        return items

    def snapshot(self) -> list[T]:
        """The waiting items, oldest first, left in place."""
        with self._cond:
            return list(self._items)

    def pause(self, paused: bool) -> None:
        """Say whether the taker has room; putters wait while it has none."""
        with self._cond:
            self._paused = paused
            if not paused and self._waiting:
                self._cond.notify_all()

    def reset(self) -> None:
        """Forget everything (in a forked child, whose items are the parent's)."""
        self._items.clear()
        self.bytes = 0
        self._cond = threading.Condition(threading.Lock())
        self._scheduled = self._paused = self._closed = False
        self._waiting = 0
