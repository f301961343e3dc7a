"""JSON text: json's C encoder built once, and orjson where the ``speed`` extra is installed.

Standard library only at import: orjson (``pip install 'honeyhive-async[speed]'``)
is imported on first use, by :func:`orjson_dumps` and :func:`load_json`, and
only ever as a faster route to the same JSON values. Each of them hands back
to the standard library whenever orjson would answer differently, so what is
sent and read does not depend on whether it is installed. ``HONEYHIVE_JSON=stdlib``
leaves orjson unused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

__all__ = [
    "JSON_ENGINE_ENV",
    "json_engine",
    "load_json",
    "make_json_encoder",
    "may_hold_wide_int",
    "nests_within",
    "orjson_dumps",
    "set_json_engine",
]

JSON_ENGINE_ENV = "HONEYHIVE_JSON"
"""Set to ``stdlib`` to leave orjson unused even where it is installed."""

_UNRESOLVED: Any = object()
_orjson: Any = _UNRESOLVED
"""The orjson module, ``None`` where it is missing or switched off; looked up on first use."""
_OPTIONS = 0
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_ZEROS = b"0" * 19


def may_hold_wide_int(data: bytes) -> bool:
    """Whether JSON *data* has a run of 19 digits: maybe an integer wider than 64 bits.

    A byte table makes it cheap (a regular expression cost 20 times more on
    a batch's answer); a string of digits sets it off too, which only costs
    the careful route. Tracing checks each event with it before sending, and
    :func:`load_json` before handing an answer to orjson (which would read
    such an integer as a float).
    """
    return _NINETEEN_ZEROS in data.translate(_DIGITS_TO_ZERO)


def _resolve() -> Any:
    global _orjson, _OPTIONS
    _orjson = None
    if os.environ.get(JSON_ENGINE_ENV, "").strip().lower() != "stdlib":
        try:
            import orjson
        except ImportError:
            return None
        # Exact types only: subclasses, dates and dataclasses go to ``default``, which
        # refuses them, so that the standard encoder decides what becomes of them.
        _OPTIONS = (
            orjson.OPT_PASSTHROUGH_SUBCLASS
            | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS
        )
        _orjson = orjson
    return _orjson


def set_json_engine(name: str | None) -> None:
    """Use ``"orjson"`` (``ImportError`` where it is missing) or ``"stdlib"``; ``None`` looks again.

    For tests and benchmarks that run both engines in one process; programs
    set :data:`JSON_ENGINE_ENV` instead.
    """
    global _orjson
    _orjson = _UNRESOLVED
    if name == "stdlib":
        _orjson = None
    elif name == "orjson":
        import orjson  # noqa: F401  (ImportError where the extra is missing)

        if _resolve() is None:
            raise ImportError(f"{JSON_ENGINE_ENV}=stdlib switches orjson off")


def json_engine() -> str:
    """``"orjson"`` or ``"stdlib"``: what :func:`orjson_dumps` and :func:`load_json` use."""
    found = _resolve() if _orjson is _UNRESOLVED else _orjson
    return "stdlib" if found is None else "orjson"


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def orjson_dumps(value: Any) -> bytes | None:
    """Compact UTF-8 JSON of *value* by orjson, or ``None`` where the standard encoder must answer.

    ``None`` without orjson, and whenever orjson's answer could differ from
    :func:`make_json_encoder`'s: a value it refuses (a lone surrogate, an
    integer beyond 64 bits, a key that is not a string, a subclass, a date,
    nesting past 255 levels) and any ``null`` in its output, since orjson
    writes ``NaN`` and the infinities as ``null`` where the standard encoder
    refuses them. The standard encoder then gives the value or the error.
    """
    dumps = _resolve() if _orjson is _UNRESOLVED else _orjson
    if dumps is None:
        return None
    try:
        data: bytes = dumps.dumps(value, default=_refuse, option=_OPTIONS)
    except Exception:  # orjson.JSONEncodeError (a TypeError), or whatever a value raised
        return None
    return None if b"null" in data else data


def load_json(raw: bytes) -> Any:
    """The JSON value of UTF-8 *raw*, as ``json.loads(raw.decode())`` gives it.

    By orjson where it is installed and reads the same value; the standard
    library where it refuses the text (``NaN``, a lone surrogate escape, a
    number beyond a double) or might read an integer of 19 digits or more as
    a float. Raises ``ValueError`` (``UnicodeDecodeError``, ``JSONDecodeError``)
    or ``RecursionError`` as ``json.loads`` does.
    """
    loads = _resolve() if _orjson is _UNRESOLVED else _orjson
    if loads is not None and not may_hold_wide_int(raw):
        try:
            return loads.loads(raw)
        except Exception:  # orjson.JSONDecodeError: the standard library says what is wrong
            pass
    return json.loads(raw.decode())


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
