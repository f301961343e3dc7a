"""Compact JSON text with json's C encoder built once (standard library only)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["make_json_encoder"]

_C_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)


def make_json_encoder(
    c_make_encoder: Any = _C_MAKE_ENCODER,
    *,
    default: Callable[[Any], Any] | None = None,
    check_circular: bool = False,
) -> Callable[[Any], str]:
    """Compact JSON (no NaN) of any value, with json's C encoders made once.

    ``json.dumps`` builds a new encoder per call; on the hot path that costs
    as much as encoding a small event. The ASCII encoder is the fastest, so
    it goes first; text it had to escape (``\\u``) is encoded again as UTF-8,
    so non-ASCII text travels as raw UTF-8, as the TypeScript SDK sends it.
    Without the C accelerator (PyPy, say) this is the plain ``JSONEncoder``.
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
    ascii_chunks, utf8_chunks = (
        c_make_encoder(markers, plain.default, escape, None, ":", ",", False, False, False)
        for escape in (json.encoder.encode_basestring_ascii, json.encoder.encode_basestring)
    )

    def encode(value: Any) -> str:
        try:
            text = "".join(ascii_chunks(value, 0))
            if "\\u" in text:
                return "".join(utf8_chunks(value, 0))
        except BaseException:
            if markers:  # an error leaves the ids of the objects it was inside
                markers.clear()
            raise
        return text

    return encode
