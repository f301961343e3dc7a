"""The official TypeScript SDK's recorded requests, and their Python spelling.

A golden's ``input`` is TypeScript (camelCase names); the body it sent is the
wire contract. ``python_input`` turns the input into what a Python caller
writes: typed field names in snake_case, free-form objects untouched, and
``date_range`` members as ``gte``/``lte``. Names the TypeScript SDK silently
drops (unknown keys, ``$gte``) are dropped here too and reported, because
this SDK refuses them instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args, get_origin

import attrs

from honeyhive_async import models

GOLDENS = Path(__file__).parent / "fixtures" / "goldens"

OPERATIONS = {
    "createEvent": ("events_create_event", models.CreateEventRequestBody),
    "updateEvent": ("events_update_event", models.UpdateEventRequestBody),
    "getEvents": ("events_get_events", models.GetEventsRequestBody),
    "createModelEvent": ("events_create_model_event", models.CreateModelEventRequestBody),
    "createEventBatch": ("events_create_event_batch", models.CreateEventBatchRequestBody),
    "createModelEventBatch": (
        "events_create_model_event_batch",
        models.CreateModelEventBatchRequestBody,
    ),
}

_TS_NAMES = {"gte": "dollarGte", "lte": "dollarLte"}


def load(name: str) -> dict[str, Any]:
    """The golden file *name* (without ``.json``)."""
    data: dict[str, Any] = json.loads((GOLDENS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def names() -> list[str]:
    """Every golden, by file name without ``.json``."""
    return sorted(p.stem for p in GOLDENS.glob("*.json"))


def _camel(name: str) -> str:
    return _TS_NAMES.get(name) or re.sub(r"_([a-z])", lambda m: m[1].upper(), name)


def _model_of(tp: Any) -> tuple[type[Any] | None, bool]:
    """The attrs class inside a field type, and whether it is a list of them."""
    for arg in (tp, *get_args(tp)):
        if get_origin(arg) is list:
            inner = get_args(arg)[0]
            if attrs.has(inner):
                return inner, True
        elif isinstance(arg, type) and attrs.has(arg):
            return arg, False
    return None, False


def python_input(ts: Any, cls: type[Any], dropped: list[str] | None = None) -> Any:
    """The Python mapping for TypeScript input *ts* of model *cls*."""
    if not isinstance(ts, dict):
        return ts
    attrs.resolve_types(cls)
    out: dict[str, Any] = {}
    known = {_camel(f.name): f for f in attrs.fields(cls)}
    for key, value in ts.items():
        field = known.get(key)
        if field is None:
            if dropped is not None:
                dropped.append(key)
            continue
        inner, is_list = _model_of(field.type)
        if inner is None:
            out[field.name] = value
        elif is_list:
            out[field.name] = [python_input(v, inner, dropped) for v in value]
        else:
            out[field.name] = python_input(value, inner, dropped)
    return out
