"""HoneyHiveSpanProcessor: the tree, the session, only_genai, bounds, and never raising."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from opentelemetry import trace as otel_trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from honeyhive_async import EventBatcher, HoneyHiveCore, tracing
from honeyhive_async._fields import STACKTRACE
from honeyhive_async._rules import MAX_TEXT_CHARS
from honeyhive_async._utils import RateLimitedLog
from honeyhive_async.otel import HoneyHiveSpanProcessor, _processor, event_id, session_id
from honeyhive_async.tracing import _state
from honeyhive_async.tracing._state import STATE
from tests.otel.conftest import Bridge, capture_tracer

GENAI = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}


def ids(span: Any) -> tuple[int, int]:
    context = span.get_span_context()
    return context.trace_id, context.span_id


def test_tree_session_and_deterministic_ids(bridge: Bridge) -> None:
    """Root -> GenAI child: ids from OpenTelemetry's, the trace is one session event."""
    with (
        bridge.otel.start_as_current_span("request") as root,
        bridge.otel.start_as_current_span("chat", attributes=GENAI) as chat,
    ):
        pass
    trace_id, root_span = ids(root)
    sid = session_id(trace_id)
    root_event, chat_event = bridge.sink.named("request"), bridge.sink.named("chat")
    assert (event_id(trace_id, root_span), sid, sid) == (
        root_event["event_id"],
        root_event["parent_id"],
        root_event["session_id"],
    )
    assert (event_id(*ids(chat)), root_event["event_id"], sid) == (
        chat_event["event_id"],
        chat_event["parent_id"],
        chat_event["session_id"],
    )
    [session] = bridge.sink.sessions()
    assert (sid, sid, "request", None) == (
        session["event_id"],
        session["session_id"],
        session["event_name"],
        session.get("parent_id"),
    )
    assert ("otel-bridge", "test") == (chat_event["project"], chat_event["source"])


def test_times_are_milliseconds_from_the_span(bridge: Bridge) -> None:
    """start/end/duration come from the span's nanoseconds, in ms."""
    span = bridge.otel.start_span("chat", attributes=GENAI, start_time=2_000_000_000)
    span.end(end_time=2_750_000_000)
    event = bridge.sink.named("chat")
    assert (2000.0, 2750.0, 750.0) == (event["start_time"], event["end_time"], event["duration"])


def test_only_genai_drops_other_spans_but_keeps_ancestors(bridge: Bridge) -> None:
    """A web request's DB span is left out; the request, an ancestor of the LLM call, is kept."""
    with bridge.otel.start_as_current_span("request"):
        with bridge.otel.start_as_current_span("db"):
            pass
        with (
            bridge.otel.start_as_current_span("handler"),
            bridge.otel.start_as_current_span("chat", attributes=GENAI),
        ):
            pass
    names = sorted(e["event_name"] for e in bridge.events if e["event_type"] != "session")
    assert ["chat", "handler", "request"] == names
    assert 1 == bridge.processor.filtered


def test_trace_without_genai_sends_nothing(bridge: Bridge) -> None:
    """No GenAI span: no event, no session."""
    with bridge.otel.start_as_current_span("request"), bridge.otel.start_as_current_span("db"):
        pass
    assert ([], 2) == (bridge.events, bridge.processor.filtered)


def test_only_genai_false_keeps_everything(bridge_all: Bridge) -> None:
    """With only_genai=False every span is an event (a chain when nothing says otherwise)."""
    with (
        bridge_all.otel.start_as_current_span("request"),
        bridge_all.otel.start_as_current_span("db"),
    ):
        pass
    assert [("chain", "db"), ("chain", "request"), ("session", "request")] == sorted(
        (e["event_type"], e["event_name"]) for e in bridge_all.events
    )


def test_genai_span_ending_after_its_parent_brings_the_parent(bridge: Bridge) -> None:
    """A parent that ended first waits; a GenAI child ending later sends it (and the session)."""
    root = bridge.otel.start_span("request")
    context = otel_trace.set_span_in_context(root)
    task = bridge.otel.start_span("background", context=context)
    chat = bridge.otel.start_span("chat", context=otel_trace.set_span_in_context(task))
    task.end()
    root.end()
    assert [] == bridge.events
    chat.set_attributes(GENAI)  # attributes set late are read when the span ends
    chat.end()
    assert ["background", "chat", "request", "request"] == sorted(
        e["event_name"] for e in bridge.events
    )
    assert 1 == len(bridge.sink.sessions())


