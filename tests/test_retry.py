"""The retry policy's pure parts and the retry loop's bounds."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from honeyhive_async import BackoffStrategy, Err, Ok, RetryConfig, errors
from honeyhive_async._result import Result
from honeyhive_async._retry import (
    IDEMPOTENT,
    UNSENT_ONLY,
    backoff_delay,
    is_permanent,
    is_retryable,
    retry_after,
    run_with_retries,
    wait_before_retry,
)


def api_error(status: int, **headers: str) -> errors.APIError:
    return errors.APIError(
        "x", status_code=status, headers=headers, body="", content_type="text/plain"
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "12"}, 12.0),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 30.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "x", "retry-after": "2"}, 2.0),
    ],
)
def test_retry_after_parses_seconds_dates_and_millis(
    headers: dict[str, str], expected: float | None
) -> None:
    """Seconds, HTTP dates (relative to now) and ``retry-after-ms`` are understood."""
    now = 1445412480.0 - 30  # 30 s before the date above
    assert expected == retry_after(headers, now=now)


def test_backoff_grows_is_capped_and_jittered() -> None:
    """Waits double from the initial interval up to the cap, scaled into [0.5, 1]."""
    config = RetryConfig(backoff=BackoffStrategy(initial_interval=1, max_interval=5, exponent=2))
    assert [1.0, 2.0, 4.0, 5.0, 5.0] == [backoff_delay(n, config, lambda: 1.0) for n in range(1, 6)]
    assert [0.5, 1.0, 2.0, 2.5] == [backoff_delay(n, config, lambda: 0.0) for n in range(1, 5)]


def test_wait_prefers_retry_after_capped() -> None:
    """The server's ``Retry-After`` wins over backoff, up to ``max_retry_after``."""
    config = RetryConfig(max_retry_after=10)
    assert 3.0 == wait_before_retry(api_error(429, **{"retry-after": "3"}), 1, config)
    assert 10.0 == wait_before_retry(api_error(429, **{"retry-after": "99"}), 1, config)
    assert 0.25 <= wait_before_retry(api_error(500), 1, config) <= 0.5


@pytest.mark.parametrize(
    ("error", "idempotent", "unsent_only"),
    [
        (api_error(429), True, True),
        (api_error(500), True, False),
        (api_error(503), True, False),
        (api_error(400), False, False),
        (api_error(404), False, False),
        (errors.TransportError("x", sent=True), True, False),
        (errors.TransportError("x", sent=False), True, True),
        (errors.RequestTimeout("x"), True, False),
        (errors.RequestValidationError([("a", "b")]), False, False),
        (
            errors.PartialBatchError(
                "x",
                event_ids=[],
                errors=[],
                success=False,
                status_code=500,
                headers={},
                body="",
                content_type="application/json",
            ),
            False,
            False,
        ),
    ],
    ids=lambda v: v if isinstance(v, bool) else type(v).__name__,
)
def test_is_retryable_table(
    error: errors.HoneyHiveError, idempotent: bool, unsent_only: bool
) -> None:
    """What each rule retries: everything transient, or only what cannot have been stored."""
    config = RetryConfig()
    assert (idempotent, unsent_only) == (
        is_retryable(error, IDEMPOTENT, config),
        is_retryable(error, UNSENT_ONLY, config),
    )


def test_backoff_strategy_is_validated() -> None:
    """Impossible backoff settings fail when built, naming the field."""
    with pytest.raises(ValueError, match="initial_interval"):
        BackoffStrategy(initial_interval=-1)
    with pytest.raises(ValueError, match="exponent"):
        BackoffStrategy(exponent=0.5)
    with pytest.raises(ValueError, match="max_interval"):
        BackoffStrategy(initial_interval=5, max_interval=1)
    with pytest.raises(ValueError, match="max_attempts"):
        RetryConfig(max_attempts=0)
    with pytest.raises(ValueError, match="strategy"):
        RetryConfig(strategy="sometimes")  # type: ignore[arg-type]


class Script:
    """Attempts that fail with 503 a given number of times, then succeed; a fake clock."""

    def __init__(self, failures: int, seconds_per_attempt: float = 0.0) -> None:
        self.failures = failures
        self.numbers: list[int] = []
        self.now = 0.0
        self.step = seconds_per_attempt
        self.waits: list[float] = []

    async def attempt(self, number: int) -> Result[str]:
        self.numbers.append(number)
        self.now += self.step
        if len(self.numbers) <= self.failures:
            return Err(api_error(503))
        return Ok("done")

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def run(self, config: RetryConfig) -> Callable[[], Awaitable[Result[str]]]:
        return lambda: run_with_retries(
            self.attempt, rule=IDEMPOTENT, config=config, sleep=self.sleep, clock=self.clock
        )


FAST = BackoffStrategy(initial_interval=1, max_interval=1, exponent=1, max_elapsed_time=100)


async def test_attempts_are_numbered_and_bounded() -> None:
    """Attempt numbers count up from 1; no more than ``max_attempts`` are made."""
    script = Script(failures=10)
    result = await script.run(RetryConfig(backoff=FAST, max_attempts=3))()
    assert isinstance(result, Err)
    assert [1, 2, 3] == script.numbers


