"""The real ``openai`` client, instrumented by OpenLLMetry, into the local HoneyHive server.

The client talks to a fake OpenAI-compatible server on 127.0.0.1; the
instrumentor's spans go through a ``TracerProvider`` whose only processor
is the bridge; the events are delivered by an EventBatcher to the local
server and read back with getEvents.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import openai
import pytest
from opentelemetry.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer as OtelTracer

from honeyhive_async import EventBatcher, HoneyHiveCore, funcs, tracing
from honeyhive_async.otel import HoneyHiveSpanProcessor
from honeyhive_async.server import LocalServer
from tests.otel._fake_openai import (
    BROKEN_MODEL,
    COMPLETION_TOKENS,
    PROMPT_TOKENS,
    REPLY,
    FakeOpenAI,
)

# opentelemetry-instrumentation-openai 0.62 declares a pydantic model with a class-based
# config, which pydantic 2 deprecates, when it first instruments the client.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Support for class-based `config` is deprecated:DeprecationWarning"
)

PROJECT = "otel-openai"
MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is the capital of France?"},
]


@dataclass
class Stack:
    core: HoneyHiveCore
    tracer: tracing.Tracer
    processor: HoneyHiveSpanProcessor
    otel: OtelTracer
    client: openai.AsyncOpenAI

    async def events(self) -> list[Any]:
        """Every stored event of the project, after delivering what is queued."""
        report = await self.tracer.flush()
        assert (0, 0) == (report.failed, self.processor.dropped)
        page = await funcs.events_get_events(self.core, {"project": PROJECT, "filters": []})
        return list(page.unwrap().events)


@pytest.fixture(scope="module")
def provider() -> Iterator[TracerProvider]:
    """One provider with the client instrumented, for the whole module.

    Instrumented once: opentelemetry-instrumentation-openai 0.62 leaves a
    wrapper behind on ``uninstrument()``, so instrumenting again wraps twice
    (two spans per call, streamed text doubled).
    """
    provider = TracerProvider(shutdown_on_exit=False)
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    yield provider
    instrumentor.uninstrument()
    provider.shutdown()


@pytest.fixture
async def stack(provider: TracerProvider) -> AsyncIterator[Stack]:
    """Local HoneyHive, fake OpenAI, a bridge on the provider, the instrumented client."""
    async with LocalServer() as server, FakeOpenAI() as fake:
        core = HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url)
        async with core, EventBatcher(core) as batcher:
            tracer = tracing.Tracer(batcher, project=PROJECT, source="test", install=False)
            processor = HoneyHiveSpanProcessor(tracer)
            provider.add_span_processor(processor)  # the previous tests' are shut down
            client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
            try:
                yield Stack(core, tracer, processor, provider.get_tracer("app"), client)
            finally:
                await client.close()
                processor.shutdown()


def by_name(events: list[Any]) -> dict[str, Any]:
    return {(e.event_type, e.event_name): e for e in events}


async def test_chat_completion_is_a_model_event_in_the_tree(stack: Stack) -> None:
    """Model, provider, parameters, messages, reply and tokens; child of the app's span."""
    with stack.otel.start_as_current_span("answer"):
        reply = await stack.client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, temperature=0.2, max_tokens=50
        )
    assert REPLY == reply.choices[0].message.content
    events = by_name(await stack.events())
    session, answer, chat = (
        events["session", "answer"],
        events["chain", "answer"],
        events["model", "openai.chat"],
    )
    assert ("gpt-4o-mini", "openai") == (chat.config["model"], chat.config["provider"])
    assert {"temperature": 0.2, "max_tokens": 50} == {
        k: chat.config["hyperparameters"][k] for k in ("temperature", "max_tokens")
    }
    assert MESSAGES == chat.inputs["chat_history"]
    assert ("assistant", REPLY) == (chat.outputs["role"], chat.outputs["content"])
    assert {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS} == {
        k: chat.metadata[k] for k in ("prompt_tokens", "completion_tokens")
    }
    assert (answer.event_id, session.event_id) == (chat.parent_id, answer.parent_id)
    assert {session.event_id} == {chat.session_id, answer.session_id, session.session_id}
    assert chat.error is None


async def test_streamed_completion_keeps_reply_tokens_and_first_token_time(stack: Stack) -> None:
    """A streamed call (SSE chunks, usage in the last) is one model event with the whole reply."""
    stream = await stack.client.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]
    assert REPLY == "".join(pieces)
    events = by_name(await stack.events())
    chat, session = events["model", "openai.chat"], events["session", "openai.chat"]
    assert REPLY == chat.outputs["content"]
    assert MESSAGES == chat.inputs["chat_history"]
    assert PROMPT_TOKENS + COMPLETION_TOKENS == chat.metadata["total_tokens"]
    assert chat.metrics["time_to_first_token_ms"] >= 0
    assert session.event_id == chat.parent_id == chat.session_id


async def test_failed_call_records_the_error(stack: Stack) -> None:
    """A 400 from the API: the event's error names the exception and its message."""
    with pytest.raises(openai.BadRequestError):
        await stack.client.chat.completions.create(model=BROKEN_MODEL, messages=MESSAGES)
    chat = by_name(await stack.events())["model", "openai.chat"]
    assert chat.error.startswith("openai.BadRequestError: Error code: 400")
    assert BROKEN_MODEL == chat.config["model"]


async def test_nests_with_tracing_both_ways(stack: Stack) -> None:
    """tracing session > @trace > OpenAI span; and OTel span > @trace > OpenAI span."""

    @tracing.trace(event_name="ask", event_type="chain")
    async def ask(question: str) -> str:
        reply = await stack.client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
        )
        return reply.choices[0].message.content or ""

    async with stack.tracer.session("traced-first") as session:
        assert REPLY == await ask("one")
    with stack.otel.start_as_current_span("otel-first") as root:
        assert REPLY == await ask("two")
    events = await stack.events()
    asks = {e.inputs["question"]: e for e in events if e.event_name == "ask"}
    chats = {e.inputs["chat_history"][0]["content"]: e for e in events if e.event_type == "model"}
    assert (session.session_id, session.session_id) == (
        asks["one"].parent_id,
        chats["one"].session_id,
    )
    assert asks["one"].event_id == chats["one"].parent_id
    otel_root = next(e for e in events if (e.event_type, e.event_name) == ("chain", "otel-first"))
    assert otel_root.event_id == asks["two"].parent_id
    assert asks["two"].event_id == chats["two"].parent_id
    assert f"{root.get_span_context().trace_id:032x}" == otel_root.metadata["otel"]["trace_id"]
    sessions = sorted(e.event_name for e in events if e.event_type == "session")
    assert ["otel-first", "traced-first"] == sessions


async def test_force_flush_from_another_thread_delivers(stack: Stack) -> None:
    """provider.force_flush() from a worker thread waits for delivery; on the loop it hands over."""
    await stack.client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert await asyncio.to_thread(stack.processor.force_flush, 10_000)
    assert stack.processor.force_flush()  # on the loop: cannot wait, hands over
    page = await funcs.events_get_events(stack.core, {"project": PROJECT, "filters": []})
    assert 2 == len(page.unwrap().events)  # the call and its session
