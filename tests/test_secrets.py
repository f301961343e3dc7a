"""The API key never leaks: not from an echoing server, not over plain http, not from the core.

A server that echoes the key is simulated at every offset around the
places where text is cut (the 300-character message preview, the
8192-character body preview), so that no cut can leave a fragment behind.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses

from honeyhive_async import EventBatcher, HoneyHiveCore, RetryConfig, errors, funcs
from honeyhive_async._core import ALLOW_INSECURE_HTTP_ENV, SERVER_URL_ENV
from honeyhive_async._utils._secrets import MIN_FRAGMENT, scrub
from tests.conftest import SERVER

KEY = "hh_0123456789abcdefghijklmnopqrstuvwxyzAB"  # 40 characters, as real keys
NO_RETRY = RetryConfig(strategy="none")
MESSAGE_CUT = 300
BODY_CUT = 8192
EVENT = {
    "project": "p",
    "source": "s",
    "event_name": "n",
    "event_type": "tool",
    "config": {},
    "inputs": {},
    "duration": 1,
}


def fragments(secret: str = KEY) -> list[str]:
    """Every run of the key long enough to matter."""
    return [secret[i : i + MIN_FRAGMENT] for i in range(len(secret) - MIN_FRAGMENT + 1)]


def leaked(text: str) -> list[str]:
    """The fragments of the key found in *text*."""
    return [piece for piece in fragments() if piece in text]


def around(cut: int) -> range:
    """Every offset at which an echoed key overlaps position *cut*, and a little beyond."""
    return range(cut - len(KEY) - 2, cut + 3)


def error_texts(error: errors.HoneyHiveError) -> str:
    """Everything an error keeps that could be shown, logged or written."""
    parts = [str(error), repr(error), error.message]
    if isinstance(error, errors.APIError):
        parts += [error.body, *error.headers.values()]
    if isinstance(error, errors.PartialBatchError):
        parts += error.errors
    return "\n".join(parts)


async def answer_once(body: str, *, status: int = 502, headers: Any = None) -> Any:
    """The error of a getEvents call that the server answers with *body*."""
    with aioresponses() as mocked:
        mocked.post(SERVER + "/events/export", status=status, body=body, headers=headers)
        async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER, retry_config=NO_RETRY) as core:
            return (await funcs.events_get_events(core, {"project": "p", "filters": []})).error


@pytest.mark.parametrize("offset", [*around(MESSAGE_CUT), *around(BODY_CUT)])
async def test_an_echoed_key_leaves_no_fragment_at_any_offset(offset: int) -> None:
    """The key echoed across either cut leaves none of its fragments anywhere on the error."""
    error = await answer_once("x" * offset + KEY + "y" * 20)

    assert isinstance(error, errors.APIError)
    assert [] == leaked(error_texts(error))
    assert ("***" in error.body) == (offset + 3 <= BODY_CUT)  # the mask, cut with the rest


@pytest.mark.parametrize(
    "echo",
    [KEY[:12], KEY[-9:], KEY[5:25], f"Bearer {KEY}", KEY.upper() + KEY],
    ids=["prefix", "suffix", "middle", "header", "after-other-text"],
)
async def test_a_partial_echo_is_scrubbed(echo: str) -> None:
    """A run of 8 or more of the key's characters is scrubbed wherever it is."""
    error = await answer_once(f"invalid key {echo}", headers={"X-Echo": echo})

    assert [] == leaked(error_texts(error))


async def test_the_typed_batch_errors_are_scrubbed() -> None:
    """The per-event messages of a partial batch (written to dead letters) lose the key too."""
    body = {"event_ids": [], "errors": [f"events[0]: bad key {KEY}"], "success": False}
    with aioresponses() as mocked:
        mocked.post(SERVER + "/events/batch", status=500, payload=body)
        async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER, retry_config=NO_RETRY) as core:
            error = (await funcs.events_create_event_batch(core, {"events": [EVENT]})).error

    assert isinstance(error, errors.PartialBatchError)
    assert (["events[0]: bad key ***"], []) == (error.errors, leaked(error_texts(error)))


