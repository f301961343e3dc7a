"""``tracing.wrap_anthropic``: the real ``anthropic`` client against the fake API."""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

import anthropic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_async import tracing
from tests.tracing.conftest import Recorder
from tests.tracing.llm._fake_api import BROKEN_MODEL, HOLD_MODEL, REPLY, TOOL_ARGUMENTS
from tests.tracing.llm._helpers import ANTHROPIC_TOOL, USER, call, drain, model_events, one_event

# input/output tokens under HoneyHive's names; cached ones under their own, never summed twice
TOKENS = {
    "prompt_tokens": 11,
    "completion_tokens": 7,
    "total_tokens": 18,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 3,
}
REPLY_MESSAGE = {"role": "assistant", "content": REPLY, "finish_reason": "end_turn"}
HISTORY = [{"role": "system", "content": "Be brief."}, *USER]


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest) -> Any:
    """A wrapped Anthropic client, blocking or async."""
    name = "anthropic_client" if request.param == "sync" else "async_anthropic_client"
    return tracing.wrap_anthropic(request.getfixturevalue(name))


@pytest.mark.parametrize("stream", [False, True], ids=["json", "streamed"])
async def test_message_is_one_model_event(
    client: Any, tracer: tracing.Tracer, recorder: Recorder, stream: bool
) -> None:
    """system is the first message; the reply and the usage (mapped) are recorded."""
    result = await call(
        client.messages.create,
        model="claude-test",
        max_tokens=64,
        system="Be brief.",
        messages=USER,
        stream=stream,
    )
    if stream:
        await drain(result)

    event = await one_event(tracer, recorder)
    hyperparameters = {"max_tokens": 64, "stream": stream}  # as given
    expected = {
        "event_name": "anthropic.messages.create",
        "config": {
            "provider": "anthropic",
            "model": "claude-test",
            "hyperparameters": hyperparameters,
        },
        "inputs": {"chat_history": HISTORY},
        "outputs": REPLY_MESSAGE,
        "metadata": TOKENS,
        "error": None,
    }
    assert expected == {name: event.get(name) for name in expected}
    assert ("time_to_first_token_ms" in event.get("metrics", {})) == stream


@pytest.mark.parametrize("stream", [False, True], ids=["json", "streamed"])
async def test_tool_use_is_a_tool_call(
    client: Any, tracer: tracing.Tracer, recorder: Recorder, stream: bool
) -> None:
    """A tool_use block is a tool call of the reply; the tools given are config.tools."""
    result = await call(
        client.messages.create,
        model="claude-test",
        max_tokens=64,
        messages=USER,
        tools=[ANTHROPIC_TOOL],
        stream=stream,
    )
    if stream:
        await drain(result)

    event = await one_event(tracer, recorder)
    calls = [
        {
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "weather", "arguments": TOOL_ARGUMENTS},
        }
    ]
    assert ([ANTHROPIC_TOOL], calls, "tool_use") == (
        event["config"]["tools"],
        event["outputs"]["tool_calls"],
        event["outputs"]["finish_reason"],
    )


