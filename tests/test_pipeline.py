"""The shared request pipeline: headers, errors, retries, timeouts, decoding, secrecy."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import ssl
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import aiohttp
import attrs
import pytest
from aiohttp.client_reqrep import ConnectionKey
from aioresponses import CallbackResult, aioresponses
from yarl import URL

from honeyhive_async import HoneyHiveCore, RetryConfig, __version__, errors, funcs
from honeyhive_async._codec import encode_json
from honeyhive_async._utils import make_json_encoder
from tests.conftest import API_KEY, INSTANT_RETRY, SERVER, SleepRecorder

EVENT = {
    "project": "p",
    "source": "dev",
    "event_name": "n",
    "event_type": "chain",
    "config": {},
    "inputs": {},
    "duration": 1,
}
MODEL_EVENT = {
    "project": "p",
    "model": "gpt-4o",
    "provider": "openai",
    "messages": [],
    "response": {},
    "duration": 1,
    "usage": {},
}
CREATED = {"event_id": "e-1", "success": True}
CYCLE: dict[str, Any] = {}
CYCLE["self"] = [CYCLE]
DEEP: dict[str, Any] = {}
for _ in range(100_000):
    DEEP = {"d": DEEP}
BATCH_CREATED = {"event_ids": ["e-1"], "session_id": "s-1", "success": True}

REFUSED = aiohttp.ClientConnectorError(
    ConnectionKey("hh.test", 80, False, True, None, None, None), OSError(111, "refused")
)

# (function, request, path, success body)
OPERATIONS: list[tuple[Any, Any, str, Any]] = [
    (funcs.events_create_event, {"event": EVENT}, "/events", CREATED),
    (funcs.events_update_event, {"event_id": "e-1", "metrics": {"m": 1}}, "/events", None),
    (
        funcs.events_get_events,
        {"project": "p", "filters": []},
        "/events/export",
        {"events": [], "totalEvents": 0},
    ),
    (funcs.events_create_model_event, {"model_event": MODEL_EVENT}, "/events/model", CREATED),
    (funcs.events_create_event_batch, {"events": [EVENT]}, "/events/batch", BATCH_CREATED),
    (
        funcs.events_create_model_event_batch,
        {"model_events": [MODEL_EVENT]},
        "/events/model/batch",
        {"event_ids": ["e-1"], "success": True},
    ),
]
IDS = [op[0].__name__ for op in OPERATIONS]
METHOD = {"events_update_event": "PUT"}


def method_of(func: Any) -> str:
    return METHOD.get(func.__name__, "POST")


def calls(mocked: aioresponses, func: Any, path: str) -> list[Any]:
    """The requests sent for *func* to *path*."""
    return list(mocked.requests.get((method_of(func), URL(SERVER + path)), []))


def answer(
    mocked: aioresponses,
    func: Any,
    path: str,
    status: int = 200,
    body: Any = None,
    *,
    repeat: bool = False,
    **kwargs: Any,
) -> None:
    mocked.add(
        SERVER + path,
        method=method_of(func),
        status=status,
        body=b""
        if body is None
        else (body if isinstance(body, (str, bytes)) else json.dumps(body)),
        content_type=kwargs.pop("content_type", "application/json"),
        repeat=repeat,
        **kwargs,
    )


@pytest.mark.parametrize(("func", "request_", "path", "ok_body"), OPERATIONS, ids=IDS)
async def test_sends_json_with_auth_and_user_agent(
    func: Any, request_: Any, path: str, ok_body: Any, core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """Every operation sends JSON with the bearer token, JSON accept and the SDK's User-Agent."""
    answer(mocked, func, path, body=ok_body)

    result = await func(core, request_)

    assert result.ok, result
    (call,) = calls(mocked, func, path)
    headers = call.kwargs["headers"]
    assert f"Bearer {API_KEY}" == headers["Authorization"]
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith(f"honeyhive-async/{__version__} ")
    assert call.kwargs["allow_redirects"] is False


