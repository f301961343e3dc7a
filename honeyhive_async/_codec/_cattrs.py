"""The cattrs side of :mod:`._converter`, imported on its first use.

Two converters share one set of hooks: a fast one that structures
responses and unstructures models, and a detailed one, built only for a
value already refused, that names every bad field ("event.event_type: ...").
Importing cattrs and building the fast converter costs about 8 ms, which
``import honeyhive_async`` does not pay: the converter module loads this one
when a response is first decoded or a model object first encoded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .. import models
from ..errors import ValidationIssue as Issue
from ..models import REQUEST_MODELS, RESPONSE_MODELS, wire_name
from ._types import is_json_object

__all__ = ["Codec"]

_MODELS = frozenset(REQUEST_MODELS + RESPONSE_MODELS)

_TYPE_NAMES = {str: "a string", bool: "a boolean", int: "an integer", float: "a number"}


class Codec:
    """The fast converter, the detailed one (made on first need), and what they report."""

    def __init__(self) -> None:
        self.fast = _make_converter(detailed=False)

    @functools.cached_property
    def detailed(self) -> cattrs.Converter:
        """The converter that collects every problem; slower, used only to explain a refusal."""
        return _make_converter(detailed=True)

    def find_issues(self, data: Any, cls: type[Any]) -> list[Issue]:
        """Every problem that keeps *data* from being a *cls*, each with its field path."""
        try:
            self.detailed.structure(data, cls)
        except Exception as exc:  # every structuring failure is described, none is raised
            return list(_walk(exc, ""))
        return []


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


def _is_passthrough(tp: Any) -> bool:
    return is_json_object(tp) or tp in (list[str], list[models.JSONObject])


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
    conv.register_structure_hook_func(is_json_object, _json_object)
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
        for key in sorted(exc.extra_fields, key=repr):
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
