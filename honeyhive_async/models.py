"""Request and response models of the HoneyHive Events API.

Every model is a frozen, slotted attrs class with keyword-only fields named as
in Python (snake_case). Wire names equal the field names except where a field
declares its own with :func:`wire` (``date_range`` is sent as ``dateRange``,
``total_events`` arrives as ``totalEvents``).

Optional fields default to ``None``, which means *unset*: an unset field is
left out of the JSON body, never sent as ``null``. Free-form objects
(``config``, ``inputs``, ``metadata``, ...) are plain dicts passed to the wire
untouched, ``None`` values inside them included.

Each model says which way it travels: ``@_request`` models are what a
caller sends (checked strictly, unknown keys refused), ``@_response`` models
what the server answers (unknown keys tolerated). The converter builds its
codecs from these two registries (:data:`REQUEST_MODELS`,
:data:`RESPONSE_MODELS`), so a model cannot be left out of them.

Models know nothing about HTTP; :mod:`honeyhive_async.funcs` sends them.
"""

from __future__ import annotations

from typing import Any, Final, Literal, TypeVar

import attrs

from ._utils import new_event_id, new_event_ids

__all__ = [
    "CreateEventBatchRequestBody",
    "CreateEventBatchResponse",
    "CreateEventRequest",
    "CreateEventRequestBody",
    "CreateEventResponse",
    "CreateModelEvent",
    "CreateModelEventBatchRequestBody",
    "CreateModelEventBatchResponse",
    "CreateModelEventRequestBody",
    "CreateModelEventResponse",
    "DateRange",
    "EVENT_TYPES",
    "Event",
    "EventFilter",
    "EventType",
    "FILTER_OPERATORS",
    "FILTER_TYPES",
    "FilterOperator",
    "FilterType",
    "GetEventsRequestBody",
    "GetEventsResponse",
    "JSONObject",
    "REQUEST_MODELS",
    "RESPONSE_MODELS",
    "SessionPropertiesBatch",
    "UpdateEventRequestBody",
    "new_event_id",
    "new_event_ids",
    "wire",
    "wire_name",
]

JSONObject = dict[str, Any]
"""A free-form JSON object, passed to the wire as given."""

EventType = Literal["model", "tool", "chain", "session"]
FilterOperator = Literal[
    "is",
    "is not",
    "contains",
    "not contains",
    "greater than",
    "less than",
    "exists",
    "not exists",
    "after",
    "before",
]
FilterType = Literal["string", "number", "boolean", "datetime", "id"]

EVENT_TYPES: Final = ("model", "tool", "chain", "session")
"""The ``event_type`` values a create request accepts.

A ``session`` event is the session itself: its ``event_id`` is the session
id and it has no parent (see the local server's docs for the rules).
"""
FILTER_OPERATORS: Final = (
    "is",
    "is not",
    "contains",
    "not contains",
    "greater than",
    "less than",
    "exists",
    "not exists",
    "after",
    "before",
)
"""The spec's filter operators plus the newer ones the service understands."""
FILTER_TYPES: Final = ("string", "number", "boolean", "datetime", "id")
"""The spec's filter value types plus ``datetime``."""

_WIRE: Final = "honeyhive_async.wire"


def wire(name: str) -> dict[str, str]:
    """Field metadata declaring the JSON name of a field whose wire name differs."""
    return {_WIRE: name}


def wire_name(field: attrs.Attribute[Any]) -> str:
    """The JSON name of *field*: its declared :func:`wire` name, else its own name."""
    return str(field.metadata.get(_WIRE, field.name))


def _one_of(values: tuple[str, ...]) -> Any:
    return attrs.validators.in_(values)


_M = TypeVar("_M", bound=type)
_REQUESTS: list[type[Any]] = []
_RESPONSES: list[type[Any]] = []


def _request(cls: _M) -> _M:
    """Register *cls* as a model the caller sends."""
    _REQUESTS.append(cls)
    return cls


def _response(cls: _M) -> _M:
    """Register *cls* as a model the server answers."""
    _RESPONSES.append(cls)
    return cls


# -- requests -----------------------------------------------------------------


@_request
@attrs.frozen(kw_only=True)
class CreateEventRequest:
    """One event to create: a model call, a tool call, a chain step or a session.

    ``start_time``, ``end_time`` and ``duration`` are in milliseconds (the
    times since the Unix epoch, UTC). When ``event_id`` is unset,
    ``events_create_event`` and ``events_create_event_batch`` assign a UUID4
    before sending, so retries carry the same id.
    """

    project: str
    source: str
    event_name: str
    event_type: EventType = attrs.field(validator=_one_of(EVENT_TYPES))
    event_id: str | None = None
    session_id: str | None = None
    parent_id: str | None = None
    children_ids: list[str] | None = None
    config: JSONObject
    inputs: JSONObject
    outputs: JSONObject | None = None
    error: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    duration: float
    metadata: JSONObject | None = None
    feedback: JSONObject | None = None
    metrics: JSONObject | None = None
    user_properties: JSONObject | None = None


@_request
@attrs.frozen(kw_only=True)
class CreateEventRequestBody:
    """The body of ``createEvent``: ``{"event": ...}``."""

    event: CreateEventRequest


@_request
@attrs.frozen(kw_only=True)
class UpdateEventRequestBody:
    """The body of ``updateEvent``: the event to change and the fields to merge in.

    The server merges each object key by key into the stored event and
    replaces ``duration`` (milliseconds).
    """

    event_id: str
    metadata: JSONObject | None = None
    feedback: JSONObject | None = None
    metrics: JSONObject | None = None
    outputs: JSONObject | None = None
    config: JSONObject | None = None
    user_properties: JSONObject | None = None
    duration: float | None = None