@pytest.mark.parametrize("offset", around(MESSAGE_CUT))
async def test_the_batcher_logs_and_dead_letters_no_fragment(
    offset: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An echoing 400 ends in the WARNING log and the dead-letter file without the key."""
    dead = tmp_path / "dead.jsonl"
    with aioresponses() as mocked:
        mocked.post(SERVER + "/events/batch", status=400, body="x" * offset + KEY)
        async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER, retry_config=NO_RETRY) as core:
            with caplog.at_level(logging.WARNING, logger="honeyhive_async"):
                async with EventBatcher(core, dead_letter=dead) as batcher:
                    await batcher.add(EVENT)
    report = batcher.final_report
    assert report is not None

    written = dead.read_text(encoding="utf-8")
    assert (1, [], []) == (report.failed, leaked(caplog.text), leaked(written))
    assert [] == leaked(report.undelivered[0].message)


async def test_an_echo_in_a_malformed_answer_is_scrubbed_from_the_transport_error() -> None:
    """aiohttp quotes the bad line of a malformed answer; the key in it is scrubbed."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 2OO " + KEY.encode() + b"\r\n\r\n")  # a bad status line
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with HoneyHiveCore(
            bearer_auth=KEY, server_url=f"http://127.0.0.1:{port}", retry_config=NO_RETRY
        ) as core:
            error = (await funcs.events_get_events(core, {"project": "p", "filters": []})).error
    finally:
        server.close()
        await server.wait_closed()

    assert isinstance(error, errors.TransportError)
    assert [] == leaked(error_texts(error))


def test_scrub_masks_overlapping_and_adjacent_runs() -> None:
    """Runs that overlap or touch become one mask; text around them stays."""
    secret = "abcdefghij"

    actual = [
        scrub("x abcdefghij y", secret),
        scrub("abcdefgh|cdefghij", secret),
        scrub("abcdefghijabcdefghij", secret),
        scrub("abcdefg and bcdefgh", secret),  # runs of 7: too short to matter
        scrub("short key abc", "abc"),
    ]

    expected = ["x *** y", "***|***", "***", "abcdefg and bcdefgh", "short key abc"]
    assert expected == actual


# -- plain http ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://api.honeyhive.ai", "http://10.0.0.5:8080", "http://[2001:db8::1]", "http://h.test/x"],
)
def test_plain_http_to_another_machine_is_refused(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key would travel readable: refused, and the message says how to opt in."""
    monkeypatch.delenv(ALLOW_INSECURE_HTTP_ENV, raising=False)
    with pytest.raises(ValueError, match="server_url") as raised:
        HoneyHiveCore(bearer_auth=KEY, server_url=url)

    assert "allow_insecure_http=True" in str(raised.value)
    assert f"{ALLOW_INSECURE_HTTP_ENV}=1" in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000",
        "http://LOCALHOST.",
        "http://api.localhost",
        "http://127.0.0.1",
        "http://127.8.9.10:1",
        "http://[::1]:8000",
        "https://h.test",
    ],
)
def test_loopback_and_https_are_allowed(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain http to this machine, and https anywhere, need no opt-in."""
    monkeypatch.delenv(ALLOW_INSECURE_HTTP_ENV, raising=False)
    assert HoneyHiveCore(bearer_auth=KEY, server_url=url).server_url.startswith(url[:10].lower())


def test_plain_http_is_allowed_by_the_option() -> None:
    """``allow_insecure_http=True`` opts in."""
    core = HoneyHiveCore(bearer_auth=KEY, server_url="http://h.test", allow_insecure_http=True)
    assert "http://h.test/" == core.server_url


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_plain_http_is_allowed_by_the_environment(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``HONEYHIVE_ALLOW_INSECURE_HTTP=1`` opts in, also for a URL from the environment."""
    monkeypatch.setenv(ALLOW_INSECURE_HTTP_ENV, value)
    monkeypatch.setenv(SERVER_URL_ENV, "http://h.test")
    assert "http://h.test/" == HoneyHiveCore(bearer_auth=KEY).server_url


async def test_plain_http_per_call_is_an_err_naming_server_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A call's own plain-http server_url is refused like the core's; nothing is sent."""
    monkeypatch.delenv(ALLOW_INSECURE_HTTP_ENV, raising=False)
    with aioresponses() as mocked:
        async with HoneyHiveCore(bearer_auth=KEY, server_url=SERVER) as core:
            result = await funcs.events_create_event(
                core, {"event": EVENT}, server_url="http://h.test"
            )

    assert isinstance(result.error, errors.RequestValidationError)
    assert (["server_url"], {}) == ([p for p, _ in result.error.issues], dict(mocked.requests))


# -- the core ------------------------------------------------------------------------------


def test_the_core_exposes_no_headers_holding_the_key() -> None:
    """``static_headers`` is private now; neither attributes nor repr show the key."""
    core = HoneyHiveCore(bearer_auth=KEY, server_url=SERVER)

    public = {name: getattr(core, name, None) for name in dir(core) if not name.startswith("_")}
    assert not hasattr(core, "static_headers")
    assert [] == leaked(repr(core) + json.dumps(public, default=repr))
