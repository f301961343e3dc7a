"""Any attributes at all: the bridge never raises and sends valid, bounded JSON."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import SpanContext, Status, StatusCode

from honeyhive_async.otel._conventions import EXACT, GENAI_KEYS, PREFIX_LISTS, PREFIXES
from honeyhive_async.otel._mapping import map_span
from tests.otel.conftest import Bridge, capture_tracer

MAX_VALUE_CHARS = 2_000
KNOWN = sorted(
    [*EXACT, *GENAI_KEYS, *(p for p, _, _ in PREFIXES), *(p for p, _, _ in PREFIX_LISTS)]
)

keys = st.one_of(
    st.builds(
        str.__add__,
        st.sampled_from(KNOWN),
        st.from_regex(r"([0-9]{1,2}|[a-z_]{1,6})(\.([0-9]|[a-z_]{1,6})){0,3}", fullmatch=True),
    ),
    st.sampled_from(KNOWN),
    st.text(max_size=30),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
# What the SDK lets through: primitives and homogeneous sequences of them.
otel_values = st.one_of(
    st.text(max_size=3_000),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.lists(st.text(max_size=20), max_size=80).map(tuple),
    st.lists(st.integers(-(2**63), 2**63 - 1), max_size=5).map(tuple),
    json_values.map(json.dumps),
)
# What a hand-made ReadableSpan can hold: anything.
any_values = st.one_of(
    otel_values,
    json_values,
    st.binary(max_size=20),
    st.integers(),
    st.just(object()),
    st.just(float("nan")),
)
events = st.lists(
    st.builds(
        Event,
        st.sampled_from(["exception", "gen_ai.user.message", "gen_ai.choice", "x", ""]),
        st.dictionaries(keys, any_values, max_size=4),
        st.integers(0, 2**62),
    ),
    max_size=4,
)


def check_event(event: dict[str, Any]) -> None:
    """Valid JSON (no NaN), each captured field within the tracer's bound."""
    text = json.dumps(event, allow_nan=False)
    assert json.loads(text) == event
    for name in ("inputs", "outputs", "config", "metrics", "metadata"):
        if name in event:
            assert isinstance(event[name], dict)
            assert len(json.dumps(event[name], ensure_ascii=False)) <= MAX_VALUE_CHARS + 200


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, otel_values, max_size=25), st.booleans())
def test_processor_never_raises_and_sends_bounded_json(
    attributes: dict[str, Any], error: bool
) -> None:
    """Through a real provider: every event is valid JSON, its fields bounded, no rejection."""
    bridge = Bridge(only_genai=False, max_value_chars=MAX_VALUE_CHARS)
    try:
        with bridge.otel.start_as_current_span("root"):
            span = bridge.otel.start_span("span", attributes=attributes)
            if error:
                span.set_status(Status(StatusCode.ERROR, "failed"))
                span.record_exception(ValueError("bad"))
            span.end()
    finally:
        bridge.provider.shutdown()
    assert ([], 0) == (bridge.sink.rejected, bridge.processor.failed)
    assert 3 == len(bridge.events)
    for event in bridge.events:
        check_event(event)
    mapped = bridge.sink.named("span")
    assert mapped["event_type"] in ("model", "tool", "chain")
    assert error == ("error" in mapped)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, any_values, max_size=20), events)
def test_mapping_takes_anything(attributes: dict[str, Any], span_events: list[Event]) -> None:
    """map_span of any attributes and events returns fields the tracer sends as valid JSON."""
    span = ReadableSpan(
        name="s",
        context=SpanContext(1, 2, is_remote=False),
        attributes=attributes,
        events=span_events,
        status=Status(StatusCode.UNSET),
        start_time=1,
        end_time=2,
    )
    fields = map_span(span)
    tracer, sink = capture_tracer(max_value_chars=MAX_VALUE_CHARS)
    tracer.emit({"event_id": "e", "event_name": "s", **fields})
    [event] = sink.events
    check_event(event)
    for value in event.get("metrics", {}).values():
        assert not (isinstance(value, float) and math.isnan(value))


# Index segments that look like numbers to str.isdigit but not to int, or are too long for it,
# and JSON text nested past what the parser (or the service) takes.
odd_segments = st.sampled_from(["²", "٣", "9" * 5_000, "0" * 30, "-1", "1_0", " 1", "00"])
odd_keys = st.builds(
    lambda prefix, segment, rest: f"{prefix}{segment}{rest}",
    st.sampled_from([*KNOWN, "honeyhive_inputs.a.", "honeyhive_metadata.", "x."]),
    odd_segments,
    st.sampled_from(["", ".content", ".role", ".0", ".²"]),
)
deep_json = st.integers(90, 1_200).map(lambda depth: "[" * depth + "]" * depth) | st.integers(
    90, 1_200
).map(lambda depth: '{"a":' * depth + "1" + "}" * depth)
odd_values = st.one_of(otel_values, deep_json, st.just('{"a": NaN}'), st.just("[Infinity]"))


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.one_of(keys, odd_keys), odd_values, min_size=1, max_size=12))
def test_odd_attributes_degrade_alone_and_keep_the_span(attributes: dict[str, Any]) -> None:
    """Odd indexes, deep or non-standard JSON text: the span and its session are both sent."""
    bridge = Bridge(only_genai=False, max_value_chars=MAX_VALUE_CHARS)
    try:
        bridge.otel.start_span("root", attributes=attributes).end()
    finally:
        bridge.provider.shutdown()
    assert ([], 0) == (bridge.sink.rejected, bridge.processor.failed)
    assert (1, 1) == (len(bridge.sink.sessions()), len(bridge.events) - 1)
    for event in bridge.events:
        check_event(event)
