"""The getEvents query compiler: filters, date range and paging to SQL.

A filter's field is a dotted path into the event. Its first segment is a
top-level Event field; the scalar ones are plain columns (indexed where it
matters) and the object ones are JSON text columns read with SQLite's
``json_extract``. Each further segment is an object key, or a list index
when it is a plain number (``inputs.chat_history.0.content``). Paths are
checked against a strict grammar and reach SQL only as bound parameters,
like every filter value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .._rules import parse_datetime_ms
from ._fields import EVENT_FIELDS, FIELD_KINDS
from ._grammar import (
    DECIMAL,
    INTEGER,
    MAX_FIELD_CHARS,
    MAX_SEGMENTS,
    NEGATIONS,
    OPERATORS_BY_TYPE,
    SEGMENT,
    VALUE_PATTERNS,
)
from ._validate import Invalid, PathSegment

__all__ = [
    "EventQuery",
    "FieldPath",
    "compile_query",
    "parse_datetime_ms",
    "parse_field",
    "project_event",
]

_COLUMNS = {field.name: field.column for field in EVENT_FIELDS}
_SEGMENT = re.compile(SEGMENT)
_INDEX = re.compile(r"0|[1-9][0-9]{0,8}")
_INTEGER = re.compile(INTEGER)
_DECIMAL = re.compile(DECIMAL)
_BOOLEAN = re.compile(VALUE_PATTERNS["boolean"] or "")


@attrs.frozen
class FieldPath:
    """A checked field path: a top-level Event field and the keys/indexes below it."""

    head: str
    rest: tuple[str | int, ...] = ()

    @property
    def column(self) -> str:
        """The SQL column holding the top-level field."""
        return _COLUMNS[self.head]

    @property
    def kind(self) -> str:
        """How the top-level field is stored: ``text``, ``number`` or ``json``."""
        return FIELD_KINDS[self.head]

    def json_path(self) -> str:
        """The SQLite JSON path below the column, every key a JSON string.

        Keys are escaped as ``json.dumps`` stores them (``"r\\u00e9ponse"``):
        older SQLite versions (3.40) compare a path's key with the stored
        text as it is, newer ones (3.51) decode both sides; this matches in both.
        """
        return "$" + "".join(
            f"[{s}]" if isinstance(s, int) else f".{json.dumps(s)}" for s in self.rest
        )


def parse_field(text: str, where: Sequence[PathSegment]) -> FieldPath:
    """Check a dotted field path; ``where`` locates it in the request for errors."""
    parts = text.split(".")
    if (
        len(text) > MAX_FIELD_CHARS
        or len(parts) > MAX_SEGMENTS
        or not all(_SEGMENT.fullmatch(part) for part in parts)
    ):
        raise Invalid(
            where,
            f"{text!r} is not a valid field path: use up to {MAX_SEGMENTS} dot-separated "
            "names (letters, digits, '_', '-', any non-ASCII character, single inner spaces) "
            f"or list indexes, {MAX_FIELD_CHARS} characters at most",
        )
    head, *rest = parts
    if head not in FIELD_KINDS:
        raise Invalid(where, f"unknown field {head!r}; one of: " + ", ".join(FIELD_KINDS))
    if rest and FIELD_KINDS[head] != "json":
        raise Invalid(where, f"{head!r} has no nested fields")
    return FieldPath(head, tuple(int(p) if _INDEX.fullmatch(p) else p for p in rest))


def _iso_ms(expr: str) -> str:
    # julianday() understands ISO-8601 text, with "Z" or "+HH:MM"; rounding
    # removes the float noise of the day-to-millisecond conversion.
    return f"ROUND((julianday({expr}) - 2440587.5) * 86400000.0)"


def _scalar_sql(field: FieldPath, ftype: str) -> str:
    col = field.column
    if field.kind == "text":
        return {"string": col, "id": col, "datetime": _iso_ms(col)}.get(ftype, "NULL")
    return {"number": col, "datetime": col, "string": f"CAST({col} AS TEXT)"}.get(ftype, "NULL")


def _value_sql(field: FieldPath, ftype: str) -> tuple[str, list[Any]]:
    """The field's value as SQL of the filter's type (NULL when it has another)."""
    if field.kind != "json":
        return _scalar_sql(field, ftype), []
    path, x = field.json_path(), f"json_extract({field.column}, ?)"
    if ftype == "datetime":
        sql = f"(CASE typeof({x}) WHEN 'integer' THEN {x} WHEN 'real' THEN {x} "
        return sql + f"WHEN 'text' THEN {_iso_ms(x)} END)", [path] * 4
    if ftype == "boolean":
        return f"json_type({field.column}, ?)", [path]
    return f"CAST({x} AS TEXT)", [path]


def _comparison_sql(
    field: FieldPath, ftype: str, operator: str, value: Any
) -> tuple[str, list[Any]]:
    template = _COMPARISONS[operator]
    if field.kind == "json" and ftype == "number":
        # Compare first and check that the value is a JSON number only for the
        # rows that pass: the type check then costs almost nothing.
        path, col = field.json_path(), field.column
        sql = template.format(v=f"json_extract({col}, ?)")
        return f"{sql} AND json_type({col}, ?) IN ('integer', 'real')", [path, value, path]
    expr, params = _value_sql(field, ftype)
    return template.format(v=expr), [*params, value]


def _exists_sql(field: FieldPath) -> tuple[str, list[Any]]:
    if field.kind != "json":
        return f"{field.column} IS NOT NULL", []
    return f"COALESCE(json_type({field.column}, ?), 'null') <> 'null'", [field.json_path()]


_COMPARISONS = {
    "is": "{v} = ?",
    "contains": "instr({v}, ?) > 0",
    "greater than": "{v} > ?",
    "less than": "{v} < ?",
    "after": "{v} > ?",
    "before": "{v} < ?",
}


def _typed_value(value: Any, ftype: str, where: tuple[PathSegment, ...]) -> Any:
    if value is None:
        raise Invalid(where, "is required for this operator")
    if ftype == "number" and _INTEGER.fullmatch(value):
        return int(value)
    if ftype == "number" and _DECIMAL.fullmatch(value):
        return float(value)
    if ftype == "boolean" and _BOOLEAN.fullmatch(value):
        return value.lower()
    if ftype == "datetime" and (moment := parse_datetime_ms(value)) is not None:
        return moment
    if ftype in ("string", "id"):
        return value
    expected = {"number": "a decimal number", "boolean": "true or false"}
    raise Invalid(where, f"must be {expected.get(ftype, 'an ISO-8601 date-time')}, got {value!r}")


def _compile_filter(raw: Mapping[str, Any], index: int) -> tuple[str, list[Any]]:
    where: tuple[PathSegment, ...] = ("filters", index)
    field = parse_field(raw["field"], (*where, "field"))
    operator, ftype = raw["operator"], raw.get("type") or "string"
    positive = NEGATIONS.get(operator, operator)
    if positive == "exists":
        sql, params = _exists_sql(field)
    elif positive in OPERATORS_BY_TYPE[ftype]:
        value = _typed_value(raw.get("value"), ftype, (*where, "value"))
        sql, params = _comparison_sql(field, ftype, positive, value)
    else:
        raise Invalid((*where, "operator"), f"{operator!r} does not apply to type {ftype!r}")
    # A negation matches exactly the events its positive form does not,
    # including those where the field is missing or of another type.
    return (f"NOT COALESCE(({sql}), 0)", params) if operator in NEGATIONS else (sql, params)


def _date_range(raw: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
    clauses, params = [], []
    for key, op in (("$gte", ">="), ("$lte", "<=")):
        if raw.get(key) is None:
            continue
        moment = parse_datetime_ms(raw[key])
        if moment is None:
            raise Invalid(("dateRange", key), f"must be an ISO-8601 date-time, got {raw[key]!r}")
        clauses.append(f"start_time {op} ?")
        params.append(moment)
    return clauses, params


@attrs.frozen(kw_only=True)
class EventQuery:
    """A compiled getEvents request: a WHERE clause with its parameters, and a page.

    ``latest_start`` is the date range's upper bound (epoch ms), if any.
    """

    where: str
    params: tuple[Any, ...]
    limit: int
    offset: int
    projections: tuple[FieldPath, ...] = ()
    latest_start: float | None = None


def compile_query(body: Mapping[str, Any]) -> EventQuery:
    """Compile a GetEventsRequestBody that passed the schema check.

    Raises :class:`Invalid` for a bad field path, an operator that does
    not apply to the filter's type, or a value that is not of that type.
    """
    clauses, params = ["project = ?"], [body["project"]]
    for index, raw in enumerate(body["filters"]):
        sql, values = _compile_filter(raw, index)
        clauses.append(sql)
        params.extend(values)
    date_range = body.get("dateRange") or {}
    date_clauses, date_params = _date_range(date_range)
    # JSON Schema counts 2.0 as an integer: the page arithmetic wants an int.
    limit, page = int(body.get("limit") or 1000), int(body.get("page") or 1)
    projections = tuple(
        parse_field(text, ("projections", i))
        for i, text in enumerate(body.get("projections") or [])
    )
    return EventQuery(
        where=" AND ".join(f"({c})" for c in [*clauses, *date_clauses]),
        params=(*params, *date_params),
        limit=limit,
        offset=(page - 1) * limit,
        projections=projections,
        latest_start=None if date_range.get("$lte") is None else date_params[-1],
    )


def _lookup(event: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[tuple[str, ...], Any] | None:
    node: Any = event
    for depth, key in enumerate(keys):
        if isinstance(node, list):
            return keys[:depth], node
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return keys, node


def project_event(event: Mapping[str, Any], projections: Sequence[FieldPath]) -> dict[str, Any]:
    """Keep only the projected fields of ``event``, nested as in the event.

    A path that runs into a list returns the whole list; one that does not
    exist in this event is left out.
    """
    out: dict[str, Any] = {}
    for projection in projections:
        found = _lookup(event, (projection.head, *map(str, projection.rest)))
        if found is None:
            continue
        keys, value = found
        node = out
        for key in keys[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[keys[-1]] = value
    return out
