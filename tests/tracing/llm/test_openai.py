"""``tracing.wrap_openai``: the real ``openai`` client against the fake API, one event per call."""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_async import tracing
from tests.tracing.conftest import Recorder
from tests.tracing.llm._fake_api import (
    BROKEN_MODEL,
    HOLD_MODEL,
    REPLY,
    REPLY_PARTS,
    TOOL_ARGUMENTS,
    FakeAPI,
)
from tests.tracing.llm._helpers import (
    USER,
    WEATHER_TOOL,
    call,
    close,
    drain,
    model_events,
    one_event,
)

TOKENS = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18, "cached_tokens": 3}
REPLY_MESSAGE = {"role": "assistant", "content": REPLY, "finish_reason": "stop"}
TOOL_REPLY = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "weather", "arguments": json.dumps(TOOL_ARGUMENTS)},
        }
    ],
    "finish_reason": "tool_calls",
}


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest) -> Any:
    """A wrapped OpenAI client, blocking or async."""
    name = "openai_client" if request.param == "sync" else "async_openai_client"
    return tracing.wrap_openai(request.getfixturevalue(name))


def fields(event: dict[str, Any], *names: str) -> dict[str, Any]:
    """The named fields of *event* (absent ones as ``None``)."""
    return {name: event.get(name) for name in names}


