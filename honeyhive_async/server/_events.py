"""From valid create requests to stored events: ids, times, model events, sessions.

Everything here is pure: requests were checked against the schemas before,
and the clock (``now``, epoch milliseconds) is passed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .._fields import SESSION_OBJECTS
from .._rules import batch_session_id, session_issues
from .._utils import new_event_id
from ._fields import stored_defaults
from ._validate import Invalid, PathSegment, check

__all__ = [
    "BatchPlan",
    "Event",
    "build_event",
    "build_session",
    "check_session_event",
    "model_event_request",
    "new_id",
    "now_ms",
    "plan_batch",
]

Event = dict[str, Any]
"""One stored event: the spec's Event fields, with ``project`` (the name)."""

_MODEL_CONFIG_KEYS = (
    "model",
    "provider",
    "hyperparameters",
    "template",
    "tools",
    "tool_choice",
    "response_format",
)


def new_id() -> str:
    """A fresh event or session id (uuid4), as the real service makes them."""
    return new_event_id()


def now_ms() -> int:
    """The current time in UTC epoch milliseconds."""
    return time.time_ns() // 1_000_000


def _times(raw: Mapping[str, Any], now: int) -> tuple[float, float]:
    duration = raw["duration"]
    start, end = raw.get("start_time"), raw.get("end_time")
    if start is None:
        start = now if end is None else end - duration
    if end is None:
        # Whole milliseconds: the official TypeScript SDK rejects an Event
        # whose end_time is not an integer.
        end = round(start + duration)
    return start, end


def check_session_event(
    raw: Mapping[str, Any], path: Sequence[PathSegment] = (), *, session_id: str | None = None
) -> None:
    """Raise :class:`Invalid` when a ``session`` event breaks the rules of sessions.

    A session event is the session itself: its ``event_id``, its
    ``session_id`` and the batch's session (``session_id``, for
    single-session batches) must agree where given, and it has no parent.
    Other event types pass unchecked. ``path`` locates ``raw`` in the request.
    """
    issues = session_issues(raw, batch_session_id=session_id)
    if issues:
        where, message = issues[0]
        raise Invalid((*path, *where), message)


def build_event(raw: Mapping[str, Any], *, now: int, session_id: str | None = None) -> Event:
    """Complete a CreateEventRequest into the event to store.

    Missing ids are generated; ``parent_id`` defaults to the session id;
    ``start_time`` defaults to ``now`` (or ``end_time - duration``) and
    ``end_time`` to ``start_time + duration``, rounded to whole
    milliseconds. A ``session_id`` argument
    (single-session batches) overrides the request's own. A ``session``
    event (checked by :func:`check_session_event`) is its own session,
    so its two ids default to each other.
    """
    if raw["event_type"] == "session":
        event_id = raw.get("event_id") or raw.get("session_id") or session_id or new_id()
        session = event_id
    else:
        event_id = raw.get("event_id") or new_id()
        session = session_id or raw.get("session_id") or new_id()
    parent = raw.get("parent_id") or (session if session != event_id else None)
    start, end = _times(raw, now)
    event = stored_defaults()
    event.update((key, value) for key, value in raw.items() if key in event and value is not None)
    event.update(
        event_id=event_id,
        session_id=session,
        parent_id=parent,
        children_ids=list(event["children_ids"]),
        start_time=start,
        end_time=end,
    )
    return event


def model_event_request(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Map a CreateModelEvent onto the CreateEventRequest it is stored as.

    model, provider, hyperparameters, template, tools, tool_choice and
    response_format go to ``config``; ``template_inputs`` and the messages
    (as ``chat_history``) to ``inputs``; ``response`` to ``outputs``; the
    usage counters and ``cost`` to ``metadata``. This is the shape model
    events have in HoneyHive, so the same filters find both kinds.
    """
    inputs = {**(raw.get("template_inputs") or {}), "chat_history": raw["messages"]}
    metadata = dict(raw["usage"])
    if raw.get("cost") is not None:
        metadata["cost"] = raw["cost"]
    request = {
        "project": raw["project"],
        "source": "unknown" if raw.get("source") is None else raw["source"],
        "event_name": raw.get("event_name") or raw["model"],
        "event_type": "model",
        "config": {k: raw[k] for k in _MODEL_CONFIG_KEYS if raw.get(k) is not None},
        "inputs": inputs,
        "outputs": raw["response"],
        "duration": raw["duration"],
        "metadata": metadata,
    }
    if raw.get("error") is not None:
        request["error"] = raw["error"]
    return request


def build_session(props: Mapping[str, Any], session_id: str, events: Sequence[Event]) -> Event:
    """The session event of a single-session batch, spanning its ``events``.

    Its name is ``session_name`` (default ``"session"``); project and, unless
    given, source come from the first event; its time span covers every
    event; ``children_ids`` lists the batch's events whose parent it is.
    """
    first = events[0]
    start = min(e["start_time"] for e in events)
    end = max(e["end_time"] for e in events)
    session = stored_defaults()
    session.update({key: props.get(key) or {} for key in SESSION_OBJECTS})
    session.update(
        project=first["project"],
        source=first["source"] if props.get("source") is None else props["source"],
        event_name=props.get("session_name") or "session",
        event_type="session",
        event_id=session_id,
        session_id=session_id,
        parent_id=None,
        children_ids=[e["event_id"] for e in events if e["parent_id"] == session_id],
        error=props.get("error"),
        start_time=start,
        end_time=end,
        duration=end - start,
    )
    return session


@attrs.frozen(kw_only=True)
class BatchPlan:
    """What one batch request stores and answers.

    ``events`` are the valid items, in request order; ``errors`` has one
    message per invalid item; ``session`` is the session event of a
    single-session batch (``None`` otherwise, or when nothing is stored).
    """

    events: list[Event]
    errors: list[str]
    session: Event | None
    session_id: str


def plan_batch(
    body: Mapping[str, Any],
    *,
    items_key: str,
    item_schema: Mapping[str, Any],
    to_request: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    now: int,
) -> BatchPlan:
    """Check each item of a batch on its own and build the events to store.

    With ``is_single_session`` every event joins one session: the given
    ``session_properties.session_id``, else the batch's session event, else
    a new one; otherwise each keeps its own and the answer's ``session_id``
    is the first event's.
    """
    props = body.get("session_properties") or {}
    single = body.get("is_single_session") is True
    shared = (batch_session_id(body) or new_id()) if single else None
    events: list[Event] = []
    errors: list[str] = []
    for index, item in enumerate(body.get(items_key) or []):
        try:
            check(item, item_schema)
            request = to_request(item)
            check_session_event(request, session_id=shared)
        except Invalid as exc:
            errors.append(exc.in_item(f"{items_key}[{index}]"))
            continue
        events.append(build_event(request, now=now, session_id=shared))
    session = build_session(props, shared, events) if shared and events else None
    session_id = shared or (events[0]["session_id"] if events else new_id())
    return BatchPlan(events=events, errors=errors, session=session, session_id=session_id)
