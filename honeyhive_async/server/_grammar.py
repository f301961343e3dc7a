"""The text grammars of getEvents: field paths, filter values, date-times.

Each grammar is one regular expression here, used twice: the query
compiler (:mod:`._query`) matches requests against it, and the OpenAPI
document publishes it as a ``pattern``, so the document says exactly what
the server accepts. The expressions use only what ECMA-262 (the dialect
of JSON Schema) and Python's ``re`` read alike: explicit character
classes, no ``\\w``, ``\\d`` or ``\\s``, and one closing ``$``.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._rules import DECIMAL, ISO_DATETIME, NEGATIONS, OPERATORS_BY_TYPE, SEGMENT, SPACES
from ..models import FILTER_OPERATORS
from ._fields import EVENT_FIELDS

__all__ = [
    "DATETIME",
    "DECIMAL",
    "FIELD_PATH",
    "INTEGER",
    "ISO_DATETIME",
    "MAX_FIELD_CHARS",
    "MAX_SEGMENTS",
    "NEGATIONS",
    "OPERATORS_BY_TYPE",
    "SEGMENT",
    "SPACES",
    "VALUE_PATTERNS",
    "operators_for",
]

MAX_FIELD_CHARS = 256
MAX_SEGMENTS = 16


def _field_path() -> str:
    scalars = "|".join(f.name for f in EVENT_FIELDS if f.kind != "json")
    objects = "|".join(f.name for f in EVENT_FIELDS if f.kind == "json")
    return f"^(?:{scalars}|(?:{objects})(?:\\.{SEGMENT}){{0,{MAX_SEGMENTS - 1}}})$"


FIELD_PATH = _field_path()
"""A whole field path: a top-level Event field, then keys only below a JSON field."""

INTEGER = "-?[0-9]{1,18}"

_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_DATE = f"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME = "[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]{1,9})?)?"
# A UTC offset must stay under 24 hours: 22:99 is 23:39, 23:60 is a whole day.
_OFFSET = "(?:[Zz]|[+-](?:(?:[01][0-9]|2[0-2])(?::?[0-9]{2})?|23(?::?[0-5][0-9])?))"

_SPACE_CLASS = "[ \\t\\n\\r\\f\\v]*"
DATETIME = f"^{_SPACE_CLASS}(?:{DECIMAL}|{_DATE}(?:{_TIME})?{_OFFSET}?){_SPACE_CLASS}$"
"""Exactly the date-times the server reads: epoch milliseconds or a real ISO-8601 date-time."""

VALUE_PATTERNS: Mapping[str, str | None] = {
    "string": None,
    "id": None,
    "number": f"^{DECIMAL}$",
    "boolean": "^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$",
    "datetime": DATETIME,
}
"""The filter ``value`` each type accepts (``None``: any string)."""


def operators_for(filter_type: str) -> list[str]:
    """The operators, besides ``exists``/``not exists``, that apply to ``filter_type``."""
    allowed = OPERATORS_BY_TYPE[filter_type]
    return [op for op in FILTER_OPERATORS if NEGATIONS.get(op, op) in allowed]
