"""Hostile answers: every one is a Result, read within a byte limit, kept only as a preview.

A loopback server answers with whatever the test sets: odd charsets, JSON
nested 100,000 deep, gzip bombs, bodies larger than the limit. No answer
may make an operation raise or cost memory beyond the limit.
"""

from __future__ import annotations

import codecs
import gc
import json
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from aiohttp import web
from aioresponses import aioresponses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_async import Err, HoneyHiveCore, Ok, RetryConfig, errors, funcs
from honeyhive_async._codec._answers import TEXT_CHARSETS, text_charset
from tests.conftest import INSTANT_RETRY, SERVER, SleepRecorder

KEY = "hh-answers-test-0123456789"
EVENT = {
    "project": "p",
    "source": "s",
    "event_name": "n",
    "event_type": "tool",
    "config": {},
    "inputs": {},
    "duration": 1,
}
MODEL_EVENT = {
    "project": "p",
    "model": "m",
    "provider": "x",
    "messages": [],
    "response": {},
    "duration": 1,
    "usage": {},
}
CALLS: dict[str, Any] = {
    "events_create_event": {"event": EVENT},
    "events_update_event": {"event_id": "e"},
    "events_get_events": {"project": "p", "filters": []},
    "events_create_model_event": {"model_event": MODEL_EVENT},
    "events_create_event_batch": {"events": [EVENT]},
    "events_create_model_event_batch": {"model_events": [MODEL_EVENT]},
}
MiB = 1024 * 1024


class Hostile:
    """A loopback server that answers every request with the status, headers and body set."""

    def __init__(self) -> None:
        self.status = 200
        self.headers: Mapping[str, str] = {}
        self.body = b""
        self.chunks = 1
        self.url = ""

    def answer(
        self, status: int, body: bytes, headers: Mapping[str, str] | None = None, chunks: int = 1
    ) -> None:
        """Answer the next requests with this; *chunks* > 1 streams the body that many times."""
        self.status, self.body, self.chunks = status, body, chunks
        self.headers = {"Content-Type": "application/json", **(headers or {})}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(status=self.status, headers=self.headers)
        if self.chunks > 1:
            response.enable_chunked_encoding()
        else:
            response.content_length = len(self.body)
        await response.prepare(request)
        for _ in range(self.chunks):
            await response.write(self.body)
        await response.write_eof()
        return response


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    """A running :class:`Hostile` server on a free loopback port."""
    server = Hostile()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


def core_for(server: Hostile, **options: Any) -> HoneyHiveCore:
    options.setdefault("retry_config", RetryConfig(strategy="none"))
    return HoneyHiveCore(bearer_auth=KEY, server_url=server.url, **options)


CHARSETS = ["utf-8", "idna", "undefined", "punycode", "utf-7", "utf-16", "base64", "rot13", ""]
DEEP = b"[" * 100_000 + b"]" * 100_000
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=10,
)
shaped = st.fixed_dictionaries(
    {},
    optional={
        "event_id": json_values,
        "event_ids": json_values,
        "errors": json_values,
        "success": json_values,
        "session_id": json_values,
        "events": st.lists(st.dictionaries(st.sampled_from(["event_id", "x"]), json_values)),
        "totalEvents": json_values,
    },
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    shaped.map(lambda v: json.dumps(v).encode()),
    st.integers(1, 100_000).map(lambda n: b"[" * n + b"]" * n),
    st.sampled_from([b"", b"{", b"\xff\xfe", b"NaN", b'{"a": Infinity}', b"1e999"]),
)
content_types = st.one_of(
    st.sampled_from(["application/json", "application/problem+json", "text/plain", "text/html"]),
    st.text(max_size=10),
).flatmap(lambda ct: st.sampled_from(CHARSETS).map(lambda cs: f"{ct}; charset={cs}" if cs else ct))
statuses = st.one_of(
    st.sampled_from([200, 201, 400, 404, 413, 429, 500, 502, 503]), st.integers(200, 599)
)
extra_headers = st.fixed_dictionaries(
    {},
    optional={
        "Retry-After": st.sampled_from(["1", "-1", "nan", "inf", "1e400", "Mon, 99 Foo 9999"]),
        "retry-after-ms": st.sampled_from(["5", "x", "1e999"]),
        "x-request-id": st.text(alphabet="abc-123", max_size=8),
    },
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(sorted(CALLS)),
    status=statuses,
    content_type=content_types,
    body=bodies,
    headers=extra_headers,
    limit=st.sampled_from([None, 64, 100_000]),
)
async def test_every_hostile_answer_is_a_result(
    hostile: Hostile,
    name: str,
    status: int,
    content_type: str,
    body: bytes,
    headers: dict[str, str],
    limit: int | None,
) -> None:
    """Whatever the server answers, each operation returns a Result (never raises)."""
    hostile.answer(status, body, {"Content-Type": content_type, **headers})
    async with core_for(hostile, retry_config=INSTANT_RETRY, sleep=SleepRecorder()) as core:
        result = await getattr(funcs, name)(core, CALLS[name], max_response_bytes=limit)

    assert isinstance(result, (Ok, Err))
    if not result.ok:
        assert isinstance(result.error, errors.HoneyHiveError)
        assert str(result.error)