async def test_chat_completion_is_one_model_event(
    client: Any, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """config, inputs.chat_history, outputs {role, content} and the tokens in metadata."""
    completion = await call(
        client.chat.completions.create, model="gpt-4o", messages=USER, temperature=0.2
    )

    event = await one_event(tracer, recorder)
    assert REPLY == completion.choices[0].message.content
    expected = {
        "event_name": "openai.chat.completions.create",
        "config": {
            "provider": "openai",
            "model": "gpt-4o",
            "hyperparameters": {"temperature": 0.2},
        },
        "inputs": {"chat_history": USER},
        "outputs": REPLY_MESSAGE,
        "metadata": TOKENS,
        "metrics": None,
        "error": None,
    }
    assert expected == fields(event, *expected)


async def test_root_call_has_a_session_of_its_own(
    client: Any, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """Outside any span the model event is the root of a session, as a traced call is."""
    await call(client.chat.completions.create, model="gpt-4o", messages=USER)

    event = await one_event(tracer, recorder)
    (session,) = recorder.sessions
    assert (session["event_id"], session["event_id"]) == (event["session_id"], event["parent_id"])


async def test_call_nests_under_the_current_span(
    client: Any, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """Inside a span the model event is that span's child, in its session."""
    async with tracing.span("rag", event_type="chain") as outer:
        await call(client.chat.completions.create, model="gpt-4o", messages=USER)

    event = await one_event(tracer, recorder)
    assert (outer.event_id, outer.session_id) == (event["parent_id"], event["session_id"])
    assert 1 == len(recorder.sessions)


@pytest.mark.parametrize(
    ("options", "tokens"),
    [({"stream_options": {"include_usage": True}}, TOKENS), ({}, None)],
    ids=["usage chunk", "no usage chunk"],
)
async def test_streamed_chat_completion(
    client: Any,
    tracer: tracing.Tracer,
    recorder: Recorder,
    options: dict[str, Any],
    tokens: dict[str, Any] | None,
) -> None:
    """The text read, the usage when the stream carries it, the time to the first token."""
    stream = await call(
        client.chat.completions.create, model="gpt-4o", messages=USER, stream=True, **options
    )
    chunks = await drain(stream)

    event = await one_event(tracer, recorder)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert (REPLY, REPLY_MESSAGE) == (text, event["outputs"])
    # stream_options is recorded as given, never added: without it the fake sends no usage.
    assert {"stream": True, **options} == event["config"]["hyperparameters"]
    assert tokens == event.get("metadata")
    assert 0 <= event["metrics"]["time_to_first_token_ms"] <= event["duration"]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "streamed"])
async def test_tool_calls(
    client: Any, tracer: tracing.Tracer, recorder: Recorder, stream: bool
) -> None:
    """The tools given are config.tools; the calls the model asked for are outputs.tool_calls."""
    result = await call(
        client.chat.completions.create,
        model="gpt-4o",
        messages=USER,
        tools=[WEATHER_TOOL],
        stream=stream,
    )
    if stream:
        await drain(result)

    event = await one_event(tracer, recorder)
    expected = TOOL_REPLY if not stream else {**TOOL_REPLY, "content": ""}
    assert ([WEATHER_TOOL], expected) == (event["config"]["tools"], event["outputs"])


async def test_error_is_recorded_and_propagates_unchanged(
    client: Any, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A 400 is the event's error, "BadRequestError: ..."; the client's exception propagates."""
    with pytest.raises(openai.BadRequestError) as raised:
        await call(client.chat.completions.create, model=BROKEN_MODEL, messages=USER)

    event = await one_event(tracer, recorder)
    assert 400 == raised.value.status_code
    assert f"BadRequestError: {raised.value}" == event["error"]
    assert "does not exist" in event["error"]
    assert "outputs" not in event


RESPONSE_TOKENS = {**TOKENS, "reasoning_tokens": 2}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "streamed"])
async def test_responses_api(
    client: Any, tracer: tracing.Tracer, recorder: Recorder, stream: bool
) -> None:
    """instructions and input are the chat history; the output text and usage are recorded."""
    if not hasattr(client, "responses"):
        pytest.skip("this openai version has no responses API")
    result = await call(
        client.responses.create,
        model="gpt-4o",
        instructions="Be brief.",
        input="What is the capital of France?",
        stream=stream,
    )
    if stream:
        await drain(result)

    event = await one_event(tracer, recorder)
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    expected = {
        "event_name": "openai.responses.create",
        "inputs": {"chat_history": history},
        "outputs": {"role": "assistant", "content": REPLY, "finish_reason": "completed"},
        "metadata": RESPONSE_TOKENS,
    }
    assert expected == fields(event, *expected)
    assert ("time_to_first_token_ms" in event.get("metrics", {})) == stream


async def test_responses_api_tool_call(
    client: Any, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A function call of the responses API is a tool call of the reply."""
    if not hasattr(client, "responses"):
        pytest.skip("this openai version has no responses API")
    tool = {"type": "function", "name": "weather", "parameters": {"type": "object"}}
    await call(client.responses.create, model="gpt-4o", input=USER, tools=[tool])

    event = await one_event(tracer, recorder)
    calls = [{**TOOL_REPLY["tool_calls"][0]}]
    assert (USER, calls) == (event["inputs"]["chat_history"], event["outputs"]["tool_calls"])


async def test_parse_is_recorded(client: Any, tracer: tracing.Tracer, recorder: Recorder) -> None:
    """chat.completions.parse, where the client has it, is one event too."""
    if not hasattr(client.chat.completions, "parse"):
        pytest.skip("this openai version has chat.completions.parse under beta only")
    parsed = await call(client.chat.completions.parse, model="gpt-4o", messages=USER)

    event = await one_event(tracer, recorder)
    assert REPLY == parsed.choices[0].message.content
    assert ("openai.chat.completions.parse", REPLY_MESSAGE) == (
        event["event_name"],
        event["outputs"],
    )


@pytest.mark.parametrize("accessed_before", [False, True], ids=["after", "before"])
async def test_with_raw_response_passes_through(
    openai_client: openai.OpenAI,
    async_openai_client: openai.AsyncOpenAI,
    tracer: tracing.Tracer,
    recorder: Recorder,
    accessed_before: bool,
) -> None:
    """with_raw_response works as unwrapped (its answer parses), whenever it was first used."""
    bare: Any
    for bare in (openai_client, async_openai_client):
        if accessed_before:
            _ = bare.chat.completions.with_raw_response
        client = tracing.wrap_openai(bare)
        raw = await call(
            client.chat.completions.with_raw_response.create, model="gpt-4o", messages=USER
        )
        completion = raw.parse()
        assert (200, REPLY) == (raw.status_code, completion.choices[0].message.content)

    assert [] == await model_events(tracer, recorder)


async def test_wrapping_twice_records_once(
    openai_client: openai.OpenAI, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """The second wrap is a no-op: one call, one event; the same client comes back."""
    client = tracing.wrap_openai(tracing.wrap_openai(openai_client))
    client.chat.completions.create(model="gpt-4o", messages=USER)

    assert openai_client is client
    assert 1 == len(await model_events(tracer, recorder))


async def test_stream_keeps_what_the_client_gave(
    client: Any, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """The caller gets the client's own stream: its type, .response, with-block and close()."""
    stream = await call(client.chat.completions.create, model="gpt-4o", messages=USER, stream=True)
    assert isinstance(stream, (openai.Stream, openai.AsyncStream))
    assert 200 == stream.response.status_code
    if isinstance(stream, openai.Stream):
        with stream:
            first = next(iter(stream))
    else:
        async with stream:
            first = await stream.__anext__()

    event = await one_event(tracer, recorder)
    assert "assistant" == first.choices[0].delta.role
    # Closed after the first chunk (its content is ""): nothing was said yet.
    assert {"role": "assistant", "content": ""} == event["outputs"]
    assert "closed" == event["metadata"]["stream_end"]


async def test_stream_closed_early_keeps_what_was_read(
    client: Any, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """close() in the middle finishes the event with the text read so far, once."""
    stream = await call(client.chat.completions.create, model="gpt-4o", messages=USER, stream=True)
    read = []
    if isinstance(stream, openai.Stream):
        for _, chunk in zip(range(3), stream, strict=False):
            read.append(chunk)
    else:
        for _ in range(3):
            read.append(await stream.__anext__())
    await close(stream)
    await close(stream)

    event = await one_event(tracer, recorder)
    assert "".join(REPLY_PARTS[:2]) == event["outputs"]["content"]


async def test_cancelled_stream_is_recorded_as_cancelled(
    async_openai_client: openai.AsyncOpenAI, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A task cancelled while it waits for a chunk ends the event as cancelled, with the text."""
    client = tracing.wrap_openai(async_openai_client)
    got_first = asyncio.Event()

    async def read() -> None:
        stream = await client.chat.completions.create(model=HOLD_MODEL, messages=USER, stream=True)
        async with stream:
            async for _ in stream:
                got_first.set()

    task = asyncio.create_task(read())
    await got_first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    event = await one_event(tracer, recorder)
    expected = ("cancelled (CancelledError)", REPLY_PARTS[0])
    assert expected == (event["error"], event["outputs"]["content"])


async def test_abandoned_stream_is_finished_when_collected(
    openai_client: openai.OpenAI, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A stream dropped without close() ends its event when it is collected, once."""
    client = tracing.wrap_openai(openai_client)
    stream = client.chat.completions.create(model="gpt-4o", messages=USER, stream=True)
    next(stream)
    next(stream)
    assert [] == await model_events(tracer, recorder)

    del stream
    gc.collect()

    event = await one_event(tracer, recorder)
    expected = ("abandoned", REPLY_PARTS[0])
    assert expected == (event["metadata"]["stream_end"], event["outputs"]["content"])


async def test_sync_client_in_a_worker_thread_nests_under_the_traced_call(
    openai_client: openai.OpenAI, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A blocking client called through asyncio.to_thread inside a traced function is its child."""
    client = tracing.wrap_openai(openai_client)

    @tracing.trace
    async def answer() -> str:
        def ask() -> str:
            completion = client.chat.completions.create(model="gpt-4o", messages=USER)
            return str(completion.choices[0].message.content)

        return await asyncio.to_thread(ask)

    assert REPLY == await answer()

    event = await one_event(tracer, recorder)
    parent = recorder.named(answer.__qualname__)
    assert (parent["event_id"], REPLY_MESSAGE) == (event["parent_id"], event["outputs"])


async def test_disabled_tracing_records_nothing(
    client: Any, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """tracing.disable() makes the wrapper pass-through."""
    tracing.disable()
    completion = await call(client.chat.completions.create, model="gpt-4o", messages=USER)

    assert REPLY == completion.choices[0].message.content
    assert [] == recorder.events


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=st.lists(st.text(max_size=12), max_size=12))
async def test_any_chunks_give_their_text_and_one_event(
    async_openai_client: openai.AsyncOpenAI,
    tracer: tracing.Tracer,
    recorder: Recorder,
    parts: list[str],
) -> None:
    """Whatever the deltas, the event holds their concatenation, and there is one event."""
    recorder.clear()
    client = tracing.wrap_openai(async_openai_client)
    stream = await client.chat.completions.create(
        model="gpt-4o",
        messages=USER,
        stream=True,
        extra_headers={"X-Fake-Reply": json.dumps(parts)},
    )
    await drain(stream)

    event = await one_event(tracer, recorder)
    assert "".join(parts) == event["outputs"]["content"]


async def test_client_copies_are_wrapped_too(
    openai_client: openai.OpenAI, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """with_options() makes a new client: its calls are recorded as well."""
    client = tracing.wrap_openai(openai_client)
    client.with_options(timeout=30).chat.completions.create(model="gpt-4o", messages=USER)
    client.copy().chat.completions.create(model="gpt-4o", messages=USER)

    assert 2 == len(await model_events(tracer, recorder))


async def test_azure_client_is_recorded_as_azure(
    fake_api: FakeAPI, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """The Azure class shares the client's tree: its calls are recorded, provider "azure"."""
    azure = openai.AzureOpenAI(
        api_key="azure-test", azure_endpoint=fake_api.url, api_version="2024-06-01", max_retries=0
    )
    with tracing.wrap_openai(azure) as client:
        client.chat.completions.create(model="gpt-4o", messages=USER)

    event = await one_event(tracer, recorder)
    assert ("azure", REPLY_MESSAGE) == (event["config"]["provider"], event["outputs"])


async def test_abandoned_async_stream_is_finished_when_collected(
    async_openai_client: openai.AsyncOpenAI, tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """The same for an async stream: collected unclosed, its event ends with what was read."""
    client = tracing.wrap_openai(async_openai_client)
    stream = await client.chat.completions.create(model="gpt-4o", messages=USER, stream=True)
    await stream.__anext__()
    await stream.__anext__()

    del stream
    gc.collect()
    await asyncio.sleep(0)  # the loop closes the collected generators

    event = await one_event(tracer, recorder)
    expected = ("abandoned", REPLY_PARTS[0])
    assert expected == (event["metadata"]["stream_end"], event["outputs"]["content"])
