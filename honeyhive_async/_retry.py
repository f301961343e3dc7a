"""The retry policy: small pure functions, composed with tenacity.

What may be retried is a property of the operation (:class:`RetryRule`): a
create that carries its event id can be sent again, because the server keeps
one event per id; a model event carries no id, so it is only retried where
the server cannot have stored it. How long to wait comes from the
``RetryConfig`` in force and the server's ``Retry-After``.

The first attempt runs outside tenacity: a call that succeeds (nearly all of
them) costs no retry machinery. Only a retryable failure hands over to
``tenacity.AsyncRetrying``, which replays that first outcome and carries on;
tenacity itself is only imported then (:func:`_async_retrying`).
"""

from __future__ import annotations

import email.utils
import logging
import random
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._config import RetryConfig
from ._result import Err, Result
from .errors import APIError, HoneyHiveError, PartialBatchError, TransportError

if TYPE_CHECKING:
    from tenacity import AsyncRetrying, RetryCallState

__all__ = [
    "IDEMPOTENT",
    "UNSENT_ONLY",
    "RetryRule",
    "backoff_delay",
    "is_permanent",
    "is_retryable",
    "retry_after",
    "run_with_retries",
    "wait_before_retry",
]

log = logging.getLogger("honeyhive_async")

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@attrs.frozen(kw_only=True)
class RetryRule:
    """Which failures of one operation are safe to try again."""

    statuses: frozenset[int]
    """Error statuses after which the server cannot have kept a second copy."""
    after_sent: bool
    """Whether a transport failure after the request may have reached the server is retried."""


IDEMPOTENT = RetryRule(statuses=frozenset({429, 500, 502, 503, 504}), after_sent=True)
"""Reads, updates, and creates that carry their event ids: every transient failure."""

UNSENT_ONLY = RetryRule(statuses=frozenset({429}), after_sent=False)
"""Creates without ids: only a rate limit, or a connection that was never made."""


def is_retryable(error: HoneyHiveError, rule: RetryRule, config: RetryConfig) -> bool:
    """Whether *error* may be followed by another attempt under *rule* and *config*."""
    if isinstance(error, PartialBatchError):
        # Part of the batch is stored: sending it all again would duplicate that part.
        return False
    if isinstance(error, APIError):
        return error.status_code in rule.statuses
    if isinstance(error, TransportError):
        return (
            config.retry_connection_errors
            and (rule.after_sent or not error.sent)
            and not is_permanent(error.__cause__)
        )
    return False


# TLS errors that only say the connection broke during the handshake: transient.
_BROKEN_TLS = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)


def is_permanent(exc: BaseException | None) -> bool:
    """Whether the transport failure *exc* will come again however often it is retried.

    A host name that does not resolve (but not a resolver that is briefly
    unavailable, ``EAI_AGAIN``) and a TLS failure (a certificate that does
    not verify, a ``wrong version number`` from speaking TLS to a plain HTTP
    port) are permanent; a refused, reset or timed-out connection is not.
    The exception and its causes are looked at, by their standard-library
    types: aiohttp's own errors derive from them or carry them as cause.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, socket.gaierror):
            return exc.errno != socket.EAI_AGAIN
        if isinstance(exc, ssl.CertificateError):
            return True
        if isinstance(exc, ssl.SSLError):
            return not isinstance(exc, _BROKEN_TLS)
        if type(exc).__name__ == "ClientConnectorDNSError":
            # aiohttp's, named rather than imported (only the pipeline imports aiohttp)
            cause = exc.__cause__
            return not (isinstance(cause, socket.gaierror) and cause.errno == socket.EAI_AGAIN)
        exc = exc.__cause__ or getattr(exc, "os_error", None)
    return False


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked to wait (``Retry-After``: seconds or an HTTP date), if any."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff_delay(
    retry_number: int, config: RetryConfig, rand: Callable[[], float] = random.random
) -> float:
    """The jittered exponential wait before retry number *retry_number* (1-based)."""
    b = config.backoff
    ceiling = min(b.max_interval, b.initial_interval * b.exponent ** (retry_number - 1))
    return ceiling * (0.5 + rand() / 2)


def wait_before_retry(error: HoneyHiveError, retry_number: int, config: RetryConfig) -> float:
    """Seconds to wait after *error*: the server's ``Retry-After`` (capped) or the backoff."""
    if isinstance(error, APIError):
        asked = retry_after(error.headers)
        if asked is not None:
            return min(asked, config.max_retry_after)
    return backoff_delay(retry_number, config)


async def run_with_retries(
    attempt: Callable[[int], Awaitable[Result[T]]],
    *,
    rule: RetryRule,
    config: RetryConfig,
    sleep: Sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Result[T]:
    """Run ``attempt(1)``, ``attempt(2)``, ... until one succeeds or may not be retried.

    Bounded by ``config.max_attempts`` and by the backoff's ``max_elapsed_time``
    (no retry whose wait would end past it). The caller gets the last outcome,
    never a tenacity type; cancellation propagates.
    """
    started = clock()
    first = await attempt(1)
    if first.ok or not config.enabled or not is_retryable(first.error, rule, config):
        return first
    deadline = started + config.backoff.max_elapsed_time
    replay: list[Result[T]] = [first]
    count = 1

    async def next_attempt() -> Result[T]:
        nonlocal count
        if replay:
            return replay.pop()
        count += 1
        return await attempt(count)

    def should_retry(outcome: Result[T]) -> bool:
        return not outcome.ok and is_retryable(outcome.error, rule, config)

    def wait(state: RetryCallState) -> float:
        error = _error_of(state)
        return wait_before_retry(error, state.attempt_number, config)

    def stop(state: RetryCallState) -> bool:
        return (
            state.attempt_number >= config.max_attempts or clock() + state.upcoming_sleep > deadline
        )

    def before_sleep(state: RetryCallState) -> None:
        error = _error_of(state)
        log.info(
            "%s: attempt %d failed (%s); retrying in %.2f s",
            error.operation_id,
            state.attempt_number,
            error.message,
            state.upcoming_sleep,
        )

    retrying = _async_retrying(
        sleep=sleep,
        should_retry=should_retry,
        wait=wait,
        stop=stop,
        before_sleep=before_sleep,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    result: Result[T] = await retrying(next_attempt)
    if not result.ok and count > 1:
        # The error says that it is the last of several (see HoneyHiveError.__str__).
        result.error.attempts = count
        result.error.elapsed = clock() - started
    return result


def _async_retrying(
    *,
    sleep: Sleep,
    should_retry: Callable[[Any], bool],
    wait: Callable[[RetryCallState], float],
    stop: Callable[[RetryCallState], bool],
    before_sleep: Callable[[RetryCallState], None],
    retry_error_callback: Callable[[RetryCallState], Any],
) -> AsyncRetrying:
    """``tenacity.AsyncRetrying`` that retries while ``should_retry(outcome)``.

    The one place tenacity is imported: when the first retry is due, not
    when the SDK is (about 5 ms that a process whose calls succeed never needs).
    """
    from tenacity import AsyncRetrying, retry_if_result

    return AsyncRetrying(
        sleep=sleep,
        retry=retry_if_result(should_retry),
        wait=wait,
        stop=stop,
        before_sleep=before_sleep,
        retry_error_callback=retry_error_callback,
    )


def _error_of(state: RetryCallState) -> HoneyHiveError:
    assert state.outcome is not None  # tenacity sets it before waiting or stopping
    outcome: Result[object] = state.outcome.result()
    assert isinstance(outcome, Err)
    return outcome.error
