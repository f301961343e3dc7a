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
import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, cast

import aiohttp

from . import _converter
from ._config import RetryConfig
from ._core import HoneyHiveCore, check_timeout, client_timeout
from ._json import make_json_encoder
from ._normalize import prepare_request
from ._result import Err, Ok, Result
from ._retry import RetryRule, run_with_retries
from .errors import (
    APIError,
    HoneyHiveError,
    PartialBatchError,
    RequestTimeout,
    RequestValidationError,
    ResponseValidationError,
    TransportError,
    _ResponseError,
)
from .models import new_event_id, new_event_ids

__all__ = ["Encoded", "Operation", "encode_json", "execute", "make_json_encoder", "to_json"]

log = logging.getLogger("honeyhive_async")

Req = TypeVar("Req")
Resp = TypeVar("Resp")

_JSON = "application/json"


encode_json = make_json_encoder()


def to_json(wire: Any, operation_id: str) -> str:
    """The JSON text of *wire*, or a ``RequestValidationError`` naming what JSON cannot carry."""
    try:
        return encode_json(wire)
    except (TypeError, ValueError, RecursionError) as exc:  # NaN, a set, a cycle, ...
        try:
            issues = list(_unencodable(wire, ""))
        except RecursionError:  # nested deeper than Python recurses
            issues = []
        raise RequestValidationError(
            issues or [("", f"not JSON: {exc}")], operation_id=operation_id
        ) from None


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
    that get a client-side ``event_id`` when they lack one. ``partial_failure``
    marks the batch operations whose 500 has the typed partial-success body.
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
        partial_failure: bool = False,
    ) -> None:
        self.id = id
        self.method = method
        self.path = path.lstrip("/")
        self.request_type = request_type
        self.response_type = response_type
        self.retry = retry
        self.event_ids_in = event_ids_in
        self.partial_failure = partial_failure

    # Generated on first use, so that importing the SDK stays cheap.
    @functools.cached_property
    def structure_response(self) -> Callable[[Any], Resp] | None:
        """Decoded JSON to the response model; ``None`` when the body is ignored."""
        if self.response_type is None:
            return None
        return _converter.structurer(self.response_type)

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
) -> Result[Resp]:
    """Send *request* as operation *op* through *core*; the outcome, never an exception.

    ``retries``, ``timeout`` (seconds per attempt) and ``server_url`` override
    the core's defaults for this call.
    """
    try:
        request = prepare_request(core.defaults, op.request_type, request, op.id)
    except RequestValidationError as error:
        return Err(error)
    encoded = _encode(op, request)
    if isinstance(encoded, Err):
        return encoded
    payload, event_ids = encoded
    try:
        url = core.url(op.path, server_url)
        per_call = (
            core.client_timeout if timeout is None else client_timeout(check_timeout(timeout))
        )
    except ValueError as exc:
        option = "server_url" if "server_url" in str(exc) else "timeout"
        return Err(RequestValidationError([(option, str(exc))], operation_id=op.id))
    session = core.session()

    async def attempt(number: int) -> Result[Resp]:
        headers = core.static_headers or core.headers(await core.authorization())
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
                raw = await response.read()
        except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
            outcome: Result[Resp] = Err(_transport_error(op, exc, per_call, event_ids))
            status: object = type(exc).__name__
        else:
            # The key this attempt used, to scrub from messages should the server echo it.
            outcome = _decode(op, response, raw, event_ids, headers["Authorization"][7:])
            status = response.status
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

    return await run_with_retries(
        attempt, rule=op.retry, config=retries or core.retry_config, sleep=core.sleep
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
        return to_json(wire, op.id).encode(), event_ids
    except RequestValidationError as error:
        return Err(error)


def _assign_event_ids(wire: dict[str, Any], key: str | None) -> tuple[str, ...]:
    """Give every event under *key* an ``event_id`` (a UUID4) and return all their ids."""
    if key is None:
        return ()
    found = wire.get(key)
    if found is None:
        return ()
    if type(found) is dict:  # one event: the common case, kept cheap
        event_id = found.get("event_id")
        if event_id is None:
            event_id = found["event_id"] = new_event_id()
        return (event_id,)
    events: list[dict[str, Any]] = found
    missing = [event for event in events if "event_id" not in event]
    for event, event_id in zip(missing, new_event_ids(len(missing)), strict=True):
        event["event_id"] = event_id
    return tuple(event["event_id"] for event in events)


def _unencodable(
    value: Any, path: str, outer: frozenset[int] = frozenset()
) -> Iterator[tuple[str, str]]:
    """Where *value* holds something JSON cannot carry, and what it is."""
    if isinstance(value, (dict, list, tuple)):
        if id(value) in outer:
            yield path, "contains itself"
            return
        outer = outer | {id(value)}
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool, type(None))):
                yield path, f"object keys must be strings, got {type(key).__name__}"
            else:
                yield from _unencodable(item, f"{path}.{key}" if path else str(key), outer)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _unencodable(item, f"{path}[{index}]", outer)
    elif isinstance(value, float) and not math.isfinite(value):
        yield path, f"{value} is not a JSON number"
    elif not isinstance(value, (str, int, float, bool, type(None))):
        yield path, f"{type(value).__name__} is not JSON serialisable"


