"""Nesting across tasks and threads, sessions side by side, spans, and enrichment."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from honeyhive_async import tracing
from honeyhive_async.tracing import trace
from tests.tracing.conftest import Recorder


@trace
async def child(n: int) -> int:
    await asyncio.sleep(0)
    return n


@trace
def child_sync(n: int) -> int:
    return n


async def with_gather() -> None:
    await asyncio.gather(child(1), child(2), child(3))


async def with_create_task() -> None:
    tasks = [asyncio.create_task(child(n)) for n in (1, 2, 3)]
    for task in tasks:
        await task


async def with_task_group() -> None:
    async with asyncio.TaskGroup() as group:  # type: ignore[attr-defined,unused-ignore]
        for n in (1, 2, 3):
            group.create_task(child(n))


async def with_to_thread() -> None:
    for n in (1, 2, 3):
        await asyncio.to_thread(child_sync, n)


async def with_default_executor() -> None:
    loop = asyncio.get_running_loop()
    with tracing.ContextThreadPoolExecutor(max_workers=2) as pool:
        loop.set_default_executor(pool)
        await asyncio.gather(*(loop.run_in_executor(None, child_sync, n) for n in (1, 2, 3)))


async def with_wrap() -> None:
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=2) as pool:
        calls = (loop.run_in_executor(pool, tracing.wrap(child_sync), n) for n in (1, 2, 3))
        await asyncio.gather(*calls)


NEEDS_311 = pytest.mark.skipif(sys.version_info < (3, 11), reason="TaskGroup is new in 3.11")


@pytest.mark.parametrize(
    "fan_out",
    [
        with_gather,
        with_create_task,
        pytest.param(with_task_group, marks=NEEDS_311),
        with_to_thread,
        with_default_executor,
        with_wrap,
    ],
)
async def test_children_nest_under_the_caller(
    tracer: tracing.Tracer, recorder: Recorder, fan_out: Callable[[], Awaitable[None]]
) -> None:
    """Calls fanned out by tasks and thread pools are children of the span that made them."""

    @trace
    async def parent() -> None:
        await fan_out()

    await parent()
    await tracer.flush()

    by_name: dict[str, list[dict[str, Any]]] = {}
    for event in recorder.events:
        by_name.setdefault(event["event_name"].rsplit(".", 1)[-1], []).append(event)
    (session,) = by_name["parent"][1:]
    (span,) = by_name["parent"][:1]
    children = by_name.get("child", []) + by_name.get("child_sync", [])
    expected = ([span["event_id"]] * 3, [session["event_id"]] * 3, [1, 2, 3])
    actual = (
        [c["parent_id"] for c in children],
        [c["session_id"] for c in children],
        sorted(c["inputs"]["n"] for c in children),
    )
    assert expected == actual


async def test_a_plain_executor_does_not_carry_the_span(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """Without wrap, run_in_executor loses the context: the call opens its own session."""
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1) as pool:
        async with tracer.session("outer") as session:
            await loop.run_in_executor(pool, child_sync, 1)
    await tracer.flush()

    span = recorder.named("child_sync")
    own = recorder.named("child_sync", "session")
    expected = (own["event_id"], own["event_id"], True)
    actual = (span["session_id"], span["parent_id"], own["event_id"] != session.session_id)
    assert expected == actual


@trace
async def step(tag: str, n: int) -> str:
    await asyncio.sleep(0)
    return f"{tag}-{n}"


async def workflow(tracer: tracing.Tracer, tag: str) -> str:
    """A session whose steps interleave with the other session's."""
    async with tracer.session(tag) as session:
        for n in range(5):
            await step(tag, n)
            await asyncio.sleep(0)
    return session.session_id