@pytest.mark.parametrize("charset", ["idna", "undefined", "punycode", "base64", "rot13", "nope"])
async def test_an_unusable_charset_is_decoded_as_utf8(hostile: Hostile, charset: str) -> None:
    """The issue's charsets: the error body is read as UTF-8 instead of raising ``UnicodeError``."""
    hostile.answer(
        500, "fehlt: ünknown".encode(), {"Content-Type": f"text/html; charset={charset}"}
    )
    async with core_for(hostile) as core:
        result = await funcs.events_get_events(core, CALLS["events_get_events"])

    assert isinstance(result.error, errors.APIError)
    assert "fehlt: ünknown" == result.error.body


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("events_create_event", 200, errors.ResponseValidationError),
        ("events_create_event_batch", 200, errors.ResponseValidationError),
        ("events_create_event_batch", 500, errors.ServerError),
    ],
)
async def test_json_nested_100000_deep_is_an_err(
    hostile: Hostile, name: str, status: int, kind: type[errors.HoneyHiveError]
) -> None:
    """JSON too deep for Python to read is an Err of the answer's kind, not a ``RecursionError``."""
    hostile.answer(status, DEEP)
    async with core_for(hostile) as core:
        result = await getattr(funcs, name)(core, CALLS[name])

    assert type(result.error) is kind


def gzip_bomb(size: int) -> bytes:
    """*size* bytes of zeros, gzipped (about a thousandth of the size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MiB)
    return b"".join(packer.compress(block) for _ in range(size // MiB)) + packer.flush()


async def peak_memory(core: HoneyHiveCore, name: str) -> tuple[Any, int]:
    """The result of one call of *name* and the peak of memory allocated while it ran."""
    gc.collect()
    tracemalloc.start()
    try:
        result = await getattr(funcs, name)(core, CALLS[name])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


async def test_a_gzip_bomb_is_read_only_up_to_the_limit(hostile: Hostile) -> None:
    """A 250 KB gzip answer that unpacks to 256 MiB costs about the limit, and is an Err."""
    hostile.answer(200, gzip_bomb(256 * MiB), {"Content-Encoding": "gzip"})
    async with core_for(hostile, max_response_bytes=MiB) as core:
        result, peak = await peak_memory(core, "events_get_events")

    assert isinstance(result.error, errors.ResponseValidationError)
    assert "max_response_bytes (1,048,576 bytes)" in result.error.message
    assert peak < 16 * MiB


async def test_a_long_body_stops_being_read_at_the_limit(hostile: Hostile) -> None:
    """A 64 MiB streamed answer is read up to the 2 MiB limit, then the connection is dropped."""
    hostile.answer(200, b" " * MiB, chunks=64)
    async with core_for(hostile, max_response_bytes=2 * MiB) as core:
        result, peak = await peak_memory(core, "events_get_events")

    assert isinstance(result.error, errors.ResponseValidationError)
    assert peak < 16 * MiB


async def test_the_limit_can_be_set_per_call(hostile: Hostile) -> None:
    """``max_response_bytes`` on a call overrides the core's, in both directions."""
    page = json.dumps({"events": [{"event_id": "e" * 100}] * 50, "totalEvents": 50}).encode()
    hostile.answer(200, page)
    async with core_for(hostile, max_response_bytes=100) as core:
        small = await funcs.events_get_events(core, CALLS["events_get_events"])
        large = await funcs.events_get_events(
            core, CALLS["events_get_events"], max_response_bytes=len(page)
        )

    assert isinstance(small.error, errors.ResponseValidationError)
    assert large.ok


