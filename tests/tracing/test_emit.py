"""``Tracer.emit``: an event built outside tracing goes out like a span's, bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.otel.conftest import capture_tracer


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {}),
        ({"metrics": {"tokens": 5}}, {"metrics": {"tokens": 5}}),
        ({"metrics": {"wide": 2**70}}, {"metrics": {"wide": str(2**70)}}),
        ({"metrics": {"nan": float("nan")}}, {"metrics": {"nan": "nan"}}),
        ({"inputs": {"digits": "1" * 19}}, {"inputs": {"digits": "1" * 19}}),
        ({"inputs": {"b": b"raw"}}, {"inputs": {"b": "raw"}}),
    ],
)
def test_emit_stamps_and_converts(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    """project and source are the tracer's; what JSON cannot carry is converted."""
    tracer, sink = capture_tracer()
    tracer.emit({"event_id": "e1", **fields})
    assert [{"project": "otel-bridge", "source": "test", "event_id": "e1", **expected}] == (
        sink.events
    )


def test_emit_bounds_each_field() -> None:
    """A field over max_value_chars is shrunk on its own; the others stay whole."""
    tracer, sink = capture_tracer(max_value_chars=1_000)
    tracer.emit({"event_id": "e1", "inputs": {"text": "x" * 5_000}, "config": {"model": "m"}})
    [event] = sink.events
    assert {"model": "m"} == event["config"]
    assert len(json.dumps(event["inputs"])) <= 1_000
    assert event["inputs"]["text"].endswith("(5000 characters)")


def test_emit_runs_the_processors() -> None:
    """Processors see and change the event, as for spans."""

    def tag(event: dict[str, Any]) -> dict[str, Any]:
        event["metadata"] = {"seen": True}
        return event

    tracer, sink = capture_tracer(processors=(tag,))
    tracer.emit({"event_id": "e1"})
    assert {"seen": True} == sink.events[0]["metadata"]
