"""The one request pipeline every operation goes through.

An operation is data (:class:`Operation`: id, method, path, request and
response types, retry rule, where its events' ids live); :func:`execute` does
the rest in one place: validate and encode the request, assign event ids,
send it with retries, classify the answer, decode it, and turn every expected
failure into an ``Err``. Cancellation is never caught.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import operator
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import aiohttp

from ._codec import _converter
from ._codec._answers import Answer, Decoder, decode, fits, read_capped
from ._codec._body import encode_json, to_json
from ._codec._normalize import prepare_request
from ._config import RetryConfig
from ._core import HoneyHiveCore, check_max_response_bytes, check_timeout, client_timeout
from ._result import Err, Result
from ._retry import RetryRule, run_with_retries
from ._rules import batch_session_id
from ._utils._json import make_json_encoder
from ._utils._secrets import scrub
from .errors import (
    HoneyHiveError,
    RequestTimeout,
    RequestValidationError,
    TransportError,
)
from .models import new_event_id, new_event_ids

__all__ = ["Encoded", "Operation", "encode_json", "execute", "make_json_encoder", "to_json"]

log = logging.getLogger("honeyhive_async")

Req = TypeVar("Req")
Resp = TypeVar("Resp")


class Encoded:
    """A request body that was already validated and encoded, with the event ids it carries.

    For callers that encode events one by one as they arrive (the batcher)
    and would otherwise pay for validation and JSON encoding twice.
    """

    __slots__ = ("body", "event_ids")

    def __init__(self, body: bytes, event_ids: tuple[str, ...] = ()) -> None:
        self.body = body
        self.event_ids = event_ids


class Operation(Generic[Req, Resp]):
    """What distinguishes one API operation from another; everything else is shared.

    ``response_type=None`` means the success body is ignored (``Ok(None)``).
    ``event_ids_in`` names the body key holding the event (or list of events)
    that get a client-side ``event_id`` when they lack one. ``items_in`` names
    the body key holding a batch's list of events (so that their nesting is
    bounded event by event). ``partial_failure`` marks the batch operations
    whose 500 has the typed partial-success body.
    """

    def __init__(
        self,
        *,
        id: str,
        method: str,
        path: str,
        request_type: type[Req],
        response_type: type[Resp] | None,
        retry: RetryRule,
        event_ids_in: str | None = None,
        items_in: str | None = None,
        partial_failure: bool = False,
    ) -> None:
        self.id = id
        self.method = method
        self.path = path.lstrip("/")
        self.request_type = request_type
        self.response_type = response_type
        self.retry = retry
        self.event_ids_in = event_ids_in
        self.items_in = items_in
        self.partial_failure = partial_failure

    # Generated on first use, so that importing the SDK stays cheap.
    @functools.cached_property
    def decoder(self) -> Decoder:
        """How this operation's answers are decoded (the response model's structurer)."""
        structure: Callable[[Any], Resp] | None = None
        if self.response_type is not None:
            structure = _converter.structurer(self.response_type)
        return Decoder(self.id, structure, self.response_type, partial_failure=self.partial_failure)

    def __repr__(self) -> str:
        return f"Operation({self.id}: {self.method} /{self.path})"


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
        request = prepare_request(core.defaults, op.request_type, request, op.id)
    except RequestValidationError as error:
        return Err(error)
    encoded = _encode(op, request)
    if isinstance(encoded, Err):
        return encoded
    payload, event_ids = encoded
    options = _call_options(core, op, retries, timeout, server_url, max_response_bytes)
    if isinstance(options, Err):
        return options
    url, config, per_call, limit = options
    session = core.session()
    decoder = op.decoder

    async def attempt(number: int) -> Result[Resp]:
        headers = core._static_headers
        if headers is None:
            try:
                headers = core.headers(await core.authorization())
            except Exception as exc:  # the caller's key provider: any failure is an Err
                return Err(_auth_error(op, exc, number, event_ids))
        # The key this attempt used, to scrub from whatever an error keeps.
        secret = headers["Authorization"][7:]
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
                op.id,
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
        return Err(RequestValidationError(issues, operation_id=op.id))
    assert per_call is not None
    return url, config, per_call, limit


def _auth_error(
    op: Operation[Any, Any], exc: Exception, number: int, event_ids: tuple[str, ...]
) -> HoneyHiveError:
    """The error of a key provider that failed before attempt *number*."""
    problem = f"the key provider failed: {type(exc).__name__}: {exc}"
    if number == 1:
        return RequestValidationError([("bearer_auth", problem)], operation_id=op.id)
    # Earlier attempts were sent: this is no "nothing was sent" validation error.
    return TransportError(
        f"bearer_auth: {problem} (before attempt {number}; earlier attempts were sent)",
        sent=False,
        operation_id=op.id,
        request_event_ids=event_ids,
    )


def _encode(
    op: Operation[Req, Resp], request: Req | Mapping[str, Any] | Encoded
) -> tuple[bytes, tuple[str, ...]] | Err[HoneyHiveError]:
    """The JSON body and the event ids it carries, or the validation error."""
    if type(request) is Encoded:
        return request.body, request.event_ids
    try:
        wire = _converter.to_wire(request, op.request_type, op.id)
        event_ids = _assign_event_ids(wire, op.event_ids_in)
        items = None if op.items_in is None else len(wire.get(op.items_in) or ())
        return to_json(wire, op.id, items=items), event_ids
    except RequestValidationError as error:
        return Err(error)


def _assign_event_ids(wire: dict[str, Any], key: str | None) -> tuple[str, ...]:
    """Give every event under *key* an ``event_id`` (a UUID4) and return all their ids.

    A session event is its own session: without an ``event_id`` it takes
    its ``session_id``, or the batch's session (:func:`._rules.batch_session_id`).
    """
    if key is None:
        return ()
    found = wire.get(key)
    if found is None:
        return ()
    if type(found) is dict:  # one event: the common case, kept cheap
        event_id = found.get("event_id")
        if event_id is None:
            event_id = found["event_id"] = _session_id(found, None) or new_event_id()
        return (event_id,)
    events: list[dict[str, Any]] = found
    missing = [event for event in events if "event_id" not in event]
    for event, event_id in zip(missing, new_event_ids(len(missing)), strict=True):
        event["event_id"] = event_id
    if "session" in map(_EVENT_TYPE, missing):  # rare: a session event is its own session
        for event in missing:
            event["event_id"] = _session_id(event, wire) or event["event_id"]
    return tuple(map(_EVENT_ID, events))


_EVENT_ID = operator.itemgetter("event_id")
_EVENT_TYPE = operator.itemgetter("event_type")


def _session_id(event: dict[str, Any], batch: dict[str, Any] | None) -> Any:
    """The id an id-less session event takes (``None`` for other events, or none known)."""
    if event.get("event_type") != "session":
        return None
    own = event.get("session_id")
    if own is not None or batch is None or batch.get("is_single_session") is not True:
        return own
    return batch_session_id(batch)


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
            operation_id=op.id,
            request_event_ids=event_ids,
        )
    if isinstance(exc, asyncio.TimeoutError):
        return RequestTimeout(
            f"no complete answer within {timeout.total} s",
            operation_id=op.id,
            request_event_ids=event_ids,
        )
    # aiohttp quotes a malformed answer's bytes, which may echo the key.
    return TransportError(
        scrub(f"{type(exc).__name__}: {exc}", secret),
        sent=not isinstance(exc, aiohttp.ClientConnectorError),
        operation_id=op.id,
        request_event_ids=event_ids,
        cause=exc,
    )
