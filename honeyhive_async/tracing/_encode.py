"""Captured values as JSON text: whatever traced code passes or returns, capturing never fails.

What one captured field keeps, and what it costs, is bounded by its size
limit (``max_value_chars``), never by the size of the value given: a 50 MB
string or a list of millions of numbers costs what the text kept costs.

The fast path first measures the value against the limit and the depth
bound (:func:`fits`: a walk over containers that stops as soon as it is
over, and looks at a list's length before its items), then makes the text
in one call into :mod:`json`'s C encoder, with a ``default`` hook for the
common non-JSON types (dataclasses, attrs and pydantic objects, bytes,
sets, datetimes, enums, paths, ...), each measured in turn. Anything the
fast path cannot carry (a value too large or nested deeper than
:data:`CAPTURE_DEPTH` levels, a cycle, ``NaN``, a non-string key, a mapping
that cannot be read) takes the slow path, a walk within the same budget
that stringifies what JSON cannot hold, cuts what is too deep or too long,
and degrades only the value that breaks (a mapping whose ``items()``
raises becomes a short note; its siblings are kept). Both paths keep a
value that fits the same way, whichever path the field takes.
"""

from __future__ import annotations

import enum
import json
import math
import re
import threading
from collections.abc import Mapping
from typing import Any

from .._utils import make_json_encoder, orjson_dumps

__all__ = [
    "CAPTURE_DEPTH",
    "DEFAULT_MAX_VALUE_CHARS",
    "dumps",
    "encode",
    "fits",
    "narrow_ints",
]

DEFAULT_MAX_VALUE_CHARS = 100_000
"""The JSON characters one captured field (``inputs``, ``outputs``, ...) may take by default."""

CAPTURE_DEPTH = 32
"""Containers a captured value may nest (well under the 100 levels the service stores)."""

_MAX_REPR = 1_000
_ROOM = 48  # what a cut walk keeps free for the note that says what it left out
_WIDE_INT = 2**63  # the service stores 64-bit integers; wider ones travel as text
_SCALARS = frozenset({int, float, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})
_NUMBERS = frozenset({int, float, bool})


class _Over(Exception):
    """A value is over its budget: the fast path gives up (never leaves this module)."""


def narrow_ints(data: bytes) -> bytes | None:
    """*data* (JSON) with its integers wider than 64 bits as text, or ``None`` if it has none.

    Nothing else changes: a run of digits inside a string is left alone, and
    so is everything the value holds (no list or depth is cut again).
    """
    wide = False

    def number(text: str) -> int | str:
        nonlocal wide
        value = int(text)
        if -_WIDE_INT < value < _WIDE_INT:
            return value
        wide = True
        return text

    try:
        value = json.loads(data, parse_int=number)
    except (ValueError, RecursionError):  # not ours to judge: sent as it is
        return None
    if not wide:
        return None
    return encode(value).encode("utf-8", "replace")


def _repr(value: object) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not break capturing
        return f"<{type(value).__qualname__} object (repr failed)>"
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + "..."


def _unreadable(value: object, exc: BaseException) -> str:
    """What a value that raised while it was read is recorded as."""
    return f"<{type(value).__qualname__} object (reading it raised {type(exc).__name__})>"


def _bytes(value: bytes | bytearray | memoryview) -> str:
    raw = bytes(value[: _MAX_REPR * 4])
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        import base64

        text = "base64:" + base64.b64encode(raw).decode()
    return text if len(raw) == len(value) else f"{text}... ({len(value)} bytes)"


def _dataclass_fields(value: Any) -> dict[str, Any]:
    import dataclasses  # only once a dataclass is captured: it imports inspect

    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


