"""Checks on any JSON value of a request: nesting depth, valid text, finite numbers.

Shared by the client (on a body it could not encode, or that may nest too
deep) and the local server (on every body it reads); the limits themselves
are in :mod:`._rules`. Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from .._rules import Issue, Path

__all__ = ["depth_within", "finite_issue", "is_text", "too_deep", "unicode_issue"]


def depth_within(data: Any, limit: int) -> bool:
    """Whether *data* nests at most *limit* levels deep (a container counts as one level)."""
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


def _children(node: Any) -> Iterator[tuple[str | int, Any]]:
    if isinstance(node, dict):
        yield from node.items()
    elif isinstance(node, (list, tuple)):
        yield from enumerate(node)


_NAMED_STEPS = 4


def too_deep(data: Any, limit: int) -> Path | None:
    """Where *data* nests deeper than *limit* levels, or ``None`` where it does not.

    The path leads to the first container past the limit, or its first few
    steps when that is far down: enough to find the field
    (``event.config.a``), not all hundred of them.
    """
    if depth_within(data, limit):
        return None
    path: list[str | int] = []
    node = data
    while len(path) < _NAMED_STEPS and limit > 0:
        limit -= 1
        step = next(
            (
                (key, child)
                for key, child in _children(node)
                if isinstance(child, (dict, list)) and not depth_within(child, limit)
            ),
            None,
        )
        if step is None:
            break
        path.append(step[0])
        node = step[1]
    return tuple(path)


def is_text(value: str) -> bool:
    """Whether *value* is valid Unicode text: no lone surrogates (which JSON escapes allow)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unicode_issue(data: Any) -> Issue | None:
    """The first string or object key in *data* that is not valid Unicode text, if any."""
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if not is_text(node):
                return path, "must be valid Unicode text (it holds a lone surrogate)"
            continue
        if isinstance(node, dict):
            for key in node:
                if isinstance(key, str) and not is_text(key):
                    return path, f"has a key that is not valid Unicode text: {key!r}"
        stack.extend(((*path, key), child) for key, child in reversed(list(_children(node))))
    return None


def finite_issue(data: Any) -> Issue | None:
    """The first number in *data* that is not finite (``Infinity``, ``NaN``), if any."""
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return path, "must be a finite number"
        stack.extend(((*path, key), child) for key, child in reversed(list(_children(node))))
    return None
