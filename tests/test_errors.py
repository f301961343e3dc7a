"""The error tree: one root, no builtin shadowed, the documented tree is the real one."""

from __future__ import annotations

import builtins
import inspect
import json
import types

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, errors.BadRequestError),
        (422, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (599, errors.ServerError),
        (405, errors.APIError),
        (413, errors.APIError),
        (409, errors.APIError),
    ],
)
def test_each_status_family_has_its_class(status: int, expected: type[errors.APIError]) -> None:
    """``APIError.for_status`` picks the family's class; ``APIError`` still catches them all."""
    cls = errors.APIError.for_status(status)
    assert (expected, True) == (cls, issubclass(cls, errors.APIError))


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        (
            '{"success": false, "error": "event_not_found", "message": "no event with id \'x\'"}',
            "HTTP 404 Not Found: no event with id 'x'",
            "event_not_found",
        ),
        ('{"error": "Invalid API key"}', "HTTP 404 Not Found: Invalid API key", None),
        ('{"message": "gone"}', "HTTP 404 Not Found: gone", None),
        (
            '{"error": {"message": "slow down", "type": "rate_limit"}}',
            "HTTP 404 Not Found: slow down",
            "rate_limit",
        ),
        ('{"error": 5}', 'HTTP 404 Not Found: {"error": 5}', None),
        ("[1, 2]", "HTTP 404 Not Found: [1, 2]", None),
        ("{not json", "HTTP 404 Not Found: {not json", None),
        ("plain text", "HTTP 404 Not Found: plain text", None),
    ],
    ids=["local-server", "error-only", "message-only", "nested", "no-text", "list", "bad", "text"],
)
def test_message_is_the_servers_message_not_the_json(
    body: str, message: str, code: str | None
) -> None:
    """A JSON error body's message is shown (and its code kept); other bodies as text."""
    error = errors.NotFoundError(
        errors.APIError.describe(404, "Not Found", body),
        status_code=404,
        headers={},
        body=body,
        content_type="application/json",
    )
    assert (message, code, body) == (error.message, error.code, error.body)


@given(
    st.text(max_size=2000)
    | st.builds(
        json.dumps,
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=50),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=8), inner, max_size=3)
            ),
            max_leaves=10,
        ),
    )
)
def test_describe_takes_any_body(body: str) -> None:
    """Whatever a server answers, the message is one short line starting with the status."""
    message = errors.APIError.describe(502, "Bad Gateway", body)
    assert message.startswith("HTTP 502 Bad Gateway")
    assert "\n" not in message
    assert len(message) <= len("HTTP 502 Bad Gateway: ") + 303
    error = errors.APIError(
        message, status_code=502, headers={}, body=body, content_type="application/json"
    )
    assert error.code is None or isinstance(error.code, str)


def test_a_failure_after_retries_says_so() -> None:
    """``str`` of an error after several attempts names their number, the time and the cause."""
    error = errors.ServerError(
        "HTTP 503 Service Unavailable: down",
        status_code=503,
        headers={},
        body="down",
        content_type="text/plain",
        operation_id="createEvent",
    )
    error.attempts, error.elapsed = 5, 12.34
    expected = (
        "createEvent: failed after 5 attempts over 12.3 s; last: HTTP 503 Service Unavailable: down"
    )
    assert (expected, "HTTP 503 Service Unavailable: down") == (str(error), error.message)
