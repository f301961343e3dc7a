"""Every option is checked where it is resolved, and a bad one is reported by its name.

At the core's construction a bad option raises ``TypeError`` or
``ValueError`` naming it; on a call it is an ``Err(RequestValidationError)``
whose issue is the option, and nothing is sent. Never an aiohttp or
attribute error from deep inside.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from aioresponses import aioresponses
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_async import HoneyHiveCore, RetryConfig, errors, funcs
from honeyhive_async._core import API_KEY_ENV
from tests.conftest import SERVER

KEY = "hh-options-0123456789"
REQUEST = {"project": "p", "filters": []}
PAGE = {"events": [], "totalEvents": 0}


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"bearer_auth": "a\nb"}, "bearer_auth"),
        ({"bearer_auth": "key\x00"}, "bearer_auth"),
        ({"bearer_auth": "kéy"}, "bearer_auth"),
        ({"bearer_auth": "   "}, "bearer_auth"),
        ({"bearer_auth": "Bearer "}, "bearer_auth"),
        ({"bearer_auth": 12345}, "bearer_auth"),
        ({"server_url": "http://user:pw@api.test"}, "server_url"),
        ({"server_url": "https://user@api.test"}, "server_url"),
        ({"server_url": 443}, "server_url"),
        ({"server_url": b"https://api.test"}, "server_url"),
        ({"server_url": "http://[::1"}, "server_url"),
        ({"server_url": "https://api.test:99999"}, "server_url"),
        ({"server_url": "ftp://api.test"}, "server_url"),
        ({"retry_config": {"strategy": "none"}}, "retry_config"),
        ({"timeout": "30"}, "timeout"),
        ({"max_response_bytes": 0}, "max_response_bytes"),
        ({"max_response_bytes": True}, "max_response_bytes"),
    ],
)
def test_a_bad_core_option_raises_naming_it(options: dict[str, Any], name: str) -> None:
    """A clear ``TypeError``/``ValueError`` at construction whose message starts with the name."""
    options.setdefault("bearer_auth", KEY)
    with pytest.raises((TypeError, ValueError)) as raised:
        HoneyHiveCore(**options)

    assert str(raised.value).startswith(name), raised.value


def test_a_key_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A control character in ``HONEYHIVE_API_KEY`` is reported, naming the variable."""
    monkeypatch.setenv(API_KEY_ENV, "key\r\nX-Injected: 1")
    with pytest.raises(ValueError, match=f"bearer_auth \\(from {API_KEY_ENV}\\)"):
        HoneyHiveCore(server_url=SERVER)


def test_the_key_is_never_in_the_message() -> None:
    """The message says where the bad character is, not what the key is."""
    with pytest.raises(ValueError, match="U\\+000A at position 11") as raised:
        HoneyHiveCore(bearer_auth="secret-part\nmore")

    assert "secret" not in str(raised.value)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"retries": {"strategy": "none"}}, "retries"),
        ({"retries": "none"}, "retries"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"server_url": "http://[::1"}, "server_url"),
        ({"server_url": "http://[fe80::1%eth0"}, "server_url"),
        ({"server_url": 5}, "server_url"),
        ({"server_url": "https://u:p@api.test"}, "server_url"),
        ({"server_url": "http://api.test"}, "server_url"),
        ({"max_response_bytes": -1}, "max_response_bytes"),
        ({"max_response_bytes": 1.5}, "max_response_bytes"),
    ],
)
async def test_a_bad_call_option_is_an_err_naming_it(options: dict[str, Any], name: str) -> None:
    """An ``Err(RequestValidationError)`` whose one issue is the option; nothing sent."""
    with aioresponses() as mocked:
        async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER) as core:
            result = await funcs.events_get_events(core, REQUEST, **options)

    assert isinstance(result.error, errors.RequestValidationError)
    assert ([name], {}) == ([path for path, _ in result.error.issues], dict(mocked.requests))


@settings(max_examples=100, deadline=None)
@given(url=st.text(max_size=30) | st.text(max_size=20).map(lambda t: f"http://{t}"))
async def test_any_call_server_url_is_used_or_named(url: str) -> None:
    """Any string as a call's ``server_url``: the call is made, or refused naming it."""
    with aioresponses() as mocked:
        mocked.post(SERVER + "/events/export", payload=PAGE, repeat=True)
        async with HoneyHiveCore(
            bearer_auth=KEY, server_url=SERVER, retry_config=RetryConfig(strategy="none")
        ) as core:
            result = await funcs.events_get_events(core, REQUEST, server_url=url)

    if isinstance(result.error, errors.RequestValidationError):
        assert ["server_url"] == [path for path, _ in result.error.issues]


async def raising() -> str:
    raise RuntimeError("vault unreachable")


async def not_a_string() -> str:
    return 42  # type: ignore[return-value]


async def with_a_newline() -> str:
    return "key\nX-Injected: 1"


@pytest.mark.parametrize("provider", [raising, not_a_string, with_a_newline])
async def test_a_failing_key_provider_is_an_err_naming_bearer_auth(provider: Any) -> None:
    """A provider that raises or gives no usable key: an Err naming ``bearer_auth``, unsent."""
    with aioresponses() as mocked:
        async with HoneyHiveCore(bearer_auth=provider, server_url=SERVER) as core:
            result = await funcs.events_get_events(core, REQUEST)

    assert isinstance(result.error, errors.RequestValidationError)
    assert (["bearer_auth"], {}) == ([p for p, _ in result.error.issues], dict(mocked.requests))


async def test_a_key_provider_failing_before_a_retry_is_no_validation_error() -> None:
    """After a sent attempt, a failing provider ends in a ``TransportError``: something was sent."""
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise RuntimeError("vault unreachable")
        return KEY

    async def no_wait(seconds: float) -> None:
        pass

    with aioresponses() as mocked:
        mocked.post(SERVER + "/events/export", status=503, repeat=True)
        retry = RetryConfig(max_attempts=2)
        async with HoneyHiveCore(
            bearer_auth=flaky, server_url=SERVER, retry_config=retry, sleep=no_wait
        ) as core:
            result = await funcs.events_get_events(core, REQUEST)

    assert isinstance(result.error, errors.TransportError)
    assert "bearer_auth" in result.error.message
