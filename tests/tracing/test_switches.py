"""What turns recording off (no tracer, ``disable()``, the environment, sampling); bad options."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

from honeyhive_async import tracing
from honeyhive_async.tracing import _state, trace
from tests.tracing.conftest import Recorder, TracerFactory, run


@trace
def double(x: int) -> int:
    return 2 * x


@trace
async def double_later(x: int) -> int:
    return 2 * x


@trace
def items(n: int) -> Any:
    yield from range(n)


@trace
async def outer() -> int:
    return double(1) + await double_later(1)


async def call_everything() -> list[Any]:
    """One call of each kind, and a span block; what they gave."""
    results = [double(1), await double_later(1), list(items(2)), await run(outer)]
    with tracing.span("block") as span:
        results.append(span.event_id)
    return results


async def test_without_a_tracer_calls_run_untraced_with_one_debug_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No tracer: functions work, and one DEBUG line is logged for the whole process."""
    with caplog.at_level(logging.DEBUG, logger="honeyhive_async.tracing"):
        results = [await call_everything() for _ in range(50)]

    levels = Counter(record.levelname for record in caplog.records)
    expected = ([[2, 2, [0, 1], 4, ""]] * 50, {"DEBUG": 1})
    assert expected == (results, dict(levels))


async def test_disable_makes_everything_pass_through(
    tracer: tracing.Tracer, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    """After disable() nothing is recorded and nothing is logged; enable() restores recording."""
    tracing.disable()
    with caplog.at_level(logging.DEBUG, logger="honeyhive_async.tracing"):
        async with tracer.session("quiet") as session:
            disabled = await call_everything()
            tracing.enrich(metadata={"a": 1})
            tracing.enrich_session(metadata={"a": 1})
            session.enrich(metadata={"b": 2})
        state = tracing.enabled()
    silent = (state, disabled, recorder.events, caplog.records)
    tracing.enable()
    enabled = await call_everything()

    assert (False, [2, 2, [0, 1], 4, ""], [], []) == silent
    assert (True, [2, 2, [0, 1], 4], 12) == (tracing.enabled(), enabled[:4], len(recorder.events))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("false", False), ("0", False), ("no", False), (" OFF ", False), ("true", True), ("", True)],
)
def test_the_environment_switch(value: str, expected: bool) -> None:
    """``HONEYHIVE_TRACING=false`` (or 0, no, off) turns tracing off for the process."""
    code = "from honeyhive_async import tracing; print(tracing.enabled())"
    env = {**os.environ, _state.ENABLED_ENV: value}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert (str(expected), "") == (done.stdout.strip(), done.stderr)


@pytest.mark.parametrize(
    ("rate", "expected"), [(0, 0), (0.0, 0), (1, 20 * 4 + 5), (1.0, 20 * 4 + 5)]
)
async def test_sample_rate_none_or_all(
    make_tracer: TracerFactory, recorder: Recorder, rate: float, expected: int
) -> None:
    """``sample_rate`` 0 records nothing, 1 records everything."""
    tracer = make_tracer(sample_rate=rate)
    for _ in range(20):
        await outer()
    async with tracer.session("explicit"):
        await outer()
        with tracing.span("block"):
            pass

    assert expected == len(recorder.events)


async def test_sampling_keeps_or_drops_whole_sessions(
    make_tracer: TracerFactory, recorder: Recorder
) -> None:
    """At 0.5, about half the sessions are kept, each with all its events, as samples() says."""
    tracer = make_tracer(sample_rate=0.5)
    twin = make_tracer(sample_rate=0.5, install=False)
    ids = [f"session-{n}" for n in range(400)]
    for session_id in ids:
        async with tracer.session("s", session_id=session_id):
            await outer()

    sizes = Counter(event["session_id"] for event in recorder.events)
    decided = {session_id for session_id in ids if tracer.samples(session_id)}
    expected = ({4}, decided, decided, decided)
    actual = (
        set(sizes.values()),
        set(sizes),
        {i for i in ids if tracer.samples(i)},
        {i for i in ids if twin.samples(i)},
    )
    assert expected == actual
    assert 120 <= len(sizes) <= 280, len(sizes)


async def test_sampling_keeps_or_drops_whole_root_calls(
    make_tracer: TracerFactory, recorder: Recorder
) -> None:
    """At 0.5, a root call's session (with fresh ids) is kept whole or not at all."""
    make_tracer(sample_rate=0.5)
    for _ in range(400):
        await outer()

    sizes = Counter(event["session_id"] for event in recorder.events)
    assert {4} == set(sizes.values())  # the session, outer and its two calls
    assert 120 <= len(sizes) <= 280, len(sizes)


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("project", "", ValueError),
        ("project", "   ", ValueError),
        ("project", None, ValueError),
        ("source", "", ValueError),
        ("source", 3, ValueError),
        ("session_name", "", ValueError),
        ("sample_rate", -0.1, ValueError),
        ("sample_rate", 1.5, ValueError),
        ("sample_rate", float("nan"), ValueError),
        ("sample_rate", "0.5", TypeError),
        ("sample_rate", True, TypeError),
        ("max_value_chars", 255, ValueError),
        ("max_value_chars", 1000.0, TypeError),
        ("max_value_chars", True, TypeError),
        ("processors", [1], TypeError),
        ("processors", [tracing.redact(keys={"a"}), None], TypeError),
        ("processors", tracing.redact(keys={"a"}), TypeError),
    ],
)
async def test_tracer_options_are_checked(
    recorder: Recorder, option: str, value: Any, error: type[Exception]
) -> None:
    """A bad option raises an error that names it, and no tracer is installed."""
    options = {"project": "tests", option: value}
    with pytest.raises(error, match=f"^{option} "):
        tracing.Tracer(recorder, **options)  # type: ignore[arg-type]

    assert _state.STATE.default is None


async def test_session_id_is_checked(tracer: tracing.Tracer) -> None:
    """``tracer.session(session_id="")`` raises an error naming session_id."""
    with pytest.raises(ValueError, match=r"^session_id "):
        tracer.session(session_id="")


@pytest.mark.parametrize(
    ("options", "error", "name"),
    [
        ({"event_type": "bogus"}, ValueError, "event_type"),
        ({"event_type": "session"}, ValueError, "event_type"),
        ({"event_name": 3}, TypeError, "event_name"),
        ({"capture_output": "yes"}, TypeError, "capture_output"),
        ({"metadata": [("a", 1)]}, TypeError, "metadata"),
        ({"config": "x"}, TypeError, "config"),
    ],
)
def test_trace_options_are_checked_at_decoration(
    options: dict[str, Any], error: type[Exception], name: str
) -> None:
    """``@trace(...)`` with a bad option raises when it decorates, naming the option."""
    with pytest.raises(error, match=f"^{name} "):

        @trace(**options)
        def work() -> None: ...
