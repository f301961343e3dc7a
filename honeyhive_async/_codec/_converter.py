"""The one place that turns models into wire dicts and wire dicts into models.

Three paths share one set of rules, the field definitions in
:mod:`~honeyhive_async.models` and the value rules in
:mod:`~honeyhive_async._rules` (which the local server enforces too):

- a compiled *encoder* per request model checks a plain dict, or an
  instance of the model itself, and builds its wire dict in one pass, with
  no model object in between (the hot path of every call);
- anything else (other mappings, tuples, models nested in mappings and
  mappings in models, subclasses of the scalar types) is first made plain
  along the model's fields (:func:`plain`) and then checked by the same
  encoder, so models, mappings and any mix get exactly the same checks;
- a detailed cattrs converter runs only on a value already refused, to name
  every bad field ("event.event_type: ..."), so valid input pays nothing
  for error reporting. A fast cattrs converter structures responses.

Everything is generated on first use of a model, not at import; the cattrs
converters live in :mod:`~honeyhive_async._codec._cattrs_codec`, which is imported
(with cattrs) on first use too (:func:`_cattrs`).

Rules: scalars are checked, never coerced (``None`` is not ``"None"``, ``1``
is not ``"1"``); request models forbid unknown keys (a typo must not vanish
silently); response models tolerate them (the service adds fields); unset
optionals are omitted from the wire; free-form objects pass through as given.
"""

from __future__ import annotations

import functools
import itertools
import linecache
import math
import operator
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args, get_origin

import attrs

from .. import _rules, models
from .._defaults import NO_DEFAULTS, RequestDefaults
from ..errors import RequestValidationError, ValidationIssue
from ..models import REQUEST_MODELS, RESPONSE_MODELS, wire_name
from ._normalize import EMPTY_OBJECTS, FROM_DEFAULTS, SECONDS_RANGE, TIMES
from ._types import is_json_object

if TYPE_CHECKING:
    from ._cattrs import Codec

__all__ = [
    "Issue",
    "REQUEST_MODELS",
    "RESPONSE_MODELS",
    "Refused",
    "find_issues",
    "is_json_object",
    "mapping_encoder",
    "plain",
    "rule_issues",
    "structure_or_refuse",
    "structurer",
    "to_wire",
    "unstructure",
    "unstructurer",
    "warm_up",
]

T = TypeVar("T")

Issue = ValidationIssue
"""A validation problem: (field path such as ``events[0].error``, message)."""


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


def _rule_expr(rule: _rules.Rule, var: str, names: dict[str, Any], tp: Any) -> str:
    """A Python expression true when *var*, already of type *tp*, keeps *rule*."""
    if isinstance(rule, _rules.NonEmpty):
        return var  # a str: true when not empty
    if isinstance(rule, _rules.Bounds):
        # A float field mostly holds floats, which compare fastest with floats (and exactly
        # with ints too); the bounds are exact as floats.
        low, high = (float(rule.low), float(rule.high)) if tp is float else (rule.low, rule.high)
        return f"{low!r} <= {var} <= {high!r}"
    names["_isfinite"] = math.isfinite
    top = _rules.MAX_INTEGER
    return f"(_isfinite({var}) if {var}.__class__ is float else {-top} <= {var} <= {top})"


def _optional_of(tp: Any) -> Any:
    args = get_args(tp)
    if type(None) in args and len(args) == 2:
        return next(a for a in args if a is not type(None))
    return None


def _field_type(f: attrs.Attribute[Any]) -> Any:
    """The type a set field holds: the field's type, without ``| None`` for an optional one."""
    return f.type if f.default is attrs.NOTHING else _optional_of(f.type)