async def test_bearer_prefix_is_not_doubled(mocked: aioresponses) -> None:
    """A key that already starts with ``Bearer `` is sent as it is."""
    answer(mocked, funcs.events_create_event, "/events", body=CREATED)
    async with HoneyHiveCore(bearer_auth="Bearer abc", server_url=SERVER) as core:
        await funcs.events_create_event(core, {"event": EVENT})
    (call,) = calls(mocked, funcs.events_create_event, "/events")
    assert call.kwargs["headers"]["Authorization"] == "Bearer abc"


async def test_async_bearer_callable_is_awaited_per_attempt(mocked: aioresponses) -> None:
    """An async key provider is asked before every attempt, so a rotated key is picked up."""
    keys = iter(["k1", "k2"])

    async def provider() -> str:
        return next(keys)

    answer(mocked, funcs.events_get_events, "/events/export", status=503)
    answer(mocked, funcs.events_get_events, "/events/export", body={"events": [], "totalEvents": 0})
    async with HoneyHiveCore(
        bearer_auth=provider, server_url=SERVER, retry_config=INSTANT_RETRY, sleep=SleepRecorder()
    ) as core:
        result = await funcs.events_get_events(core, {"project": "p", "filters": []})
    assert result.ok
    sent = calls(mocked, funcs.events_get_events, "/events/export")
    assert [c.kwargs["headers"]["Authorization"] for c in sent] == ["Bearer k1", "Bearer k2"]


async def test_server_url_path_prefix_is_kept(mocked: aioresponses) -> None:
    """A path in the server URL prefixes every operation's path."""
    mocked.post("https://gw.test/api/v1/events", payload=CREATED)
    async with HoneyHiveCore(bearer_auth="k", server_url="https://gw.test/api/v1") as core:
        result = await funcs.events_create_event(core, {"event": EVENT})
    assert result.ok, result


