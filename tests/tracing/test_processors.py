"""Processors: redaction, truncation, the order they run in, and failing closed."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_async import tracing
from honeyhive_async.tracing import REDACTED, trace
from tests.tracing.conftest import Recorder, TracerFactory

CAPTURED = ("inputs", "outputs", "config", "metadata", "metrics", "feedback", "user_properties")


@trace(config={"Authorization": "Bearer sk-config123"})
def login(api_key: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"echo": payload, "note": f"used key sk-{api_key}"}


@trace
def leak(text: str) -> None:
    raise ValueError(f"bad key {text}!")


async def test_redact_keys_at_any_depth(make_tracer: TracerFactory, recorder: Recorder) -> None:
    """Keys match case-insensitively in every captured field, however deep."""
    make_tracer(processors=[tracing.redact(keys={"API_KEY", "authorization", "Password"})])

    login("abc", {"user": {"PASSWORD": "pw", "items": [{"Api_Key": "k", "keep": 1}]}})

    span = recorder.named("login")
    payload = {"user": {"PASSWORD": REDACTED, "items": [{"Api_Key": REDACTED, "keep": 1}]}}
    expected = (
        {"api_key": REDACTED, "payload": payload},
        {"result": {"echo": payload, "note": "used key sk-abc"}},
        {"Authorization": REDACTED},
    )
    assert expected == (span["inputs"], span["outputs"], span["config"])


@pytest.mark.parametrize("pattern", [r"sk-[a-z0-9]+", re.compile(r"SK-[A-Z0-9]+", re.IGNORECASE)])
async def test_redact_patterns_in_strings_and_error(
    make_tracer: TracerFactory, recorder: Recorder, pattern: str | re.Pattern[str]
) -> None:
    """A pattern's matches are replaced inside every string, the error's text included."""
    make_tracer(processors=[tracing.redact(patterns=[pattern])])

    login("abc", {"list": ["x sk-abc y", 3]})
    with pytest.raises(ValueError, match="sk-zzz"):
        leak("sk-zzz")

    span, failed = recorder.named("login"), recorder.named("leak")
    expected = (
        {"api_key": "abc", "payload": {"list": [f"x {REDACTED} y", 3]}},
        f"used key {REDACTED}",
        {"Authorization": f"Bearer {REDACTED}"},
        {"text": REDACTED},
        f"ValueError: bad key {REDACTED}!",
    )
    actual = (
        span["inputs"],
        span["outputs"]["result"]["note"],
        span["config"],
        failed["inputs"],
        failed["error"],
    )
    assert expected == actual


def field_bytes(value: Any) -> int:
    """A captured field's size on the wire: compact UTF-8 JSON."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


values = st.recursive(
    st.none() | st.integers() | st.text() | st.text('é😀"\\\x00', min_size=50, max_size=3000),
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(), children, max_size=6)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(min_value=256, max_value=4000), value=values, other=values)
async def test_truncate_bounds_every_field(
    make_tracer: TracerFactory, recorder: Recorder, limit: int, value: Any, other: Any
) -> None:
    """After ``truncate``, every captured field takes at most ``max_field_bytes`` of UTF-8 JSON."""
    tracer = make_tracer(processors=[tracing.truncate(max_field_bytes=limit)], install=False)
    recorder.clear()

    async with tracer.session("s"), tracing.span("big", inputs={"value": value}) as span:
        span.enrich(outputs={"other": other}, metadata={"m": value}, feedback={"f": other})

    sizes = {
        (event["event_type"], field): field_bytes(event[field])
        for event in recorder.events
        for field in CAPTURED
        if field in event
    }
    assert {key: size for key, size in sizes.items() if size > limit} == {}
    assert 2 == len(recorder.events)


async def test_truncate_keeps_small_fields(make_tracer: TracerFactory, recorder: Recorder) -> None:
    """Fields within the bound are sent as they were."""
    make_tracer(processors=[tracing.truncate(max_field_bytes=256)])

    login("abc", {"small": True})

    span = recorder.named("login")
    assert {"api_key": "abc", "payload": {"small": True}} == span["inputs"]


@pytest.mark.parametrize("value", [255, 0, True, "1000", 1000.0])
def test_truncate_checks_its_bound(value: Any) -> None:
    """``max_field_bytes`` must be an int of at least 256; the error names it."""
    with pytest.raises((TypeError, ValueError), match=r"^max_field_bytes "):
        tracing.truncate(max_field_bytes=value)


def explode(event: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("processor bug")


def forget(event: dict[str, Any]) -> None:
    return None


def to_list(event: dict[str, Any]) -> list[Any]:
    return list(event)


@pytest.mark.parametrize(
    ("processor", "message"),
    [
        (explode, "processor explode failed: RuntimeError: processor bug"),
        (forget, "processor forget failed: TypeError: returned NoneType, not a dict"),
        (to_list, "processor to_list failed: TypeError: returned list, not a dict"),
    ],
)
async def test_a_failing_processor_fails_closed(
    make_tracer: TracerFactory, recorder: Recorder, processor: Any, message: str
) -> None:
    """The event is not sent: only its id is reported, with why; the traced call returns."""
    make_tracer(processors=[tracing.redact(keys={"x"}), processor])

    result = login("secret", {"x": 1})

    span_id = {e_id for e_id, *_ in recorder.rejected}
    expected = (
        {"echo": {"x": 1}, "note": "used key sk-secret"},
        [],
        [(i, {"event_id": i}, "rejected", message) for i, *_ in recorder.rejected],
        2,
    )
    actual = (result, recorder.events, recorder.rejected, len(span_id))
    assert expected == actual


async def test_processors_run_in_order(make_tracer: TracerFactory, recorder: Recorder) -> None:
    """Each processor gets what the one before returned."""

    def stamp(tag: str) -> Any:
        def process(event: dict[str, Any]) -> dict[str, Any]:
            event["metadata"] = {"order": [*event.get("metadata", {}).get("order", []), tag]}
            return event

        return process

    make_tracer(processors=[stamp("a"), stamp("b"), stamp("c")])

    login("k", {})

    assert [["a", "b", "c"]] * 2 == [e["metadata"]["order"] for e in recorder.events]
