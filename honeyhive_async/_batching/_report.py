"""What an :class:`~honeyhive_async.EventBatcher` reports: each undelivered event, and why.

Plain frozen values: the batcher builds them, callers read them, and the
dead-letter file holds their JSON. A report is bounded in bytes as well as
in events, and building one costs nothing per event beyond its id:

- the events that failed together (a batch that ran out of retries, the
  batches still on their way at a deadline) are one :class:`FailedGroup`
  (one reason and message, every event's id, its encoded JSON);
- an event's JSON is kept as the bytes that were queued, never as a
  decoded copy: :attr:`UndeliveredEvent.wire` decodes it when read;
- past the batcher's ``max_report_bytes`` only ids are kept (``body`` is
  ``None``; the dead-letter file still gets the whole event);
- :class:`Undelivered`, the report's list, makes an
  :class:`UndeliveredEvent` only when one is read, so the work after a
  deadline is one entry per batch, not per event.
"""

from __future__ import annotations

import bisect
import itertools
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, overload

import attrs

from .._codec import EventKind

__all__ = [
    "DeliveryReport",
    "EventKind",
    "FailedGroup",
    "Reason",
    "Undelivered",
    "UndeliveredEvent",
]

"""``event``: a create-event request (``createEventBatch``); ``model_event``: an LLM call."""
Reason = Literal["rejected", "gave_up", "pending", "dropped"]
"""Why an event was not delivered: the server (or a tracing processor) refused it, retries
ran out, time ran out, or tracing found the queue full (tracing never waits)."""

_EXAMPLES = 3
"""Undelivered events a report's ``repr`` shows; the rest are only counted."""
_MESSAGE_CHARS = 120
"""Characters of an example's message a report's ``repr`` shows."""


@attrs.frozen(kw_only=True)
class UndeliveredEvent:
    """One event the server did not acknowledge, and why.

    ``body`` is the event's JSON as it was queued, with the ``event_id`` the
    batcher assigned, or ``None`` when the report's byte budget
    (``max_report_bytes``) was spent before it: the id, reason and message
    are always there, and the dead-letter file has the whole event.
    ``wire`` is ``body`` decoded (``add(u.wire)`` to a batcher again retries
    it without risking a duplicate). ``maybe_stored`` says the server may
    have stored the event although it did not acknowledge it; only for
    model events does that make a retry unsafe.
    """

    kind: EventKind
    event_id: str | None
    reason: Reason
    message: str
    maybe_stored: bool = False
    body: bytes | None = attrs.field(default=None, repr=False)

    @property
    def wire(self) -> dict[str, Any] | None:
        """The event as it was sent (decoded from ``body`` on each read); ``None`` without it."""
        if self.body is None:
            return None
        wire: dict[str, Any] = json.loads(self.body)
        return wire

    def to_json(self) -> dict[str, Any]:
        """The dead-letter line: ``kind``, ``reason``, ``message``, ``maybe_stored``, ``event``."""
        return {**self._head(), "event": self.wire}

    def jsonl(self) -> bytes:
        """The dead-letter line, the event's JSON copied in as it was queued."""
        return _line(_head(self.kind, self.reason, self.message, self.maybe_stored), self.body)

    def _head(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reason": self.reason,
            "message": self.message,
            "maybe_stored": self.maybe_stored,
        }

    def summary(self) -> str:
        """One short line: the event, the reason, and the start of the message."""
        message = self.message
        if len(message) > _MESSAGE_CHARS:
            message = message[: _MESSAGE_CHARS - 3] + "..."
        return f"{self.event_id or self.kind} {self.reason}: {message}"


@attrs.frozen
class FailedGroup:
    """Events that reached one end together: one reason and message, each event's id and JSON.

    ``bodies`` holds the JSON of the first ``len(bodies)`` events (all of
    them unless a byte budget cut it short); ``labels``, when given, start
    each event's message (``line 12``). Its events are made on reading.
    """

    kind: EventKind
    reason: Reason
    message: str
    maybe_stored: bool
    ids: tuple[str | None, ...]
    bodies: tuple[bytes, ...] = ()
    labels: tuple[str | None, ...] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def event(self, index: int) -> UndeliveredEvent:
        """The *index*-th event of the group."""
        label = None if self.labels is None else self.labels[index]
        return UndeliveredEvent(
            kind=self.kind,
            event_id=self.ids[index],
            reason=self.reason,
            message=self.message if label is None else f"{label}: {self.message}",
            maybe_stored=self.maybe_stored,
            body=self.bodies[index] if index < len(self.bodies) else None,
        )

    def events(self) -> Iterator[UndeliveredEvent]:
        return (self.event(index) for index in range(len(self.ids)))

    def size(self) -> int:
        """The bytes of event JSON the group holds."""
        return sum(map(len, self.bodies))

    def jsonl(self) -> Iterator[bytes]:
        """The dead-letter lines of the group's events (one head for all, when unlabelled)."""
        plain = _head(self.kind, self.reason, self.message, self.maybe_stored)
        for index in range(len(self.ids)):
            label = None if self.labels is None else self.labels[index]
            head = plain
            if label is not None:
                head = _head(self.kind, self.reason, f"{label}: {self.message}", self.maybe_stored)
            yield _line(head, self.bodies[index] if index < len(self.bodies) else None)