async def test_a_default_limit_fits_a_full_page(hostile: Hostile) -> None:
    """The default takes a page of 7,500 events of about 8 KiB each."""
    event = {"event_id": "e", "inputs": {"text": "x" * 8000}}
    page = json.dumps({"events": [event] * 7500, "totalEvents": 7500}).encode()
    hostile.answer(200, page)
    async with core_for(hostile) as core:
        result = await funcs.events_get_events(core, CALLS["events_get_events"])

    assert 7500 == len(result.unwrap().events)


async def test_an_error_keeps_only_a_preview_of_its_body(hostile: Hostile) -> None:
    """A 5 MiB error body leaves 8192 characters (and ``...``) on the error."""
    hostile.answer(503, b"x" * (5 * MiB), {"Content-Type": "text/plain"})
    async with core_for(hostile) as core:
        result = await funcs.events_get_events(core, CALLS["events_get_events"])

    assert isinstance(result.error, errors.APIError)
    assert (503, 8192 + 3) == (result.error.status_code, len(result.error.body))
    assert len(str(result.error)) < 400


async def test_an_error_body_over_the_limit_is_still_an_api_error(hostile: Hostile) -> None:
    """A 500 cut at the limit keeps its status (so it is retried) and says it was cut."""
    hostile.answer(500, b"x" * MiB, chunks=4)
    sleeps = SleepRecorder()
    async with core_for(
        hostile, max_response_bytes=MiB, retry_config=INSTANT_RETRY, sleep=sleeps
    ) as core:
        result = await funcs.events_get_events(core, CALLS["events_get_events"])

    assert isinstance(result.error, errors.APIError)
    assert "the rest was not read" in result.error.message
    assert 3 == len(sleeps.waits)  # retried as any 500


@pytest.mark.parametrize("length", ["x", "²", "-1", "1e3", ""])
async def test_a_malformed_content_length_is_read_within_the_limit(length: str) -> None:
    """A Content-Length that is no number (a lenient transport lets it through) is not trusted."""
    with aioresponses() as mocked:
        mocked.post(
            SERVER + "/events/export",
            body=json.dumps({"events": [], "totalEvents": 0}),
            headers={"Content-Length": length},
        )
        async with HoneyHiveCore(
            bearer_auth=KEY, server_url=SERVER, retry_config=RetryConfig(strategy="none")
        ) as core:
            result = await funcs.events_get_events(core, CALLS["events_get_events"])

    assert isinstance(result, (Ok, Err))


@pytest.mark.parametrize(
    ("declared", "used"),
    [
        ("UTF-8", "utf-8"),
        ("latin-1", "iso8859-1"),
        ("Windows-1252", "cp1252"),
        ("Shift_JIS", "shift_jis"),
        ("punycode", "utf-8"),
        ("idna", "utf-8"),
        ("utf-7", "utf-8"),
        ("x-unknown", "utf-8"),
        (None, "utf-8"),
    ],
)
def test_a_charset_is_used_only_when_it_is_listed_as_text(declared: str | None, used: str) -> None:
    """The rule is an allow-list, the same on every Python: not whether decoding raises."""
    assert used == text_charset(declared)


def test_every_listed_charset_is_a_codec_of_this_python() -> None:
    """Each name in the list is the canonical name of a codec that exists here."""
    assert {codecs.lookup(name).name for name in TEXT_CHARSETS} == set(TEXT_CHARSETS)