def _default(value: Any) -> Any:
    """A JSON-able stand-in for *value*; never raises."""
    try:
        fields = getattr(type(value), "__attrs_attrs__", None)
        if fields is not None:
            return {f.name: getattr(value, f.name) for f in fields}
        if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
            return _dataclass_fields(value)
        dump = getattr(value, "model_dump", None)  # pydantic 2
        if callable(dump):
            return dump(mode="json")
        if isinstance(value, (bytes, bytearray, memoryview)):
            return _bytes(value)
        if isinstance(value, (set, frozenset)):
            return list(value)
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, Mapping):
            return dict(value)
        if isinstance(value, BaseException):
            return f"{type(value).__name__}: {value}"
        isoformat = getattr(value, "isoformat", None)  # datetime, date, time
        if callable(isoformat):
            return isoformat()
        dump = getattr(value, "dict", None)  # pydantic 1
        if callable(dump) and hasattr(value, "__fields__"):
            return dump()
    except Exception:
        pass
    return _repr(value)


_local = threading.local()


def encode(value: Any) -> str:
    """Compact JSON of *value*, with the stand-ins above; raises for cycles, NaN, odd keys.

    Each thread has an encoder of its own: cycle detection keeps state while
    it encodes, and traced code runs on any thread.
    """
    try:
        encoder = _local.encoder
    except AttributeError:
        encoder = _local.encoder = make_json_encoder(default=_default, check_circular=True)
    text: str = encoder(value)
    return text


def fits(value: Any, budget: int, depth: int = CAPTURE_DEPTH) -> int:
    """What is left of *budget* characters once *value*'s JSON is taken out; negative: over.

    A lower bound of the JSON's size (each value at least one character,
    strings and keys their length), found by a walk that stops as soon as
    the budget is spent or a container sits deeper than *depth* levels (then
    ``-1``): its cost is bounded by the budget, not by the value. A
    container that cannot be read is ``-1`` too. Objects JSON cannot hold
    count one character here; ``_converted`` measures what they become.
    """
    return _measure(value, budget, depth)[0]


def _measure(value: Any, budget: int, depth: int) -> tuple[int, bool]:
    """:func:`fits`, and whether *value* holds objects the encoder converts (``default``).

    Level by level, with the cheap cases first: this runs before every
    captured value is encoded, so each step of it counts.
    """
    odd = False
    level = [value]
    at = 0
    while True:
        deeper: list[Any] = []
        for item in level:
            kind = type(item)
            if kind is str:
                budget -= len(item) + 2
            elif kind in _SCALARS:
                budget -= 1
            elif kind is dict:
                budget -= 4 * len(item) + 1  # "":x, for each item
                if budget < 0 or at == depth:
                    return -1, odd
                try:
                    budget -= sum(map(len, item))  # the keys, strings as a rule
                except TypeError:  # a key JSON writes as text (1, None) or refuses
                    deeper += item
                deeper += item.values()
            elif kind is list or kind is tuple:
                budget -= len(item) + 1
                if budget < 0 or at == depth:
                    return -1, odd  # before a long list is looked into
                deeper += item
            elif isinstance(item, (dict, list, tuple)):
                budget = _subclass(item, budget, deeper) if at < depth else -1
            elif isinstance(item, str):
                budget -= len(item) + 2
            else:
                odd = odd or not isinstance(item, (int, float))  # int subclasses stay numbers
                budget -= 1
        if budget < 0:
            return -1, odd
        if not deeper:
            return budget, odd
        level = deeper
        at += 1  # never past depth: a container there returned -1


def _subclass(item: Any, budget: int, deeper: list[Any]) -> int:
    """:func:`fits` for a subclass of dict, list or tuple, read as the encoder reads it."""
    try:
        if isinstance(item, dict):  # the encoder reads it through items()
            pairs = list(item.items())
            deeper += [part for pair in pairs for part in pair]
            return budget - 2 * len(pairs) - 1
        budget -= len(item) + 1
        if budget >= 0:
            deeper += list(item)  # the encoder iterates it too
        return budget
    except Exception:  # items() raised: the slow path degrades this one value
        return -1


def _converted(value: Any) -> Any:
    """``default`` of the bounded encoder: *value*'s stand-in, within what is left of the budget."""
    try:
        size = len(value)
    except Exception:
        size = 0
    left = _local.left
    if isinstance(size, int) and size > left:  # a set or mapping too large to copy
        raise _Over
    plain = _default(value)
    left = fits(plain, left)
    if left < 0:
        raise _Over
    _local.left = left
    return plain


