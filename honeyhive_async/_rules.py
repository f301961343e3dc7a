"""What the Events API refuses for reasons a client can know, in one place for both sides.

The client checks every request against these rules before it sends it,
and the local server enforces the same rules on what it receives, so the
two cannot drift apart (a property test sends the same generated requests
to both). Types and required fields belong to the models
(:mod:`honeyhive_async.models`) and to the server's schemas; the rules here
are about values:

- limits on numbers: times, durations, ``limit``, ``page``
  (:data:`FIELD_RULES`), and how many filters a query may have;
- strings that must not be empty (ids, names, the project);
- nesting no deeper than :data:`MAX_DEPTH` and text that is valid Unicode
  (checked by :mod:`._json_checks`);
- what a session event may say (:func:`session_issues`);
- what a ``getEvents`` query may ask for: field paths, operators that fit
  the filter's type, values of that type, dates (:func:`query_issues`).

Rules read wire dicts (the JSON a request carries) and report problems as
``(path, message)``, the path a tuple of keys and list indexes relative to
the value checked. A value of the wrong type is left to the type checks.

Standard library only and nothing compiled at import time: the operations
import this module, and the package promises a cheap import.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ._fields import FIELD_KINDS

__all__ = [
    "Bounds",
    "DECIMAL",
    "EVENT_FIELD_KINDS",
    "FIELD_RULES",
    "ISO_DATETIME",
    "Issue",
    "MAX_DEPTH",
    "MAX_DURATION_MS",
    "MAX_FIELD_CHARS",
    "MAX_FIELD_SEGMENTS",
    "MAX_FILTERS",
    "MAX_INTEGER",
    "MAX_LIMIT",
    "shown",
    "MAX_PAGE",
    "MAX_TEXT_CHARS",
    "MAX_TIME_MS",
    "MODEL_RULES",
    "NEGATIONS",
    "NO_VALUE_OPERATORS",
    "FILTER_OPERATORS",
    "TEXT_OPERATORS",
    "NonEmpty",
    "Number",
    "OPERATORS_BY_TYPE",
    "Path",
    "SEGMENT",
    "SPACES",
    "batch_session_id",
    "field_issues",
    "field_path_problem",
    "format_path",
    "parse_datetime_ms",
    "query_issues",
    "session_issues",
    "single_session_issues",
]

Path = tuple[str | int, ...]
Issue = tuple[Path, str]

MAX_DEPTH = 100
"""Deepest nesting of a request body, the body itself being level 1 (as the service stores)."""
MAX_INTEGER = 2**63 - 1
"""The largest integer a typed number field may hold: SQLite and the service store 64 bits."""
MAX_TIME_MS = 8_640_000_000_000_000
"""``start_time`` and ``end_time`` lie within this many milliseconds of the epoch.

±100,000,000 days, the range of a JavaScript ``Date``: every time the
official TypeScript SDK can represent, and far from where sums overflow.
"""
MAX_DURATION_MS = MAX_TIME_MS
"""The longest ``duration``, in milliseconds (the shortest is 0)."""
MAX_LIMIT = 7500
"""The largest ``getEvents`` page."""
MAX_PAGE = 1_000_000_000
"""The highest ``getEvents`` page: with the largest page, the offset stays far below 2**63."""
MAX_FILTERS = 100
"""The most filters one ``getEvents`` query may have."""
MAX_FIELD_CHARS = 256
"""The longest filter or projection field path."""
MAX_FIELD_SEGMENTS = 16
"""The most dot-separated segments in a field path."""
MAX_TEXT_CHARS = 10_000
"""The most characters of free text a client puts in one text field it makes up itself.

