"""The filters of ``events export``: ``--filter FIELD OPERATOR VALUE`` and ``--filter-type``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import attrs

from .. import _rules, models
from .._codec import filter_type, infer_filter_type

__all__ = ["FilterAction", "FilterTypeAction", "infer_filter_type", "iso", "parse_filter"]

_OPERATORS = sorted(models.FILTER_OPERATORS, key=len, reverse=True)


def iso(text: str) -> str:
    """*text* if it is an ISO 8601 date or time (a trailing ``Z`` allowed), as given."""
    try:
        datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 date or time, got {text!r}"
        ) from None
    return text


class FilterAction(argparse.Action):
    """``--filter FIELD OPERATOR VALUE`` (one argument or several): parsed at once."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        text = values if isinstance(values, str) else " ".join(values or ())
        try:
            parsed = parse_filter(text)
        except ValueError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, self.dest, [*getattr(namespace, self.dest), parsed])


class FilterTypeAction(argparse.Action):
    """``--filter-type TYPE``: sets the type of the ``--filter`` given just before."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        filters = list(getattr(namespace, self.dest))
        if not filters:
            raise argparse.ArgumentError(self, "must follow a --filter")
        filters[-1] = attrs.evolve(filters[-1], type=cast(models.FilterType, values))
        setattr(namespace, self.dest, filters)


def parse_filter(text: str) -> models.EventFilter:
    """``'metadata.cost "greater than" 0.01'`` as an ``EventFilter``; ``ValueError`` if not one.

    The operator may contain spaces and be quoted; the known operators are
    matched longest first. The type is inferred from the value as the SDK
    does for a filter without one (:func:`~honeyhive_async._codec._normalize.filter_type`);
    ``exists`` and ``not exists`` take no value.
    """
    field, rest = (*text.split(None, 1), "", "")[:2]
    rest = rest.strip()
    for operator in _OPERATORS:
        for spelled in (operator, f'"{operator}"', f"'{operator}'"):
            head, tail = rest[: len(spelled)], rest[len(spelled) :]
            if head.lower() == spelled and (not tail or tail[0].isspace()):
                return _filter(text, field, operator, _unquote(tail.strip()))
    known = ", ".join(models.FILTER_OPERATORS)
    raise ValueError(f"expected FIELD OPERATOR VALUE with OPERATOR one of {known}; got {text!r}")


def _filter(text: str, field: str, spelled: str, value: str) -> models.EventFilter:
    operator = cast(models.FilterOperator, spelled)
    if spelled in _rules.NO_VALUE_OPERATORS:
        if value:
            raise ValueError(f"{spelled!r} takes no value, got {value!r}")
        return models.EventFilter(field=field, operator=operator)
    if not value:
        raise ValueError(f"no VALUE in {text!r}")
    kind = filter_type(operator, value)
    value = value.lower() if kind == "boolean" else value
    return models.EventFilter(field=field, operator=operator, value=value, type=kind)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
