"""Compact JSON text with json's C encoder built once (standard library only)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["make_json_encoder", "nests_within"]

_C_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)


def make_json_encoder(
    c_make_encoder: Any = _C_MAKE_ENCODER,
    *,
    default: Callable[[Any], Any] | None = None,
    check_circular: bool = False,
) -> Callable[[Any], str]:
    """Compact JSON (no NaN) of any value, with json's C encoder made once.

    ``json.dumps`` builds a new encoder per call; on the hot path that costs
    as much as encoding a small event. Non-ASCII text travels as raw UTF-8,
    as the TypeScript SDK sends it: the C encoder that leaves it raw is as
    fast as the one that escapes it, and needs no second look at its output
    (a search for escapes cost a tenth of encoding a 50 KB batch).
    Without the C accelerator (PyPy) this is the plain ``JSONEncoder``.
    Reference cycles end in a ``RecursionError`` instead of a ``ValueError``.
    *default* turns values JSON cannot hold into ones it can (else ``TypeError``).

    With *check_circular* a cycle is a ``ValueError`` as soon as it closes,
    also through objects *default* converts (a dataclass holding its
    parent), which would otherwise be walked path by path. The encoder then
    keeps state while it runs: use it from one thread only.
    """
    plain = json.JSONEncoder(
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
        default=default,
        check_circular=check_circular,
    )
    if c_make_encoder is None:
        return plain.encode
    markers: dict[int, Any] | None = {} if check_circular else None
    chunks = c_make_encoder(
        markers, plain.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    if markers is None:

        def encode(value: Any) -> str:
            return "".join(chunks(value, 0))

        return encode

    def encode_marked(value: Any) -> str:
        try:
            return "".join(chunks(value, 0))
        except BaseException:
            markers.clear()  # an error leaves the ids of the objects it was inside
            raise

    return encode_marked


def nests_within(value: Any, limit: int) -> bool:
    """Whether *value* (any JSON-like data) nests at most *limit* levels of values.

    A scalar is one level and each container one more: ``{"a": 1}`` is two.
    For data parsed or built outside the codec (OTLP attributes), where a
    rough bound with room to spare is enough.
    """
    level = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return True
    return False
