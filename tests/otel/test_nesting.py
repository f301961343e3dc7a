"""OpenTelemetry spans and ``tracing`` calls nest in each other, both ways."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from honeyhive_async import tracing
from honeyhive_async.otel import _nesting, event_id, session_id
from honeyhive_async.tracing._state import STATE
from tests.otel.conftest import Bridge

GENAI = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}


def ids(span: Any) -> tuple[int, int]:
    context = span.get_span_context()
    return context.trace_id, context.span_id


def test_otel_span_inside_tracing_span_nests_under_it(bridge: Bridge) -> None:
    """Its session is the tracing session, its parent the tracing span; no extra session."""
    with (
        bridge.tracer.session("chat") as session,
        tracing.span("retrieve", event_type="tool") as outer,
        bridge.otel.start_as_current_span("llm", attributes=GENAI),
        bridge.otel.start_as_current_span("inner", attributes=GENAI),
    ):
        pass
    llm, inner = bridge.sink.named("llm"), bridge.sink.named("inner")
    assert (outer.event_id, session.session_id) == (llm["parent_id"], llm["session_id"])
    assert (llm["event_id"], session.session_id) == (inner["parent_id"], inner["session_id"])
    assert [session.session_id] == [s["event_id"] for s in bridge.sink.sessions()]


def test_otel_root_inside_tracing_session_is_a_child_of_the_session(bridge: Bridge) -> None:
    """Directly in a session (no span), the session is the parent."""
    with bridge.tracer.session("chat") as session:
        bridge.otel.start_span("llm", attributes=GENAI).end()
    llm = bridge.sink.named("llm")
    assert (session.session_id, session.session_id) == (llm["parent_id"], llm["session_id"])


def test_traced_call_inside_otel_span_nests_under_it(bridge: Bridge) -> None:
    """A @trace call in a bridged span is its child, in the trace's session, and keeps it."""

    @tracing.trace(event_name="plan")
    def plan(goal: str) -> str:
        tracing.enrich_session(metadata={"user": "ada"})
        return goal.upper()

    with bridge.otel.start_as_current_span("agent") as agent:  # not a GenAI span
        assert "GO" == plan("go")
    trace_id, span_id = ids(agent)
    event = bridge.sink.named("plan")
    assert (event_id(trace_id, span_id), session_id(trace_id)) == (
        event["parent_id"],
        event["session_id"],
    )
    assert "agent" in [e["event_name"] for e in bridge.events]  # kept: plan needs it
    [session] = bridge.sink.sessions()
    assert (session_id(trace_id), {"user": "ada"}) == (
        session["event_id"],
        {k: v for k, v in session["metadata"].items() if k != "otel"},
    )


def test_interleaved_nesting_follows_the_innermost(bridge: Bridge) -> None:
    """OTel A > tracing T > OTel B > tracing U; then OTel C in T after B ended is T's child."""
    with bridge.otel.start_as_current_span("A", attributes=GENAI), tracing.span("T") as t:
        with bridge.otel.start_as_current_span("B", attributes=GENAI):
            with tracing.span("U") as u:
                pass
            with bridge.otel.start_as_current_span("B2", attributes=GENAI):
                pass
        with bridge.otel.start_as_current_span("C", attributes=GENAI):
            pass
    a, b, b2, c = (bridge.sink.named(n) for n in ("A", "B", "B2", "C"))
    assert t.parent_id == a["event_id"]
    assert b["parent_id"] == t.event_id
    assert u.parent_id == b["event_id"]
    assert b2["parent_id"] == b["event_id"]
    assert c["parent_id"] == t.event_id
    assert 1 == len({e["session_id"] for e in bridge.events})


async def test_nesting_follows_tasks(bridge: Bridge) -> None:
    """Both context variables travel with asyncio tasks."""

    @tracing.trace(event_name="step")
    async def step(n: int) -> int:
        await asyncio.sleep(0)
        with bridge.otel.start_as_current_span(f"llm{n}", attributes=GENAI):
            await asyncio.sleep(0)
        return n

    with bridge.otel.start_as_current_span("root", attributes=GENAI) as root:
        assert [0, 1] == await asyncio.gather(step(0), step(1))
    steps = [e for e in bridge.events if e["event_name"] == "step"]
    root_id = event_id(*ids(root))
    assert [root_id, root_id] == [s["parent_id"] for s in steps]
    step_ids = {s["event_id"] for s in steps}
    assert step_ids == {bridge.sink.named(f"llm{n}")["parent_id"] for n in (0, 1)}


def test_sampled_out_tracing_session_leaves_its_otel_spans_out() -> None:
    """An OpenTelemetry span in a session sampling left out is not sent either."""
    bridge = Bridge(sample_rate=0.0)
    with bridge.tracer.session("chat"):
        bridge.otel.start_span("llm", attributes=GENAI).end()
    assert [] == bridge.events
    bridge.provider.shutdown()


def test_spans_of_other_providers_are_not_parents(bridge: Bridge) -> None:
    """A span the bridge never saw (another provider's) does not capture tracing calls."""
    from opentelemetry.sdk.trace import TracerProvider

    other = TracerProvider(shutdown_on_exit=False).get_tracer("other")
    with (
        bridge.tracer.session("s") as session,
        other.start_as_current_span("foreign"),
        tracing.span("inside") as inside,
    ):
        pass
    assert session.session_id == inside.parent_id


def test_finder_failure_falls_back_to_tracing(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If finding the OpenTelemetry parent fails, tracing nests as it would alone."""

    def broken(*args: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(bridge.processor, "parent_for", broken)
    with (
        bridge.otel.start_as_current_span("agent"),
        bridge.tracer.session("s") as session,
        tracing.span("inside") as inside,
    ):
        pass
    assert session.session_id == inside.parent_id


def test_finder_is_installed_once_and_removed_with_the_last_bridge() -> None:
    """Two bridges share one finder; it goes when both are shut down."""
    assert STATE.find_parent is None
    first, second = Bridge(), Bridge()
    assert _nesting.find_parent is STATE.find_parent
    first.provider.shutdown()
    assert _nesting.find_parent is STATE.find_parent
    second.provider.shutdown()
    assert STATE.find_parent is None
