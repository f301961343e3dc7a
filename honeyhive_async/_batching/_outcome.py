"""The batcher's pure decisions: queued items, and what one answer means for each of them.

:func:`settle` maps the outcome of one batch request to a :class:`Step`:
which events are *sent*, which failed (and why), which are sent again, and
whether the batch is split. How each outcome is handled:

- success: every event whose id came back is *sent*, the rest sent again;
- the typed partial 500 (``PartialBatchError``): the acknowledged events are
  sent, the ones the server names in ``errors`` (``events[3]: ...``) are
  *rejected* with that message, and only the rest are sent again;
- 413, or an event the client cannot encode: the batch is split in halves;
  one event alone is *rejected*;
- anything else, after the core's retries: *gave_up* when the failure is
  transient by the one retry policy (:data:`~honeyhive_async._retry.IDEMPOTENT`),
  *rejected* when sending it again unchanged would fail again.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from .._codec import AnyEvent, encode_event, event_kind
from .._defaults import NO_DEFAULTS, RequestDefaults
from .._result import Result
from .._retry import IDEMPOTENT
from ..errors import (
    APIError,
    HoneyHiveError,
    PartialBatchError,
    RequestValidationError,
    ResponseValidationError,
    TransportError,
)
from ._report import EventKind, FailedGroup, Reason

__all__ = [
    "AnyEvent",
    "Failure",
    "Item",
    "Step",
    "event_kind",
    "failed_groups",
    "maybe_stored",
    "prepare",
    "reason",
    "rejected_indices",
    "settle",
]

_INDEXED_ERROR = re.compile(r"\s*(?:model_events|events)\[(\d+)\]\s*:?\s*")


class Item:
    """One queued event, kept as its encoded JSON only.

    Holding bytes instead of the caller's objects keeps the queue's memory
    what its byte bound says, and leaves the garbage collector almost
    nothing to scan however many events wait. ``label`` (the command line
    passes ``line 12``) starts the messages about the event.
    """

    __slots__ = ("data", "done", "event_id", "kind", "label", "size")

    def __init__(
        self, kind: EventKind, event_id: str | None, data: bytes, label: str | None = None
    ) -> None:
        self.kind = kind
        self.event_id = event_id
        self.data = data  # the event's JSON, encoded once: batches are joined from these
        self.size = len(data)
        self.done = False
        self.label = label

    def __repr__(self) -> str:
        return f"Item({self.kind}, {self.event_id!r}, {self.size} bytes)"


Failure = tuple[list[Item], Reason, str, bool]
"""Events that reached an end without delivery: the items, reason, message, maybe_stored."""


@attrs.define
class Step:
    """The outcome of one request for its events; ``resend``/``split`` ask for more requests."""

    sent: list[Item] = attrs.Factory(list)
    failed: list[Failure] = attrs.Factory(list)
    resend: list[Item] = attrs.Factory(list)
    split: bool = False


def prepare(
    event: AnyEvent,
    ids: Iterator[str],
    label: str | None = None,
    defaults: RequestDefaults = NO_DEFAULTS,
) -> Item:
    """*event* completed, checked, given an id from *ids* and encoded (:func:`.encode_event`).

    Raises ``RequestValidationError`` naming the field.
    """
    encoded = encode_event(event, defaults, ids)
    return Item(encoded.kind, encoded.event_id, encoded.data, label)


def settle(kind: EventKind, items: list[Item], result: Result[Any]) -> Step:
    """What one answer means for each event of the request that got it."""
    if result.ok:
        if kind == "model_event":
            return Step(sent=items)
        acknowledged = set(result.value.event_ids)
        sent = [i for i in items if i.event_id in acknowledged]
        return Step(sent=sent, resend=[i for i in items if i.event_id not in acknowledged])
    error = result.error
    if isinstance(error, PartialBatchError):
        return _settle_partial(kind, items, error)
    too_large = isinstance(error, APIError) and error.status_code == 413
    if too_large or isinstance(error, RequestValidationError):
        if len(items) > 1:
            return Step(split=True)
        return Step(failed=[(items, "rejected", error.message, False)])
    if isinstance(error, ResponseValidationError) and kind == "event":
        return Step(resend=items)
    return Step(failed=[(items, reason(error), str(error), maybe_stored(error))])


def _settle_partial(kind: EventKind, items: list[Item], error: PartialBatchError) -> Step:
    """The typed partial 500: acknowledged, rejected by index, and the rest."""
    rejected = rejected_indices(error.errors, len(items))
    step = Step(
        failed=[
            ([items[i]], "rejected", f"the server refused it: {message}", False)
            for i, message in rejected.items()
        ]
    )
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


def rejected_indices(errors: Iterable[str], count: int) -> dict[int, str]:
    """The request positions the server's ``errors`` name (``events[3]: ...``), and why.

    The position is the event's place in one request, which means nothing to
    the caller: the message is kept without it.
    """
    found: dict[int, str] = {}
    for message in errors:
        match = _INDEXED_ERROR.match(message)
        if match is not None and int(match.group(1)) < count:
            found.setdefault(int(match.group(1)), message[match.end() :] or "no reason given")
    return found


def reason(error: HoneyHiveError) -> Reason:
    """``rejected`` for an answer that would come again; ``gave_up`` for a transient failure.

    Transient is what the retry policy retries (:data:`IDEMPOTENT`): its
    statuses, and every failure that is not an answer (connection, timeout,
    an unreadable answer).
    """
    if isinstance(error, APIError):
        return "gave_up" if error.status_code in IDEMPOTENT.statuses else "rejected"
    return "rejected" if isinstance(error, RequestValidationError) else "gave_up"


def maybe_stored(error: HoneyHiveError) -> bool:
    """Whether the server may have stored a request that failed with *error*."""
    if isinstance(error, TransportError):
        return error.sent
    if isinstance(error, APIError):
        return error.status_code >= 500
    return isinstance(error, ResponseValidationError)


def failed_groups(
    items: Sequence[Item],
    reason: Reason,
    message: str,
    maybe_stored: bool,
    max_bytes: float = math.inf,
) -> list[FailedGroup]:
    """The report's records of *items*: one group per run of one kind, ids for every item.

    The JSON of the items is kept, in order, while it fits in *max_bytes*
    (the rest keep only their ids); an item's label starts its message.
    Costs one step per item and no decoding: this runs after deadlines.
    """
    groups = []
    for kind, run in itertools.groupby(items, key=lambda item: item.kind):
        events = list(run)
        kept = 0
        for item in events:
            if item.size > max_bytes:
                break
            max_bytes -= item.size
            kept += 1
        labelled = any(item.label is not None for item in events)
        groups.append(
            FailedGroup(
                kind,
                reason,
                message,
                maybe_stored,
                tuple([item.event_id for item in events]),
                tuple([item.data for item in events[:kept]]),
                tuple([item.label for item in events]) if labelled else None,
            )
        )
    return groups
