"""``Tracer.emit``: an event built outside tracing goes out like a span's, bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from honeyhive_async import tracing
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


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"cost": 0.5}, {"cost": 0.5}),  # all fields fit: one pass of the encoder
        ({"nan": float("nan")}, {"nan": "nan"}),  # one cannot be encoded: each on its own
        ({"wide": 2**70}, {"wide": str(2**70)}),  # wider than 64 bits: text, as ever
    ],
)
def test_a_spans_fields_are_encoded_together_or_each_alone(
    metadata: dict[str, Any], expected: dict[str, Any]
) -> None:
    """A finished span's captured fields come out the same whichever way they were encoded."""
    tracer, sink = capture_tracer()
    with tracer.session("s"), tracing.span("work", config={"model": "m"}) as span:
        span.enrich(outputs={"answer": 42}, metadata=metadata)
    [event] = [e for e in sink.events if e["event_name"] == "work"]
    assert ({"model": "m"}, {"answer": 42}, expected) == (
        event["config"],
        event["outputs"],
        event["metadata"],
    )


def test_fields_too_big_together_are_each_bounded_alone() -> None:
    """Over the bound together, each field is captured (and bounded) on its own."""
    tracer, sink = capture_tracer(max_value_chars=1_000)
    with tracer.session("s"), tracing.span("work", config={"model": "m"}) as span:
        span.enrich(outputs={"text": "x" * 600}, metadata={"text": "y" * 600})
    [event] = [e for e in sink.events if e["event_name"] == "work"]
    assert {"model": "m"} == event["config"]
    assert ("x" * 600, "y" * 600) == (event["outputs"]["text"], event["metadata"]["text"])