def _bounded(value: Any, left: int) -> str:
    """*value*'s JSON, each converted object within what is left of the budget (else ``_Over``)."""
    try:
        encoder = _local.bounded
    except AttributeError:
        encoder = _local.bounded = make_json_encoder(default=_converted, check_circular=True)
    _local.left = left
    text: str = encoder(value)
    return text


_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_INNERMOST = re.compile(r"[\[{][^\[\]{}]*[\]}]")


def _text_within(text: str, depth: int) -> bool:
    """Whether JSON *text* nests at most *depth* containers (for what converted objects became)."""
    if text.count("{") + text.count("[") <= depth:
        return True
    rest = _STRINGS.sub("", text)
    for _ in range(depth):  # each pass takes away the innermost containers
        rest, found = _INNERMOST.subn("", rest)
        if not found:
            break
    return "[" not in rest and "{" not in rest


def fast(value: Any, limit: int) -> str | None:
    """*value*'s JSON in one encoder call, or ``None`` when the slow path must bound it.

    Plain JSON data goes to orjson where the ``speed`` extra is installed
    (:func:`.._utils.orjson_dumps`, which hands back whatever it would write
    differently), everything else to json's C encoder with the stand-ins.

    ``None`` for a value over *limit* characters or deeper than
    :data:`CAPTURE_DEPTH` (found before it is encoded, or, for objects that
    were converted, in the text), and for what JSON cannot carry (a cycle,
    NaN, a key JSON cannot hold, a mapping that raised).
    """
    left, odd = _measure(value, limit, CAPTURE_DEPTH)
    if left < 0:
        return None
    if not odd:  # plain JSON types: orjson writes them as json does, where it is installed
        data = orjson_dumps(value)
        if data is not None:
            text = data.decode()
            return text if len(text) <= limit else None
    try:
        text = _bounded(value, left) if odd else encode(value)
    except Exception:  # _Over, a cycle, NaN, a key JSON cannot carry, a mapping that raised
        return None
    if len(text) > limit or (odd and not _text_within(text, CAPTURE_DEPTH)):
        return None
    return text


def safe(value: Any, limit: int, max_string: int = 0) -> Any:
    """*value* as plain JSON data within about *limit* characters: cut, never raising.

    With *max_string* (not 0) longer strings are cut to that, and what is
    over the budget is cut (a list keeps its first items and says how many
    more there were); without it, a value over the budget raises ``_Over``.
    """
    return _Walk(limit, max_string).walk(value, 0)


class _Walk:
    """One bounded walk: the containers on the current path (for cycles) and a budget."""

    __slots__ = ("budget", "max_string", "path")

    def __init__(self, budget: int, max_string: int) -> None:
        self.max_string = max_string
        self.path: set[int] = set()
        self.budget = budget

    def spend(self, size: int) -> None:
        self.budget -= size
        if self.budget < 0 and not self.max_string:
            raise _Over

    def walk(self, value: Any, depth: int) -> Any:
        if value is None or value is True or value is False:
            self.spend(1)
            return value
        if isinstance(value, str):
            limit = self.max_string and min(self.max_string, max(self.budget - _ROOM, 16))
            if limit and len(value) > limit:
                value = f"{value[:limit]}... ({len(value)} characters)"
            self.spend(len(value) + 2)
            return value
        if isinstance(value, int):
            if -_WIDE_INT < value < _WIDE_INT:
                self.spend(len(int.__repr__(value)))
                return value
            wide = _wide(value)
            self.spend(len(wide) + 2)
            return wide
        if isinstance(value, float):
            self.spend(len(float.__repr__(value)))
            return value if math.isfinite(value) else str(value)
        if depth >= CAPTURE_DEPTH:
            if isinstance(value, (dict, list, tuple, set, frozenset)):
                text = f"<{type(value).__qualname__} nested deeper than {CAPTURE_DEPTH} levels>"
            else:
                text = _repr(value)
            self.spend(len(text) + 2)
            return text
        key = id(value)
        if key in self.path:
            return "<cycle>"
        self.path.add(key)
        try:
            return self._container(value, depth)
        except _Over:
            raise
        except Exception as exc:  # a mapping whose items() raises: only this value degrades
            return _unreadable(value, exc)
        finally:
            self.path.discard(key)

    def _container(self, value: Any, depth: int) -> Any:
        if isinstance(value, dict):
            self.spend(2)
            if not self.max_string and 2 * len(value) > self.budget:
                raise _Over
            out: dict[str, Any] = {}
            for key, item in value.items():
                if self.budget <= _ROOM and self.max_string:
                    out["..."] = f"{len(value) - len(out)} more items"
                    break
                name = key if isinstance(key, str) else _key(key)
                if self.max_string and len(name) > self.max_string:
                    name = f"{name[: self.max_string]}... ({len(name)} characters)"
                self.spend(len(name) + 4)
                out[name] = self.walk(item, depth + 1)
            return out
        if isinstance(value, (list, tuple, set, frozenset)):
            self.spend(2)
            if not self.max_string and len(value) > self.budget:
                raise _Over  # surely over: each item takes a character at least
            numbers = _numbers(value, self.budget)
            if numbers is not None:
                kept, size = numbers
                if len(kept) < len(value):
                    if not self.max_string:
                        raise _Over
                    kept.append(f"... {len(value) - len(kept)} more items")
                self.spend(size)
                return kept
            items: list[Any] = []
            for item in value:
                if self.budget <= _ROOM and self.max_string:
                    items.append(f"... {len(value) - len(items)} more items")
                    break
                self.spend(1)
                items.append(self.walk(item, depth + 1))
            return items
        return self.walk(_default(value), depth + 1)


