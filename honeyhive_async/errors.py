"""The errors an operation can report, all below one root class.

Standalone functions return them inside ``Err``; the :class:`~honeyhive_async.HoneyHive`
class raises them. The tree::

    HoneyHiveError                  root: every failure the SDK reports
    ├── RequestValidationError      the request was refused before anything was sent
    ├── APIError                    the server answered with an error status (4xx, 5xx)
    │   └── PartialBatchError       a batch's typed 500: some events stored, some not
    ├── ResponseValidationError     a 2xx answer that is not the documented JSON shape
    ├── TransportError              no usable answer: connection refused, reset, ...
    │   └── RequestTimeout          ... or no answer within the timeout
    ├── QueueFullError              EventBatcher.add_nowait: the queue is full, not queued
    └── BatcherClosedError          EventBatcher: closed, the event was not queued

Every error carries ``operation_id`` (``"createEvent"``, ...) and
``request_event_ids``: the event ids the request carried, including the ones
the SDK generated, so that after a lost response you can still look the
events up. No message ever contains the API key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._secrets import preview as _preview

__all__ = [
    "APIError",
    "BatcherClosedError",
    "HoneyHiveError",
    "PartialBatchError",
    "QueueFullError",
    "RequestTimeout",
    "RequestValidationError",
    "ResponseValidationError",
    "TransportError",
    "ValidationIssue",
]

ValidationIssue = tuple[str, str]
"""One input problem: (field path such as ``events[0].event_type``, message)."""

_PREVIEW = 300


class HoneyHiveError(Exception):
    """Root of every error the SDK reports."""

    operation_id: str
    request_event_ids: tuple[str, ...]

    def __init__(
        self, message: str, *, operation_id: str = "", request_event_ids: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation_id = operation_id
        self.request_event_ids = tuple(request_event_ids)

    def __str__(self) -> str:
        return f"{self.operation_id}: {self.message}" if self.operation_id else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class RequestValidationError(HoneyHiveError, ValueError):
    """The request is not valid; nothing was sent.

    ``issues`` lists every problem as ``(field path, message)``.
    """

    def __init__(self, issues: Sequence[ValidationIssue], *, operation_id: str = "") -> None:
        self.issues = tuple(issues)
        listed = "; ".join(f"{path or '(body)'}: {msg}" for path, msg in self.issues)
        super().__init__(f"invalid request: {listed}", operation_id=operation_id)


class _ResponseError(HoneyHiveError):
    """An error that came with an HTTP response, whose parts it keeps."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        headers: Mapping[str, str],
        body: str,
        content_type: str,
        operation_id: str = "",
        request_event_ids: Sequence[str] = (),
    ) -> None:
        super().__init__(message, operation_id=operation_id, request_event_ids=request_event_ids)
        self.status_code = status_code
        self.headers = headers
        self.body = body
        self.content_type = content_type
        self.request_id: str | None = headers.get("x-request-id")


class APIError(_ResponseError):
    """The server answered with an error status.

    ``status_code``, ``headers`` and ``content_type`` describe the answer,
    ``body`` is the start of its text (at most 8192 characters), ``request_id``
    the server's ``x-request-id`` when it sent one. The API key is scrubbed
    from all of them.
    """

    @staticmethod
    def describe(status_code: int, reason: str, body: str, secret: str = "") -> str:
        """The message of an error status: ``HTTP 503 Service Unavailable: <body start>``.

        *secret* (the API key) is scrubbed from the body before it is cut.
        """
        text = _preview(" ".join(body.split()), _PREVIEW, secret)
        head = f"HTTP {status_code} {reason}".rstrip()
        return f"{head}: {text}" if text else head


class PartialBatchError(APIError):
    """A batch answered with its typed 500: the listed ids were stored, the rest were not.

    ``event_ids`` are the ids the server stored, ``errors`` one message per
    event it refused, ``success`` the body's flag. Re-send only the events
    whose ids are missing: re-sending the whole batch would store the others twice
    where the server does not deduplicate.
    """

    def __init__(
        self,
        message: str,
        *,
        event_ids: Sequence[str],
        errors: Sequence[str],
        success: bool,
        **response: Any,
    ) -> None:
        super().__init__(message, **response)
        self.event_ids = list(event_ids)
        self.errors = list(errors)
        self.success = success


class ResponseValidationError(_ResponseError):
    """A success status whose body is not the documented JSON; ``body`` keeps the raw text."""


class TransportError(HoneyHiveError):
    """No usable answer arrived: the connection failed, broke, or was refused.

    ``sent`` is ``False`` when the request certainly never reached the server
    (the connection was never established), so retrying cannot duplicate it.
    """

    def __init__(
        self,
        message: str,
        *,
        sent: bool = True,
        operation_id: str = "",
        request_event_ids: Sequence[str] = (),
    ) -> None:
        super().__init__(message, operation_id=operation_id, request_event_ids=request_event_ids)
        self.sent = sent


class RequestTimeout(TransportError):
    """No complete answer within the timeout (seconds) the call allowed."""


class QueueFullError(HoneyHiveError):
    """``EventBatcher.add_nowait`` found the queue full; the event was not queued.

    Wait with ``EventBatcher.add`` instead, or make the queue larger.
    """


class BatcherClosedError(HoneyHiveError):
    """The ``EventBatcher`` was closed; the event was not queued."""
