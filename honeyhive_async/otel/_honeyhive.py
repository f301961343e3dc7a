"""HoneyHive's own tracer attributes, read as event fields.

HoneyHive's Python tracer (PyPI ``honeyhive`` 1.x) writes an event's fields
into span attributes, flattened at dots: ``honeyhive_inputs.question``,
``honeyhive_outputs.result``, ``honeyhive_metadata.user.id``,
``honeyhive_config.*``, ``honeyhive_metrics.*``, ``honeyhive_feedback.*``,
``honeyhive_user_properties.*`` (list items by index:
``honeyhive_inputs.messages.0.role``), with ``honeyhive_event_type``,
``honeyhive_event_name`` and ``honeyhive_error``. Its routing attributes
(``honeyhive.session_id``, ``honeyhive.project``, ``honeyhive.source``, ...)
say where the event goes; the mapping leaves them to whoever places the
event and keeps them out of ``metadata``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._fields import OBJECT_FIELDS
from ._values import indexes, parse_json, plain

__all__ = ["EVENT_TYPES", "FIELD_PREFIXES", "ROUTING", "HoneyHiveFields", "split"]

FIELD_PREFIXES = {f"honeyhive_{name}": name for name in OBJECT_FIELDS}
"""Attribute name (and its dotted children) -> the event field it fills."""

EVENT_TYPES = frozenset({"model", "tool", "chain"})
"""``honeyhive_event_type`` values taken as the event's type (others are left to the rules)."""

ROUTING = {
    "session_id": (
        "honeyhive.session_id",
        "honeyhive_session_id",
        "traceloop.association.properties.session_id",
    ),
    "project": (
        "honeyhive.project",
        "honeyhive_project",
        "traceloop.association.properties.project",
    ),
    "source": ("honeyhive.source", "honeyhive_source", "traceloop.association.properties.source"),
    "event_id": ("honeyhive_event_id",),
    "session_name": ("honeyhive.session_name", "honeyhive_session_name"),
}
"""Where an event goes, by the first attribute present: read by the ingest, not kept."""

_DROPPED = frozenset(
    {name for names in ROUTING.values() for name in names if name.startswith("honeyhive")}
    | {"honeyhive_duration_ms", "honeyhive_tracer_id", "honeyhive_event_type_raw"}
)


class HoneyHiveFields:
    """The event fields one span's HoneyHive attributes give."""

    __slots__ = ("error", "event_name", "event_type", "fields")

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, Any]] = {}
        self.event_type: str | None = None
        self.event_name: str | None = None
        self.error: str | None = None

    def apply(self, event: dict[str, Any]) -> None:
        """Lay these fields over *event* (the conventions' mapping): HoneyHive's win."""
        for field, values in self.fields.items():
            current = event.get(field)
            event[field] = {**current, **values} if isinstance(current, dict) else values
        if self.event_type is not None:
            event["event_type"] = self.event_type
        if self.event_name:
            event["event_name"] = self.event_name
        if self.error:
            event["error"] = self.error


def split(attributes: Mapping[Any, Any]) -> tuple[dict[Any, Any], HoneyHiveFields]:
    """The attributes the conventions' rules still read, and the HoneyHive fields of the rest."""
    rest: dict[Any, Any] = {}
    own = HoneyHiveFields()
    flat: dict[str, list[tuple[str, Any]]] = {}
    for key, value in attributes.items():
        if not isinstance(key, str) or not key.startswith("honeyhive"):
            rest[key] = value
            continue
        head, _, tail = key.partition(".")
        field = FIELD_PREFIXES.get(head)
        if field is not None:
            flat.setdefault(field, []).append((tail, value))
        elif key == "honeyhive_event_type" and value in EVENT_TYPES:
            own.event_type = value
        elif key == "honeyhive_event_name" and isinstance(value, str):
            own.event_name = value
        elif key == "honeyhive_error" and value is not None:
            own.error = str(value)
        elif key not in _DROPPED:
            rest[key] = value
    for field, pairs in flat.items():
        try:
            own.fields[field] = _unflatten(pairs)
        except Exception:  # a bug must cost this field its shape, not the span its event
            own.fields[field] = {tail or "value": plain(value) for tail, value in pairs}
    return rest, own


def _unflatten(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``[("a.0.b", 1)]`` -> ``{"a": [{"b": 1}]}``; JSON text is parsed; a whole value (no
    tail) that is an object is merged in; the last of two values for one path wins."""
    root: dict[str, Any] = {}
    for tail, value in pairs:
        plain_value = parse_json(value)
        if not tail:
            if isinstance(plain_value, dict):
                root.update(plain_value)
            else:
                root["value"] = plain_value
            continue
        node = root
        *path, last = tail.split(".")
        for part in path:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[last] = plain_value
    return {key: _listify(item) for key, item in root.items()}


def _listify(value: Any) -> Any:
    """Objects keyed ``0..n-1`` become lists, at every level."""
    if not isinstance(value, dict):
        return value
    items = {key: _listify(item) for key, item in value.items()}
    found = indexes(items)
    if items and found is not None and sorted(found) == list(range(len(found))):
        ordered = sorted(zip(found, items.values(), strict=True), key=lambda pair: pair[0])
        return [item for _, item in ordered]
    return items
