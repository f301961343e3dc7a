"""The request half of the codec: the one place a request becomes bytes on the wire.

A :class:`RequestCodec` belongs to one operation. Its :meth:`~RequestCodec.encode`
runs every step in one order, for the pipeline and paging alike:

1. *normalize*: complete the request with the core's defaults, convert
   datetimes and filter values to wire units (:mod:`._normalize`);
2. *check and map*: the compiled per-model encoder checks every field and
   value rule and builds the wire dict in one pass (:mod:`._converter`);
3. *client ids*: every event that will be created without an ``event_id``
   gets one (:func:`assign_event_id`), so a retry never stores it twice;
4. *JSON*: UTF-8 bytes, refusing what JSON or the server cannot take
   (:mod:`._body`).

The result is an :class:`Encoded` body with the ids of the events it
carries. The batcher encodes its events one at a time as they arrive
(:func:`encode_event`) and joins their bytes, so every event is checked and
encoded exactly once whatever route it takes. Any refusal is a
``RequestValidationError`` naming the field; nothing is sent.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, Literal, TypeVar

from .. import _rules, models
from .._defaults import RequestDefaults
from .._rules import shown
from .._utils import new_event_id, new_event_ids
from ..errors import RequestValidationError
from ._converter import Refused, mapping_encoder, structure_or_refuse, to_wire
from ._json import to_json
from ._normalize import ENCODED_IN_ONE_PASS, prepare_event, prepare_request

__all__ = [
    "BATCH_EVENT_DEPTH",
    "EVENT_MODELS",
    "EVENT_OPERATION_IDS",
    "AnyEvent",
    "Encoded",
    "EncodedEvent",
    "EventKind",
    "RequestCodec",
    "assign_event_id",
    "session_event_id",
    "unreadable",
    "encode_event",
    "event_kind",
]

Req = TypeVar("Req")

EventKind = Literal["event", "model_event"]
"""A batch event is a create-event request (``event``) or a model event (``model_event``)."""

AnyEvent = models.CreateEventRequest | models.CreateModelEvent | Mapping[str, Any]
"""One event of a batch: a create-event request, a model event, or a mapping of either."""

EVENT_OPERATION_IDS: dict[EventKind, str] = {
    "event": "createEventBatch",
    "model_event": "createModelEventBatch",
}
"""The batch operation that carries each kind of event."""

EVENT_MODELS: dict[EventKind, type[models.CreateEventRequest] | type[models.CreateModelEvent]] = {
    "event": models.CreateEventRequest,
    "model_event": models.CreateModelEvent,
}

BATCH_EVENT_DEPTH = _rules.MAX_DEPTH - 2
"""How deep one event may nest: it sits two levels down in a batch body, ``{"events": [event]}``."""

_MODEL_ONLY_FIELDS = frozenset({"model", "provider", "messages", "response", "usage"})


class Encoded:
    """A request body already checked and encoded, with the ids of the events it creates.

    What :meth:`RequestCodec.encode` returns; the pipeline sends it as it
    is, and a caller that built one itself (the batcher joins encoded
    events) hands it to the pipeline in place of a request.
    """

    __slots__ = ("body", "event_ids")

    def __init__(self, body: bytes, event_ids: tuple[str, ...] = ()) -> None:
        self.body = body
        self.event_ids = event_ids

    def __repr__(self) -> str:
        return f"Encoded({len(self.body)} bytes, {len(self.event_ids)} event ids)"


class EncodedEvent:
    """One event of a batch, checked and encoded: its kind, its id (none for model events), JSON."""

    __slots__ = ("data", "event_id", "kind")

    def __init__(self, kind: EventKind, event_id: str | None, data: bytes) -> None:
        self.kind = kind
        self.event_id = event_id
        self.data = data


def session_event_id(event: Mapping[str, Any], batch: Mapping[str, Any] | None) -> Any:
    """The id an id-less *event* takes because it is a session event; ``None`` for others.

    The one rule for such ids: a session event is its own session, so it
    takes its ``session_id``, or else the batch's session
    (:func:`._rules.batch_session_id`) when *batch* is a single-session
    batch body.
    """
    if event.get("event_type") != "session":
        return None
    own = event.get("session_id")
    if own is not None or batch is None or batch.get("is_single_session") is not True:
        return own
    return _rules.batch_session_id(batch)


def assign_event_id(
    event: dict[str, Any], batch: Mapping[str, Any] | None, new_id: Callable[[], str]
) -> str:
    """The ``event_id`` of wire *event*, given one if it has none (:func:`session_event_id`,
    else a fresh one from *new_id*)."""
    event_id = event.get("event_id")
    if event_id is None:
        event_id = event["event_id"] = session_event_id(event, batch) or new_id()
    return event_id


_EVENT_ID = operator.itemgetter("event_id")
_EVENT_TYPE = operator.itemgetter("event_type")


def _assign_all(wire: dict[str, Any], key: str | None) -> tuple[str, ...]:
    """Give every event under *key* of *wire* its ``event_id`` and return all their ids."""
    if key is None:
        return ()
    found = wire.get(key)
    if found is None:
        return ()
    # A wire event may be the caller's own dict (a valid one is not copied): an id is
    # given to a copy.
    if found.__class__ is dict:  # one event: the common case, kept cheap
        if "event_id" not in found:
            wire[key] = found = {**found}
        return (assign_event_id(found, None, new_event_id),)
    events: list[dict[str, Any]] = found  # the wire's own list
    missing = [index for index, event in enumerate(events) if "event_id" not in event]
    if missing:
        for index, event_id in zip(missing, new_event_ids(len(missing)), strict=True):
            events[index] = event = events[index].copy()
            event["event_id"] = event_id
        if "session" in map(_EVENT_TYPE, events):  # rare: a session event is its own session
            for index in missing:
                event = events[index]
                event["event_id"] = session_event_id(event, wire) or event["event_id"]
    return tuple(map(_EVENT_ID, events))


class RequestCodec(Generic[Req]):
    """How one operation's requests become :class:`Encoded` bodies.

    *events_in* names the body key holding the event (or list of events)
    that the request creates; they get client ids. *items_in* names the key
    of a batch's list, so that nesting is bounded event by event.
    """

    __slots__ = ("events_in", "items_in", "one_pass", "operation_id", "request_type")

    def __init__(
        self,
        request_type: type[Req],
        operation_id: str,
        *,
        events_in: str | None = None,
        items_in: str | None = None,
    ) -> None:
        self.request_type = request_type
        self.operation_id = operation_id
        self.events_in = events_in
        self.items_in = items_in
        self.one_pass = request_type in ENCODED_IN_ONE_PASS

    def encode(
        self, request: Req | Mapping[str, Any] | Encoded, defaults: RequestDefaults
    ) -> Encoded:
        """*request* as a body ready to send; ``RequestValidationError`` naming each bad field."""
        if request.__class__ is Encoded:
            return request
        try:
            return self._encode(request, defaults)
        except RequestValidationError:
            raise
        except Exception as exc:  # a caller's object raised when read (__iter__, __eq__, ...)
            raise unreadable(exc, self.operation_id) from None

    def _encode(self, request: Any, defaults: RequestDefaults) -> Encoded:
        if self.one_pass:  # normalized, checked and mapped in one pass, when nothing converts
            try:
                wire = mapping_encoder(self.request_type)(request, defaults)
            except Refused:
                wire = self._normalized(request, defaults)
        else:
            wire = self._normalized(request, defaults)
        event_ids = _assign_all(wire, self.events_in)
        items = None if self.items_in is None else len(wire.get(self.items_in) or ())
        return Encoded(to_json(wire, self.operation_id, items=items), event_ids)

    def _normalized(self, request: Any, defaults: RequestDefaults) -> dict[str, Any]:
        """The wire dict of *request* after :mod:`._normalize`'s step (datetimes, filters)."""
        request = prepare_request(defaults, self.request_type, request, self.operation_id)
        return to_wire(request, self.request_type, self.operation_id, defaults)

    def model(self, request: Req | Mapping[str, Any], defaults: RequestDefaults) -> Req:
        """*request* normalized and checked as :meth:`encode` would, as its model (for paging)."""
        try:
            request = prepare_request(defaults, self.request_type, request, self.operation_id)
            if isinstance(request, self.request_type):  # a model's values are checked too
                to_wire(request, self.request_type, self.operation_id, defaults)
                return request
            return structure_or_refuse(request, self.request_type, self.operation_id)
        except RequestValidationError:
            raise
        except Exception as exc:  # a caller's object raised when read (__iter__, __eq__, ...)
            raise unreadable(exc, self.operation_id) from None

    def refuse(self, issues: list[tuple[str, str]]) -> RequestValidationError:
        """The error for *issues* found outside the request's own rules (a paging option)."""
        return RequestValidationError(issues, operation_id=self.operation_id)

    def __repr__(self) -> str:
        return f"RequestCodec({self.operation_id}: {self.request_type.__name__})"


