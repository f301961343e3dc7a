"""Ready-made processors: events are changed by these before they are queued.

A processor takes one event as plain JSON data (wire field names) and
returns the event to send. The tracer runs them in order and fails closed:
an event whose processor raises is reported, never sent as it was.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from .._fields import OBJECT_FIELDS
from ._encode import dumps

__all__ = ["REDACTED", "redact", "truncate"]

REDACTED = "[REDACTED]"
_CAPTURED = OBJECT_FIELDS


def redact(
    *,
    keys: Collection[str] = (),
    patterns: Iterable[str | re.Pattern[str]] = (),
    replacement: str = REDACTED,
) -> Any:
    """A processor that hides values under *keys* and text matching *patterns*.

    Keys match case-insensitively at any depth of the captured fields; a
    pattern's matches are replaced inside every string (also in ``error``).
    """
    names = frozenset(key.lower() for key in keys)
    compiled = [re.compile(p) if isinstance(p, str) else p for p in patterns]

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            for pattern in compiled:
                value = pattern.sub(replacement, value)
            return value
        if isinstance(value, dict):
            return {k: replacement if k.lower() in names else scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    def process(event: dict[str, Any]) -> dict[str, Any]:
        for field in _CAPTURED:
            if field in event:
                event[field] = scrub(event[field])
        if compiled and isinstance(event.get("error"), str):
            event["error"] = scrub(event["error"])
        return event

    process.__qualname__ = "redact"
    return process


def truncate(*, max_field_bytes: int) -> Any:
    """A processor that shrinks each captured field to at most *max_field_bytes* of UTF-8 JSON.

    Long strings are cut first; a field still too large becomes a preview.
    """
    if isinstance(max_field_bytes, bool) or not isinstance(max_field_bytes, int):
        raise TypeError(f"max_field_bytes must be an int >= 256, got {max_field_bytes!r}")
    if max_field_bytes < 256:
        raise ValueError(f"max_field_bytes must be an int >= 256, got {max_field_bytes!r}")

    import json

    def shrink(value: Any) -> Any:
        text = dumps(value, max_field_bytes)
        if len(text.encode("utf-8", "replace")) > max_field_bytes:  # 4 bytes a character at most
            text = dumps(value, max_field_bytes // 4)
        return json.loads(text)

    def process(event: dict[str, Any]) -> dict[str, Any]:
        for field in _CAPTURED:
            if field in event:
                event[field] = shrink(event[field])
        return event

    process.__qualname__ = "truncate"
    return process
