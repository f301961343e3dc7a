"""Fault injection: configuration, the spec syntax, each kind over HTTP, reproducibility."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from honeyhive_async.server import FAULT_KINDS, FaultConfig, FaultKind, LocalServer

from ._support import Api, make_event


@asynccontextmanager
async def _faulty(faults: FaultConfig | None) -> AsyncIterator[tuple[LocalServer, Api]]:
    async with LocalServer(faults=faults) as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        async with aiohttp.ClientSession(server.url, headers=headers) as session:
            yield server, Api(session)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rate": 1.5}, "rate must be a number from 0 to 1"),
        ({"rate": -0.1}, "rate must be a number from 0 to 1"),
        ({"kinds": ()}, "kinds must be distinct fault kinds"),
        ({"kinds": ("500", "404")}, "kinds must be distinct fault kinds"),
        ({"kinds": ("500", "500")}, "kinds must be distinct fault kinds"),
        ({"weights": (1.0,)}, "weights must be one number > 0 per kind"),
        ({"kinds": ("500",), "weights": (0,)}, "weights must be one number > 0 per kind"),
        ({"retry_after_seconds": -1}, "retry_after_seconds must be a whole number"),
        ({"retry_after_seconds": 1.5}, "retry_after_seconds must be a whole number"),
        ({"stall_seconds": 0}, "stall_seconds must be a number of seconds > 0"),
        ({"seed": "7"}, "'seed' must be"),
    ],
)
def test_fault_config_is_validated(options: dict[str, Any], message: str) -> None:
    """FaultConfig refuses values it cannot honour, naming the option."""
    with pytest.raises((ValueError, TypeError), match=message):
        FaultConfig(**options)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", FaultConfig()),
        (
            "rate=0.2,kinds=500+503+429+drop+stall,seed=7,retry_after=1,stall=5",
            FaultConfig(
                rate=0.2,
                kinds=FAULT_KINDS,
                weights=(1.0,) * 5,
                seed=7,
                retry_after_seconds=1,
                stall_seconds=5.0,
            ),
        ),
        (
            " rate = 1 , kinds = 429:3 + drop ,",
            FaultConfig(rate=1.0, kinds=("429", "drop"), weights=(3.0, 1.0)),
        ),
    ],
)
def test_fault_spec_is_parsed(spec: str, expected: FaultConfig) -> None:
    """The CLI's compact spec becomes the equivalent FaultConfig."""
    actual = FaultConfig.from_spec(spec)

    assert expected == actual


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rate", "expected key=value"),
        ("speed=1", "expected key=value with a key out of rate, kinds, seed"),
        ("rate=x", "could not convert string to float"),
        ("rate=2", "rate must be a number from 0 to 1"),
        ("kinds=500+teapot", "kinds must be distinct fault kinds"),
        ("kinds=500:-1", "weights must be one number > 0 per kind"),
        ("seed=1.5", "invalid literal for int"),
    ],
)
def test_bad_fault_spec_is_refused_clearly(spec: str, message: str) -> None:
    """A bad spec raises ValueError quoting the spec and naming the problem."""
    with pytest.raises(ValueError, match=f"invalid fault spec .*{message}"):
        FaultConfig.from_spec(spec)


@pytest.mark.parametrize(
    ("kind", "expected"), [("500", (500, None)), ("503", (503, None)), ("429", (429, "3"))]
)
async def test_status_faults_answer_and_store_nothing(
    kind: FaultKind, expected: tuple[int, Any]
) -> None:
    """500, 503 and 429 (with Retry-After) answer JSON and store nothing."""
    faults = FaultConfig(rate=1.0, kinds=(kind,), retry_after_seconds=3)
    async with _faulty(faults) as (server, api):
        async with api.session.post("/events", json={"event": make_event()}) as response:
            actual = (response.status, response.headers.get("Retry-After"))
            body = await response.json()
        count = await server.store.count()

    assert (expected, "injected_fault", 0) == (actual, body["error"], count)


async def test_drop_fault_closes_the_connection() -> None:
    """A drop closes the connection without an answer and stores nothing."""
    async with _faulty(FaultConfig(rate=1.0, kinds=("drop",))) as (server, api):
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await api.post("/events", {"event": make_event()})
        count = await server.store.count()

    expected = 0
    assert expected == count


async def test_stall_fault_answers_504_late() -> None:
    """A stall answers 504 after stall_seconds and stores nothing."""
    async with _faulty(FaultConfig(rate=1.0, kinds=("stall",), stall_seconds=0.05)) as (
        server,
        api,
    ):
        started = time.monotonic()
        status, body = await api.post("/events/batch", {"events": [make_event()]})
        elapsed = time.monotonic() - started
        count = await server.store.count()

    expected = (504, "injected_fault", 0)
    assert expected == (status, body["error"], count)
    assert elapsed >= 0.05


async def test_stopping_the_server_ends_stalls() -> None:
    """Stopping the server answers a stalled request 504 at once instead of waiting."""
    async with _faulty(FaultConfig(rate=1.0, kinds=("stall",), stall_seconds=60)) as (server, api):
        task = asyncio.ensure_future(api.post("/events", {"event": make_event()}))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await server.stop()
        status, _ = await task

    expected = 504
    assert expected == status
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json"])
async def test_health_and_openapi_are_never_faulted(path: str) -> None:
    """/healthz and /openapi.json are exempt from fault injection."""
    async with _faulty(FaultConfig(rate=1.0, kinds=("500",))) as (_, api):
        status, _ = await api.call("GET", path)

    expected = 200
    assert expected == status


async def _outcomes(seed: int, requests: int = 40) -> tuple[list[str], int]:
    """What each of ``requests`` sequential creates got, and how many events were stored."""
    faults = FaultConfig(rate=0.5, seed=seed, stall_seconds=0.01, retry_after_seconds=0)
    outcomes = []
    async with _faulty(faults) as (server, api):
        for _ in range(requests):
            try:
                status, _ = await api.post("/events", {"event": make_event()})
                outcomes.append(str(status))
            except aiohttp.ServerDisconnectedError:
                outcomes.append("drop")
        stored = await server.store.count()
    return outcomes, stored


async def test_seeded_faults_are_reproducible() -> None:
    """The same seed gives the same sequence of faults; only served requests store."""
    first, first_stored = await _outcomes(seed=7)
    second, _ = await _outcomes(seed=7)
    other, _ = await _outcomes(seed=8)

    assert first == second != other
    assert {"200", "500", "503", "429", "504", "drop"} == set(first)
    assert first.count("200") == first_stored


async def test_faults_can_be_changed_while_running() -> None:
    """set_faults turns injection on and off on a running server."""
    async with _faulty(None) as (server, api):
        served = await api.post("/events", {"event": make_event()})
        server.set_faults(FaultConfig(rate=1.0, kinds=("503",)))
        faulted = await api.post("/events", {"event": make_event()})
        server.set_faults(None)
        served_again = await api.post("/events", {"event": make_event()})

    expected = (200, 503, 200)
    assert expected == (served[0], faulted[0], served_again[0])