def _transport_error(
    op: Operation[Any, Any],
    exc: BaseException,
    timeout: aiohttp.ClientTimeout,
    event_ids: tuple[str, ...],
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
    return TransportError(
        f"{type(exc).__name__}: {exc}",
        sent=not isinstance(exc, aiohttp.ClientConnectorError),
        operation_id=op.id,
        request_event_ids=event_ids,
        cause=exc,
    )


def _decode(
    op: Operation[Req, Resp],
    response: aiohttp.ClientResponse,
    raw: bytes,
    event_ids: tuple[str, ...],
    secret: str,
) -> Result[Resp]:
    """The outcome of one answer: its decoded value, or the error it stands for."""
    status = response.status
    structure = op.structure_response
    if 200 <= status < 300:
        if structure is None:
            return Ok(cast(Resp, None))
        content_type = response.content_type
        if content_type == _JSON or content_type.endswith("+json"):
            try:
                return Ok(structure(json.loads(raw.decode())))
            except Exception:  # malformed JSON or shape; described below
                problem = _shape_problem(raw, op)
        else:
            problem = f"expected a JSON body, got content type {content_type!r}"
        return Err(_response_error(ResponseValidationError, op, response, raw, problem, event_ids))
    message = APIError.describe(status, response.reason or "", _text(response, raw))
    if len(secret) >= 8 and secret in message:  # shorter is no real key, and would mangle text
        message = message.replace(secret, "***")
    if op.partial_failure and status == 500:
        partial = _partial_body(raw)
        if partial is not None:
            ids, errors, success = partial
            return Err(
                _response_error(
                    PartialBatchError,
                    op,
                    response,
                    raw,
                    message,
                    event_ids,
                    event_ids=ids,
                    errors=errors,
                    success=success,
                )
            )
    return Err(_response_error(APIError.for_status(status), op, response, raw, message, event_ids))


def _shape_problem(raw: bytes, op: Operation[Any, Any]) -> str:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        return f"the body is not valid JSON ({exc})"
    assert op.response_type is not None  # only called for operations with a response model
    issues = _converter.find_issues(data, op.response_type)
    listed = "; ".join(f"{path or '(body)'}: {msg}" for path, msg in issues)
    return f"unexpected response shape: {listed}"


def _partial_body(raw: bytes) -> tuple[list[str], list[str], bool] | None:
    """The typed batch 500 body ``{event_ids, errors, success}``, if that is what *raw* is."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    ids, errors, success = data.get("event_ids"), data.get("errors"), data.get("success")
    if (
        isinstance(ids, list)
        and isinstance(errors, list)
        and isinstance(success, bool)
        and all(isinstance(x, str) for x in ids + errors)
    ):
        return ids, errors, success
    return None


def _text(response: aiohttp.ClientResponse, raw: bytes) -> str:
    try:
        return raw.decode(response.charset or "utf-8", "replace")
    except LookupError:
        return raw.decode("utf-8", "replace")


E = TypeVar("E", bound=_ResponseError)


def _response_error(
    kind: type[E],
    op: Operation[Any, Any],
    response: aiohttp.ClientResponse,
    raw: bytes,
    message: str,
    sent_ids: tuple[str, ...],
    **extra: Any,
) -> E:
    return kind(
        message,
        status_code=response.status,
        headers=response.headers,
        body=_text(response, raw),
        content_type=response.content_type,
        operation_id=op.id,
        request_event_ids=sent_ids,
        **extra,
    )
