"""Attribute values as JSON: dotted keys nested, index-keyed objects as lists, sizes bounded.

OpenTelemetry attributes are flat (``gen_ai.prompt.0.content``) and their
values scalars or tuples; the events they become hold nested JSON. These
helpers do that conversion for :mod:`._mapping` (and :func:`plain` for
:mod:`._honeyhive`), within the bounds below.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .._rules import MAX_DEPTH
from .._utils import nests_within
from ._conventions import UNWRAP

__all__ = [
    "MAX_EVENTS",
    "MAX_ITEMS",
    "MAX_STRING",
    "bounded",
    "bounded_mapping",
    "indexes",
    "listify",
    "nest",
    "parse_json",
    "plain",
    "unflatten",
]

MAX_EVENTS = 16
"""Other span events (not messages, exceptions, stream chunks) kept in ``metadata.otel.events``."""
MAX_STRING = 4_096
"""Characters of a string kept in ``metadata``; longer ones are cut, saying their length."""
MAX_ITEMS = 64
"""Items of a sequence kept in ``metadata``."""


def nest(into: dict[str, Any], key: str, value: Any) -> None:
    """``into[a][b][c] = value`` for the key ``a.b.c``.

    Where a name is both a value and a level (``a.b`` and ``a.b.c``), the
    value moves under the key ``""`` of the level: nothing is lost.
    """
    node = into
    *path, last = key.split(".")
    for part in path:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {"": child} if part in node else {}
        node = child
    if isinstance(node.get(last), dict):
        node[last][""] = value
    else:
        node[last] = value


def unflatten(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for rest, value in pairs:
        nest(root, rest, plain(value))
    return root


def indexes(keys: Iterable[str]) -> list[int] | None:
    """*keys* as list indexes when each is one (ASCII digits, 18 at most), else ``None``.

    ``"²"`` is a digit to ``str.isdigit`` but no number to ``int``, and an
    index of 5,000 digits is past what ``int`` converts: with either, the
    keys stay keys.
    """
    found = []
    for key in keys:
        if not (key.isascii() and key.isdigit() and len(key) <= 18):
            return None
        found.append(int(key))
    return found


def listify(value: Any) -> Any:
    """Objects keyed by indexes become lists (in index order); one-key wrappers are unwrapped."""
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, inner),) = value.items()
        if key in UNWRAP:
            return listify(inner)
    items = {k: listify(v) for k, v in value.items()}
    found = indexes(items)
    if items and found is not None:
        return [item for _, item in sorted(zip(found, items.values(), strict=True), key=_first)]
    return items


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(value: Any) -> Any:
    """*value* parsed when it is the text of a JSON object or array; otherwise as it is.

    Text that does not parse, or holds ``NaN``, or nests deeper than
    :data:`MAX_DEPTH` levels (whether the parser gives up first depends on
    the Python version), stays text. Attribute sequences (tuples) become lists.
    """
    value = plain(value)
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            parsed = json.loads(value, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            return value
        return parsed if nests_within(parsed, MAX_DEPTH) else value
    return value


def plain(value: Any) -> Any:
    """Attribute sequences (tuples) as lists."""
    return list(value) if isinstance(value, tuple) else value


def bounded(value: Any) -> Any:
    if isinstance(value, str):
        return (
            value
            if len(value) <= MAX_STRING
            else f"{value[:MAX_STRING]}... ({len(value)} characters)"
        )
    if isinstance(value, (tuple, list)):
        items = [bounded(v) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            items.append(f"... {len(value) - MAX_ITEMS} more items")
        return items
    return value


def bounded_mapping(attributes: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for index, (key, value) in enumerate(attributes.items()):
        if index == MAX_EVENTS:
            out["..."] = f"{len(attributes) - MAX_EVENTS} more attributes"
            break
        out[str(key)] = bounded(value)
    return out
