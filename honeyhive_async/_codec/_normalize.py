"""The step before validation: a request completed with the core's defaults, in wire units.

The pipeline runs :func:`prepare_request` on every request before it is
validated, and the batcher runs :func:`prepare_event` on every event:

- ``project`` and ``source`` come from the core's defaults where an event
  or query lacks them (mappings; the models require them);
- ``config`` and ``inputs`` are ``{}`` where an event lacks them (the wire
  requires both);
- an aware ``datetime`` is sent as epoch milliseconds (``start_time``,
  ``end_time``) or as ISO 8601 in UTC (``date_range``); a naive one is
  refused, naming the field; a ``start_time`` or ``end_time`` that is
  plainly in seconds (from 1e9 to 1e11, as ``time.time()`` gives) is
  refused with a message that says milliseconds;
- a filter's number or boolean value is sent as the text the wire wants,
  and a filter without ``type`` gets the type its value has
  (:func:`filter_type`, which the command line's ``--filter`` uses too).

A request that needs none of this is returned as it is, the same object,
after a few lookups. What this step does not understand is left as it is,
for validation to refuse with its field path.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar, cast

import attrs

from .. import _rules, models
from .._defaults import NO_DEFAULTS, RequestDefaults
from ..errors import RequestValidationError, ValidationIssue

__all__ = [
    "EMPTY_OBJECTS",
    "ENCODED_IN_ONE_PASS",
    "FROM_DEFAULTS",
    "SECONDS_RANGE",
    "TIMES",
    "filter_type",
    "filter_value",
    "infer_filter_type",
    "iso_utc",
    "prepare_event",
    "prepare_request",
]

R = TypeVar("R")
Issues = list[ValidationIssue]

FROM_DEFAULTS: Mapping[str, tuple[str, ...]] = {
    "CreateEventRequest": ("project", "source"),
    "CreateModelEvent": ("project", "source"),
}
"""The fields of each event model a mapping may leave out, taken from the core's defaults."""
EMPTY_OBJECTS: Mapping[str, tuple[str, ...]] = {"CreateEventRequest": ("config", "inputs")}
"""The object fields of each event model that are ``{}`` when left out (the wire needs them)."""
TIMES: Mapping[str, tuple[str, ...]] = {"CreateEventRequest": ("start_time", "end_time")}
"""The fields of each event model that are times in epoch milliseconds (datetimes converted)."""
ENCODED_IN_ONE_PASS = frozenset(
    {
        models.CreateEventRequestBody,
        models.CreateEventBatchRequestBody,
        models.CreateModelEventRequestBody,
        models.CreateModelEventBatchRequestBody,
    }
)
"""Requests whose steps the compiled encoders take themselves from the tables above
(:func:`._converter.mapping_encoder`), so a valid one is read once: this step runs only
for a request those encoders refuse (a datetime, a time in seconds, a model in a mapping)."""

SECONDS_RANGE = (1e9, 1e11)
"""Times in this range are seconds since the epoch (2001 to 5138), not milliseconds (1970 to
1973): refused for ``start_time`` and ``end_time``, which are milliseconds."""

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")


def infer_filter_type(value: str) -> models.FilterType:
    """``boolean`` for true/false (any case), ``number`` for a JSON number, else ``string``."""
    if value.lower() in ("true", "false"):
        return "boolean"
    return "number" if _NUMBER.fullmatch(value) else "string"


def filter_type(operator: object, value: str) -> models.FilterType | None:
    """The type of a filter with *operator* and the text *value* when it names none.

    ``None`` for ``exists``/``not exists`` (no value), ``string`` for
    ``contains``/``not contains``, else :func:`infer_filter_type`. The
    command line's ``--filter`` uses it too.
    """
    if not isinstance(operator, str):  # not an operator: validation names it later
        return infer_filter_type(value)
    if operator in _rules.NO_VALUE_OPERATORS:
        return None
    if operator in _rules.TEXT_OPERATORS:
        return "string"
    return infer_filter_type(value)