async def test_success_after_failures_is_returned() -> None:
    """A retry that succeeds returns its ``Ok``."""
    script = Script(failures=2)
    assert Ok("done") == await script.run(RetryConfig(backoff=FAST))()
    assert [1, 2, 3] == script.numbers


async def test_elapsed_time_bounds_the_retries() -> None:
    """No retry starts if its wait would end after ``max_elapsed_time`` (first attempt counts)."""
    script = Script(failures=100, seconds_per_attempt=10)
    backoff = BackoffStrategy(initial_interval=1, max_interval=1, exponent=1, max_elapsed_time=35)
    await script.run(RetryConfig(backoff=backoff, max_attempts=50))()
    # t=10 fail, wait to 11; t=21 fail, wait to 22; t=32 fail, 33 <= 35; t=43 fail, stop.
    assert [1, 2, 3, 4] == script.numbers
    assert script.now <= 35 + 10


async def test_no_retry_strategy_makes_one_attempt() -> None:
    """``strategy="none"`` returns the first outcome, whatever it is."""
    script = Script(failures=1)
    result = await script.run(RetryConfig(strategy="none"))()
    assert isinstance(result, Err)
    assert [1] == script.numbers


async def test_cancellation_during_backoff_propagates() -> None:
    """Cancelling while waiting between attempts raises ``CancelledError`` to the caller."""

    async def forever(_: float) -> None:
        await asyncio.Event().wait()

    waiting = asyncio.Event()

    async def forever_after_signal(seconds: float) -> None:
        waiting.set()
        await forever(seconds)

    script = Script(failures=5)
    task = asyncio.ensure_future(
        run_with_retries(
            script.attempt, rule=IDEMPOTENT, config=RetryConfig(), sleep=forever_after_signal
        )
    )
    await waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


KEY: Any = SimpleNamespace(host="api.example", port=443, ssl=True)


def caused(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "permanent"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), True),
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"), False),
        (
            caused(
                aiohttp.ClientConnectorDNSError(KEY, OSError(None, "x")),
                socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
            ),
            True,
        ),
        (
            caused(
                aiohttp.ClientConnectorDNSError(KEY, OSError(None, "x")),
                socket.gaierror(socket.EAI_AGAIN, "Temporary failure"),
            ),
            False,
        ),
        (aiohttp.ClientConnectorDNSError(KEY, OSError(None, "DNS lookup failed")), True),
        (
            aiohttp.ClientConnectorError(KEY, socket.gaierror(socket.EAI_NONAME, "unknown")),
            True,
        ),
        (
            aiohttp.ClientConnectorCertificateError(
                KEY, ssl.SSLCertVerificationError(1, "certificate verify failed")
            ),
            True,
        ),
        (
            aiohttp.ClientConnectorSSLError(KEY, ssl.SSLError(1, "[SSL] wrong version number")),
            True,
        ),
        (ssl.SSLEOFError(8, "EOF occurred in violation of protocol"), False),
        (aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "refused")), False),
        (aiohttp.ServerDisconnectedError(), False),
        (asyncio.TimeoutError(), False),
        (None, False),
    ],
    ids=[
        "gaierror",
        "gaierror-again",
        "dns",
        "dns-again",
        "dns-no-cause",
        "old-aiohttp-dns",
        "certificate",
        "wrong-version",
        "tls-eof",
        "refused",
        "disconnected",
        "timeout",
        "none",
    ],
)
def test_permanent_transport_failures_table(exc: BaseException | None, permanent: bool) -> None:
    """Names that do not resolve and TLS failures are permanent; the rest is transient."""
    error = errors.TransportError("x", sent=False, cause=exc)
    assert (permanent, not permanent) == (
        is_permanent(exc),
        is_retryable(error, IDEMPOTENT, RetryConfig()),
    )


async def test_the_last_error_counts_attempts_and_time() -> None:
    """After retries ran out the error holds how many attempts were made and over how long."""
    script = Script(failures=10, seconds_per_attempt=2)
    result = await script.run(RetryConfig(backoff=FAST, max_attempts=3))()
    assert isinstance(result, Err)
    elapsed = sum(script.waits) + 3 * 2
    assert (3, pytest.approx(elapsed)) == (result.error.attempts, result.error.elapsed)
    assert f"failed after 3 attempts over {elapsed:.1f} s; last: x" == str(result.error)


async def test_a_single_attempt_is_not_annotated() -> None:
    """A failure that was not retried reads as it always did."""
    script = Script(failures=1)
    result = await script.run(RetryConfig(strategy="none"))()
    assert isinstance(result, Err)
    assert (1, "x") == (result.error.attempts, str(result.error))


async def test_retries_are_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    """Each retry is an INFO line with the attempt, its cause and the wait."""
    caplog.set_level(logging.INFO, "honeyhive_async")
    script = Script(failures=1)
    await script.run(RetryConfig(backoff=FAST))()
    expected = [(logging.INFO, f": attempt 1 failed (x); retrying in {script.waits[0]:.2f} s")]
    assert expected == [(r.levelno, r.getMessage()) for r in caplog.records]
