"""JSON for requests: bodies as bytes, and the checks any JSON value of a request must pass.

Checks on any JSON value (nesting depth, valid text, finite numbers) are
shared by the client (on a body it could not encode, or that may nest too
deep) and the local server (on every body it reads); the limits themselves
are in :mod:`.._rules`.

Request bodies as JSON bytes refuse what JSON or the server cannot take.

The wire dict of a request was checked field by field by the converter;
what is left is what only the whole body shows: values JSON cannot carry
(``NaN``, a set, a cycle), text that is not valid Unicode (a lone
surrogate cannot be written as UTF-8), integers too long to write, and
nesting deeper than the server stores (:data:`._rules.MAX_DEPTH`). Each is
a ``RequestValidationError`` naming the field; nothing is sent.

All of it is found without walking a valid body in Python: the encoder
meets every unencodable value on its way, and the depth is bounded from the
brackets of the text it wrote (:func:`_surely_shallow`). Only a body that
fails those cheap checks is walked, to say where. The encoder is orjson
where the ``speed`` extra is installed and it writes the same JSON value,
else json's C encoder (:func:`.._utils.orjson_dumps`). Both write a
``uuid.UUID`` as its text and an ``enum.Enum`` member as its value.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from typing import Any

from .. import _rules
from .._rules import Issue, Path
from .._utils import make_json_encoder, orjson_dumps
from ..errors import RequestValidationError

__all__ = [
    "depth_within",
    "encode_json",
    "finite_issue",
    "is_text",
    "to_json",
    "too_deep",
    "unicode_issue",
]


def _written_as(value: Any) -> Any:
    """What a ``uuid.UUID`` (its text) or ``enum.Enum`` member (its value) is written as."""
    uuid = sys.modules.get("uuid")  # no UUID exists before uuid is imported
    if uuid is not None and isinstance(value, uuid.UUID):
        return str(value)
    enum = sys.modules.get("enum")
    if enum is not None and isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


encode_json = make_json_encoder(default=_written_as)

_ITEM_START = b'{"project":'
"""How every event of a batch body begins: ``project`` is the first field of both event models."""
_NOT_OPENERS = bytes(b for b in range(256) if b not in b"{[\0")
_FEW_ITEMS = 10
"""A batch this small is judged by all its brackets at once first."""


def to_json(
    wire: Any, operation_id: str, *, depth: int = _rules.MAX_DEPTH, items: int | None = None
) -> bytes:
    """The UTF-8 JSON of *wire*, or a ``RequestValidationError`` naming what cannot be sent.

    *depth* is how many levels *wire* may nest: the whole of
    :data:`._rules.MAX_DEPTH` for a body, less for a part of one. *items* is
    the number of events in a batch body (``None`` for other bodies), which
    lets the depth be bounded event by event.
    """
    data = orjson_dumps(wire)
    if data is None:
        try:
            data = encode_json(wire).encode()
        except (TypeError, ValueError, RecursionError) as exc:  # NaN, a set, a cycle, a surrogate
            issues = _issues(wire, exc, depth)
            raise RequestValidationError(issues, operation_id=operation_id) from None
    # Fewer brackets than levels: the common case, settled by counting.
    if (items is None or items <= _FEW_ITEMS) and data.count(b"{") + data.count(b"[") <= depth:
        return data
    if not _surely_shallow(data, depth, items):
        where = too_deep(wire, depth)
        if where is not None:
            raise RequestValidationError([_depth_issue(where)], operation_id=operation_id)
    return data


def _surely_shallow(data: bytes, depth: int, items: int | None) -> bool:
    """Whether a batch body (JSON *data*) surely nests at most *depth* levels, by its brackets.

    A value nests no deeper than it has opening brackets, strings included,
    which C-speed passes over the text count; walking the objects instead
    would cost a Python step per value on every call. A batch has more
    brackets than levels, so it is cut where each event begins and each
    event's brackets are counted (the body, its list and the event make
    three levels). ``False`` only means "walk to find out".
    """
    if items is None:
        return False
    events = data.split(_ITEM_START)
    if len(events) != items + 1:  # "project" is also a key inside some free-form object
        return False
    # One byte per opening bracket, a NUL between events: C-speed passes, no Python loop.
    openers = b"\0".join(events).translate(None, _NOT_OPENERS).split(b"\0")
    deepest: int = max(map(len, openers))
    return deepest + 3 <= depth


def _depth_issue(where: _rules.Path) -> tuple[str, str]:
    message = f"nests deeper than the {_rules.MAX_DEPTH} levels a request body may have"
    return _rules.format_path(where), message


def _issues(wire: Any, exc: BaseException, depth: int) -> list[tuple[str, str]]:
    try:
        issues = list(_unencodable(wire, ""))
    except RecursionError:  # nested deeper than Python recurses
        issues = []
    if not issues:
        where = too_deep(wire, depth)
        issues = [_depth_issue(where)] if where is not None else [("", f"not JSON: {exc}")]
    return issues


def _key_problem(key: object) -> str | None:
    if not isinstance(key, (str, int, float, bool, type(None))):
        return f"object keys must be strings, got {type(key).__name__}"
    if isinstance(key, str) and not is_text(key):
        return f"has a key that is not valid Unicode text: {key!r}"
    if isinstance(key, float) and not math.isfinite(key):
        return f"has the key {key}, which is not a JSON number"
    return None


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return None if is_text(value) else "must be valid Unicode text (a lone surrogate)"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value} is not a JSON number"
    if isinstance(value, int):
        try:
            int.__repr__(value)
        except ValueError:  # longer than Python writes integers (4300 digits by default)
            return "is an integer too long to write as JSON"
    return None  # None (every other value was turned into one of these, or refused)


def _unencodable(
    value: Any, path: str, outer: frozenset[int] = frozenset()
) -> Iterator[tuple[str, str]]:
    """Where *value* holds something JSON cannot carry, and what it is."""
    if not isinstance(value, (dict, list, tuple, str, int, float, type(None))):
        try:
            value = _written_as(value)  # a UUID or an enum member
        except TypeError:
            yield path, f"{type(value).__name__} is not JSON serialisable"
            return
    if isinstance(value, (dict, list, tuple)):
        if id(value) in outer:
            yield path, "contains itself"
            return
        outer = outer | {id(value)}
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _key_problem(key)
            if problem is not None:
                yield path, problem
            else:
                yield from _unencodable(item, f"{path}.{key}" if path else str(key), outer)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _unencodable(item, f"{path}[{index}]", outer)
    else:
        problem = _scalar_problem(value)
        if problem is not None:
            yield path, problem


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