def _numbers(items: Any, budget: int) -> tuple[list[Any], int] | None:
    """The first items of a list of numbers that fit *budget*, and their size; else ``None``.

    Encoded in one call of the C encoder and cut at a comma: a list of
    millions of numbers costs what its kept part costs, not a Python step
    per number. ``None`` when the list holds anything else (or ``NaN``).
    """
    if type(items) is not list and type(items) is not tuple:
        return None
    budget = max(budget, 0)
    count = budget // 8 + 1  # numbers of a few digits: grown while the text is short
    while True:
        head = items[:count]
        if not set(map(type, head)) <= _NUMBERS:
            return None
        try:
            text = encode(head)
        except ValueError:  # NaN or an infinity: the walk says what each is
            return None
        if len(text) > budget or count >= len(items) or count > budget // 2:
            break
        count *= 2
    if len(text) <= budget or len(head) <= 1:
        return list(head), len(text)
    cut = text.rfind(",", 0, budget)
    count = text.count(",", 0, cut) + 1 if cut > 0 else 0
    return list(head[:count]), cut + 1


def _key(key: object) -> str:
    """An object key as JSON's encoder writes it (``true``, ``null``, ``1.5``), else its repr."""
    if key is True or key is False or key is None:
        return json.dumps(key)
    if isinstance(key, float):
        return float.__repr__(key)
    if isinstance(key, int):
        return _wide(key)
    return _repr(key)


def _wide(value: int) -> str:
    try:
        return int.__repr__(value)
    except ValueError:  # more digits than int-to-str conversion allows
        return f"<int of {value.bit_length()} bits>"


def _slow(value: Any, limit: int) -> str:
    """*value* walked within *limit*: whole when it fits, else its strings and lists cut."""
    for max_string in (0, max(64, limit // 8)):
        try:
            return encode(safe(value, limit, max_string))
        except _Over:
            continue
        except Exception as exc:  # not reached by any known value: still one field only
            return encode(_unreadable(value, exc))
    return encode(_unreadable(value, _Over()))  # not reached: the cutting walk never raises _Over


def dumps(value: Any, limit: int = DEFAULT_MAX_VALUE_CHARS) -> str:
    """*value* as JSON text of about *limit* characters at most; never raises ``Exception``.

    What it costs is bounded by *limit*, whatever the size of *value*.
    """
    text = fast(value, limit)
    if text is None:
        text = _slow(value, limit)
    if len(text) <= limit:
        return text
    return encode({"truncated": f"{len(text)} characters of JSON", "preview": text[: limit // 2]})
