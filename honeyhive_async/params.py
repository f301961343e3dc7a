"""The request shapes as ``TypedDict``s, for requests written as plain dicts.

Every operation takes its request as a model from
:mod:`honeyhive_async.models` or as a dict of the same shape; these types
describe the dicts, so that an editor completes their keys and a type
checker finds a misspelt or missing one::

    from honeyhive_async.params import CreateEventRequestDict

    event: CreateEventRequestDict = {
        "event_name": "retrieve",
        "event_type": "tool",
        "duration": 12.5,
    }

A key is required where the request cannot do without it: ``project`` and
``source`` are not, since the core's defaults fill them in (see the
configuration guide), and ``config`` and ``inputs`` default to ``{}``.
``None`` means unset, as in the models, except for a nested request such as
``event``, which is left out instead (so that its keys are checked too).
Times may be aware ``datetime`` objects. At run time any mapping is
accepted and checked, whatever its static type.

A misspelt key in a dict written in the call is reported by mypy as an
``arg-type`` error (the parameter takes the model as well); a request
variable annotated with its ``TypedDict`` has the key itself named
(``typeddict-unknown-key``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from . import models

__all__ = [
    "CreateEventBatchRequestBodyDict",
    "CreateEventRequestBodyDict",
    "CreateEventRequestDict",
    "CreateModelEventBatchRequestBodyDict",
    "CreateModelEventDict",
    "CreateModelEventRequestBodyDict",
    "DateRangeDict",
    "EventFilterDict",
    "GetEventsRequestBodyDict",
    "SessionPropertiesBatchDict",
    "UpdateEventRequestBodyDict",
]

# Each shape with required keys is a total TypedDict of those, subclassed with
# total=False for the rest: NotRequired needs Python 3.11 (or typing_extensions).


class _CreateEventRequired(TypedDict):
    event_name: str
    event_type: models.EventType
    duration: float


class CreateEventRequestDict(_CreateEventRequired, total=False):
    """One event (:class:`~honeyhive_async.models.CreateEventRequest`); times in milliseconds."""

    project: str | None
    source: str | None
    event_id: str | None
    session_id: str | None
    parent_id: str | None
    children_ids: list[str] | None
    config: dict[str, Any] | None
    inputs: dict[str, Any] | None
    outputs: dict[str, Any] | None
    error: str | None
    start_time: float | datetime | None
    end_time: float | datetime | None
    metadata: dict[str, Any] | None
    feedback: dict[str, Any] | None
    metrics: dict[str, Any] | None
    user_properties: dict[str, Any] | None


class CreateEventRequestBodyDict(TypedDict):
    """The body of ``createEvent``: ``{"event": {...}}``."""

    event: CreateEventRequestDict


class _UpdateEventRequired(TypedDict):
    event_id: str


class UpdateEventRequestBodyDict(_UpdateEventRequired, total=False):
    """The body of ``updateEvent``: the event's id and what to merge into it."""

    metadata: dict[str, Any] | None
    feedback: dict[str, Any] | None
    metrics: dict[str, Any] | None
    outputs: dict[str, Any] | None
    config: dict[str, Any] | None
    user_properties: dict[str, Any] | None
    duration: float | None


class _EventFilterRequired(TypedDict):
    field: str
    operator: models.FilterOperator


class EventFilterDict(_EventFilterRequired, total=False):
    """One ``getEvents`` filter; without ``type`` the value's own type is used."""

    value: str | float | bool | None
    type: models.FilterType | None


class DateRangeDict(TypedDict, total=False):
    """A window on ``start_time``: ISO 8601 text or aware datetimes."""

    gte: str | datetime | None
    lte: str | datetime | None


class _GetEventsRequired(TypedDict):
    filters: list[EventFilterDict]


class GetEventsRequestBodyDict(_GetEventsRequired, total=False):
    """The body of ``getEvents``; ``project`` defaults to the core's."""

    project: str | None
    date_range: DateRangeDict
    projections: list[str] | None
    limit: int | None
    page: int | None


class _CreateModelEventRequired(TypedDict):
    model: str
    provider: str
    messages: list[dict[str, Any]]
    response: dict[str, Any]
    duration: float
    usage: dict[str, Any]


class CreateModelEventDict(_CreateModelEventRequired, total=False):
    """One LLM call (:class:`~honeyhive_async.models.CreateModelEvent`)."""

    project: str | None
    cost: float | None
    error: str | None
    source: str | None
    event_name: str | None
    hyperparameters: dict[str, Any] | None
    template: list[dict[str, Any]] | None
    template_inputs: dict[str, Any] | None
    tools: list[dict[str, Any]] | None
    tool_choice: str | None
    response_format: dict[str, Any] | None


class CreateModelEventRequestBodyDict(TypedDict):
    """The body of ``createModelEvent``: ``{"model_event": {...}}``."""

    model_event: CreateModelEventDict


class SessionPropertiesBatchDict(TypedDict, total=False):
    """The session a single-session batch creates or joins."""

    session_name: str | None
    source: str | None
    session_id: str | None
    config: dict[str, Any] | None
    inputs: dict[str, Any] | None
    outputs: dict[str, Any] | None
    error: str | None
    user_properties: dict[str, Any] | None
    metrics: dict[str, Any] | None
    feedback: dict[str, Any] | None
    metadata: dict[str, Any] | None


class _CreateEventBatchRequired(TypedDict):
    events: list[CreateEventRequestDict]


class CreateEventBatchRequestBodyDict(_CreateEventBatchRequired, total=False):
    """The body of ``createEventBatch``."""

    is_single_session: bool | None
    session_properties: SessionPropertiesBatchDict


class CreateModelEventBatchRequestBodyDict(TypedDict, total=False):
    """The body of ``createModelEventBatch``."""

    model_events: list[CreateModelEventDict]
    is_single_session: bool | None
    session_properties: SessionPropertiesBatchDict
