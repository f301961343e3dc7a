"""The error tree: one root, no builtin shadowed, the documented tree is the real one."""

from __future__ import annotations

import builtins
import inspect
import types

import pytest

from honeyhive_async import errors

CLASSES = [
    value
    for value in (getattr(errors, name) for name in errors.__all__)
    # On Python 3.10 an alias such as tuple[str, str] passes isclass too.
    if inspect.isclass(value) and not isinstance(value, types.GenericAlias)
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_a_honeyhive_error_and_shadows_no_builtin(cls: type) -> None:
    """Each class derives from the root and none takes a builtin's name."""
    assert issubclass(cls, errors.HoneyHiveError)
    assert not hasattr(builtins, cls.__name__)


def test_tree_in_docstring_matches_the_classes() -> None:
    """The module docstring draws every public class, under its real parent."""
    doc = errors.__doc__ or ""
    drawn = {line.split("──")[-1].split()[0] for line in doc.splitlines() if "──" in line}
    assert {c.__name__ for c in CLASSES} - {"HoneyHiveError"} == drawn
    assert issubclass(errors.PartialBatchError, errors.APIError)
    assert issubclass(errors.RequestTimeout, errors.TransportError)


def test_message_names_the_operation() -> None:
    """``str(error)`` starts with the operation id when there is one."""
    error = errors.TransportError("reset", operation_id="createEvent", request_event_ids=["a"])
    assert "createEvent: reset" == str(error)
    assert ("a",) == error.request_event_ids
    assert "reset" == str(errors.HoneyHiveError("reset"))


def test_validation_error_lists_each_issue() -> None:
    """A validation error is a ``ValueError`` too, and its message lists path and problem."""
    error = errors.RequestValidationError(
        [("event.project", "required field missing"), ("", "bad")]
    )
    assert isinstance(error, ValueError)
    assert "invalid request: event.project: required field missing; (body): bad" == str(error)


def test_api_error_message_is_short_and_one_line() -> None:
    """Long bodies are cut and folded to one line in the message (the attribute keeps all)."""
    body = "x\n" * 400
    message = errors.APIError.describe(502, "Bad Gateway", body)
    assert message.startswith("HTTP 502 Bad Gateway: x x")
    assert message.endswith("...")
    assert "\n" not in message
    assert "HTTP 500" == errors.APIError.describe(500, "", "")