def _compile_encoder(cls: type[Any]) -> Encoder:
    """Compile a function that checks a plain dict (or a *cls*) and returns its wire dict.

    Straight-line code per field, like cattrs' own generated hooks, but with no
    model object in between: exact types, then the field's value rule
    (:data:`._rules.FIELD_RULES`), then the rule over the whole model
    (:data:`._rules.MODEL_RULES`) where its guard holds. It accepts plain
    dicts and lists, exact scalar types and instances of exactly *cls*, and
    raises :class:`Refused` for the rest, a missing field (``KeyError``) or
    an unhashable enum value (``TypeError``) included.

    It also takes the steps of :mod:`._normalize` that need no conversion:
    fields a mapping may leave to the core's defaults (its second argument),
    objects that are ``{}`` when left out; a time plainly in seconds, or
    anything to convert (a datetime), is refused for that step to handle.
    """
    attrs.resolve_types(cls)
    fields = attrs.fields(cls)
    rules = _rules.FIELD_RULES.get(cls.__name__, {})
    names: dict[str, Any] = {
        "Refused": Refused,
        "_ALLOWED": {f.name for f in fields},
        "_CLS": cls,
        "_repeat": itertools.repeat,
        "_NO_DEFAULTS": NO_DEFAULTS,
    }
    from_defaults = FROM_DEFAULTS.get(cls.__name__, ())
    empty_objects = EMPTY_OBJECTS.get(cls.__name__, ())
    times = TIMES.get(cls.__name__, ())
    as_dict = ", ".join(f"{f.name!r}: d.{f.name}" for f in fields)
    # A model of scalars and free-form objects, with no renames, is checked in place: a
    # valid dict that needs nothing filled is its own wire dict (the caller's, not copied).
    leaf = all(
        _check_expr(_field_type(f), "v", {}) is not None and wire_name(f) == f.name for f in fields
    )
    body = [
        "if d.__class__ is not dict:",
        "    if d.__class__ is not _CLS:",
        "        raise Refused",
        f"    d = {{{as_dict}}}",
        "elif not _ALLOWED.issuperset(d):",
        "    raise Refused",
        "get = d.get",
        *(["n = 0", "fills = None"] if leaf else ["out = {}"]),
    ]
    whole = _rules.MODEL_RULES.get(cls.__name__)
    guard = None if whole is None else whole[0]
    if guard is not None:
        body.append("g = None")  # the guarded field's value, kept as it is stored
    for f in fields:
        required = f.default is attrs.NOTHING
        tp = _field_type(f)
        filled = f.name in from_defaults or f.name in empty_objects
        indent = ""
        if required and not filled:
            body.append(f"v = d[{f.name!r}]")
        elif filled:
            body.append(f"v = get({f.name!r})")
        else:  # usually absent: a membership test is cheaper than get()
            body += [f"if {f.name!r} in d:", f"    v = d[{f.name!r}]"]
            indent = "    "
        fill = f"dft.{f.name}" if f.name in from_defaults else "{}" if filled else None
        if fill is not None:  # a mapping may leave it out: the core's default, or {}
            body += ["if v is None:", f"    v = {fill}"]
            if leaf:  # the core's default may be None: then there is nothing to fill
                pad = "    " if fill == "{}" else "        "
                body += [] if fill == "{}" else ["    if v is not None:"]
                body += [
                    f"{pad}if fills is None:",
                    f"{pad}    fills = {{}}",
                    f"{pad}fills[{f.name!r}] = v",
                ]
        if not required:
            body.append(f"{indent}if v is not None:")
            indent += "    "
        check = _check_expr(tp, "v", names)
        rule = rules.get(wire_name(f))
        if rule is not None:
            # Rules name wire fields; every ruled field is a scalar whose wire name is its own.
            assert check is not None, f"{cls.__name__}.{f.name}: a rule on a non-scalar"
            assert wire_name(f) == f.name, f"{cls.__name__}.{f.name}: a rule on a renamed field"
            check = f"{check} and {_rule_expr(rule, 'v', names, tp)}"
        if f.name in times:  # plainly seconds: the slow path says so, naming the field
            low, high = SECONDS_RANGE
            check = f"{check} and not {low!r} <= v < {high!r}"
        if check is not None:
            body += [f"{indent}if not ({check}):", f"{indent}    raise Refused"]
            # Counted: with nothing filled, a count short of len(d) means a key holds None.
            body.append(f"{indent}n += 1" if leaf else f"{indent}out[{wire_name(f)!r}] = v")
            if guard is not None and wire_name(f) == guard[0]:
                body.append(f"{indent}g = v")
        elif get_origin(tp) is list:
            names[f"_E_{f.name}"] = mapping_encoder(get_args(tp)[0])
            body += [
                f"{indent}if v.__class__ is not list:",
                f"{indent}    raise Refused",
                f"{indent}out[{wire_name(f)!r}] = list(map(_E_{f.name}, v, _repeat(dft)))",
            ]
        else:
            names[f"_E_{f.name}"] = mapping_encoder(tp)
            body.append(f"{indent}out[{wire_name(f)!r}] = _E_{f.name}(v, dft)")
    if leaf:
        body += [
            "if fills is None and n == len(d):",
            "    out = d",
            "else:",
            "    out = {k: v for k, v in d.items() if v is not None}",
            "    if fills is not None:",
            "        out.update(fills)",
        ]
    if whole is not None:
        names["_WHOLE"] = whole[1]
        condition = "True" if guard is None else f"g == {guard[1]!r}"
        body += [f"if {condition} and _WHOLE(out):", "    raise Refused"]
    body.append("return out")
    source = "\n".join(
        [
            "def encode(d, dft=_NO_DEFAULTS):",
            "    try:",
            *(f"        {line}" for line in body),
            "    except (KeyError, TypeError):",
            "        raise Refused from None",
        ]
    )
    filename = f"<honeyhive_async mapping encoder {cls.__name__}>"
    # Registered like a file, so that a traceback through the encoder shows its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), names)
    encode: Encoder = names["encode"]
    return encode


