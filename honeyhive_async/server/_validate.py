"""Request checking against the OpenAPI component schemas and the shared rules.

Only the small part of JSON Schema that the server's own schemas use is
understood: ``type``, ``required``, ``properties``, ``items``, ``enum``,
``minimum``, ``maximum``, ``minLength`` and local ``$ref``. On top of a
schema, the value rules the client checks too (:mod:`honeyhive_async._rules`:
number ranges, non-empty ids, query rules) apply to the component of the
same name, so what the server refuses is what the client refuses. Problems
are reported as :class:`Invalid` naming the field (``events[3].event_type``).
An optional field sent as ``null`` counts as absent.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from .. import _rules
from .._codec import depth_within, finite_issue, is_text, unicode_issue
from .._rules import MAX_DEPTH
from ._schemas import SCHEMAS

__all__ = [
    "MAX_DEPTH",
    "Invalid",
    "check",
    "format_path",
    "read_json",
    "without_items",
    "write_json",
]

PathSegment = str | int


class Invalid(Exception):
    """A request, or one part of it, that breaks the contract.

    ``path`` locates the offending value from the body's root (``()`` is
    the body itself); ``code`` is the short error code the 400 answer uses.
    """

    def __init__(
        self, path: Sequence[PathSegment], message: str, *, code: str = "invalid_request"
    ) -> None:
        super().__init__(path, message)
        self.path = tuple(path)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"{format_path(self.path)}: {self.message}"

    def in_item(self, label: str) -> str:
        """Describe the problem inside one batch item, e.g. ``events[3]: event_type must ...``."""
        where = format_path(self.path, root="")
        return f"{label}: {where} {self.message}" if where else f"{label}: {self.message}"


def format_path(path: Sequence[PathSegment], *, root: str = "body") -> str:
    """Render a path as ``events[3].config.model``; the empty path is ``root``."""
    return _rules.format_path(tuple(path), root=root)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


# A JSON escape of a UTF-16 surrogate: the only way a request can carry a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def read_json(raw: bytes) -> dict[str, Any]:
    """Parse a request body that must be a JSON object.

    Rejects ``NaN``/``Infinity``, numbers too large to be finite, invalid
    UTF-8, lone surrogates and nesting deeper than :data:`MAX_DEPTH`, none
    of which could be stored and queried safely (or sent back as JSON).
    """
    if not raw.strip():
        raise Invalid((), "is empty; expected a JSON object", code="invalid_json")
    overflowed = False

    def parse_float(text: str) -> float:
        nonlocal overflowed
        value = float(text)
        overflowed = overflowed or math.isinf(value)
        return value

    try:
        data = json.loads(raw, parse_constant=_reject_constant, parse_float=parse_float)
    except RecursionError:
        raise Invalid(
            (), f"is nested deeper than {MAX_DEPTH} levels", code="invalid_json"
        ) from None
    except ValueError as exc:
        raise Invalid((), f"is not valid JSON ({exc})", code="invalid_json") from None
    if not isinstance(data, dict):
        raise Invalid((), "must be a JSON object", code="invalid_json")
    if not depth_within(data, MAX_DEPTH):
        raise Invalid((), f"is nested deeper than {MAX_DEPTH} levels", code="invalid_json")
    for found, seen in (
        (finite_issue, overflowed),
        (unicode_issue, _SURROGATE_ESCAPE.search(raw) is not None),
    ):
        issue = found(data) if seen else None
        if issue is not None:
            raise Invalid(*issue)
    return data


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def write_json(value: Any) -> str:
    """*value* as standard JSON: a number that is not finite (never stored) is written as null.

    Requests cannot put one into the database, so this is a last line of
    defence (a file written by an older version, say), never taken otherwise.
    """
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        return -_rules.MAX_INTEGER <= value <= _rules.MAX_INTEGER
    return math.isfinite(value)


def _is_integer(value: Any) -> bool:
    # JSON Schema's integers include 2.0, and so does the OpenAPI document's "integer".
    integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return integral and _is_number(value)


def _is_text(value: Any) -> bool:
    # Lone surrogates, which JSON escapes allow, cannot be stored.
    return isinstance(value, str) and is_text(value)


_TYPES: Mapping[str, tuple[Any, str]] = {
    "object": (lambda v: isinstance(v, dict), "must be an object"),
    "array": (lambda v: isinstance(v, list), "must be an array"),
    "string": (_is_text, "must be a string of valid Unicode text"),
    "number": (_is_number, "must be a finite number"),
    "integer": (_is_integer, "must be an integer"),
    "boolean": (lambda v: isinstance(v, bool), "must be a boolean"),
}


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    return SCHEMAS[ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else schema


def _check_bounds(value: Any, schema: Mapping[str, Any], path: tuple[PathSegment, ...]) -> None:
    enum = schema.get("enum")
    if enum is not None and value not in enum:
        raise Invalid(path, "must be one of " + ", ".join(map(str, enum)))
    if "minimum" in schema and "maximum" in schema:  # a shared rule's bounds: its message
        problem = _rules.Bounds(schema["minimum"], schema["maximum"]).problem(value)
        if problem is not None:
            raise Invalid(path, problem)
    if "minimum" in schema and value < schema["minimum"]:
        raise Invalid(path, f"must be >= {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        raise Invalid(path, f"must be <= {schema['maximum']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        raise Invalid(path, "must not be empty")


Checker = Callable[[Any], None]


def _rule_checker(schema: Mapping[str, Any]) -> Callable[[dict[str, Any]], None] | None:
    """The shared value rules of the component *schema* is, if it is one that has any."""
    name = next((n for n, s in SCHEMAS.items() if s is schema), None)
    if name is None or (name not in _rules.FIELD_RULES and name not in _rules.MODEL_RULES):
        return None
    whole = _rules.MODEL_RULES.get(name)

    def check_rules(value: dict[str, Any]) -> None:
        issues = _rules.field_issues(name, value)
        if not issues and whole is not None:
            issues = whole[1](value)
        if issues:
            raise Invalid(*issues[0])

    return check_rules


def _compile(schema: Mapping[str, Any]) -> Checker:
    """Turn a schema into a function that raises :class:`Invalid` with a relative path.

    Paths are only built on the way out of a failure, so that checking a
    valid body allocates nothing.
    """
    schema = _resolve(schema)
    rules = _rule_checker(schema)
    kind = schema.get("type")
    accepts, message = _TYPES[kind] if isinstance(kind, str) else (None, "")
    has_bounds = any(key in schema for key in ("enum", "minimum", "maximum", "minLength"))
    required = tuple(schema.get("required", ()))
    properties = tuple((name, _compile(sub)) for name, sub in schema.get("properties", {}).items())
    # A closed object (an event) names its fields: anything else is refused, as the client does.
    known = frozenset(name for name, _ in properties)
    closed = schema.get("additionalProperties") is False
    items = _compile(schema["items"]) if "items" in schema else None

    def check_value(value: Any) -> None:
        if accepts is not None and not accepts(value):
            raise Invalid((), message)
        if has_bounds:
            _check_bounds(value, schema, ())
        if type(value) is dict:
            if closed and not known.issuperset(value):
                unknown = next(name for name in value if name not in known)
                raise Invalid((unknown,), "unknown field")
            for name in required:
                if value.get(name) is None:
                    raise Invalid((name,), "is required")
            for name, check_property in properties:
                if value.get(name) is not None:
                    _within(name, check_property, value[name])
            if rules is not None:
                rules(value)
        elif items is not None and type(value) is list:
            for index, item in enumerate(value):
                _within(index, items, item)

    return check_value


def _within(segment: PathSegment, checker: Checker, value: Any) -> None:
    try:
        checker(value)
    except Invalid as exc:
        exc.path = (segment, *exc.path)
        raise


_COMPILED: dict[int, tuple[Mapping[str, Any], Checker]] = {}


def check(value: Any, schema: Mapping[str, Any], path: Sequence[PathSegment] = ()) -> None:
    """Raise :class:`Invalid` for the first place where ``value`` breaks ``schema``.

    ``path`` is where ``value`` sits in the request, for the message. Each
    schema is compiled once; it must stay alive and unchanged afterwards.
    """
    entry = _COMPILED.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = _COMPILED[id(schema)] = (schema, _compile(schema))
    try:
        entry[1](value)
    except Invalid as exc:
        exc.path = (*path, *exc.path)
        raise


def without_items(name: str, key: str) -> dict[str, Any]:
    """A copy of schema ``name`` whose array ``key`` does not check its items.

    Batch bodies are checked this way first, so that each item can then be
    checked on its own and a bad item fails alone instead of the request.
    """
    schema = dict(SCHEMAS[name])
    schema["properties"] = {**schema["properties"], key: {"type": "array"}}
    return schema