@_request
@attrs.frozen(kw_only=True)
class EventFilter:
    """One ``getEvents`` filter: ``field`` (a dotted path) ``operator`` ``value``.

    ``value`` is always a string, also for ``type="number"``; ``exists`` and
    ``not exists`` need no value.
    """

    field: str
    value: str | None = None
    operator: FilterOperator = attrs.field(validator=_one_of(FILTER_OPERATORS))
    type: FilterType | None = attrs.field(
        default=None, validator=attrs.validators.optional(_one_of(FILTER_TYPES))
    )


@_request
@attrs.frozen(kw_only=True)
class DateRange:
    """An ISO-8601 window on ``start_time``; sent as ``{"$gte": ..., "$lte": ...}``."""

    gte: str | None = attrs.field(default=None, metadata=wire("$gte"))
    lte: str | None = attrs.field(default=None, metadata=wire("$lte"))


@_request
@attrs.frozen(kw_only=True)
class GetEventsRequestBody:
    """The body of ``getEvents``: a project name, filters, and paging.

    ``limit`` defaults to 1000 on the server (at most 7500); ``page`` is 1-based.
    """

    project: str
    filters: list[EventFilter]
    date_range: DateRange | None = attrs.field(default=None, metadata=wire("dateRange"))
    projections: list[str] | None = None
    limit: int | None = None
    page: int | None = None


@_request
@attrs.frozen(kw_only=True)
class CreateModelEvent:
    """One LLM call to record; the server stores it as an event of type ``model``."""

    project: str
    model: str
    provider: str
    messages: list[JSONObject]
    response: JSONObject
    duration: float
    usage: JSONObject
    cost: float | None = None
    error: str | None = None
    source: str | None = None
    event_name: str | None = None
    hyperparameters: JSONObject | None = None
    template: list[JSONObject] | None = None
    template_inputs: JSONObject | None = None
    tools: list[JSONObject] | None = None
    tool_choice: str | None = None
    response_format: JSONObject | None = None


@_request
@attrs.frozen(kw_only=True)
class CreateModelEventRequestBody:
    """The body of ``createModelEvent``: ``{"model_event": ...}``."""

    model_event: CreateModelEvent


@_request
@attrs.frozen(kw_only=True)
class SessionPropertiesBatch:
    """The session that a single-session batch creates (or joins, by ``session_id``)."""

    session_name: str | None = None
    source: str | None = None
    session_id: str | None = None
    config: JSONObject | None = None
    inputs: JSONObject | None = None
    outputs: JSONObject | None = None
    error: str | None = None
    user_properties: JSONObject | None = None
    metrics: JSONObject | None = None
    feedback: JSONObject | None = None
    metadata: JSONObject | None = None


@_request
@attrs.frozen(kw_only=True)
class CreateEventBatchRequestBody:
    """The body of ``createEventBatch``: events, optionally all in one session."""

    events: list[CreateEventRequest]
    is_single_session: bool | None = None
    session_properties: SessionPropertiesBatch | None = None


@_request
@attrs.frozen(kw_only=True)
class CreateModelEventBatchRequestBody:
    """The body of ``createModelEventBatch``: model events, optionally in one session."""

    model_events: list[CreateModelEvent] | None = None
    is_single_session: bool | None = None
    session_properties: SessionPropertiesBatch | None = None


# -- responses ----------------------------------------------------------------


@_response
@attrs.frozen(kw_only=True)
class CreateEventResponse:
    """What ``createEvent`` and ``createModelEvent`` answer: the stored event's id."""

    event_id: str
    success: bool


CreateModelEventResponse = CreateEventResponse
"""``createModelEvent`` answers the same shape as ``createEvent``."""


@_response
@attrs.frozen(kw_only=True)
class CreateEventBatchResponse:
    """What ``createEventBatch`` answers: the stored ids, in request order, and the session."""

    event_ids: list[str]
    session_id: str
    success: bool


@_response
@attrs.frozen(kw_only=True)
class CreateModelEventBatchResponse:
    """What ``createModelEventBatch`` answers: the stored ids, in request order."""

    event_ids: list[str]
    success: bool


@_response
@attrs.frozen(kw_only=True)
class Event:
    """A stored event as ``getEvents`` returns it.

    Every field may be missing (``projections`` choose which come back) and
    ``event_type`` is kept as the server's string (``session``, ``model``,
    ``tool``, ``chain``, or a newer kind). Times are epoch milliseconds.
    """

    project_id: str | None = None
    source: str | None = None
    event_name: str | None = None
    event_type: str | None = None
    event_id: str | None = None
    session_id: str | None = None
    parent_id: str | None = None
    children_ids: list[str] | None = None
    config: JSONObject | None = None
    inputs: JSONObject | None = None
    outputs: JSONObject | None = None
    error: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    duration: float | None = None
    metadata: JSONObject | None = None
    feedback: JSONObject | None = None
    metrics: JSONObject | None = None
    user_properties: JSONObject | None = None


@_response
@attrs.frozen(kw_only=True)
class GetEventsResponse:
    """One page of ``getEvents``: the events and how many match in all."""

    events: list[Event]
    total_events: int = attrs.field(metadata=wire("totalEvents"))


REQUEST_MODELS: Final = tuple(_REQUESTS)
"""Every model a caller sends, nested ones included."""
RESPONSE_MODELS: Final = tuple(_RESPONSES)
"""Every model the server answers with."""