async def test_per_call_server_url_overrides_the_core(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """``server_url=`` on a call sends that call elsewhere."""
    mocked.post("https://other.test/events", payload=CREATED)
    result = await funcs.events_create_event(
        core, {"event": EVENT}, server_url="https://other.test"
    )
    assert result.ok, result


@pytest.mark.parametrize(
    ("option", "value"), [("timeout", -1), ("timeout", "5"), ("server_url", "ftp://x")]
)
async def test_bad_call_options_are_errors_naming_them(
    option: str, value: Any, core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """A bad per-call option is an ``Err`` that names it, and nothing is sent."""
    result = await funcs.events_create_event(core, {"event": EVENT}, **{option: value})
    assert isinstance(result.error, errors.RequestValidationError)
    assert option == result.error.issues[0][0]
    assert dict(mocked.requests) == {}


@pytest.mark.parametrize(("func", "request_", "path", "ok_body"), OPERATIONS, ids=IDS)
async def test_client_error_status_is_api_error_not_retried(
    func: Any, request_: Any, path: str, ok_body: Any, core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """A 400 becomes an ``APIError`` with status, headers, raw body and operation; no retry."""
    answer(
        mocked,
        func,
        path,
        status=400,
        body='{"error": "bad project"}',
        headers={"x-request-id": "req-9"},
    )

    result = await func(core, request_)

    error = result.error
    assert isinstance(error, errors.APIError)
    assert not isinstance(error, errors.PartialBatchError)
    assert (
        error.status_code,
        error.body,
        error.content_type,
        error.request_id,
    ) == (400, '{"error": "bad project"}', "application/json", "req-9")
    assert error.operation_id
    assert error.operation_id in str(error)
    assert "bad project" in str(error)
    assert len(calls(mocked, func, path)) == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
@pytest.mark.parametrize(
    ("func", "request_", "path", "ok_body"),
    [op for op in OPERATIONS if "model" not in op[0].__name__],
    ids=[i for i in IDS if "model" not in i],
)
async def test_transient_statuses_are_retried(
    status: int,
    func: Any,
    request_: Any,
    path: str,
    ok_body: Any,
    core: HoneyHiveCore,
    mocked: aioresponses,
    sleeps: SleepRecorder,
) -> None:
    """Operations that carry ids (or change nothing) retry 429 and 5xx, then succeed."""
    answer(mocked, func, path, status=status, body="busy")
    answer(mocked, func, path, body=ok_body)

    result = await func(core, request_)

    assert result.ok, result
    assert len(calls(mocked, func, path)) == 2
    assert len(sleeps.waits) == 1


async def test_retried_create_carries_the_same_event_id(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """The id the SDK generated is sent again on the retry, so the server stores one event."""
    mocked.post(SERVER + "/events", exception=aiohttp.ServerDisconnectedError())
    mocked.post(SERVER + "/events", payload=CREATED)

    result = await funcs.events_create_event(core, {"event": EVENT})

    assert result.ok
    bodies = [
        json.loads(c.kwargs["data"]) for c in calls(mocked, funcs.events_create_event, "/events")
    ]
    assert len(bodies) == 2
    assert bodies[0]["event"]["event_id"] == bodies[1]["event"]["event_id"]


async def test_retries_stop_after_max_attempts_with_the_last_error(
    core: HoneyHiveCore, mocked: aioresponses, sleeps: SleepRecorder
) -> None:
    """A server that keeps failing gets ``max_attempts`` attempts; the last error is returned."""
    answer(mocked, funcs.events_create_event, "/events", status=503, body="down", repeat=True)

    result = await funcs.events_create_event(core, {"event": EVENT})

    assert isinstance(result.error, errors.APIError)
    assert result.error.status_code == 503
    assert INSTANT_RETRY.max_attempts == len(calls(mocked, funcs.events_create_event, "/events"))
    assert INSTANT_RETRY.max_attempts - 1 == len(sleeps.waits)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("0.5", 0.5), ("3600", 60.0)],
    ids=["seconds", "fraction", "capped"],
)
async def test_retry_after_is_honoured_up_to_the_cap(
    header: str,
    expected: float,
    core: HoneyHiveCore,
    mocked: aioresponses,
    sleeps: SleepRecorder,
) -> None:
    """A 429's ``Retry-After`` sets the wait, never beyond ``max_retry_after``."""
    answer(
        mocked,
        funcs.events_get_events,
        "/events/export",
        status=429,
        headers={"Retry-After": header},
    )
    answer(mocked, funcs.events_get_events, "/events/export", body={"events": [], "totalEvents": 0})
    patient = attrs.evolve(
        INSTANT_RETRY, backoff=attrs.evolve(INSTANT_RETRY.backoff, max_elapsed_time=300.0)
    )

    result = await funcs.events_get_events(core, {"project": "p", "filters": []}, retries=patient)

    assert result.ok
    assert [expected] == sleeps.waits


async def test_no_retry_whose_wait_ends_past_the_elapsed_budget(
    core: HoneyHiveCore, mocked: aioresponses, sleeps: SleepRecorder
) -> None:
    """A ``Retry-After`` beyond ``max_elapsed_time`` ends the retries with that error."""
    answer(
        mocked, funcs.events_get_events, "/events/export", status=429, headers={"Retry-After": "61"}
    )
    result = await funcs.events_get_events(core, {"project": "p", "filters": []})
    assert isinstance(result.error, errors.APIError)
    assert sleeps.waits == []


async def test_retry_after_http_date(
    core: HoneyHiveCore, mocked: aioresponses, sleeps: SleepRecorder
) -> None:
    """``Retry-After`` may be an HTTP date; the wait is the time until then."""
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    answer(
        mocked, funcs.events_get_events, "/events/export", status=503, headers={"Retry-After": when}
    )
    answer(mocked, funcs.events_get_events, "/events/export", body={"events": [], "totalEvents": 0})

    await funcs.events_get_events(core, {"project": "p", "filters": []})

    (wait,) = sleeps.waits
    assert 25 < wait <= 30


@pytest.mark.parametrize(
    "func_request_path",
    [
        (funcs.events_create_model_event, {"model_event": MODEL_EVENT}, "/events/model"),
        (
            funcs.events_create_model_event_batch,
            {"model_events": [MODEL_EVENT]},
            "/events/model/batch",
        ),
    ],
    ids=["single", "batch"],
)
@pytest.mark.parametrize(
    ("failure", "retried"),
    [
        ({"status": 500}, False),
        ({"status": 502}, False),
        ({"status": 503}, False),
        ({"status": 504}, False),
        ({"status": 429}, True),
        ({"exception": aiohttp.ServerDisconnectedError()}, False),
        ({"exception": asyncio.TimeoutError()}, False),
        ({"exception": REFUSED}, True),
    ],
    ids=["500", "502", "503", "504", "429", "disconnected", "timeout", "refused"],
)
async def test_model_events_retry_only_where_nothing_was_stored(
    func_request_path: Any,
    failure: dict[str, Any],
    retried: bool,
    core: HoneyHiveCore,
    mocked: aioresponses,
) -> None:
    """Model events carry no id: only a rate limit or an unmade connection is retried."""
    func, request_, path = func_request_path
    if "status" in failure:
        answer(mocked, func, path, status=failure["status"], body="no")
    else:
        mocked.post(SERVER + path, exception=failure["exception"])
    answer(mocked, func, path, body={"event_id": "e", "event_ids": ["e"], "success": True})

    result = await func(core, request_)

    assert retried == result.ok
    assert (2 if retried else 1) == len(calls(mocked, func, path))


@pytest.mark.parametrize(
    "func_path",
    [
        (funcs.events_create_event_batch, {"events": [EVENT, EVENT]}, "/events/batch"),
        (
            funcs.events_create_model_event_batch,
            {"model_events": [MODEL_EVENT, MODEL_EVENT]},
            "/events/model/batch",
        ),
    ],
    ids=["events", "model_events"],
)
async def test_typed_batch_500_is_a_partial_failure_never_resent(
    func_path: Any, core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """The typed batch 500 is ``PartialBatchError`` with its fields; nothing is re-sent."""
    func, request_, path = func_path
    body = {"event_ids": ["e-1"], "errors": ["events[1]: bad"], "success": False}
    answer(mocked, func, path, status=500, body=body, repeat=True)

    result = await func(core, request_)

    error = result.error
    assert isinstance(error, errors.PartialBatchError)
    assert (
        error.event_ids,
        error.errors,
        error.success,
        error.status_code,
    ) == (["e-1"], ["events[1]: bad"], False, 500)
    assert len(calls(mocked, func, path)) == 1


async def test_untyped_batch_500_of_events_with_ids_is_retried(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """A plain 500 on an event batch is retried: every event carries its id."""
    answer(mocked, funcs.events_create_event_batch, "/events/batch", status=500, body="oops")
    answer(mocked, funcs.events_create_event_batch, "/events/batch", body=BATCH_CREATED)
    result = await funcs.events_create_event_batch(core, {"events": [EVENT]})
    assert result.ok


async def test_errors_report_the_event_ids_the_request_carried(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """After a lost answer the caller still learns the ids, generated ones included."""
    mocked.post(SERVER + "/events/batch", exception=aiohttp.ServerDisconnectedError(), repeat=True)

    result = await funcs.events_create_event_batch(
        core, {"events": [EVENT, {**EVENT, "event_id": "mine"}]}
    )

    error = result.error
    assert isinstance(error, errors.TransportError)
    assert error.sent
    generated, given = error.request_event_ids
    assert given == "mine"
    sent = json.loads(
        calls(mocked, funcs.events_create_event_batch, "/events/batch")[0].kwargs["data"]
    )
    assert [generated, "mine"] == [e["event_id"] for e in sent["events"]]


async def test_timeout_is_an_err_and_uses_the_per_call_value(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """A timeout is ``RequestTimeout``; ``timeout=`` sets the per-attempt limit in seconds."""
    mocked.post(SERVER + "/events", exception=asyncio.TimeoutError(), repeat=True)

    result = await funcs.events_create_event(
        core, {"event": EVENT}, timeout=2.5, retries=RetryConfig(strategy="none")
    )

    assert isinstance(result.error, errors.RequestTimeout)
    assert "2.5" in str(result.error)
    (call,) = calls(mocked, funcs.events_create_event, "/events")
    assert call.kwargs["timeout"].total == 2.5


async def test_infinite_timeout_means_none(core: HoneyHiveCore, mocked: aioresponses) -> None:
    """``timeout=math.inf`` lifts the limit."""
    mocked.post(SERVER + "/events", payload=CREATED)
    await funcs.events_create_event(core, {"event": EVENT}, timeout=math.inf)
    (call,) = calls(mocked, funcs.events_create_event, "/events")
    assert call.kwargs["timeout"].total is None


async def test_default_timeout_is_thirty_seconds(core: HoneyHiveCore, mocked: aioresponses) -> None:
    """Without ``timeout=``, an attempt may take the core's 30 s."""
    mocked.post(SERVER + "/events", payload=CREATED)
    await funcs.events_create_event(core, {"event": EVENT})
    (call,) = calls(mocked, funcs.events_create_event, "/events")
    assert call.kwargs["timeout"].total == 30.0


async def test_connect_timeout_counts_as_not_sent(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """A timeout while connecting is a ``RequestTimeout`` that was never sent."""
    mocked.post(SERVER + "/events/model", exception=aiohttp.ConnectionTimeoutError())
    mocked.post(SERVER + "/events/model", payload=CREATED)
    result = await funcs.events_create_model_event(core, {"model_event": MODEL_EVENT})
    assert result.ok


async def test_per_call_retries_override(core: HoneyHiveCore, mocked: aioresponses) -> None:
    """``retries=RetryConfig(strategy="none")`` makes exactly one attempt."""
    answer(mocked, funcs.events_create_event, "/events", status=503, repeat=True)
    result = await funcs.events_create_event(
        core, {"event": EVENT}, retries=RetryConfig(strategy="none")
    )
    assert isinstance(result.error, errors.APIError)
    assert len(calls(mocked, funcs.events_create_event, "/events")) == 1


async def test_connection_errors_not_retried_when_switched_off(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """``retry_connection_errors=False`` returns the first transport error."""
    mocked.post(SERVER + "/events", exception=aiohttp.ServerDisconnectedError(), repeat=True)
    config = RetryConfig(retry_connection_errors=False)
    result = await funcs.events_create_event(core, {"event": EVENT}, retries=config)
    assert isinstance(result.error, errors.TransportError)
    assert len(calls(mocked, funcs.events_create_event, "/events")) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b'{"event_id": 5, "success": true}', "application/json", "event_id: expected a string"),
        (b'["a"]', "application/json", "expected an object"),
        (b"<html>oops</html>", "text/html", "content type 'text/html'"),
    ],
    ids=["malformed", "wrong-type", "not-an-object", "html"],
)
async def test_undecodable_success_is_response_validation_error(
    body: bytes, content_type: str, fragment: str, core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """A 200 that is not the documented JSON is an ``Err`` that keeps the raw body."""
    mocked.post(SERVER + "/events", status=200, body=body, content_type=content_type)

    result = await funcs.events_create_event(core, {"event": EVENT})

    error = result.error
    assert isinstance(error, errors.ResponseValidationError)
    assert body.decode() == error.body
    assert (200, content_type) == (error.status_code, error.content_type)
    assert fragment in str(error)


async def test_unknown_response_fields_are_tolerated(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """The service may add fields; they are ignored."""
    mocked.post(SERVER + "/events", payload={**CREATED, "new_field": [1, 2]})
    result = await funcs.events_create_event(core, {"event": EVENT})
    assert result.unwrap().event_id == "e-1"


async def test_update_event_ignores_the_success_body(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """``updateEvent`` answers with no content; the value is ``None``."""
    mocked.put(SERVER + "/events", status=200, body=b"", content_type="text/plain")
    result = await funcs.events_update_event(core, {"event_id": "e-1", "duration": 5})
    assert result.ok
    assert result.value is None


@pytest.mark.parametrize(
    ("request_", "issues"),
    [
        (
            {"event": {**EVENT, "event_type": "span"}},
            [
                (
                    "event.event_type",
                    "must be one of 'model', 'tool', 'chain', 'session' (got 'span')",
                )
            ],
        ),
        ({"event": {**EVENT, "project": None}}, [("event.project", "expected a string, got null")]),
        (
            {"event": {k: v for k, v in EVENT.items() if k != "event_name"}},
            [("event.event_name", "required field missing")],
        ),
        (
            {"event": {**EVENT, "metadata": {"cost": math.nan}}},
            [("event.metadata.cost", "nan is not a JSON number")],
        ),
        (
            {"event": {**EVENT, "inputs": {"when": datetime(2024, 1, 1)}}},
            [("event.inputs.when", "datetime is not JSON serialisable")],
        ),
        ({"event": {**EVENT, "duration": "1"}}, [("event.duration", "expected a number, got str")]),
        ([EVENT], [("", "expected an object (a mapping), got list")]),
        (
            {"event": {**EVENT, "inputs": {"v": [1.0, math.inf]}}},
            [("event.inputs.v[1]", "inf is not a JSON number")],
        ),
        (
            {"event": {**EVENT, "inputs": {("a", "b"): 1, 2: "two"}}},
            [("event.inputs", "object keys must be strings, got tuple")],
        ),
        ({"event": {**EVENT, "inputs": CYCLE}}, [("event.inputs.self[0]", "contains itself")]),
        (
            {"event": {**EVENT, "inputs": {"deep": DEEP}}},
            [("event.inputs.deep.d", "nests deeper than the 100 levels a request body may have")],
        ),
    ],
    ids=[
        "enum",
        "null-required",
        "missing",
        "nan",
        "datetime",
        "string-number",
        "not-a-mapping",
        "inf-in-list",
        "tuple-key",
        "cycle",
        "too-deep",
    ],
)
async def test_bad_input_names_the_field_and_sends_nothing(
    request_: Any, issues: list[tuple[str, str]], core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """Invalid input is a ``RequestValidationError`` listing each field path; zero requests."""
    result = await funcs.events_create_event(core, request_)

    assert isinstance(result.error, errors.RequestValidationError)
    assert issues == list(result.error.issues)
    assert result.error.operation_id == "createEvent"
    assert dict(mocked.requests) == {}


async def test_null_optional_means_unset(core: HoneyHiveCore, mocked: aioresponses) -> None:
    """``None`` for an optional field leaves it out of the body instead of sending null."""
    mocked.post(SERVER + "/events", payload=CREATED)
    await funcs.events_create_event(core, {"event": {**EVENT, "error": None, "outputs": None}})
    (call,) = calls(mocked, funcs.events_create_event, "/events")
    assert {"error", "outputs"}.isdisjoint(json.loads(call.kwargs["data"])["event"])


async def test_cancellation_propagates_and_core_stays_usable(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """Cancelling a call raises ``CancelledError`` (never an ``Err``); the next call works."""
    started = asyncio.Event()

    async def hang_once(url: URL, **kwargs: Any) -> CallbackResult:
        if not started.is_set():
            started.set()
            await asyncio.Event().wait()
        return CallbackResult(payload=CREATED)

    mocked.post(SERVER + "/events", callback=hang_once, repeat=True)

    task = asyncio.ensure_future(funcs.events_create_event(core, {"event": EVENT}))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await funcs.events_create_event(core, {"event": EVENT})).ok


async def test_token_never_logged_or_shown(
    core: HoneyHiveCore, mocked: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """The API key is absent from DEBUG logs, reprs and error messages, even when echoed."""
    caplog.set_level(logging.DEBUG, logger="honeyhive_async")
    echo = json.dumps({"error": f"invalid key Bearer {API_KEY}"})
    answer(mocked, funcs.events_create_event, "/events", status=503, body=echo)
    answer(mocked, funcs.events_create_event, "/events", status=401, body=echo)

    result = await funcs.events_create_event(core, {"event": EVENT})

    assert isinstance(result.error, errors.APIError)
    shown = [caplog.text, repr(core), str(result.error), repr(result.error), repr(result)]
    assert all(API_KEY not in text for text in shown)
    assert "createEvent POST https://hh.test/events -> 503" in caplog.text
    assert "(attempt 2)" in caplog.text


@pytest.mark.parametrize(
    "value",
    [
        {"a": "plain", "n": [1, 2.5, None, True, False]},
        {"text": 'héllo ✓ 😀 "q" / \\ \n\t\u0001'},
        {"escaped": "a literal \\u0041"},
        {"big": 9007199254740993, "small": 8e-05, "huge": 1e21},
    ],
    ids=["ascii", "unicode", "backslash-u", "numbers"],
)
def test_json_encoder_matches_the_standard_one(value: dict[str, Any]) -> None:
    """The reused C encoder writes what ``json`` writes: compact, non-ASCII as UTF-8."""
    standard = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    assert standard == encode_json(value)
    assert standard == make_json_encoder(None)(value)


async def test_key_from_a_provider_is_scrubbed_too(mocked: aioresponses) -> None:
    """A key from an async provider never shows in an error message either."""

    async def provider() -> str:
        return "rotating-secret-42"

    answer(
        mocked,
        funcs.events_get_events,
        "/events/export",
        status=403,
        body="forbidden for rotating-secret-42",
    )
    async with HoneyHiveCore(bearer_auth=provider, server_url=SERVER) as core:
        res = await funcs.events_get_events(core, {"project": "p", "filters": []})
    assert isinstance(res.error, errors.APIError)
    assert "rotating-secret-42" not in str(res.error)
    assert "forbidden for ***" in str(res.error)


@pytest.mark.parametrize(
    ("exc", "attempts"),
    [
        (
            aiohttp.ClientConnectorDNSError(
                ConnectionKey("hh.test", 80, False, True, None, None, None),
                OSError(-2, "Name or service not known"),
            ),
            1,
        ),
        (
            aiohttp.ClientConnectorCertificateError(
                ConnectionKey("hh.test", 443, True, True, None, None, None),
                ssl.SSLCertVerificationError(1, "certificate verify failed"),
            ),
            1,
        ),
        (REFUSED, INSTANT_RETRY.max_attempts),
    ],
    ids=["dns", "certificate", "refused"],
)
async def test_dns_and_tls_failures_are_not_retried(
    exc: Exception, attempts: int, core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """A name that does not resolve or a TLS failure is returned at once; a refusal is retried."""
    mocked.post(SERVER + "/events", exception=exc, repeat=True)

    result = await funcs.events_create_event(core, {"event": EVENT})

    assert isinstance(result.error, errors.TransportError)
    assert (attempts, exc) == (
        len(calls(mocked, funcs.events_create_event, "/events")),
        result.error.__cause__,
    )


async def test_tls_to_a_plain_http_port_fails_once() -> None:
    """``https://`` to a plain HTTP server (``wrong version number``) is one attempt, not five."""
    from honeyhive_async.server import LocalServer

    sleeps = SleepRecorder()
    async with LocalServer() as server:
        url = server.url.replace("http://", "https://")
        async with HoneyHiveCore(
            bearer_auth=server.api_key, server_url=url, retry_config=INSTANT_RETRY, sleep=sleeps
        ) as core:
            result = await funcs.events_get_events(core, {"project": "p", "filters": []})
    assert isinstance(result.error, errors.TransportError)
    assert ([], 1) == (sleeps.waits, result.error.attempts)


async def test_a_failure_after_retries_says_how_many_and_the_cause(
    core: HoneyHiveCore, mocked: aioresponses
) -> None:
    """``str(error)`` after the last retry names the attempts, the time and the last cause."""
    body = {"success": False, "error": "unavailable", "message": "try later"}
    answer(mocked, funcs.events_create_event, "/events", status=503, body=body, repeat=True)

    result = await funcs.events_create_event(core, {"event": EVENT})

    error = result.error
    assert isinstance(error, errors.ServerError)
    text = f"failed after {INSTANT_RETRY.max_attempts} attempts over {error.elapsed:.1f} s"
    assert (INSTANT_RETRY.max_attempts, "HTTP 503 Service Unavailable: try later") == (
        error.attempts,
        error.message,
    )
    assert f"createEvent: {text}; last: HTTP 503 Service Unavailable: try later" == str(error)


async def test_status_classes_and_messages_from_the_local_server() -> None:
    """The local server's JSON errors become their family's class with its message."""
    from honeyhive_async.server import LocalServer

    async with LocalServer() as server:
        async with HoneyHiveCore(bearer_auth="wrong", server_url=server.url) as core:
            denied = await funcs.events_get_events(core, {"project": "p", "filters": []})
        async with HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url) as core:
            missing = await funcs.events_update_event(core, {"event_id": "nope", "duration": 1})
    assert isinstance(denied.error, errors.AuthenticationError)
    assert isinstance(missing.error, errors.NotFoundError)
    assert ("unauthorized", "event_not_found") == (denied.error.code, missing.error.code)
    assert "HTTP 404 Not Found: no event with event_id 'nope'" == missing.error.message