async def test_concurrent_sessions_never_mix(tracer: tracing.Tracer, recorder: Recorder) -> None:
    """Two sessions running at once: every event carries its own session's id."""
    ids = await asyncio.gather(*(workflow(tracer, tag) for tag in ("a", "b")))

    session_of = dict(zip(("a", "b"), ids, strict=True))
    expected = [(session_of[e["inputs"]["tag"]],) * 2 for e in recorder.spans]
    actual = [(e["session_id"], e["parent_id"]) for e in recorder.spans]
    assert expected == actual
    assert 10 == len(recorder.spans)
    assert sorted(ids) == sorted(s["event_id"] for s in recorder.sessions)


async def test_a_thread_hands_over_without_waiting_for_the_loop(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A call in another thread returns while the loop is blocked; the loop takes it later."""
    returned = threading.Event()

    def worker() -> None:
        child_sync(7)
        returned.set()

    thread = threading.Thread(target=worker)
    thread.start()
    handed_over = returned.wait(timeout=10)  # blocks the loop on purpose
    thread.join()
    before = len(recorder.events)
    await tracer.flush()

    expected = (True, 0, ["child_sync", "child_sync"])
    actual = (handed_over, before, [e["event_name"] for e in recorder.events])
    assert expected == actual


@pytest.mark.parametrize(
    ("wrapped", "nested", "sessions"),
    [(False, False, ["child_sync", "outer"]), (True, True, ["outer"])],
)
async def test_a_plain_thread(
    tracer: tracing.Tracer, recorder: Recorder, wrapped: bool, nested: bool, sessions: list[str]
) -> None:
    """In a threading.Thread a call opens its own session; under wrap it nests."""
    async with tracer.session("outer") as session:
        target = tracing.wrap(child_sync) if wrapped else child_sync
        thread = threading.Thread(target=target, args=(1,))
        thread.start()
        thread.join()
    await tracer.flush()

    span = recorder.named("child_sync")
    expected = (nested, span["session_id"], sessions)
    actual = (
        span["session_id"] == session.session_id,
        span["parent_id"],
        sorted(s["event_name"] for s in recorder.sessions),
    )
    assert expected == actual


async def test_current_span_and_session(tracer: tracing.Tracer) -> None:
    """``current_span``/``current_session`` are None outside, the open ones inside."""
    seen: dict[str, Any] = {}

    @trace
    def look() -> None:
        span = tracing.current_span()
        session = tracing.current_session()
        seen["span"] = None if span is None else span.event_id
        seen["session"] = None if session is None else session.session_id
        seen["span parent"] = None if span is None else span.parent_id

    outside = (tracing.current_span(), tracing.current_session())
    async with tracer.session("s") as session:
        in_session = (tracing.current_span(), tracing.current_session())
        look()
    after = (tracing.current_span(), tracing.current_session())

    expected = {
        "outside": (None, None),
        "in session": (None, session),
        "in a call": (session.session_id, session.session_id),
        "after": (None, None),
    }
    actual = {
        "outside": outside,
        "in session": in_session,
        "in a call": (seen["session"], seen["span parent"]),
        "after": after,
    }
    assert expected == actual
    assert isinstance(seen["span"], str)


def sync_block(name: str, **options: Any) -> tracing.Span:
    with tracing.span(name, **options) as span:
        child_sync(1)
        return span


async def async_block(name: str, **options: Any) -> tracing.Span:
    async with tracing.span(name, **options) as span:
        await child(1)
        return span


async def use_sync(name: str, **options: Any) -> tracing.Span:
    return sync_block(name, **options)


@pytest.mark.parametrize("block", [use_sync, async_block])
async def test_span_records_a_block(
    tracer: tracing.Tracer, recorder: Recorder, block: Callable[..., Awaitable[tracing.Span]]
) -> None:
    """``span()`` as a sync or async context manager: one event, parent of what runs inside."""
    async with tracer.session("s") as session:
        span = await block("lookup", inputs={"q": "x"}, config={"k": 1}, metadata={"m": 2})

    recorded = recorder.named("lookup")
    inside = next(e for e in recorder.spans if e["event_name"] != "lookup")
    fields = ("event_id", "event_type", "inputs", "config", "metadata", "parent_id", "session_id")
    expected = (
        (
            span.event_id,
            "tool",
            {"q": "x"},
            {"k": 1},
            {"m": 2},
            session.session_id,
            session.session_id,
        ),
        span.event_id,
        (session.session_id, session.session_id),
    )
    actual = (
        tuple(recorded.get(field) for field in fields),
        inside["parent_id"],
        (span.session_id, span.parent_id),
    )
    assert expected == actual


async def test_span_records_the_error_and_re_raises(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """An exception leaving a span block is its error and propagates unchanged."""
    error = KeyError("k")
    with pytest.raises(KeyError) as caught, tracing.span("failing"):
        raise error

    assert (error, "KeyError: 'k'") == (caught.value, recorder.named("failing")["error"])


async def test_enrich(tracer: tracing.Tracer, recorder: Recorder) -> None:
    """``enrich`` merges into the current span, ``enrich_session`` into its session."""

    @trace
    def work() -> int:
        tracing.enrich(metadata={"a": 1}, metrics={"tokens": 3}, outputs={"extra": True})
        tracing.enrich(metadata={"b": 2}, feedback={"ok": True}, user_properties={"u": "x"})
        tracing.enrich_session(metadata={"turns": 1})
        return 5

    async with tracer.session("s", metadata={"kind": "chat"}):
        work()
        with tracing.span("step") as span:
            span.enrich(config={"model": "m"})

    work_event, step_event = recorder.spans
    (session,) = recorder.sessions
    expected = {
        "metadata": {"a": 1, "b": 2},
        "metrics": {"tokens": 3},
        "outputs": {"result": 5, "extra": True},
        "feedback": {"ok": True},
        "user_properties": {"u": "x"},
        "step config": {"model": "m"},
        "session metadata": {"kind": "chat", "turns": 1},
    }
    actual = {
        **{field: work_event[field] for field in ("metadata", "metrics", "outputs", "feedback")},
        "user_properties": work_event["user_properties"],
        "step config": step_event["config"],
        "session metadata": session["metadata"],
    }
    assert expected == actual


async def test_enrich_inputs(tracer: tracing.Tracer, recorder: Recorder) -> None:
    """``inputs=`` merges into the inputs captured when the span opened (and a session's)."""
    async with tracer.session("s", inputs={"user": "ada"}):
        with tracing.span("retrieve", inputs={"query": "q"}) as span:
            span.enrich(inputs={"top_k": 3})
            tracing.enrich(inputs={"query": "q2"})
            tracing.enrich_session(inputs={"turn": 1})
        with tracing.span("bare"):
            tracing.enrich(inputs={"chat_history": [{"role": "user", "content": "hi"}]})

    retrieve, bare = recorder.spans
    (session,) = recorder.sessions
    assert (
        {"query": "q2", "top_k": 3},
        {"chat_history": [{"role": "user", "content": "hi"}]},
        {"user": "ada", "turn": 1},
    ) == (retrieve["inputs"], bare["inputs"], session["inputs"])


async def test_enrich_outside_does_nothing(tracer: tracing.Tracer, recorder: Recorder) -> None:
    """Outside any span and session, enrich and enrich_session do nothing and raise nothing."""
    tracing.enrich(metadata={"a": 1})
    tracing.enrich_session(metadata={"a": 1})

    assert [] == recorder.events


async def test_enrich_after_end_warns_once(
    tracer: tracing.Tracer, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    """Enriching an ended span records nothing, raises nothing, and logs one WARNING."""
    with tracing.span("done") as span:
        pass
    with caplog.at_level(logging.WARNING, logger="honeyhive_async.tracing"):
        for _ in range(5):
            span.enrich(metadata={"late": True})

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert (1, None) == (len(warnings), recorder.named("done").get("metadata"))