An event's ``error`` (and the traceback tracing keeps with it) and the names
tracing gives its events: the service refuses no length, but a request has
a size limit, and one long text must not cost an event its place in it.
Longer text is cut, saying how long it was.
"""

EVENT_FIELD_KINDS: Mapping[str, str] = FIELD_KINDS
"""Every top-level field of a stored Event and its kind: text, number, or JSON (nested paths)."""

OPERATORS_BY_TYPE: Mapping[str, frozenset[str]] = {
    "string": frozenset({"is", "contains", "greater than", "less than"}),
    "id": frozenset({"is", "contains"}),
    "number": frozenset({"is", "greater than", "less than"}),
    "boolean": frozenset({"is"}),
    "datetime": frozenset({"is", "greater than", "less than", "after", "before"}),
}
"""The positive operators each filter type takes; ``exists`` applies to all."""
NEGATIONS: Mapping[str, str] = {"is not": "is", "not contains": "contains", "not exists": "exists"}
"""Each negated operator and the positive form it negates."""
NO_VALUE_OPERATORS = frozenset(
    op for op in ("exists", *NEGATIONS) if NEGATIONS.get(op, op) == "exists"
)
"""The operators that take no value: they apply to every filter type."""
TEXT_OPERATORS = frozenset(
    op for op in ("contains", *NEGATIONS) if NEGATIONS.get(op, op) == "contains"
)
"""The operators that compare text whatever the field holds (a filter without a type: string)."""
FILTER_OPERATORS = frozenset(
    {*NO_VALUE_OPERATORS, *NEGATIONS, *(op for ops in OPERATORS_BY_TYPE.values() for op in ops)}
)
"""Every filter operator: with this module's table of types and negations, the one table
(``models.FilterOperator`` spells them for type checkers; a test holds the two equal)."""


def shown(value: Any, limit: int = 200) -> str:
    """*value* as a message shows it: its ``repr``, cut at *limit* characters, never raising.

    An integer too long for ``repr`` (Python's 4,300-digit limit) is described
    by its size, and an object whose ``repr`` fails by its type.
    """
    try:
        text = repr(value)
    except ValueError:
        if isinstance(value, int):
            return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
        text = f"a {type(value).__name__}"
    except Exception:  # a caller's object, whose repr may fail in any way
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class NonEmpty:
    """A string that must not be empty."""

    __slots__ = ()

    def problem(self, value: Any) -> str | None:
        """Why *value* breaks the rule, or ``None`` (also for a value that is no string)."""
        return "must not be empty" if value == "" else None

    def __repr__(self) -> str:
        return "NonEmpty()"


class Bounds:
    """A number from ``low`` to ``high``, both included."""

    __slots__ = ("high", "low")

    def __init__(self, low: int, high: int) -> None:
        self.low = low
        self.high = high

    def problem(self, value: Any) -> str | None:
        """Why *value* breaks the rule, or ``None`` (also for a value that is no number)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if self.low <= value <= self.high:
            return None
        return f"must be from {self.low} to {self.high}, got {shown(value)}"

    def __repr__(self) -> str:
        return f"Bounds({self.low}, {self.high})"


class Number:
    """A number the server can store: an integer of at most 64 bits, or a finite float."""

    __slots__ = ()

    def problem(self, value: Any) -> str | None:
        """Why *value* breaks the rule, or ``None`` (also for a value that is no number)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if isinstance(value, float):
            return None if math.isfinite(value) else "must be a finite number"
        if -MAX_INTEGER <= value <= MAX_INTEGER:
            return None
        return f"must be an integer of at most 64 bits, got {shown(value)}"

    def __repr__(self) -> str:
        return "Number()"


Rule = NonEmpty | Bounds | Number

_ID = NonEmpty()
_TIME = Bounds(-MAX_TIME_MS, MAX_TIME_MS)
_DURATION = Bounds(0, MAX_DURATION_MS)

FIELD_RULES: Mapping[str, Mapping[str, Rule]] = {
    "CreateEventRequest": {
        "project": _ID,
        "event_name": _ID,
        "event_id": _ID,
        "session_id": _ID,
        "parent_id": _ID,
        "start_time": _TIME,
        "end_time": _TIME,
        "duration": _DURATION,
    },
    "CreateModelEvent": {
        "project": _ID,
        "model": _ID,
        "event_name": _ID,
        "duration": _DURATION,
        "cost": Number(),
    },
    "SessionPropertiesBatch": {"session_name": _ID, "session_id": _ID},
    "UpdateEventRequestBody": {"event_id": _ID, "duration": _DURATION},
    "EventFilter": {"field": _ID},
    "GetEventsRequestBody": {
        "project": _ID,
        "limit": Bounds(1, MAX_LIMIT),
        "page": Bounds(1, MAX_PAGE),
    },
}
"""The value rules of each model's fields, by model name and wire name.

The server's schemas carry the same names; a field without a rule takes
any value of its type.
"""


def field_issues(model: str, data: Mapping[str, Any]) -> list[Issue]:
    """What breaks the field rules of *model* in *data* (its wire dict)."""
    issues: list[Issue] = []
    for name, rule in FIELD_RULES.get(model, {}).items():
        value = data.get(name)
        problem = None if value is None else rule.problem(value)
        if problem is not None:
            issues.append(((name,), problem))
    return issues


def format_path(path: Path, *, root: str = "") -> str:
    """*path* as ``events[3].config.model``; the empty path is *root*."""
    out = ""
    for segment in path:
        if isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += f".{segment}" if out else segment
    return out or root


# -- sessions -------------------------------------------------------------------------


def session_issues(event: Mapping[str, Any], *, batch_session_id: Any = None) -> list[Issue]:
    """What keeps a ``session`` event from being its own session.

    A session event has no parent, and its ``event_id``, its ``session_id``
    and the session of the single-session batch it is in
    (*batch_session_id*) name the same session where given. Other event
    types pass.
    """
    if event.get("event_type") != "session":
        return []
    if event.get("parent_id") is not None:
        return [(("parent_id",), "must be absent: a session event has no parent")]
    given = [
        (name, value)
        for name, value in (
            ("event_id", event.get("event_id")),
            ("session_id", event.get("session_id")),
            ("the batch's session_id", batch_session_id),
        )
        if isinstance(value, str)  # a value of another type is the type checks' business
    ]
    if len({value for _, value in given}) > 1:
        got = ", ".join(f"{name} {value!r}" for name, value in given)
        message = f"must equal event_id in a session event, which is its own session (got {got})"
        return [(("session_id",), message)]
    return []


def batch_session_id(body: Mapping[str, Any]) -> Any:
    """The session every event of a single-session batch joins, when the request names it.

    ``session_properties.session_id``, or else the id of the first session
    event in the batch: the session event *is* the batch's session. ``None``
    when neither says (the server then makes one up).
    """
    props = body.get("session_properties")
    if isinstance(props, Mapping) and props.get("session_id") is not None:
        return props["session_id"]
    events = body.get("events")
    for event in events if isinstance(events, list) else ():
        if _is_mapping(event) and event.get("event_type") == "session":
            return event.get("event_id") or event.get("session_id")
    return None


def _is_mapping(value: Any) -> bool:
    # A plain dict first: the ABC check costs more than the rest of a rule per event.
    return value.__class__ is dict or isinstance(value, Mapping)


def single_session_issues(body: Mapping[str, Any]) -> list[Issue]:
    """What keeps the session events of a single-session batch from being its session."""
    events = body.get("events")
    if body.get("is_single_session") is not True or not isinstance(events, list):
        return []  # a list of another type is the type checks' business
    shared = batch_session_id(body)
    issues: list[Issue] = []
    for index, event in enumerate(events):
        if _is_mapping(event) and event.get("event_type") == "session":
            found = session_issues(event, batch_session_id=shared)
            issues += [(("events", index, *path), message) for path, message in found]
    return issues


# -- getEvents ----------------------------------------------------------------------------


_NAME_CHAR = "[A-Za-z0-9_\\-]|[^\\x00-\\x7f]"
SEGMENT = f"(?:{_NAME_CHAR})+(?: (?:{_NAME_CHAR})+)*"
"""One key of a field path: ASCII letters, digits, ``_``, ``-`` or any
non-ASCII character, with single inner spaces (``Answer Faithfulness``)."""
DECIMAL = "-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
"""A number as a filter value or a date-time in epoch milliseconds."""
ISO_DATETIME = (
    "([0-9]{4})-([0-9]{2})-([0-9]{2})"
    "(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?)?"
    "([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
"""The shape of an ISO-8601 date-time, with its parts as groups (checked further when parsed)."""
SPACES = " \t\n\r\f\v"
"""What is stripped around a date-time (ASCII whitespace only)."""


@functools.cache
def _patterns() -> dict[str, re.Pattern[str]]:
    # Compiled on first use, not when the operations are imported.
    return {
        "segment": re.compile(SEGMENT),
        "decimal": re.compile(DECIMAL),
        "iso": re.compile(ISO_DATETIME),
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _utc_offset(text: str | None) -> timezone:
    if text is None or text in ("Z", "z"):
        return timezone.utc
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return timezone(-offset if text[0] == "-" else offset)


def parse_datetime_ms(text: str) -> float | None:
    """Epoch milliseconds from an ISO-8601 date-time (UTC unless it says) or a number.

    Parsed here rather than by ``datetime.fromisoformat``, whose Python
    3.10 version refuses ``Z`` and fractions of other than 3 or 6 digits.
    """
    patterns = _patterns()
    text = text.strip(SPACES)
    if patterns["decimal"].fullmatch(text):
        return float(text)
    match = patterns["iso"].fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match[i] or 0) for i in range(1, 7))
    micros = int((match[7] or "").ljust(6, "0")[:6])
    try:
        moment = datetime(
            year, month, day, hour, minute, second, micros, tzinfo=_utc_offset(match[8])
        )
    except ValueError:
        return None
    return (moment - _EPOCH) // timedelta(microseconds=1) / 1000


def field_path_problem(text: str) -> str | None:
    """Why *text* is not a field path of an Event (``metadata.cost``), or ``None``."""
    parts = text.split(".")
    segment = _patterns()["segment"]
    if (
        len(text) > MAX_FIELD_CHARS
        or len(parts) > MAX_FIELD_SEGMENTS
        or not all(segment.fullmatch(part) for part in parts)
    ):
        return (
            f"{text!r} is not a valid field path: use up to {MAX_FIELD_SEGMENTS} dot-separated "
            "names (letters, digits, '_', '-', any non-ASCII, inner spaces) or list indexes"
        )
    head = parts[0]
    if head not in EVENT_FIELD_KINDS:
        return f"unknown field {head!r}; one of: " + ", ".join(EVENT_FIELD_KINDS)
    if len(parts) > 1 and EVENT_FIELD_KINDS[head] != "json":
        return f"{head!r} has no nested fields"
    return None


def _value_problem(value: str, ftype: str) -> str | None:
    if ftype == "number" and _patterns()["decimal"].fullmatch(value):
        return None
    if ftype == "boolean" and value.lower() in ("true", "false"):
        return None
    if ftype == "datetime" and parse_datetime_ms(value) is not None:
        return None
    if ftype in ("string", "id"):
        return None
    expected = {"number": "a decimal number", "boolean": "true or false"}
    return f"must be {expected.get(ftype, 'an ISO-8601 date-time')}, got {value!r}"


def _filter_issues(raw: Mapping[str, Any]) -> Iterator[Issue]:
    field, operator, ftype = raw.get("field"), raw.get("operator"), raw.get("type") or "string"
    if isinstance(field, str) and field:
        problem = field_path_problem(field)
        if problem is not None:
            yield ("field",), problem
    if not isinstance(operator, str) or not isinstance(ftype, str):
        return
    positive = NEGATIONS.get(operator, operator)
    allowed = OPERATORS_BY_TYPE.get(ftype)
    if positive == "exists" or allowed is None:
        return
    if positive not in allowed:
        yield ("operator",), f"{operator!r} does not apply to type {ftype!r}"
        return
    value = raw.get("value")
    if value is None:
        yield ("value",), "is required for this operator"
    elif isinstance(value, str):
        problem = _value_problem(value, ftype)
        if problem is not None:
            yield ("value",), problem


def query_issues(body: Mapping[str, Any]) -> list[Issue]:
    """What the server cannot run in a ``getEvents`` body (its wire dict).

    Too many filters, a field path that names no Event field, an operator
    that does not fit the filter's type, a value that is not of that type,
    a ``dateRange`` bound that is no date.
    """
    issues: list[Issue] = []
    filters = body.get("filters")
    if isinstance(filters, list):
        if len(filters) > MAX_FILTERS:
            issues.append((("filters",), f"must have at most {MAX_FILTERS} filters"))
        for index, raw in enumerate(filters):
            if isinstance(raw, Mapping):
                issues += [(("filters", index, *p), m) for p, m in _filter_issues(raw)]
    projections = body.get("projections")
    for index, text in enumerate(projections if isinstance(projections, list) else ()):
        problem = field_path_problem(text) if isinstance(text, str) and text else None
        if problem is not None:
            issues.append((("projections", index), problem))
    date_range = body.get("dateRange")
    for key in ("$gte", "$lte"):
        bound = date_range.get(key) if isinstance(date_range, Mapping) else None
        if isinstance(bound, str) and parse_datetime_ms(bound) is None:
            message = f"must be an ISO-8601 date-time, got {bound!r}"
            issues.append((("dateRange", key), message))
    return issues


MODEL_RULES: Mapping[str, tuple[tuple[str, Any] | None, Callable[..., list[Issue]]]] = {
    "CreateEventRequest": (("event_type", "session"), session_issues),
    "CreateEventBatchRequestBody": (("is_single_session", True), single_session_issues),
    "GetEventsRequestBody": (None, query_issues),
}
"""Rules over a whole model's wire dict, by model name, beyond its fields' own.

Each comes with a guard, a ``(key, value)`` pair: the rule can only find
something when the dict holds that value under that key (a session event,
a single-session batch), so a caller may skip it otherwise.
"""
