"""The one request pipeline every operation goes through.

An operation is data (:class:`Operation`: its id, method, path, retry rule,
request codec and answer decoder); :func:`execute` does the rest in one
place: encode the request (the codec, :mod:`._codec`), send it with
retries, decode the answer, and turn every expected failure into an
``Err``. It knows nothing of events, ids or JSON. Cancellation is never
caught.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import aiohttp
import attrs

from ._codec import Answer, Decoder, Encoded, RequestCodec, decode, fits, read_capped
from ._config import RetryConfig
from ._core import HoneyHiveCore, check_max_response_bytes, check_timeout, client_timeout
from ._result import Err, Result
from ._retry import RetryRule, run_with_retries
from ._utils import scrub
from .errors import (
    HoneyHiveError,
    RequestTimeout,
    RequestValidationError,
    TransportError,
)

__all__ = ["Encoded", "Operation", "execute", "operation"]

log = logging.getLogger("honeyhive_async")

Req = TypeVar("Req")
Resp = TypeVar("Resp")


@attrs.frozen
class Operation(Generic[Req, Resp]):
    """What distinguishes one API operation from another; everything else is shared.

    Made with :func:`operation`. ``codec`` turns its requests into bodies,
    ``decoder`` its answers into values or errors; ``path`` is relative to
    the server URL (no leading ``/``).
    """

    operation_id: str
    method: str
    path: str
    retry: RetryRule
    codec: RequestCodec[Req]
    decoder: Decoder

    def __repr__(self) -> str:
        return f"Operation({self.operation_id}: {self.method} /{self.path})"


def operation(
    operation_id: str,
    method: str,
    path: str,
    *,
    request_type: type[Req],
    response_type: type[Resp] | None,
    retry: RetryRule,
    events_in: str | None = None,
    items_in: str | None = None,
    partial_failure: bool = False,
) -> Operation[Req, Resp]:
    """An operation, with its request codec and answer decoder.

    ``response_type=None`` means the success body is ignored (``Ok(None)``).
    ``events_in`` names the body key holding the event (or list of events)
    the request creates, which get client-side ids; ``items_in`` the key of
    a batch's list of events (nesting is bounded event by event);
    ``partial_failure`` marks the batch operations whose 500 has the typed
    partial-success body.
    """
    codec = RequestCodec(request_type, operation_id, events_in=events_in, items_in=items_in)
    decoder = Decoder(operation_id, response_type, partial_failure=partial_failure)
    return Operation(operation_id, method, path.lstrip("/"), retry, codec, decoder)


async def execute(
    core: HoneyHiveCore,
    op: Operation[Req, Resp],
    request: Req | Mapping[str, Any] | Encoded,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[Resp]:
    """Send *request* as operation *op* through *core*; the outcome, never an exception.

    ``retries``, ``timeout`` (seconds per attempt), ``server_url`` and
    ``max_response_bytes`` override the core's defaults for this call; an
    unusable one is an ``Err`` naming it, and nothing is sent.
    """
    try:
        encoded = op.codec.encode(request, core.defaults)
    except RequestValidationError as error:
        return Err(error)
    payload, event_ids = encoded.body, encoded.event_ids
    options = _call_options(core, op, retries, timeout, server_url, max_response_bytes)
    if isinstance(options, Err):
        return options
    url, config, per_call, limit = options
    session = core.session()
    decoder = op.decoder

    async def attempt(number: int) -> Result[Resp]:
        credentials = core.fixed_credentials
        if credentials is None:
            try:
                credentials = await core.credentials()
            except Exception as exc:  # the caller's key provider: any failure is an Err
                return Err(_auth_error(op, exc, number, event_ids))
        headers = credentials.headers
        secret = credentials.key  # to scrub from whatever an error keeps
        started = time.perf_counter()
        try:
            async with session.request(
                op.method,
                url,
                data=payload,
                headers=headers,
                timeout=per_call,
                allow_redirects=False,
            ) as response:
                if fits(response, limit):
                    answer = Answer(response, await response.read(), False)
                else:
                    answer = Answer(response, *await read_capped(response, limit))
        except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
            outcome: Result[Resp] = Err(_transport_error(op, exc, per_call, event_ids, secret))
            status: object = type(exc).__name__
        else:
            outcome = decode(decoder, answer, event_ids, secret, limit)
            status = answer.response.status
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s %s -> %s in %.1f ms (attempt %d)",
                op.operation_id,
                op.method,
                url.with_user(None),
                status,
                (time.perf_counter() - started) * 1000,
                number,
            )
        return outcome

    return await run_with_retries(attempt, rule=op.retry, config=config, sleep=core.sleep)


def _call_options(
    core: HoneyHiveCore,
    op: Operation[Any, Any],
    retries: object,
    timeout: object,
    server_url: object,
    max_response_bytes: object,
) -> tuple[Any, RetryConfig, aiohttp.ClientTimeout, int] | Err[HoneyHiveError]:
    """This call's URL, retry policy, timeout and answer limit; or an Err naming each bad one."""
    if retries is None and timeout is None and server_url is None and max_response_bytes is None:
        # The core's, checked when it was built: the common case, without a detour.
        return core.url(op.path), core.retry_config, core.client_timeout, core.max_response_bytes
    issues: list[tuple[str, str]] = []
    url = per_call = None
    limit = core.max_response_bytes
    config = core.retry_config
    try:
        url = core.url(op.path, server_url)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        issues.append(("server_url", str(exc)))
    try:
        per_call = (
            core.client_timeout if timeout is None else client_timeout(check_timeout(timeout))
        )
    except ValueError as exc:
        issues.append(("timeout", str(exc)))
    if retries is not None:
        if isinstance(retries, RetryConfig):
            config = retries
        else:
            issues.append(("retries", f"must be a RetryConfig, got {type(retries).__name__}"))
    if max_response_bytes is not None:
        try:
            limit = check_max_response_bytes(max_response_bytes)
        except ValueError as exc:
            issues.append(("max_response_bytes", str(exc)))
    if issues:
        return Err(RequestValidationError(issues, operation_id=op.operation_id))
    assert per_call is not None
    return url, config, per_call, limit


