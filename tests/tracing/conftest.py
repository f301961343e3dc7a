"""Tracing fixtures: a tracer whose events land in memory, and clean global state per test.

:class:`Recorder` stands in for the ``EventBatcher`` behind the tracer's real
sink, so the hand-over from other threads is the one programs get; it keeps
the encoded events (checked to be UTF-8 JSON without ``NaN``) and the events
the sink reported instead of queuing (rejected by a processor, dropped).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from honeyhive_async import tracing
from honeyhive_async._batching import DeliveryReport
from honeyhive_async._utils import RateLimitedLog
from honeyhive_async.tracing import _state


def no_constants(name: str) -> Any:
    """``json.loads`` hook: NaN and infinities are not JSON."""
    raise ValueError(f"{name} is not JSON")


def decode(data: bytes) -> dict[str, Any]:
    """One event as the batcher gets it: strict UTF-8 JSON, no ``NaN``."""
    event: dict[str, Any] = json.loads(data.decode("utf-8"), parse_constant=no_constants)
    return event


class Recorder:
    """An in-memory EventBatcher: what the tracer queued, decoded, in order."""

    closed = False

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.reported: list[tuple[str | None, bytes | None, str, str]] = []

    @property
    def intake(self) -> Recorder:
        """The batcher's intake (:class:`~honeyhive_async._batching.Intake`): itself."""
        return self

    def offer(self, event: Any) -> None:
        # Kept as bytes: an error raised here would be swallowed by the sink.
        self.raw.append(event.data)

    def offer_all(self, events: Any) -> list[Any]:
        for event in events:
            self.offer(event)
        return []

    def give_up(self, events: Any, reason: str, message: str) -> None:
        self.reported += [(e.event_id, e.data, reason, message) for e in events]

    def count_dropped(self, count: int = 1) -> None:
        self.reported += [(None, None, "dropped", "")] * count

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every queued event, decoded, in order."""
        return [decode(data) for data in self.raw]

    @property
    def rejected(self) -> list[tuple[str | None, dict[str, Any] | None, str, str]]:
        """The events reported instead of queued: id, decoded data, reason, message."""
        return [
            (event_id, None if data is None else decode(data), reason, message)
            for event_id, data, reason, message in self.reported
        ]

    async def flush(self, timeout: float = 10.0) -> DeliveryReport:
        return DeliveryReport(sent=len(self.raw))

    def clear(self) -> None:
        """Forget everything recorded so far."""
        self.raw.clear()
        self.reported.clear()

    def named(self, name: str, event_type: str | None = None) -> dict[str, Any]:
        """The one span (or, given its type, the one event) called *name*."""
        events = self.spans if event_type is None else self.events
        found = [
            e for e in events if e["event_name"] == name and event_type in (None, e["event_type"])
        ]
        assert 1 == len(found), f"{len(found)} events named {name!r}: {self.events}"
        return found[0]

    @property
    def sessions(self) -> list[dict[str, Any]]:
        """The session events, in the order they ended."""
        return [e for e in self.events if e["event_type"] == "session"]

    @property
    def spans(self) -> list[dict[str, Any]]:
        """Every event but the sessions, in the order they ended."""
        return [e for e in self.events if e["event_type"] != "session"]


async def run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call *func* to the end, whatever its kind: a list for (async) generators."""
    result = func(*args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    if inspect.isgenerator(result):
        return list(result)
    if inspect.isasyncgen(result):
        return [item async for item in result]
    return result


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test starts and ends with no tracer, tracing on and fresh log limits.

    And a temporary directory of its own, for it and its subprocesses: a
    process a test ends the hard way leaves a tally of undelivered events
    there (tracing/_tally.py), which no other test's processes then report.
    """
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    _state.set_default(None)
    tracing.enable()
    monkeypatch.setattr(_state.STATE, "idle_logged", False)
    monkeypatch.setattr(_state, "_WARNINGS", RateLimitedLog(_state.log, 10.0))
    yield
    _state.set_default(None)
    tracing.enable()


@pytest.fixture
def recorder() -> Recorder:
    """Where the tracer's events land."""
    return Recorder()


TracerFactory = Callable[..., tracing.Tracer]


@pytest.fixture
async def make_tracer(recorder: Recorder) -> AsyncIterator[TracerFactory]:
    """Builds installed tracers over *recorder* (project ``tests``); uninstalls them after."""
    made: list[tracing.Tracer] = []

    def make(**options: Any) -> tracing.Tracer:
        tracer = tracing.Tracer(recorder, **{"project": "tests", **options})
        made.append(tracer)
        return tracer

    yield make
    for tracer in made:
        tracer.uninstall()


@pytest.fixture
async def tracer(make_tracer: TracerFactory) -> tracing.Tracer:
    """The installed tracer, with default options."""
    return make_tracer()