Encoder = Callable[..., Any]
"""A compiled encoder: ``encode(data)`` or ``encode(data, defaults)``, giving the wire dict."""

_ENCODERS: dict[type[Any], Encoder] = {}


def mapping_encoder(cls: type[Any]) -> Encoder:
    """A function turning a valid plain mapping (or a *cls*) for request model *cls* into wire.

    It raises :class:`Refused` for anything it does not accept at once; the
    caller then makes the value :func:`plain` and tries again, and on a
    second refusal asks :func:`find_issues` and :func:`rule_issues` why.
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
    from ._cattrs import Codec

    return Codec()


def warm_up() -> None:
    """Import cattrs and build the response decoders now, not on the first answer.

    For the background loop thread, which loads what running the core will
    need before a fork could copy a half-imported module.
    """
    _cattrs()


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

    Problems of type and shape, then those of the value rules, each named
    once. Only called after the fast path failed, so its cost is paid by
    bad input.
    """
    issues = _cattrs().find_issues(data, cls)
    if cls in REQUEST_MODELS:
        issues += rule_issues(data, cls)
    return list(dict.fromkeys(issues))


def _model_of(tp: Any) -> tuple[type[Any] | None, bool]:
    """The request model *tp* holds (or a list of), and whether it is a list."""
    if get_origin(tp) is list:
        (item,) = get_args(tp)
        return (item, True) if item in REQUEST_MODELS else (None, False)
    return (tp, False) if tp in REQUEST_MODELS else (None, False)


def _plain_scalar(value: Any, tp: Any) -> Any:
    """*value* of an exact scalar type where it is of a subclass that *tp* accepts."""
    if value.__class__ in (str, int, float, bool) or isinstance(value, bool):
        return value
    if isinstance(value, str) and (tp is str or get_origin(tp) is Literal):
        return str.__str__(value)  # an Enum's or a str subclass's text, as a str
    if isinstance(value, int) and tp in (int, float):
        return operator.index(value)
    if isinstance(value, float) and tp is float:
        return float.__float__(value)
    return value


def plain(value: Any, tp: Any) -> Any:
    """*value* in the plain form the encoder of *tp* reads, as far as its shape allows.

    Along the model's fields: model instances become dicts of their fields,
    other mappings dicts, tuples lists, and subclasses of ``str``, ``int``
    and ``float`` (enums, say) their exact type. What does not fit stays as
    it is for the checks to refuse; free-form objects are copied at their
    top level only, as cattrs does, and never looked into.
    """
    if value is None:
        return None
    optional = _optional_of(tp)
    if optional is not None:
        tp = optional
    model, is_list = _model_of(tp)
    if is_list or (get_origin(tp) is list and isinstance(value, (list, tuple))):
        if not isinstance(value, (list, tuple)):
            return value
        (item,) = get_args(tp)
        return [plain(x, item) for x in value]
    if model is not None:
        if isinstance(value, model):
            value = {f.name: getattr(value, f.name) for f in attrs.fields(model)}
        if not isinstance(value, Mapping):
            return value
        out = dict(value)
        for f in attrs.fields(model):
            if f.name in out:
                out[f.name] = plain(out[f.name], _field_type(f))
        return out
    if is_json_object(tp):
        return dict(value) if isinstance(value, Mapping) and value.__class__ is not dict else value
    return _plain_scalar(value, tp)