def filter_value(value: object) -> str | None:
    """A filter value as the wire's text: numbers as JSON numbers, booleans as true/false.

    ``None`` for a value that has no such text (not finite, or not a scalar).
    """
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)  # the shortest text that reads back as the same float
    return None


def iso_utc(moment: datetime) -> str:
    """An aware *moment* as ISO 8601 in UTC with milliseconds: ``2024-04-01T12:00:00.000Z``."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def prepare_request(
    defaults: RequestDefaults, request_type: type[Any], request: R, operation_id: str
) -> R:
    """*request* for *request_type* completed and converted; ``RequestValidationError`` if not.

    Anything but a mapping or a model of *request_type* (an encoded body)
    is returned as it is.
    """
    step = _REQUESTS.get(request_type)
    if step is None or not _is_record(request):
        return request
    issues: Issues = []
    prepared = step(request, defaults, issues)
    if issues:
        raise RequestValidationError(issues, operation_id=operation_id)
    return cast(R, prepared)


def prepare_event(
    kind: str, event: R, defaults: RequestDefaults = NO_DEFAULTS, operation_id: str = ""
) -> R:
    """One batcher event (*kind* ``event`` or ``model_event``) as :func:`prepare_request` would."""
    if not _is_record(event):
        return event
    issues: Issues = []
    step = _event if kind == "event" else _model_event
    prepared = step(event, defaults, issues, "")
    if issues:
        raise RequestValidationError(issues, operation_id=operation_id)
    return cast(R, prepared)


# -- records: mappings and models alike ---------------------------------------


def _is_record(value: object) -> bool:
    return value.__class__ is dict or isinstance(value, Mapping) or attrs.has(type(value))


def _get(record: Any, name: str) -> Any:
    if record.__class__ is dict or isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _with(record: Any, changes: dict[str, Any]) -> Any:
    """*record* with *changes*: a new dict for a mapping, ``attrs.evolve`` for a model."""
    if not changes:
        return record
    if isinstance(record, Mapping):
        return {**record, **changes}
    return attrs.evolve(record, **changes)


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _each(
    records: Any,
    step: Callable[[Any, RequestDefaults, Issues, str], Any],
    defaults: RequestDefaults,
    issues: Issues,
    path: str,
) -> Any:
    """The list *records* with *step* applied to each; the same list when none changed."""
    if not isinstance(records, list):
        return records
    out = [
        step(r, defaults, issues, f"{path}[{i}]") if _is_record(r) else r
        for i, r in enumerate(records)
    ]
    return records if all(map(operator.is_, out, records)) else out


# -- events -------------------------------------------------------------------


def _missing(record: Any, defaults: RequestDefaults, names: tuple[str, ...]) -> dict[str, Any]:
    """The defaults of the *names* that the mapping *record* lacks (``None`` counts as lacking)."""
    if not isinstance(record, Mapping):
        return {}
    changes: dict[str, Any] = {}
    for name in names:
        value = getattr(defaults, name)
        if value is not None and record.get(name) is None:
            changes[name] = value
    return changes


def _event(record: Any, defaults: RequestDefaults, issues: Issues, path: str) -> Any:
    changes = _missing(record, defaults, FROM_DEFAULTS["CreateEventRequest"])
    if isinstance(record, Mapping):
        for name in EMPTY_OBJECTS["CreateEventRequest"]:
            if record.get(name) is None:
                changes[name] = {}
    for name in TIMES["CreateEventRequest"]:
        value = _get(record, name)
        if value is not None and value.__class__ is not int and value.__class__ is not float:
            if isinstance(value, datetime):
                millis = _millis(value, _at(path, name), issues)
                if millis is not None:
                    changes[name] = millis
        elif _in_seconds(value):
            issues.append(
                (
                    _at(path, name),
                    f"{value!r} is a time in seconds; {name} is in milliseconds since the "
                    "epoch (time.time() * 1000), or pass an aware datetime",
                )
            )
    return _with(record, changes)


def _in_seconds(value: Any) -> bool:
    """Whether the number *value* (or ``None``) is plainly a time in seconds, not milliseconds."""
    return value is not None and SECONDS_RANGE[0] <= value < SECONDS_RANGE[1]


def _millis(moment: datetime, path: str, issues: Issues) -> float | None:
    if moment.utcoffset() is None:
        issues.append((path, _NAIVE))
        return None
    return round(moment.timestamp() * 1000, 3)


_NAIVE = (
    "a naive datetime has no time zone, so its moment is unknown: pass an aware one "
    "(datetime.now(timezone.utc), or .replace(tzinfo=...))"
)


def _model_event(record: Any, defaults: RequestDefaults, issues: Issues, path: str) -> Any:
    return _with(record, _missing(record, defaults, FROM_DEFAULTS["CreateModelEvent"]))


# -- queries ------------------------------------------------------------------


def _date_range(record: Any, issues: Issues, path: str) -> Any:
    changes: dict[str, Any] = {}
    for name in ("gte", "lte"):
        value = _get(record, name)
        if isinstance(value, datetime):
            if value.utcoffset() is None:
                issues.append((_at(path, name), _NAIVE))
            else:
                changes[name] = iso_utc(value)
    return _with(record, changes)


def _filter(record: Any, defaults: RequestDefaults, issues: Issues, path: str) -> Any:
    value = _get(record, "value")
    if value is None:
        return record
    changes: dict[str, Any] = {}
    text = filter_value(value)
    if text is None:
        if isinstance(value, float):
            issues.append((_at(path, "value"), f"{value!r} is not a finite number"))
        return record  # not a scalar: validation says what it is
    if text is not value:
        changes["value"] = text
    if _get(record, "type") is None:
        inferred = filter_type(_get(record, "operator"), text)
        if inferred is not None:
            changes["type"] = inferred
        if inferred == "boolean":
            changes["value"] = text.lower()
    return _with(record, changes)


def _query(record: Any, defaults: RequestDefaults, issues: Issues) -> Any:
    changes = _missing(record, defaults, ("project",))
    date_range = _get(record, "date_range")
    if _is_record(date_range):
        prepared = _date_range(date_range, issues, "date_range")
        if prepared is not date_range:
            changes["date_range"] = prepared
    filters = _get(record, "filters")
    prepared_filters = _each(filters, _filter, defaults, issues, "filters")
    if prepared_filters is not filters:
        changes["filters"] = prepared_filters
    return _with(record, changes)


# -- request bodies -----------------------------------------------------------


def _one(name: str, step: Callable[[Any, RequestDefaults, Issues, str], Any]) -> Any:
    """The step of a body holding one record under *name*."""

    def body(record: Any, defaults: RequestDefaults, issues: Issues) -> Any:
        inner = _get(record, name)
        if not _is_record(inner):
            return record
        prepared = step(inner, defaults, issues, name)
        return record if prepared is inner else _with(record, {name: prepared})

    return body


def _many(name: str, step: Callable[[Any, RequestDefaults, Issues, str], Any]) -> Any:
    """The step of a body holding a list of records under *name*."""

    def body(record: Any, defaults: RequestDefaults, issues: Issues) -> Any:
        inner = _get(record, name)
        prepared = _each(inner, step, defaults, issues, name)
        return record if prepared is inner else _with(record, {name: prepared})

    return body


_REQUESTS: dict[type[Any], Callable[[Any, RequestDefaults, Issues], Any]] = {
    models.CreateEventRequestBody: _one("event", _event),
    models.CreateEventBatchRequestBody: _many("events", _event),
    models.CreateModelEventRequestBody: _one("model_event", _model_event),
    models.CreateModelEventBatchRequestBody: _many("model_events", _model_event),
    models.GetEventsRequestBody: _query,
}
"""The step of each request type that has one (``updateEvent`` has none)."""
