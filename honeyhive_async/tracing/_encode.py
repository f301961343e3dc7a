"""Captured values as JSON text: whatever traced code passes or returns, capturing never fails.

The fast path is one call into :mod:`json`'s C encoder, with a ``default``
hook for the common non-JSON types (dataclasses, attrs and pydantic objects,
bytes, sets, datetimes, enums, paths, ...). Anything the fast path cannot
carry (a cycle, ``NaN``, a non-string key, nesting deeper than Python
recurses, an integer wider than 64 bits) takes the slow path, a bounded
walk that stringifies what JSON cannot hold, with ``repr`` as the last
resort. Text over the size cap is shrunk the same way, then cut to a preview.
"""

from __future__ import annotations

import enum
import math
import threading
from collections.abc import Mapping
from typing import Any

from .._utils import make_json_encoder

__all__ = ["DEFAULT_MAX_VALUE_CHARS", "dumps", "encode", "may_hold_wide_int", "safe"]

DEFAULT_MAX_VALUE_CHARS = 100_000
"""The JSON characters one captured field (``inputs``, ``outputs``, ...) may take by default."""

_MAX_DEPTH = 32  # well under the 100 levels the service stores
_MAX_ITEMS = 1_000
_MAX_NODES = 20_000
_MAX_REPR = 1_000
_WIDE_INT = 2**63  # the service stores 64-bit integers; wider ones travel as text
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_ZEROS = b"0" * 19


def may_hold_wide_int(data: bytes) -> bool:
    """Whether encoded JSON *data* has a run of 19 digits: maybe an integer wider than 64 bits.

    Checked once per event on its final bytes (a float's repr never has 19
    digits in a row; an id or a time neither), where a byte table makes it
    cheap; a string of digits sets it off too, and then only costs a re-encode.
    """
    return _NINETEEN_ZEROS in data.translate(_DIGITS_TO_ZERO)


def _repr(value: object) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not break capturing
        return f"<{type(value).__qualname__} object (repr failed)>"
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + "..."


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


def safe(value: Any, max_string: int = 0) -> Any:
    """*value* as plain JSON data: bounded in depth, items and nodes, cycles cut.

    Strings longer than *max_string* (when not 0) are cut.
    """
    return _Walk(max_string).walk(value, 0)


class _Walk:
    """One bounded walk: the containers on the current path (for cycles) and a node budget."""

    __slots__ = ("budget", "max_string", "path")

    def __init__(self, max_string: int) -> None:
        self.max_string = max_string
        self.path: set[int] = set()
        self.budget = _MAX_NODES  # shared references without a cycle can still multiply

    def walk(self, value: Any, depth: int) -> Any:
        self.budget -= 1
        if value is None or value is True or value is False:
            return value
        if isinstance(value, str):
            limit = self.max_string
            if limit and len(value) > limit:
                return f"{value[:limit]}... ({len(value)} characters)"
            return value
        if isinstance(value, int):
            return value if -_WIDE_INT < value < _WIDE_INT else _wide(value)
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        if depth >= _MAX_DEPTH or self.budget <= 0:
            return _repr(value)
        key = id(value)
        if key in self.path:
            return "<cycle>"
        self.path.add(key)
        try:
            return self._container(value, depth)
        finally:
            self.path.discard(key)

    def _container(self, value: Any, depth: int) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for index, (key, item) in enumerate(value.items()):
                if index == _MAX_ITEMS:
                    out["..."] = f"{len(value) - _MAX_ITEMS} more items"
                    break
                name = key if isinstance(key, str) else _repr(key)
                out[name] = self.walk(item, depth + 1)
            return out
        if isinstance(value, (list, tuple)):
            items = [self.walk(item, depth + 1) for item in value[:_MAX_ITEMS]]
            if len(value) > _MAX_ITEMS:
                items.append(f"... {len(value) - _MAX_ITEMS} more items")
            return items
        return self.walk(_default(value), depth + 1)


def _wide(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # more digits than int-to-str conversion allows
        return f"<int of {value.bit_length()} bits>"


def _slow(value: Any, max_string: int = 0) -> str:
    try:
        return encode(safe(value, max_string))
    except Exception:  # a mapping whose items() raises, ...
        return encode(_repr(value))


def dumps(value: Any, limit: int = DEFAULT_MAX_VALUE_CHARS) -> str:
    """*value* as JSON text of about *limit* characters at most; never raises ``Exception``."""
    try:
        text = encode(value)  # wide integers are looked for once per event (may_hold_wide_int)
    except Exception:  # a cycle, NaN, a key JSON cannot carry, nesting past the recursion limit
        text = _slow(value)
    if len(text) <= limit:
        return text
    text = _slow(value, max(64, limit // 8))
    if len(text) <= limit:
        return text
    return encode({"truncated": f"{len(text)} characters of JSON", "preview": text[: limit // 2]})
