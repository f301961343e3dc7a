"""What an :class:`~honeyhive_async.EventBatcher` reports: each undelivered event, and why.

Plain frozen values with no behaviour beyond counting: the batcher builds
them, callers read them, and the dead-letter file holds their JSON.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

import attrs

from .._codec import EventKind

__all__ = ["DeliveryReport", "EventKind", "Reason", "UndeliveredEvent"]

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

    ``wire`` is the event as it was sent, with the ``event_id`` the batcher
    assigned (``add(u.wire)`` to a batcher again retries it without risking
    a duplicate). ``maybe_stored`` says the server may have stored the event
    although it did not acknowledge it; only for model events does that make
    a retry unsafe.
    """

    wire: dict[str, Any] = attrs.field(repr=False)
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

    def summary(self) -> str:
        """One short line: the event, the reason, and the start of the message."""
        message = self.message
        if len(message) > _MESSAGE_CHARS:
            message = message[: _MESSAGE_CHARS - 3] + "..."
        return f"{self.event_id or self.kind} {self.reason}: {message}"


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

    def by_reason(self) -> dict[Reason, int]:
        """The listed undelivered events counted by reason, most frequent first."""
        return dict(Counter(u.reason for u in self.undelivered).most_common())

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