def _auth_error(
    op: Operation[Any, Any], exc: Exception, number: int, event_ids: tuple[str, ...]
) -> HoneyHiveError:
    """The error of a key provider that failed before attempt *number*."""
    problem = f"the key provider failed: {type(exc).__name__}: {exc}"
    if number == 1:
        return RequestValidationError([("bearer_auth", problem)], operation_id=op.operation_id)
    # Earlier attempts were sent: this is no "nothing was sent" validation error.
    return TransportError(
        f"bearer_auth: {problem} (before attempt {number}; earlier attempts were sent)",
        sent=False,
        operation_id=op.operation_id,
        request_event_ids=event_ids,
    )


def _transport_error(
    op: Operation[Any, Any],
    exc: BaseException,
    timeout: aiohttp.ClientTimeout,
    event_ids: tuple[str, ...],
    secret: str,
) -> TransportError:
    # A timeout while connecting means nothing was sent; check it before the
    # generic timeout, and timeouts before connection errors (some are both).
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return RequestTimeout(
            f"could not connect within the timeout: {exc}",
            sent=False,
            operation_id=op.operation_id,
            request_event_ids=event_ids,
        )
    if isinstance(exc, asyncio.TimeoutError):
        return RequestTimeout(
            f"no complete answer within {timeout.total} s",
            operation_id=op.operation_id,
            request_event_ids=event_ids,
        )
    # aiohttp quotes a malformed answer's bytes, which may echo the key.
    return TransportError(
        scrub(f"{type(exc).__name__}: {exc}", secret),
        sent=not isinstance(exc, aiohttp.ClientConnectorError),
        operation_id=op.operation_id,
        request_event_ids=event_ids,
        cause=exc,
    )