def test_waiting_spans_are_bounded(bridge: Bridge, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_BUFFERED (or BUFFER_SECONDS), waiting spans are forgotten and counted."""
    monkeypatch.setattr(_processor, "MAX_BUFFERED", 2)
    root = bridge.otel.start_span("request")
    context = otel_trace.set_span_in_context(root)
    for name in ("a", "b", "c"):
        bridge.otel.start_span(name, context=context).end()
    assert 1 == bridge.processor.filtered
    monkeypatch.setattr(_processor, "BUFFER_SECONDS", -1.0)
    bridge.otel.start_span("d", context=context).end()
    assert 4 == bridge.processor.filtered
    root.end()
    assert (5, []) == (bridge.processor.filtered, bridge.events)


def test_a_long_trace_does_not_grow(bridge: Bridge, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spans forgotten from the wait are also dropped from their trace's list."""
    monkeypatch.setattr(_processor, "MAX_BUFFERED", 3)
    root = bridge.otel.start_span("request")
    context = otel_trace.set_span_in_context(root)
    for n in range(20):
        bridge.otel.start_span(f"db{n}", context=context).end()
    [trace] = bridge.processor._traces.values()
    assert len(trace.waiting) <= 2 * 3
    assert 17 == bridge.processor.filtered
    root.end()


def test_untracked_spans_still_map_by_their_ids(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond MAX_TRACKED open spans, a GenAI span is sent with ids from OpenTelemetry's."""
    monkeypatch.setattr(_processor, "MAX_TRACKED", 1)
    with bridge.otel.start_as_current_span("request", attributes=GENAI) as root:
        with bridge.otel.start_as_current_span("chat", attributes=GENAI) as chat:
            pass
        with bridge.otel.start_as_current_span("db"):
            pass
    assert 2 == bridge.processor.untracked
    assert 1 == bridge.processor.filtered
    event = bridge.sink.named("chat")
    assert (event_id(*ids(chat)), event_id(*ids(root))) == (event["event_id"], event["parent_id"])


def test_remote_parent_makes_a_local_root(bridge: Bridge) -> None:
    """A span continuing another service's trace is a root here, in the trace's session."""
    remote = SpanContext(0x1234, 0x99, is_remote=True, trace_flags=TraceFlags(1))
    context = otel_trace.set_span_in_context(NonRecordingSpan(remote))
    bridge.otel.start_span("chat", context=context, attributes=GENAI).end()
    event = bridge.sink.named("chat")
    assert (session_id(0x1234), f"{0x99:016x}") == (
        event["parent_id"],
        event["metadata"]["otel"]["parent_span_id"],
    )
    assert 1 == len(bridge.sink.sessions())


def test_sampling_and_disable_follow_tracing() -> None:
    """sample_rate=0 and tracing.disable() send nothing."""
    sampled_out = Bridge(sample_rate=0.0)
    sampled_out.otel.start_span("chat", attributes=GENAI).end()
    assert [] == sampled_out.events
    bridge = Bridge()
    tracing.disable()
    try:
        bridge.otel.start_span("chat", attributes=GENAI).end()
    finally:
        tracing.enable()
    assert [] == bridge.events
    for b in (sampled_out, bridge):
        b.provider.shutdown()


def test_failing_mapping_sends_the_span_without_its_attributes(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug while mapping: the span and its session are still sent, the failure noted."""

    def broken(span: Any) -> dict[str, Any]:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(_processor, "map_span", broken)
    with bridge.otel.start_as_current_span("chat", attributes=GENAI) as chat:
        pass
    event = bridge.sink.named("chat")
    expected = (1, [], event_id(*ids(chat)), "chain", 1)
    actual = (
        bridge.processor.failed,
        bridge.sink.rejected,
        event["event_id"],
        event["event_type"],
        len(bridge.sink.sessions()),
    )
    assert expected == actual
    assert "ZeroDivisionError: bug" in event["metadata"]["otel"]["mapping_error"]


def test_bookkeeping_errors_are_logged_not_raised(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """on_start and on_end never raise into the instrumented code."""
    monkeypatch.setattr(_processor, "event_id", None)  # calling it raises TypeError
    monkeypatch.setattr(_state, "_WARNINGS", RateLimitedLog(_state.log, 10.0))
    with caplog.at_level(logging.WARNING, "honeyhive_async.tracing"):
        with bridge.otel.start_as_current_span("chat", attributes=GENAI):
            pass
        bridge.processor.on_end(None)  # type: ignore[arg-type]
    assert "otel bridge: tracking a span failed" in caplog.text
    assert "otel bridge: recording a span failed" in caplog.text


def test_shutdown_stops_and_unregisters() -> None:
    """After shutdown spans are ignored and tracing no longer asks the bridge for parents."""
    bridge = Bridge()
    assert STATE.find_parent is not None
    bridge.provider.shutdown()
    bridge.otel.start_span("chat", attributes=GENAI).end()
    assert ([], None) == (bridge.events, STATE.find_parent)


def test_dropped_is_the_tracers() -> None:
    """processor.dropped counts what the tracer's sink dropped."""
    bridge = Bridge()
    bridge.sink.dropped = 3
    assert 3 == bridge.processor.dropped
    assert "only_genai=True" in repr(bridge.processor)
    bridge.provider.shutdown()


def test_options_are_checked() -> None:
    """Wrong arguments name themselves."""
    tracer, _ = capture_tracer()
    with pytest.raises(TypeError, match="only_genai must be a bool"):
        HoneyHiveSpanProcessor(tracer, only_genai=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="batcher_or_tracer must be"):
        HoneyHiveSpanProcessor("batcher")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="project: the tracer's project is 'otel-bridge'"):
        HoneyHiveSpanProcessor(tracer, project="other")
    with pytest.raises(ValueError, match="source: the tracer's source is 'test'"):
        HoneyHiveSpanProcessor(tracer, source="prod")
    same = HoneyHiveSpanProcessor(tracer, project="otel-bridge", source="test")
    assert tracer is same.tracer
    same.shutdown()


async def test_batcher_needs_a_project() -> None:
    """With an EventBatcher, project is required; the tracer built is not installed."""
    core = HoneyHiveCore(bearer_auth="k", server_url="http://127.0.0.1:9")
    async with core, EventBatcher(core) as batcher:
        with pytest.raises(ValueError, match="project is required"):
            HoneyHiveSpanProcessor(batcher)
        processor = HoneyHiveSpanProcessor(batcher, project="p", source="s")
        assert ("p", "s") == (processor.tracer.project, processor.tracer.source)
        assert STATE.default is not processor.tracer
        processor.shutdown()


def test_batcher_outside_its_loop_is_refused() -> None:
    """Without a running loop, building on a batcher says what to do instead."""
    batcher = EventBatcher.__new__(EventBatcher)
    with pytest.raises(RuntimeError, match="inside the event loop"):
        HoneyHiveSpanProcessor(batcher, project="p")


def test_spans_from_many_threads(bridge: Bridge) -> None:
    """Threads ending spans at once: every event is sent once, in its own trace's tree."""
    from concurrent.futures import ThreadPoolExecutor

    def work(n: int) -> None:
        for i in range(50):
            with bridge.otel.start_as_current_span(f"root-{n}-{i}"):
                for _ in range(3):
                    bridge.otel.start_span("chat", attributes=GENAI).end()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    events = bridge.events
    assert 8 * 50 * (3 + 2) == len(events)  # the chats, the roots, the sessions
    assert len(events) == len({e["event_id"] for e in events})
    by_id = {e["event_id"]: e for e in events}
    for event in events:
        if event["event_type"] == "model":
            assert event["session_id"] == by_id[event["parent_id"]]["parent_id"]
    assert {} == bridge.processor._traces


def test_force_flush_without_a_live_loop_says_false(bridge: Bridge) -> None:
    """No loop yet, or a loop that has closed: nothing can be delivered."""
    assert bridge.processor.force_flush() is False
    loop = asyncio.new_event_loop()
    loop.close()
    bridge.sink.loop = loop
    assert bridge.processor.force_flush() is False


def test_force_flush_times_out_on_a_stalled_loop(bridge: Bridge) -> None:
    """A loop that does not run (here: never started) makes force_flush give up in time."""
    loop = asyncio.new_event_loop()
    bridge.sink.loop = loop
    try:
        assert bridge.processor.force_flush(timeout_millis=10) is False
    finally:
        loop.close()


@pytest.mark.parametrize(
    "attributes",
    [
        {"gen_ai.prompt.².content": "hi"},
        {"gen_ai.prompt." + "9" * 5_000 + ".content": "hi"},
        {"input.value": "[" * 1_000 + "]" * 1_000},
        {"honeyhive_inputs.a.²": "x", "honeyhive_inputs.a.0": "y"},
        {"honeyhive_inputs.a." + "9" * 5_000: "x"},
    ],
)
def test_an_attribute_the_mapping_cannot_read_costs_only_itself(
    bridge: Bridge, attributes: dict[str, Any]
) -> None:
    """Each of these lost the span and its session; now both are sent, the attribute kept."""
    with bridge.otel.start_as_current_span("chat", attributes={**GENAI, **attributes}):
        pass
    event = bridge.sink.named("chat")
    assert ([], 1) == (bridge.sink.rejected, len(bridge.sink.sessions()))
    assert event["event_type"] == "model"


def test_an_exception_keeps_its_stacktrace_where_tracing_keeps_it(bridge: Bridge) -> None:
    """``exception.stacktrace`` is ``metadata.stacktrace``, cut to the one bound, key scrubbed."""
    bridge.tracer._sink.secret = "hh-bridge-secret-0123"
    with bridge.otel.start_as_current_span("chat", attributes=GENAI) as chat:
        chat.add_event(
            "exception",
            {
                "exception.type": "ValueError",
                "exception.message": "m" * 20_000,
                "exception.stacktrace": "Traceback hh-bridge-secret-0123\n" + "x" * 50_000,
            },
        )
    event = bridge.sink.named("chat")
    trace = event["metadata"][STACKTRACE]
    assert (True, True) == (len(event["error"]) < 10_100, len(trace) <= MAX_TEXT_CHARS)
    assert trace.startswith("Traceback ***\n")
    assert "stacktrace" not in event["metadata"]["otel"]