def _wire_view(value: Any, cls: type[Any]) -> Any:
    """A plain *cls* dict with the wire names of its fields, down its nested models; unchecked."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for f in attrs.fields(cls):
        if f.name not in out:
            continue
        item = out.pop(f.name)
        model, is_list = _model_of(_field_type(f))
        if model is not None and is_list and isinstance(item, list):
            item = [_wire_view(x, model) for x in item]
        elif model is not None:
            item = _wire_view(item, model)
        out[wire_name(f)] = item
    return out


def _python_path(path: _rules.Path, cls: type[Any]) -> str:
    """The wire *path* inside a *cls* with its fields' Python names, as text."""
    names: list[str | int] = []
    current: type[Any] | None = cls
    for segment in path:
        if current is not None and isinstance(segment, str):
            f = next((f for f in attrs.fields(current) if wire_name(f) == segment), None)
            segment = segment if f is None else f.name
            current = None if f is None else _model_of(_field_type(f))[0]
        names.append(segment)
    return _rules.format_path(tuple(names))


def _join(path: str, sub: str) -> str:
    if not sub:
        return path
    return f"{path}{sub}" if not path or sub.startswith("[") else f"{path}.{sub}"


def rule_issues(data: Any, cls: type[Any], path: str = "") -> list[Issue]:
    """What breaks the value rules in *data*, a plain (possibly ill-typed) *cls*, with paths.

    Values of the wrong type are left to the type checks.
    """
    if not isinstance(data, dict):
        return []
    issues = [
        (_join(path, _rules.format_path(p)), message)
        for p, message in _rules.field_issues(cls.__name__, data)
    ]
    whole = _rules.MODEL_RULES.get(cls.__name__)
    if whole is not None:
        found = whole[1](_wire_view(data, cls))
        issues += [(_join(path, _python_path(p, cls)), message) for p, message in found]
    for f in attrs.fields(cls):
        model, is_list = _model_of(_field_type(f))
        value = data.get(f.name)
        if model is None or value is None:
            continue
        if not is_list:
            issues += rule_issues(value, model, _join(path, f.name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                issues += rule_issues(item, model, f"{_join(path, f.name)}[{index}]")
    return issues


def refuse(data: Any, cls: type[Any], operation_id: str) -> RequestValidationError:
    """The error naming everything that keeps *data* (made :func:`plain`) from being a *cls*."""
    issues = find_issues(data, cls) or [("", "invalid")]
    return RequestValidationError(issues, operation_id=operation_id)


def _checked_plain(
    data: Any, cls: type[Any], operation_id: str, defaults: RequestDefaults = NO_DEFAULTS
) -> tuple[Any, dict[str, Any]]:
    """*data* made plain and its wire dict, or the ``RequestValidationError`` naming each issue."""
    data = plain(data, cls)
    try:
        return data, mapping_encoder(cls)(data, defaults)
    except Refused:
        raise refuse(data, cls, operation_id) from None


def structure_or_refuse(data: Any, cls: type[T], operation_id: str) -> T:
    """*data* as a *cls* (checked as a request would be), or a ``RequestValidationError``."""
    data, _ = _checked_plain(data, cls, operation_id)
    return structurer(cls)(data)


def to_wire(
    data: Any, cls: type[Any], operation_id: str, defaults: RequestDefaults = NO_DEFAULTS
) -> dict[str, Any]:
    """The wire dict of *data*: a *cls* model, a mapping with its field names, or any mix.

    Raises ``RequestValidationError`` naming every bad field. A plain dict or
    a *cls* takes the compiled one-pass path; anything else is made plain
    first and then takes the same path.
    """
    try:
        wire: dict[str, Any] = mapping_encoder(cls)(data, defaults)
    except Refused:
        return _checked_plain(data, cls, operation_id, defaults)[1]
    return wire
