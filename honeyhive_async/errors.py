"""The errors an operation can report, all below one root class.

Standalone functions return them inside ``Err``; the :class:`~honeyhive_async.HoneyHive`
class raises them. The tree::

    HoneyHiveError                  root: every failure the SDK reports
    ├── RequestValidationError      the request was refused before anything was sent
    ├── APIError                    the server answered with an error status (4xx, 5xx)
    │   ├── BadRequestError         400, 422: the server refused the request as invalid
    │   ├── AuthenticationError     401: no API key, or a wrong one
    │   ├── PermissionDeniedError   403: the key may not do this
    │   ├── NotFoundError           404: no such event (or route)
    │   ├── RateLimitError          429: too many requests (retried by default)
    │   ├── ServerError             5xx: the server failed (retried where safe)
    │   └── PartialBatchError       a batch's typed 500: some events stored, some not
    ├── ResponseValidationError     a 2xx answer that is not the documented JSON shape
    ├── TransportError              no usable answer: connection refused, reset, ...
    │   └── RequestTimeout          ... or no answer within the timeout
    ├── QueueFullError              EventBatcher.add_nowait: the queue is full, not queued
    └── BatcherClosedError          EventBatcher: closed, the event was not queued

Every error carries ``operation_id`` (``"createEvent"``, ...) and
``request_event_ids``: the event ids the request carried, including the ones
the SDK generated, so that after a lost response you can still look the
events up. A failure that came after retries says so in ``str(error)``:
``attempts`` and ``elapsed`` (seconds) hold how many and how long. No
message ever contains the API key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._utils import preview as _preview

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BatcherClosedError",
    "HoneyHiveError",
    "NotFoundError",
    "PartialBatchError",
    "PermissionDeniedError",
    "QueueFullError",
    "RateLimitError",
    "RequestTimeout",
    "RequestValidationError",
    "ResponseValidationError",
    "ServerError",
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
    attempts: int = 1
    """How many attempts the call made before it failed (set by the retry policy)."""
    elapsed: float = 0.0
    """Seconds from the first attempt to the failure, when there was more than one."""

    def __init__(
        self, message: str, *, operation_id: str = "", request_event_ids: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation_id = operation_id
        self.request_event_ids = tuple(request_event_ids)

    def __str__(self) -> str:
        text = self.message
        if self.attempts > 1:
            text = f"failed after {self.attempts} attempts over {self.elapsed:.1f} s; last: {text}"
        return f"{self.operation_id}: {text}" if self.operation_id else text

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
        """The message of an error status: ``HTTP 404 Not Found: <the server's message>``.

        The server's message is taken from a JSON error body
        (``{"error": ..., "message": ...}``, also ``{"error": {"message": ...}}``);
        any other body is shown as text, its start only. *secret* (the API
        key) is scrubbed from it before it is cut.
        """
        text = _preview(" ".join((_parse_error_body(body)[0] or body).split()), _PREVIEW, secret)
        head = f"HTTP {status_code} {reason}".rstrip()
        return f"{head}: {text}" if text else head

    @staticmethod
    def for_status(status_code: int) -> type[APIError]:
        """The class of the error for *status_code*: a subclass per family, else ``APIError``."""
        if status_code >= 500:
            return ServerError
        return _BY_STATUS.get(status_code, APIError)

    @property
    def code(self) -> str | None:
        """The server's error code (``event_not_found``) when the JSON body has one."""
        return _parse_error_body(self.body)[1]


class BadRequestError(APIError):
    """400 or 422: the server refused the request as invalid; sending it again will not help."""


class AuthenticationError(APIError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(APIError):
    """403: the API key may not do this."""


class NotFoundError(APIError):
    """404: no such event, or no such route under the server URL."""


class RateLimitError(APIError):
    """429: too many requests; retried by default, honouring ``Retry-After``."""


class ServerError(APIError):
    """5xx: the server failed; retried by default where that cannot store an event twice."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: BadRequestError,
    429: RateLimitError,
}


def _parse_error_body(body: str) -> tuple[str | None, str | None]:
    """The server's message and error code in a JSON error body; ``None`` for what it lacks.

    Understood shapes: ``{"error": code, "message": text}`` (the local server's),
    ``{"error": text}``, ``{"message": text}`` and ``{"error": {"message": text,
    "type" or "code": code}}``.
    """
    if not body.lstrip().startswith("{"):
        return None, None
    import json  # only for error answers, which are rare

    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    error = data.get("error")
    if isinstance(error, dict):
        data, error = error, error.get("code", error.get("type"))
    message = _text_or_none(data.get("message"))
    code = _text_or_none(error)
    return (message, code) if message is not None else (code, None)


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


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
    ``__cause__`` is the underlying exception when there was one (it decides
    whether the failure is transient: a name that does not resolve or a
    TLS error is not retried).
    """

    def __init__(
        self,
        message: str,
        *,
        sent: bool = True,
        operation_id: str = "",
        request_event_ids: Sequence[str] = (),
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message, operation_id=operation_id, request_event_ids=request_event_ids)
        self.sent = sent
        self.__cause__ = cause


class RequestTimeout(TransportError):
    """No complete answer within the timeout (seconds) the call allowed."""


class QueueFullError(HoneyHiveError):
    """``EventBatcher.add_nowait`` found the queue full; the event was not queued.

    Wait with ``EventBatcher.add`` instead, or make the queue larger.
    """


class BatcherClosedError(HoneyHiveError):
    """The ``EventBatcher`` was closed; the event was not queued."""
