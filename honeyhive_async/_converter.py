"""The one place that turns models into wire dicts and wire dicts into models.

Three paths share one set of rules and the field definitions in
:mod:`~honeyhive_async.models`:

- a compiled *mapping encoder* per request model checks a plain dict and
  builds its wire dict in one pass, with no model object in between (the
  hot path of every call made with a mapping);
- a fast cattrs converter structures responses, unstructures models, and
  decides on any value the encoder did not accept at once;
- a detailed cattrs converter runs only on a value already refused, to name
  every bad field ("event.event_type: ..."), so valid input pays nothing
  for error reporting.

Everything is generated on first use of a model, not at import; the cattrs
converters live in :mod:`~honeyhive_async._cattrs_codec`, which is imported
(with cattrs) on first use too (:func:`_cattrs`).

Rules: scalars are checked, never coerced (``None`` is not ``"None"``, ``1``
is not ``"1"``); request models forbid unknown keys (a typo must not vanish
silently); response models tolerate them (the service adds fields); unset
optionals are omitted from the wire; free-form objects pass through as given.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args, get_origin

import attrs

from . import models
from .errors import RequestValidationError
from .models import wire_name

if TYPE_CHECKING:
    from ._cattrs_codec import Codec

__all__ = [
    "Issue",
    "REQUEST_MODELS",
    "RESPONSE_MODELS",
    "Refused",
    "find_issues",
    "is_json_object",
    "mapping_encoder",
    "structure_or_refuse",
    "structurer",
    "to_wire",
    "unstructure",
    "unstructurer",
]

T = TypeVar("T")

Issue = tuple[str, str]
"""A validation problem: (field path such as ``events[0].error``, message)."""

REQUEST_MODELS: tuple[type[Any], ...] = (
    models.CreateEventRequest,
    models.CreateEventRequestBody,
    models.UpdateEventRequestBody,
    models.EventFilter,
    models.DateRange,
    models.GetEventsRequestBody,
    models.CreateModelEvent,
    models.CreateModelEventRequestBody,
    models.SessionPropertiesBatch,
    models.CreateEventBatchRequestBody,
    models.CreateModelEventBatchRequestBody,
)
RESPONSE_MODELS: tuple[type[Any], ...] = (
    models.CreateEventResponse,
    models.CreateEventBatchResponse,
    models.CreateModelEventBatchResponse,
    models.Event,
    models.GetEventsResponse,
)


def is_json_object(tp: Any) -> bool:
    """Whether the field type *tp* is a free-form object, passed to the wire as given."""
    return bool(tp == models.JSONObject or tp == Mapping[str, Any])


class Refused(Exception):
    """The fast path does not accept a value; the full converter decides and explains."""


def _check_expr(tp: Any, var: str, names: dict[str, Any]) -> str | None:
    """A Python expression true when *var* is a valid *tp*; ``None`` when a call is needed."""
    if tp is str:
        return f"{var}.__class__ is str"
    if tp is bool:
        return f"({var} is True or {var} is False)"
    if tp is int:
        return f"{var}.__class__ is int"
    if tp is float:
        return f"({var}.__class__ is float or {var}.__class__ is int)"
    if is_json_object(tp):
        return f"{var}.__class__ is dict"
    if get_origin(tp) is Literal:
        names[f"_L{len(names)}"] = frozenset(get_args(tp))
        return f"{var}.__class__ is str and {var} in _L{len(names) - 1}"
    if tp == list[str]:
        return f"{var}.__class__ is list and all(x.__class__ is str for x in {var})"
    if tp == list[models.JSONObject]:
        return f"{var}.__class__ is list and all(x.__class__ is dict for x in {var})"
    return None


def _optional_of(tp: Any) -> Any:
    args = get_args(tp)
    if type(None) in args and len(args) == 2:
        return next(a for a in args if a is not type(None))
    return None


def _compile_encoder(cls: type[Any]) -> Callable[[Any], Any]:
    """Compile a function that checks a plain dict as a *cls* and returns its wire dict.

    Straight-line code per field, like cattrs' own generated hooks, but with no
    model object in between. It accepts a strict subset of what the full
    converter accepts (plain dicts and lists, exact scalar types) and raises
    :class:`Refused` for the rest, a missing field (``KeyError``) or an
    unhashable enum value (``TypeError``) included.
    """
    attrs.resolve_types(cls)
    names: dict[str, Any] = {"Refused": Refused, "_ALLOWED": {f.name for f in attrs.fields(cls)}}
    body = [
        "if d.__class__ is not dict or not d.keys() <= _ALLOWED:",
        "    raise Refused",
        "out = {}",
    ]
    for f in attrs.fields(cls):
        required = f.default is attrs.NOTHING
        tp = f.type if required else _optional_of(f.type)
        body.append(f"v = d[{f.name!r}]" if required else f"v = d.get({f.name!r})")
        indent = ""
        if not required:
            body.append("if v is not None:")
            indent = "    "
        check = _check_expr(tp, "v", names)
        if check is not None:
            body += [f"{indent}if not ({check}):", f"{indent}    raise Refused"]
            body.append(f"{indent}out[{wire_name(f)!r}] = v")
        elif get_origin(tp) is list:
            names[f"_E_{f.name}"] = mapping_encoder(get_args(tp)[0])
            body += [
                f"{indent}if v.__class__ is not list:",
                f"{indent}    raise Refused",
                f"{indent}out[{wire_name(f)!r}] = [_E_{f.name}(x) for x in v]",
            ]
        else:
            names[f"_E_{f.name}"] = mapping_encoder(tp)
            body.append(f"{indent}out[{wire_name(f)!r}] = _E_{f.name}(v)")
    body.append("return out")
    source = "\n".join(
        [
            "def encode(d):",
            "    try:",
            *(f"        {line}" for line in body),
            "    except (KeyError, TypeError):",
            "        raise Refused from None",
        ]
    )
    exec(compile(source, f"<honeyhive_async mapping encoder {cls.__name__}>", "exec"), names)
    encode: Callable[[Any], Any] = names["encode"]
    return encode


_ENCODERS: dict[type[Any], Callable[[Any], Any]] = {}


def mapping_encoder(cls: type[Any]) -> Callable[[Any], Any]:
    """A function turning a valid plain mapping for request model *cls* into its wire dict.

    It raises :class:`Refused` for anything it does not accept at once; the
    caller then goes the full way (:func:`structurer`, :func:`find_issues`).
    Compiled on first use.
    """
    encode = _ENCODERS.get(cls)
    if encode is None:
        encode = _ENCODERS[cls] = _compile_encoder(cls)
    return encode


@functools.cache
def _cattrs() -> Codec:
    """The cattrs converters, built on first use.

    The one place cattrs is imported: importing it and building the fast
    converter costs about 8 ms that ``import honeyhive_async`` should not
    pay, and a call sent as a plain dict needs it only for the response.
    """
    from ._cattrs_codec import Codec

    return Codec()


def structurer(cls: type[T]) -> Callable[[Any], T]:
    """A function that builds a *cls* from data and raises on any problem.

    Looked up once per operation, so a call pays no dispatch; on failure,
    :func:`find_issues` says what was wrong.
    """
    hook = _cattrs().fast.get_structure_hook(cls)
    return lambda data: hook(data, cls)


def unstructurer(cls: type[Any]) -> Callable[[Any], Any]:
    """A function giving the wire form of a *cls*: a dict without its unset optionals."""
    return _cattrs().fast.get_unstructure_hook(cls)


def unstructure(obj: Any) -> Any:
    """The wire form of any model."""
    return _cattrs().fast.unstructure(obj)


def find_issues(data: Any, cls: type[Any]) -> list[Issue]:
    """Every problem that keeps *data* from being a *cls*, each with its field path.

    Only called after the fast path failed, so its cost is paid by bad input.
    """
    return _cattrs().find_issues(data, cls)


def structure_or_refuse(data: Any, cls: type[T], operation_id: str) -> T:
    """*data* as a *cls*, or a ``RequestValidationError`` naming every bad field."""
    try:
        return structurer(cls)(data)
    except Exception:  # every refusal is described by find_issues
        issues = find_issues(data, cls) or [("", "invalid")]
        raise RequestValidationError(issues, operation_id=operation_id) from None


def to_wire(data: Any, cls: type[Any], operation_id: str) -> dict[str, Any]:
    """The wire dict of *data*, a *cls* model or a mapping with its field names.

    Raises ``RequestValidationError`` naming every bad field. A plain dict
    takes the compiled one-pass path; anything else goes through cattrs.
    """
    if type(data) is not cls:
        try:
            wire: dict[str, Any] = mapping_encoder(cls)(data)
            return wire
        except Refused:
            data = structure_or_refuse(data, cls, operation_id)
    unstructured: dict[str, Any] = unstructurer(cls)(data)
    return unstructured