def _head(kind: EventKind, reason: Reason, message: str, maybe_stored: bool) -> bytes:
    """A dead-letter line up to its event: the JSON object, open."""
    fields = {"kind": kind, "reason": reason, "message": message, "maybe_stored": maybe_stored}
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=repr)
    return text[:-1].encode("utf-8", "surrogatepass") + b',"event":'


def _line(head: bytes, body: bytes | None) -> bytes:
    return head + (b"null" if body is None else body) + b"}\n"


Part = FailedGroup | UndeliveredEvent


class Undelivered(Sequence[UndeliveredEvent]):
    """A report's undelivered events: a sequence whose items are made when they are read.

    Built from groups (:class:`FailedGroup`) and single events; its length,
    counts by reason and concatenation (``+``) cost one step per group,
    whatever the number of events. Equal to any sequence of the same events.
    """

    __slots__ = ("_length", "_parts", "_starts")

    def __init__(self, parts: Iterable[Part] = ()) -> None:
        self._parts: tuple[Part, ...] = tuple(p for p in parts if _length(p))
        self._starts: list[int] | None = None
        self._length = sum(map(_length, self._parts))

    @classmethod
    def of(cls, events: Iterable[UndeliveredEvent | FailedGroup]) -> Undelivered:
        """*events* as an :class:`Undelivered` (itself, if it is one)."""
        return events if isinstance(events, Undelivered) else cls(events)

    @property
    def parts(self) -> tuple[Part, ...]:
        """The groups and single events, in order."""
        return self._parts

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> UndeliveredEvent: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[UndeliveredEvent, ...]: ...

    def __getitem__(self, index: int | slice) -> UndeliveredEvent | tuple[UndeliveredEvent, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._length)))
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("undelivered index out of range")
        if self._starts is None:
            self._starts = list(itertools.accumulate(map(_length, self._parts), initial=0))
        part_index = bisect.bisect_right(self._starts, index) - 1
        part = self._parts[part_index]
        if isinstance(part, UndeliveredEvent):
            return part
        return part.event(index - self._starts[part_index])

    def __iter__(self) -> Iterator[UndeliveredEvent]:
        for part in self._parts:
            if isinstance(part, UndeliveredEvent):
                yield part
            else:
                yield from part.events()

    def __add__(self, other: Iterable[UndeliveredEvent | FailedGroup]) -> Undelivered:
        return Undelivered((*self._parts, *Undelivered.of(other)._parts))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def counts(self) -> Counter[Reason]:
        """How many events have each reason."""
        counts: Counter[Reason] = Counter()
        for part in self._parts:
            counts[part.reason] += _length(part)
        return counts

    def __repr__(self) -> str:
        return f"Undelivered({self._length} events)"


def _length(part: Part) -> int:
    return 1 if isinstance(part, UndeliveredEvent) else len(part)


def _undelivered(events: Iterable[UndeliveredEvent | FailedGroup]) -> Undelivered:
    return Undelivered.of(events)


@attrs.frozen(kw_only=True, repr=False)
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

    Its ``repr`` is a summary (counts by reason and a few examples), however
    many events it lists.
    """

    sent: int = 0
    undelivered: Undelivered = attrs.field(default=Undelivered(), converter=_undelivered)
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
        return self.undelivered.counts()[reason]

    def by_reason(self) -> dict[Reason, int]:
        """The listed undelivered events counted by reason, most frequent first."""
        return dict(self.undelivered.counts().most_common())

    def __repr__(self) -> str:
        parts = [f"sent={self.sent}", f"failed={self.failed}"]
        if self.undelivered:
            counts = ", ".join(f"{reason}={n}" for reason, n in self.by_reason().items())
            parts.append(f"by_reason={{{counts}}}")
        if self.omitted:
            parts.append(f"omitted={self.omitted}")
        if self.dead_letter is not None:
            parts.append(f"dead_letter={self.dead_letter!r}")
        if self.dead_letter_error is not None:
            parts.append(f"dead_letter_error={self.dead_letter_error!r}")
        examples = [u.summary() for u in self.undelivered[:_EXAMPLES]]
        if examples:
            more = len(self.undelivered) - len(examples)
            parts.append(f"e.g. {examples!r}" + (f" and {more} more" if more else ""))
        return f"DeliveryReport({', '.join(parts)})"
