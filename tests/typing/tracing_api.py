"""Checked by mypy --strict, never run: tracing keeps the types of what it wraps.

A decorated function is the same callable to mypy: its result types are
exact (``assert_type`` fails on ``Any``) and its parameters are still
checked (each ``type: ignore`` below is needed, and strict mypy reports an
unused one, so these lines fail if the decorator ever erased the signature).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any

from typing_extensions import assert_type

from honeyhive_async import EventBatcher, tracing


@tracing.trace
def add(a: int, b: int = 0) -> int:
    return a + b


@tracing.trace
async def fetch(url: str, *, retries: int = 3) -> bytes:
    return url.encode() * retries


@tracing.trace(event_type="tool", capture_output=False, metadata={"team": "search"})
def search(query: str) -> list[str]:
    return [query]


@tracing.trace(event_name="complete", event_type="model", capture_output=len)
async def complete(prompt: str) -> str:
    return prompt


@tracing.trace
def count(n: int) -> Iterator[int]:
    yield from range(n)


@tracing.trace(event_type="model")
async def stream(n: int) -> AsyncIterator[str]:
    for i in range(n):
        yield str(i)


class Agent:
    @tracing.trace
    def act(self, goal: str) -> dict[str, int]:
        return {goal: 1}

    @tracing.trace
    async def plan(self, steps: int) -> list[str]:
        return ["step"] * steps

    @tracing.trace
    @classmethod
    def make(cls, name: str) -> Agent:
        return cls()

    @staticmethod
    @tracing.trace
    def version() -> str:
        return "1"


async def decorated() -> None:
    assert_type(add(1, b=2), int)
    pending = assert_type(fetch("u", retries=1), Coroutine[Any, Any, bytes])
    assert_type(await pending, bytes)
    assert_type(search("q"), list[str])
    assert_type(await complete("p"), str)
    assert_type(count(3), Iterator[int])
    assert_type([s async for s in stream(2)], list[str])
    agent = Agent.make("a")
    assert_type(agent, Agent)
    assert_type(agent.act("g"), dict[str, int])
    assert_type(await agent.plan(2), list[str])
    assert_type(Agent.version(), str)
    assert_type(tracing.wrap(add)(1, 2), int)


def still_checked() -> None:
    add("1")  # type: ignore[arg-type]
    add(1, c=2)  # type: ignore[call-arg]
    search(query=1)  # type: ignore[arg-type]
    Agent().act(1)  # type: ignore[arg-type]
    tracing.wrap(add)("1")  # type: ignore[arg-type]
    tracing.trace(event_type="session")  # type: ignore[call-overload]


def sync_span() -> str:
    with tracing.span("lookup", inputs={"q": 1}, metadata={"k": "v"}) as span:
        assert_type(span, tracing.Span)
        assert_type(span.event_id, str)
        assert_type(span.session_id, str)
        assert_type(span.parent_id, str | None)
        span.enrich(outputs={"hits": 3}, metrics={"ms": 1.5})
        return span.event_id


async def async_span_and_session(batcher: EventBatcher) -> str:
    tracer = tracing.Tracer(batcher, project="p", processors=[tracing.redact(keys={"k"})])
    async with tracer.session("chat", inputs={"user": "ada"}) as session:
        assert_type(session, tracing.Session)
        assert_type(session.session_id, str)
        async with tracing.span("step", event_type="tool") as span:
            assert_type(span, tracing.Span)
            tracing.enrich(metadata={"a": 1})
            tracing.enrich_session(feedback={"ok": True})
    assert_type(tracing.current_span(), tracing.Span | None)
    assert_type(tracing.current_session(), tracing.Session | None)
    return span.event_id
