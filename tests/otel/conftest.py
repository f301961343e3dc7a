"""Shared fixtures of the bridge's tests: a tracer whose events are kept in a list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer as OtelTracer

from honeyhive_async.otel import HoneyHiveSpanProcessor
from honeyhive_async.tracing import Tracer
from honeyhive_async.tracing._delivery import LoopSink

PROJECT = "otel-bridge"


class CaptureSink(LoopSink):
    """Keeps every event handed to it (decoded), and the rejected ones with their reason."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []
        self.rejected: list[tuple[str, str]] = []

    def submit(self, event_id: str, data: bytes, rejected: str | None = None) -> None:
        if rejected is not None:
            self.rejected.append((event_id, rejected))
        else:
            self.events.append(json.loads(data))

    def named(self, name: str) -> dict[str, Any]:
        """The one event called *name* (not the session)."""
        found = [e for e in self.events if e["event_name"] == name and e["event_type"] != "session"]
        assert 1 == len(found), [e["event_name"] for e in self.events]
        return found[0]

    def sessions(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event_type"] == "session"]


def capture_tracer(**options: Any) -> tuple[Tracer, CaptureSink]:
    """A Tracer (not installed) whose events go to a CaptureSink."""
    tracer = Tracer.__new__(Tracer)
    sink = CaptureSink()
    settings: dict[str, Any] = {
        "project": PROJECT,
        "source": "test",
        "session_name": None,
        "processors": (),
        "sample_rate": 1.0,
        "max_value_chars": 100_000,
        **options,
    }
    tracer._setup(sink, **settings)
    return tracer, sink


class Bridge:
    """A provider with a HoneyHiveSpanProcessor on a capturing tracer."""

    def __init__(self, only_genai: bool = True, **options: Any) -> None:
        self.tracer, self.sink = capture_tracer(**options)
        self.processor = HoneyHiveSpanProcessor(self.tracer, only_genai=only_genai)
        self.provider = TracerProvider(shutdown_on_exit=False)
        self.provider.add_span_processor(self.processor)
        self.otel: OtelTracer = self.provider.get_tracer("tests")

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.sink.events


@pytest.fixture
def bridge() -> Iterator[Bridge]:
    """A bridge keeping only GenAI spans (the default)."""
    b = Bridge()
    yield b
    b.provider.shutdown()


@pytest.fixture
def bridge_all() -> Iterator[Bridge]:
    """A bridge keeping every span (``only_genai=False``)."""
    b = Bridge(only_genai=False)
    yield b
    b.provider.shutdown()