def event_kind(event: object) -> EventKind:
    """Whether *event* is a create-event request (``event``) or a model event (``model_event``).

    A mapping is a model event when it has no ``event_type`` but one of the
    fields only model events have (``model``, ``provider``, ``messages``,
    ``response``, ``usage``).
    """
    if event.__class__ is dict or isinstance(event, Mapping):  # dict first: it is the usual case
        if "event_type" in event or _MODEL_ONLY_FIELDS.isdisjoint(event):
            return "event"
        return "model_event"
    return "model_event" if isinstance(event, models.CreateModelEvent) else "event"


def unreadable(exc: Exception, operation_id: str) -> RequestValidationError:
    """The error for a request whose own objects raised *exc* when the codec read them."""
    problem = f"could not be read: {shown(exc)} was raised while reading it"
    return RequestValidationError([("", problem)], operation_id=operation_id)


def encode_event(event: AnyEvent, defaults: RequestDefaults, ids: Iterator[str]) -> EncodedEvent:
    """One batch event completed, checked, given an id from *ids* (if created) and encoded.

    The same steps as :meth:`RequestCodec.encode`, for one item of a batch
    body; raises ``RequestValidationError`` naming the field.
    """
    try:
        return _encode_event(event, defaults, ids)
    except RequestValidationError:
        raise
    except Exception as exc:  # a caller's object raised when read (__iter__, __eq__, ...)
        raise unreadable(exc, EVENT_OPERATION_IDS["event"]) from None


def _encode_event(event: AnyEvent, defaults: RequestDefaults, ids: Iterator[str]) -> EncodedEvent:
    kind = event_kind(event)
    operation_id = EVENT_OPERATION_IDS[kind]
    model = EVENT_MODELS[kind]
    try:  # normalized, checked and mapped in one pass, when nothing converts
        wire = mapping_encoder(model)(event, defaults)
    except Refused:
        event = prepare_event(kind, event, defaults, operation_id)
        wire = to_wire(event, model, operation_id, defaults)
    event_id = None
    if kind == "event":
        if "event_id" not in wire:
            wire = {**wire}  # perhaps the caller's own dict: the id goes to a copy
        event_id = assign_event_id(wire, None, ids.__next__)
    return EncodedEvent(kind, event_id, to_json(wire, operation_id, depth=BATCH_EVENT_DEPTH))
