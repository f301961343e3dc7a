"""The fields of a stored event, declared once.

Each top-level Event field is declared here, in the order events list
them: how it is stored (text, number or JSON), its JSON Schema in returned
events and in create requests, whether a create must give it, and the
value stored when a create leaves it out (which is also what the rows of
an older database get when a migration adds the field). Everything else
is derived from this list: the SQL table (:mod:`._layout`), the query
compiler's field kinds, the OpenAPI schemas ``Event`` and
``CreateEventRequest``, and the defaults of built events. A new field is
one more entry here and one migration in :mod:`._layout`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from .. import _rules
from ..models import EVENT_TYPES

__all__ = [
    "EVENT_FIELDS",
    "FIELD_KINDS",
    "JSON_FIELDS",
    "EventField",
    "FieldKind",
    "Schema",
    "stored_defaults",
]

Schema = dict[str, Any]
FieldKind = Literal["text", "number", "json"]

STR: Schema = {"type": "string"}
ID: Schema = {"type": "string", "minLength": 1}
NUM: Schema = {"type": "number"}
MS: Schema = {
    "type": "number",
    "minimum": -_rules.MAX_TIME_MS,
    "maximum": _rules.MAX_TIME_MS,
    "description": "UTC epoch milliseconds.",
}
DURATION: Schema = {
    "type": "number",
    "minimum": 0,
    "maximum": _rules.MAX_DURATION_MS,
    "description": "Milliseconds.",
}
OBJ: Schema = {"type": "object", "additionalProperties": True}
ID_LIST: Schema = {"type": "array", "items": {"type": "string"}}


def _column(field: EventField) -> str:
    return field.name


@attrs.frozen(kw_only=True)
class EventField:
    """One top-level field of a stored event.

    ``value`` is its JSON Schema in returned events (``null`` aside: a
    ``nullable`` field may be ``null``) and ``sent`` the one for create
    requests, where it is named ``column`` like its SQL column. A create
    must give a ``required`` field; any other is stored as ``default``
    when left out, unless the event builder computes it (ids, times).
    """

    name: str
    kind: FieldKind
    value: Schema
    sent: Schema | None = None
    column: str = attrs.field(default=attrs.Factory(_column, takes_self=True))
    required: bool = False
    nullable: bool = False
    unique: bool = False
    default: Any = None

    @property
    def create_schema(self) -> Schema:
        """Its schema in a create request."""
        return self.value if self.sent is None else self.sent

    def default_value(self) -> Any:
        """A fresh copy of the default, safe to change."""
        return copy.deepcopy(self.default)


_EVENT_TYPE: Schema = {"type": "string", "enum": list(EVENT_TYPES)}

EVENT_FIELDS: tuple[EventField, ...] = (
    EventField(
        name="project_id",
        column="project",
        kind="text",
        value={**STR, "description": "The project's name."},
        sent={**ID, "description": "The project's name."},
        required=True,
    ),
    EventField(name="source", kind="text", value=STR, required=True),
    EventField(name="event_name", kind="text", value=STR, sent=ID, required=True),
    EventField(
        name="event_type",
        kind="text",
        value=_EVENT_TYPE,
        sent={
            **_EVENT_TYPE,
            "description": "`session` stores the session itself: its event_id is the "
            "session id and it has no parent; sent again, it is merged into the stored session.",
        },
        required=True,
    ),
    EventField(
        name="event_id",
        kind="text",
        value=STR,
        sent={**ID, "description": "Generated (uuid4) when absent."},
        unique=True,
    ),
    EventField(
        name="session_id",
        kind="text",
        value=STR,
        sent={
            **ID,
            "description": "Generated (uuid4) when absent; a session event's is its event_id.",
        },
    ),
    EventField(
        name="parent_id",
        kind="text",
        value=STR,
        sent={
            **ID,
            "description": "Defaults to the session id; must be absent in a session event.",
        },
        nullable=True,
    ),
    EventField(
        name="children_ids",
        kind="json",
        value={
            **ID_LIST,
            "description": "The ids it was created with, then every stored event whose "
            "parent_id is this event's id.",
        },
        sent=ID_LIST,
        default=[],
    ),
    EventField(name="config", kind="json", value=OBJ, required=True),
    EventField(name="inputs", kind="json", value=OBJ, required=True),
    EventField(name="outputs", kind="json", value=OBJ, default={}),
    EventField(name="error", kind="text", value=STR, nullable=True),
    EventField(
        name="start_time",
        kind="number",
        value=MS,
        sent={**MS, "description": "UTC epoch ms; defaults to now."},
    ),
    EventField(
        name="end_time",
        kind="number",
        value=MS,
        sent={**MS, "description": "UTC epoch ms; defaults to start_time + duration."},
    ),
    EventField(name="duration", kind="number", value=NUM, sent=DURATION, required=True),
    EventField(name="metadata", kind="json", value=OBJ, default={}),
    EventField(name="feedback", kind="json", value=OBJ, default={}),
    EventField(name="metrics", kind="json", value=OBJ, default={}),
    EventField(name="user_properties", kind="json", value=OBJ, default={}),
)
"""Every top-level Event field, in the order events list them."""

FIELD_KINDS: Mapping[str, FieldKind] = {field.name: field.kind for field in EVENT_FIELDS}
"""How each top-level Event field is stored: text, number or JSON."""

JSON_FIELDS = tuple(field.name for field in EVENT_FIELDS if field.kind == "json")


def stored_defaults(fields: tuple[EventField, ...] = EVENT_FIELDS) -> dict[str, Any]:
    """A new event by column name: every field at its default, to be filled in."""
    return {field.column: field.default_value() for field in fields}