async def test_error_is_recorded_and_propagates_unchanged(
    client: Any, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A 400 is the event's error; the client's BadRequestError propagates."""
    with pytest.raises(anthropic.BadRequestError) as raised:
        await call(client.messages.create, model=BROKEN_MODEL, max_tokens=64, messages=USER)

    event = await one_event(tracer, recorder)
    assert f"BadRequestError: {raised.value}" == event["error"]
    assert "not found" in event["error"]


async def test_message_stream_helper_sync(
    anthropic_client: anthropic.Anthropic, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """messages.stream(): text_stream and get_final_message() work, and the call is recorded."""
    client = tracing.wrap_anthropic(anthropic_client)
    with client.messages.stream(model="claude-test", max_tokens=64, messages=USER) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()

    event = await one_event(tracer, recorder)
    assert (REPLY, 7) == (text, final.usage.output_tokens)
    expected = ("anthropic.messages.stream", REPLY_MESSAGE, TOKENS)
    assert expected == (event["event_name"], event["outputs"], event["metadata"])
    assert event["metrics"]["time_to_first_token_ms"] >= 0


async def test_message_stream_helper_async(
    async_anthropic_client: anthropic.AsyncAnthropic, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """The async messages.stream() too; the request is sent (and timed) on entering."""
    client = tracing.wrap_anthropic(async_anthropic_client)
    manager = client.messages.stream(model="claude-test", max_tokens=64, messages=USER)
    assert [] == await model_events(tracer, recorder)
    async with manager as stream:
        text = "".join([piece async for piece in stream.text_stream])
        final = await stream.get_final_message()

    event = await one_event(tracer, recorder)
    assert (REPLY, REPLY) == (text, final.content[0].text)
    assert (REPLY_MESSAGE, TOKENS) == (event["outputs"], event["metadata"])


async def test_message_stream_left_early_is_finished(
    anthropic_client: anthropic.Anthropic, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """Leaving the with-block after the first text ends the event with that text."""
    client = tracing.wrap_anthropic(anthropic_client)
    with client.messages.stream(model="claude-test", max_tokens=64, messages=USER) as stream:
        first = next(iter(stream.text_stream))
    del stream
    gc.collect()  # an older client closes the response, not the stream: then collection ends it

    event = await one_event(tracer, recorder)
    assert first == event["outputs"]["content"]


async def test_cancelled_stream_is_recorded_as_cancelled(
    async_anthropic_client: anthropic.AsyncAnthropic, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A task cancelled while it waits for the next event ends the event as cancelled."""
    client = tracing.wrap_anthropic(async_anthropic_client)
    started = asyncio.Event()

    async def read() -> None:
        stream = await client.messages.create(
            model=HOLD_MODEL, max_tokens=64, messages=USER, stream=True
        )
        async for _ in stream:
            started.set()

    task = asyncio.create_task(read())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    event = await one_event(tracer, recorder)
    # message_start carried the input tokens and the first output token.
    expected = ("cancelled (CancelledError)", 11, 1)
    metadata = event["metadata"]
    assert expected == (event["error"], metadata["prompt_tokens"], metadata["completion_tokens"])


async def test_wrapping_twice_records_once(
    anthropic_client: anthropic.Anthropic, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """The second wrap is a no-op, for create and for stream."""
    client = tracing.wrap_anthropic(tracing.wrap_anthropic(anthropic_client))
    client.messages.create(model="claude-test", max_tokens=64, messages=USER)
    with client.messages.stream(model="claude-test", max_tokens=64, messages=USER) as stream:
        stream.until_done()

    assert 2 == len(await model_events(tracer, recorder))


async def test_with_raw_response_passes_through(
    anthropic_client: anthropic.Anthropic, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """with_raw_response works as unwrapped, unrecorded."""
    client = tracing.wrap_anthropic(anthropic_client)
    raw = client.messages.with_raw_response.create(
        model="claude-test", max_tokens=64, messages=USER
    )

    assert REPLY == raw.parse().content[0].text
    assert [] == await model_events(tracer, recorder)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=st.lists(st.text(max_size=12), max_size=12))
async def test_any_deltas_give_their_text_and_one_event(
    async_anthropic_client: anthropic.AsyncAnthropic,
    tracer: tracing.Tracer,
    recorder: Recorder,
    parts: list[str],
) -> None:
    """Whatever the text deltas, the event holds their concatenation and usage counted once."""
    recorder.clear()
    client = tracing.wrap_anthropic(async_anthropic_client)
    stream = await client.messages.create(
        model="claude-test",
        max_tokens=64,
        messages=USER,
        stream=True,
        extra_headers={"X-Fake-Reply": json.dumps(parts)},
    )
    await drain(stream)

    event = await one_event(tracer, recorder)
    assert ("".join(parts), TOKENS) == (event["outputs"]["content"], event["metadata"])


async def test_client_copies_are_wrapped_too(
    anthropic_client: anthropic.Anthropic, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """with_options() makes a new client: its calls are recorded as well."""
    client = tracing.wrap_anthropic(anthropic_client)
    copy = client.with_options(timeout=30)
    copy.messages.create(model="claude-test", max_tokens=64, messages=USER)

    assert 1 == len(await model_events(tracer, recorder))
