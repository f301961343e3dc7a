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

Everything is generated on first use of a model, not at import.

Rules: scalars are checked, never coerced (``None`` is not ``"None"``, ``1``
is not ``"1"``); request models forbid unknown keys (a typo must not vanish
silently); response models tolerate them (the service adds fields); unset
optionals are omitted from the wire; free-form objects pass through as given.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from . import models
from .errors import RequestValidationError
from .models import wire_name

__all__ = [
    "Issue",
    "Refused",
    "find_issues",
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
_MODELS = frozenset(REQUEST_MODELS + RESPONSE_MODELS)

_TYPE_NAMES = {str: "a string", bool: "a boolean", int: "an integer", float: "a number"}


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _strict(expected: type[Any]) -> Callable[[Any, Any], Any]:
    """A hook that accepts *expected* as is and refuses everything else."""
    accepted: tuple[type[Any], ...] = (int, float) if expected is float else (expected,)

    def hook(value: Any, _: Any) -> Any:
        # bool is an int subclass, but True is no duration and no page number.
        if isinstance(value, accepted) and (expected is bool or not isinstance(value, bool)):
            return value
        raise TypeError(f"expected {_TYPE_NAMES[expected]}, got {_kind(value)}")

    return hook


def _json_object(value: Any, _: Any) -> Any:
    if isinstance(value, dict):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"expected an object (a mapping), got {_kind(value)}")


def _is_json_object(tp: Any) -> bool:
    return bool(tp == models.JSONObject or tp == Mapping[str, Any])


def _is_passthrough(tp: Any) -> bool:
    return _is_json_object(tp) or tp in (list[str], list[models.JSONObject])


def _is_list(tp: Any) -> bool:
    return get_origin(tp) is list


def _list_hook(conv: cattrs.Converter, *, detailed: bool) -> Callable[[Any], Any]:
    """Lists must be lists (a string is not a list of characters); items are checked."""

    def factory(tp: Any) -> Callable[[Any, Any], list[Any]]:
        (item_type,) = get_args(tp)
        item_hook = conv.get_structure_hook(item_type)

        def hook(value: Any, _: Any) -> list[Any]:
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"expected a list, got {_kind(value)}")
            if not detailed:
                if item_type is str and all(item.__class__ is str for item in value):
                    return list(value)  # ids in batch answers: check the lot at once
                return [item_hook(item, item_type) for item in value]
            out, errors = [], []
            for index, item in enumerate(value):
                try:
                    out.append(item_hook(item, item_type))
                except Exception as exc:  # collected, then raised together below
                    note = IterableValidationNote(f"@ index {index}", index, item_type)
                    # cattrs reads the index from the note, as on its own list errors.
                    setattr(exc, "__notes__", [*getattr(exc, "__notes__", []), note])  # noqa: B010
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {tp!r}", errors, tp)
            return out

        return hook

    return factory


def _object_hook(cls: type[Any], generated: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object (a mapping), got {_kind(value)}")
        return generated(value, cls)

    return hook


def _is_model(tp: Any) -> bool:
    return tp in _MODELS


def _make_converter(*, detailed: bool) -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=detailed)
    for scalar in (str, bool, int, float):
        conv.register_structure_hook(scalar, _strict(scalar))
    conv.register_structure_hook_func(_is_json_object, _json_object)
    conv.register_structure_hook_factory(_is_list, _list_hook(conv, detailed=detailed))
    # Free-form objects and lists of them go to the wire as the caller built them.
    conv.register_unstructure_hook_func(_is_passthrough, lambda v: v)

    def structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        # Callers write requests with Python names; responses arrive with wire names.
        is_request = cls in REQUEST_MODELS
        generated = make_dict_structure_fn(
            cls,
            conv,
            _cattrs_forbid_extra_keys=is_request,
            _cattrs_detailed_validation=detailed,
            **({} if is_request else _renames(cls)),
        )
        return _object_hook(cls, generated)

    def unstructure_factory(cls: type[Any]) -> Callable[[Any], Any]:
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **_renames(cls))

    conv.register_structure_hook_factory(_is_model, structure_factory)
    conv.register_unstructure_hook_factory(_is_model, unstructure_factory)
    return conv


def _renames(cls: type[Any]) -> dict[str, Any]:
    return {
        f.name: override(rename=wire_name(f), omit_if_default=True)
        for f in attrs.fields(cls)
        if wire_name(f) != f.name
    }


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
    if _is_json_object(tp):
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


_FAST = _make_converter(detailed=False)


@functools.cache
def _detailed() -> cattrs.Converter:
    return _make_converter(detailed=True)


def structurer(cls: type[T]) -> Callable[[Any], T]:
    """A function that builds a *cls* from data and raises on any problem.

    Looked up once per operation, so a call pays no dispatch; on failure,
    :func:`find_issues` says what was wrong.
    """
    hook = _FAST.get_structure_hook(cls)
    return lambda data: hook(data, cls)


def unstructurer(cls: type[Any]) -> Callable[[Any], Any]:
    """A function giving the wire form of a *cls*: a dict without its unset optionals."""
    return _FAST.get_unstructure_hook(cls)


def unstructure(obj: Any) -> Any:
    """The wire form of any model."""
    return _FAST.unstructure(obj)


def find_issues(data: Any, cls: type[Any]) -> list[Issue]:
    """Every problem that keeps *data* from being a *cls*, each with its field path.

    Only called after the fast path failed, so its cost is paid by bad input.
    """
    try:
        _detailed().structure(data, cls)
    except Exception as exc:  # every structuring failure is described, none is raised
        return list(_walk(exc, ""))
    return []


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _walk(exc: BaseException, path: str) -> Iterator[Issue]:
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            step = getattr(note, "name", None)
            sub_path = _join(path, step) if step is not None else f"{path}[{note.index}]"
            yield from _walk(sub, sub_path)
        for sub in without:
            yield from _walk(sub, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            yield _join(path, key), "unknown field"
    elif isinstance(exc, KeyError):
        yield path, "required field missing"
    else:
        yield path, _describe(exc)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, cattrs.errors.CattrsError) and " not in literal " in str(exc):
        value, _, literal = str(exc).partition(" not in literal ")
        allowed = literal[literal.find("[") + 1 : literal.rfind("]")]
        return f"must be one of {allowed} (got {value!r})"
    return str(exc) or type(exc).__name__


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
