"""The session event of a bridged trace: built by tracing's own rule (``tracing._bridge``)."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import Status, StatusCode

from honeyhive_async import tracing
from honeyhive_async.tracing._state import set_default
from tests.otel.conftest import Bridge, capture_tracer

ROOT = {"input.value": '{"q": "?"}', "output.value": '{"answer": "x", "a": 0}'}


def session_and_root(bridge: Bridge) -> tuple[dict[str, Any], dict[str, Any]]:
    [session] = bridge.sink.sessions()
    return session, bridge.sink.named("agent")


def test_session_takes_the_roots_inputs_outputs_and_times(bridge: Bridge) -> None:
    """Without enrichment the session is its root's: name, inputs, outputs, times."""

    @tracing.trace(event_name="plan")
    def plan() -> None:
        pass

    with bridge.otel.start_as_current_span("agent", attributes=ROOT):
        plan()
    session, root = session_and_root(bridge)

    expected = ("agent", {"q": "?"}, {"answer": "x", "a": 0}, root["start_time"], {})
    actual = (
        session["event_name"],
        session["inputs"],
        session["outputs"],
        session["start_time"],
        session["config"],
    )
    assert expected == actual
    assert root["end_time"] == pytest.approx(session["end_time"])
    assert root["duration"] == session["duration"]


def test_enriched_session_keeps_what_it_was_enriched_with(bridge: Bridge) -> None:
    """enrich_session in a nested traced call: outputs over the root's, config and feedback kept."""

    @tracing.trace(event_name="plan")
    def plan() -> None:
        tracing.enrich_session(outputs={"a": 1}, config={"mode": "x"}, feedback={"ok": True})

    with bridge.otel.start_as_current_span("agent", attributes=ROOT):
        plan()
    session, root = session_and_root(bridge)

    expected = ({"answer": "x", "a": 1}, {"mode": "x"}, {"ok": True})
    assert expected == (session["outputs"], session["config"], session["feedback"])
    assert root["metadata"]["otel"]["trace_id"] == session["metadata"]["otel"]["trace_id"]


def test_session_takes_the_roots_error(bridge: Bridge) -> None:
    """A root span that failed makes a session that failed, with the same error."""
    with bridge.otel.start_as_current_span("agent", attributes=ROOT) as agent:
        bridge.otel.start_span("chat", attributes={"gen_ai.request.model": "m"}).end()
        agent.set_status(Status(StatusCode.ERROR, "boom"))
    session, root = session_and_root(bridge)

    assert ("boom", "boom") == (root["error"], session["error"])


def test_tracing_sessions_follow_the_same_rule() -> None:
    """A traced root call's session: the root's inputs and outputs, enriched outputs winning."""
    tracer, sink = capture_tracer()

    @tracing.trace(event_name="agent")
    def agent(q: str) -> dict[str, Any]:
        tracing.enrich_session(outputs={"a": 1}, config={"mode": "x"})
        return {"answer": "x"}

    previous = set_default(tracer)
    try:
        agent("?")
    finally:
        set_default(previous)
    [session] = sink.sessions()
    root = sink.named("agent")

    expected = (root["inputs"], {**root["outputs"], "a": 1}, {"mode": "x"}, root["start_time"])
    actual = (session["inputs"], session["outputs"], session["config"], session["start_time"])
    assert expected == actual
