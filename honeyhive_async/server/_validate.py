"""Request checking against the OpenAPI component schemas, with readable paths.

Only the small part of JSON Schema that the server's own schemas use is
understood: ``type``, ``required``, ``properties``, ``items``, ``enum``,
``minimum``, ``maximum``, ``minLength`` and local ``$ref``. Problems are
reported as :class:`Invalid` naming the field (``events[3].event_type``).
An optional field sent as ``null`` counts as absent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from ._openapi import SCHEMAS

__all__ = ["MAX_DEPTH", "Invalid", "check", "format_path", "read_json", "without_items"]

MAX_DEPTH = 100
"""Deepest JSON nesting accepted; SQLite's JSON functions refuse depths past 1000."""

_INT64 = 2**63 - 1
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
    out = ""
    for segment in path:
        if isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += f".{segment}" if out else segment
    return out or root


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _depth_within(data: Any, limit: int) -> bool:
    # Level by level, so that no per-node bookkeeping is needed.
    level = [data]
    for _ in range(limit):
        deeper = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) is dict or type(child) is list
        ]
        if not deeper:
            return True
        level = deeper
    return False


def read_json(raw: bytes) -> dict[str, Any]:
    """Parse a request body that must be a JSON object.

    Rejects ``NaN``/``Infinity``, invalid UTF-8 and nesting deeper than
    :data:`MAX_DEPTH`, none of which could be stored and queried safely.
    """
    if not raw.strip():
        raise Invalid((), "is empty; expected a JSON object", code="invalid_json")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise Invalid(
            (), f"is nested deeper than {MAX_DEPTH} levels", code="invalid_json"
        ) from None
    except ValueError as exc:
        raise Invalid((), f"is not valid JSON ({exc})", code="invalid_json") from None
    if not isinstance(data, dict):
        raise Invalid((), "must be a JSON object", code="invalid_json")
    if not _depth_within(data, MAX_DEPTH):
        raise Invalid((), f"is nested deeper than {MAX_DEPTH} levels", code="invalid_json")
    return data


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return -_INT64 <= value <= _INT64 if isinstance(value, int) else math.isfinite(value)


def _is_integer(value: Any) -> bool:
    # JSON Schema's integers include 2.0, and so does the OpenAPI document's "integer".
    integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return integral and _is_number(value)


def _is_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")  # lone surrogates, which JSON allows, cannot be stored
    except UnicodeEncodeError:
        return False
    return True


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
    if "minimum" in schema and value < schema["minimum"]:
        raise Invalid(path, f"must be >= {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        raise Invalid(path, f"must be <= {schema['maximum']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        raise Invalid(path, "must not be empty")


Checker = Callable[[Any], None]


def _compile(schema: Mapping[str, Any]) -> Checker:
    """Turn a schema into a function that raises :class:`Invalid` with a relative path.

    Paths are only built on the way out of a failure, so that checking a
    valid body allocates nothing.
    """
    schema = _resolve(schema)
    kind = schema.get("type")
    accepts, message = _TYPES[kind] if isinstance(kind, str) else (None, "")
    has_bounds = any(key in schema for key in ("enum", "minimum", "maximum", "minLength"))
    required = tuple(schema.get("required", ()))
    properties = tuple((name, _compile(sub)) for name, sub in schema.get("properties", {}).items())
    items = _compile(schema["items"]) if "items" in schema else None

    def check_value(value: Any) -> None:
        if accepts is not None and not accepts(value):
            raise Invalid((), message)
        if has_bounds:
            _check_bounds(value, schema, ())
        if type(value) is dict:
            for name in required:
                if value.get(name) is None:
                    raise Invalid((name,), "is required")
            for name, check_property in properties:
                if value.get(name) is not None:
                    _within(name, check_property, value[name])
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
