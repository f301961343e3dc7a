"""The client refuses exactly what the local server refuses: one set of rules, both directions.

Each generated request goes to the server twice: through the SDK operation,
which checks it first, and as raw JSON, which only the server checks. The
client must refuse it (``RequestValidationError``, nothing sent) exactly
when the server answers the raw request with a 400, or, for a batch, names
one of its events as invalid; and what the client sends, the server takes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from honeyhive_async import HoneyHiveCore, RetryConfig, errors, funcs
from honeyhive_async._codec import filter_type
from honeyhive_async.server import LocalServer
from tests.strategies import REQUESTS, to_wire_names

PATHS = {
    "events_create_event": ("POST", "/events"),
    "events_update_event": ("PUT", "/events"),
    "events_get_events": ("POST", "/events/export"),
    "events_create_model_event": ("POST", "/events/model"),
    "events_create_event_batch": ("POST", "/events/batch"),
    "events_create_model_event_batch": ("POST", "/events/model/batch"),
}


@pytest.fixture
async def clients(
    server: LocalServer,
) -> AsyncIterator[tuple[HoneyHiveCore, aiohttp.ClientSession]]:
    """The SDK and a raw JSON client, both aimed at the server with its key."""
    headers = {"Authorization": f"Bearer {server.api_key}"}
    async with (
        HoneyHiveCore(
            bearer_auth=server.api_key,
            server_url=server.url,
            retry_config=RetryConfig(strategy="none"),
        ) as core,
        aiohttp.ClientSession(server.url, headers=headers) as session,
    ):
        yield core, session


async def server_refuses(session: aiohttp.ClientSession, name: str, request: Any) -> bool:
    """Whether the server refuses *request*, sent as it is: a 400, or a batch event named."""
    method, path = PATHS[name]
    # ensure_ascii: a lone surrogate travels as a JSON escape, the only way it can.
    raw = json.dumps(to_wire_names(request)).encode()
    headers = {"Content-Type": "application/json"}
    async with session.request(method, path, data=raw, headers=headers) as response:
        status, body = response.status, await response.read()
    assert status != 500 or json.loads(body).get("errors"), (status, body)
    return status == 400 or status == 500


@pytest.mark.parametrize("name", sorted(REQUESTS))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_client_refuses_exactly_what_the_server_refuses(
    name: str, data: st.DataObject, clients: tuple[HoneyHiveCore, aiohttp.ClientSession]
) -> None:
    """Refused by the client (nothing sent) if and only if the server refuses it with a 400."""
    core, session = clients
    request = data.draw(REQUESTS[name])

    sent = await getattr(funcs, name)(core, request)
    # One refusal is the client's alone, a convenience: a time that is plainly in seconds
    # (time.time()) is refused with a message saying milliseconds; the wire allows it.
    assume(not _says_seconds(sent))
    # And one reading: a filter without a type takes its value's (``"true"`` is a boolean,
    # ``"0.5"`` a number), where the wire's default type is string.
    assume(not _infers_a_type(request))

    refused = isinstance(sent.error, errors.RequestValidationError)
    event("refused" if refused else "sent")
    assert refused == await server_refuses(session, name, request), sent
    if not refused and isinstance(sent.error, errors.APIError):
        assert sent.error.status_code == 404, sent  # updateEvent of an id never stored


def _infers_a_type(request: Any) -> bool:
    """Whether the client gives a filter of *request* a type other than the wire's default."""
    filters = _get(request, "filters")
    for item in filters if isinstance(filters, (list, tuple)) else ():
        value = _get(item, "value")
        if _get(item, "type") is not None or value is None:
            continue
        if not isinstance(value, str) or filter_type(_get(item, "operator"), value) != "string":
            return True
    return False


def _get(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _says_seconds(result: Any) -> bool:
    error = result.error if not result.ok else None
    return isinstance(error, errors.RequestValidationError) and any(
        "is a time in seconds" in text for _, text in error.issues
    )
