"""Span attributes of each convention -> the event fields the bridge sends."""

from __future__ import annotations

import json
from typing import Any

import pytest
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode

from honeyhive_async.otel._conventions import EXACT, PREFIX_LISTS, PREFIXES
from honeyhive_async.otel._mapping import (
    MAX_ATTRIBUTES,
    MAX_EVENTS,
    MAX_ITEMS,
    MAX_STRING,
    is_genai,
    map_span,
)

FIELDS = ("event_type", "inputs", "outputs", "config", "metrics", "error")


def span(
    attributes: dict[str, Any],
    events: tuple[Event, ...] = (),
    status: Status | None = None,
    name: str = "span",
) -> ReadableSpan:
    return ReadableSpan(
        name=name,
        context=SpanContext(0xABC, 0xDEF, is_remote=False),
        attributes=attributes,
        events=events,
        status=status or Status(StatusCode.UNSET),
        kind=SpanKind.CLIENT,
        start_time=1_000_000_000,
        end_time=3_500_000_000,
    )


def mapped(attributes: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The fields of FIELDS that the mapping set, and the token counts and cost as ``usage``."""
    event = map_span(span(attributes, **options))
    fields = {k: event[k] for k in FIELDS if k in event}
    usage = {k: v for k, v in event["metadata"].items() if isinstance(v, (int, float))}
    if usage:  # the only plain numbers at the top of metadata: the rest is nested at its dots
        fields["usage"] = usage
    return fields


MESSAGES_IN = [
    {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
    {"role": "user", "parts": [{"type": "text", "content": "Capital of France?"}]},
]
MESSAGES_OUT = [
    {
        "role": "assistant",
        "parts": [{"type": "text", "content": "Paris."}],
        "finish_reason": "stop",
    }
]
CHAT_HISTORY = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Capital of France?"},
]

GENAI = [
    pytest.param(
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.request.temperature": 0.2,
            "gen_ai.request.max_tokens": 50,
            "gen_ai.request.top_p": 0.9,
            "gen_ai.request.stop_sequences": ("\n",),
            "gen_ai.input.messages": json.dumps(MESSAGES_IN),
            "gen_ai.output.messages": json.dumps(MESSAGES_OUT),
            "gen_ai.usage.input_tokens": 11,
            "gen_ai.usage.output_tokens": 7,
            "gen_ai.usage.cache_read_input_tokens": 2,
        },
        {
            "event_type": "model",
            "inputs": {"chat_history": CHAT_HISTORY},
            "outputs": {"role": "assistant", "content": "Paris.", "finish_reason": "stop"},
            "config": {
                "model": "gpt-4o",
                "provider": "openai",
                "hyperparameters": {
                    "temperature": 0.2,
                    "max_tokens": 50,
                    "top_p": 0.9,
                    "stop_sequences": ["\n"],
                },
            },
            "usage": {
                "prompt_tokens": 11,
                "completion_tokens": 7,
                "cache_read_input_tokens": 2,
                "total_tokens": 18,
            },
        },
        id="chat, current conventions",
    ),
    pytest.param(
        {
            "gen_ai.system": "anthropic",
            "gen_ai.response.model": "claude-x",
            "gen_ai.usage.prompt_tokens": 3,
            "gen_ai.usage.completion_tokens": 4,
            "gen_ai.system_instructions": "Be kind.",
        },
        {
            "event_type": "model",
            "inputs": {"system": "Be kind."},
            "config": {"provider": "anthropic", "model": "claude-x"},
            "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
        },
        id="older names, model only from the response",
    ),
    pytest.param(
        {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "weather",
            "gen_ai.tool.call.arguments": '{"city": "Paris"}',
            "gen_ai.tool.call.result": "sunny",
        },
        {
            "event_type": "tool",
            "inputs": {"city": "Paris"},
            "outputs": {"value": "sunny"},
            "config": {},
        },
        id="tool call",
    ),
    pytest.param(
        {"gen_ai.operation.name": "embeddings", "gen_ai.request.model": "text-embedding-3"},
        {"event_type": "model", "inputs": {}, "config": {"model": "text-embedding-3"}},
        id="embeddings",
    ),
    pytest.param(
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o"},
        {"event_type": "chain", "inputs": {}, "config": {"model": "gpt-4o"}},
        id="agent",
    ),
    pytest.param(
        {
            "gen_ai.output.messages": json.dumps(
                [
                    {
                        "role": "assistant",
                        "parts": [
                            {"type": "tool_call", "id": "c1", "name": "f", "arguments": {}},
                            {"type": "reasoning", "content": "hm"},
                        ],
                    },
                    {"role": "assistant", "parts": [{"type": "text", "content": "b"}]},
                ]
            )
        },
        {
            "event_type": "chain",
            "inputs": {},
            "outputs": {
                "choices": [
                    {
                        "role": "assistant",
                        "tool_calls": [{"id": "c1", "name": "f", "arguments": {}}],
                        "parts": [{"type": "reasoning", "content": "hm"}],
                    },
                    {"role": "assistant", "content": "b"},
                ]
            },
            "config": {},
        },
        id="tool calls and several choices",
    ),
]

OPENLLMETRY = [
    pytest.param(
        {
            "llm.request.type": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.prompt.0.role": "system",
            "gen_ai.prompt.0.content": "Be brief.",
            "gen_ai.prompt.1.role": "user",
            "gen_ai.prompt.1.content": "Capital of France?",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.content": "Paris.",
            "gen_ai.completion.0.finish_reason": "stop",
            "llm.usage.total_tokens": 18,
            "llm.top_k": 5,
            "llm.is_streaming": False,
        },
        {
            "event_type": "model",
            "inputs": {"chat_history": CHAT_HISTORY},
            "outputs": {"role": "assistant", "content": "Paris.", "finish_reason": "stop"},
            "config": {
                "model": "gpt-4o-mini",
                "provider": "openai",
                "hyperparameters": {"top_k": 5, "stream": False},
            },
            "usage": {"total_tokens": 18},
        },
        id="chat, indexed attributes",
    ),
    pytest.param(
        {
            "traceloop.span.kind": "workflow",
            "traceloop.entity.name": "answer",
            "traceloop.entity.input": '{"args": ["q"], "kwargs": {}}',
            "traceloop.entity.output": '"Paris"',
        },
        {
            "event_type": "chain",
            "inputs": {"args": ["q"], "kwargs": {}},
            "outputs": {"value": '"Paris"'},
            "config": {},
        },
        id="workflow",
    ),
    pytest.param(
        {"traceloop.span.kind": "tool", "traceloop.entity.input": "plain text"},
        {"event_type": "tool", "inputs": {"value": "plain text"}, "config": {}},
        id="tool",
    ),
    pytest.param(
        {
            "llm.request.type": "chat",
            "llm.request.functions.0.name": "weather",
            "llm.request.functions.0.parameters": '{"type": "object"}',
            "gen_ai.completion.0.tool_calls.0.name": "weather",
            "gen_ai.completion.0.tool_calls.0.arguments": '{"city": "Paris"}',
        },
        {
            "event_type": "model",
            "inputs": {},
            "outputs": {"tool_calls": [{"name": "weather", "arguments": '{"city": "Paris"}'}]},
            "config": {"tools": [{"name": "weather", "parameters": '{"type": "object"}'}]},
        },
        id="functions and tool calls",
    ),
]

OPENINFERENCE = [
    pytest.param(
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "llm.provider": "openai",
            "llm.invocation_parameters": '{"temperature": 0, "max_tokens": 20}',
            "llm.input_messages.0.message.role": "system",
            "llm.input_messages.0.message.content": "Be brief.",
            "llm.input_messages.1.message.role": "user",
            "llm.input_messages.1.message.content": "Capital of France?",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "Paris.",
            "llm.token_count.prompt": 11,
            "llm.token_count.completion": 7,
            "llm.token_count.total": 18,
            "llm.token_count.prompt_details.cache_read": 1,
            "llm.cost.total": 0.002,
            "llm.cost.prompt": 0.001,
            "input.value": '{"messages": []}',
            "input.mime_type": "application/json",
        },
        {
            "event_type": "model",
            "inputs": {"chat_history": CHAT_HISTORY},
            "outputs": {"role": "assistant", "content": "Paris."},
            "config": {
                "model": "gpt-4o",
                "provider": "openai",
                "hyperparameters": {"temperature": 0, "max_tokens": 20},
            },
            "usage": {
                "prompt_tokens": 11,
                "completion_tokens": 7,
                "total_tokens": 18,
                "tokens_prompt_details_cache_read": 1,
                "cost": 0.002,
                "cost_prompt": 0.001,
            },
        },
        id="llm",
    ),
    pytest.param(
        {
            "openinference.span.kind": "CHAIN",
            "input.value": '{"question": "q"}',
            "output.value": "an answer",
        },
        {
            "event_type": "chain",
            "inputs": {"question": "q"},
            "outputs": {"value": "an answer"},
            "config": {},
        },
        id="chain",
    ),
    pytest.param(
        {
            "openinference.span.kind": "RETRIEVER",
            "input.value": "capital",
            "retrieval.documents.0.document.content": "Paris is...",
            "retrieval.documents.0.document.score": 0.9,
            "retrieval.documents.1.document.content": "Lyon is...",
        },
        {
            "event_type": "tool",
            "inputs": {"value": "capital"},
            "outputs": {
                "documents": [{"content": "Paris is...", "score": 0.9}, {"content": "Lyon is..."}]
            },
            "config": {},
        },
        id="retriever",
    ),
    pytest.param(
        {
            "openinference.span.kind": "LLM",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.contents.0.message_content.type": "text",
            "llm.input_messages.0.message.contents.0.message_content.text": "Look: ",
            "llm.input_messages.0.message.contents.1.message_content.type": "text",
            "llm.input_messages.0.message.contents.1.message_content.text": "a cat",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "f",
            "llm.tools.0.tool.json_schema": '{"name": "f"}',
        },
        {
            "event_type": "model",
            "inputs": {"chat_history": [{"role": "user", "content": "Look: a cat"}]},
            "outputs": {"role": "assistant", "tool_calls": [{"function": {"name": "f"}}]},
            "config": {"tools": [{"json_schema": '{"name": "f"}'}]},
        },
        id="multi-part contents, tool calls, tools",
    ),
    pytest.param(
        {"openinference.span.kind": "EMBEDDING", "embedding.model_name": "e5"},
        {"event_type": "model", "inputs": {}, "config": {"model": "e5"}},
        id="embedding",
    ),
]


@pytest.mark.parametrize(("attributes", "expected"), GENAI)
def test_genai_semantic_conventions(attributes: dict[str, Any], expected: dict[str, Any]) -> None:
    """The OpenTelemetry GenAI conventions map to model/tool/chain events."""
    assert expected == mapped(attributes)


@pytest.mark.parametrize(("attributes", "expected"), OPENLLMETRY)
def test_openllmetry(attributes: dict[str, Any], expected: dict[str, Any]) -> None:
    """OpenLLMetry's traceloop.* and indexed gen_ai.prompt/completion attributes."""
    assert expected == mapped(attributes)


@pytest.mark.parametrize(("attributes", "expected"), OPENINFERENCE)
def test_openinference(attributes: dict[str, Any], expected: dict[str, Any]) -> None:
    """OpenInference's span kinds, llm.* and input/output values."""
    assert expected == mapped(attributes)


EVENT_CASES = [
    pytest.param(
        (
            Event("gen_ai.system.message", {"content": "Be brief."}),
            Event("gen_ai.user.message", {"content": "Capital of France?"}),
            Event(
                "gen_ai.choice",
                {"gen_ai.event.content": '{"index": 0, "message": {"content": "Paris."}}'},
            ),
        ),
        {
            "inputs": {"chat_history": CHAT_HISTORY},
            "outputs": {"role": "assistant", "content": "Paris.", "index": 0},
        },
        id="message events",
    ),
    pytest.param(
        (
            Event("gen_ai.content.prompt", {"gen_ai.prompt": json.dumps(CHAT_HISTORY)}),
            Event("gen_ai.content.completion", {"gen_ai.completion": "Paris."}),
        ),
        {"inputs": {"chat_history": CHAT_HISTORY}, "outputs": {"content": "Paris."}},
        id="older content events",
    ),
]


@pytest.mark.parametrize(("events", "expected"), EVENT_CASES)
def test_messages_from_span_events(events: tuple[Event, ...], expected: dict[str, Any]) -> None:
    """Prompt and completion recorded as span events become inputs and outputs."""
    event = map_span(span({"gen_ai.request.model": "m"}, events))
    assert expected == {"inputs": event["inputs"], "outputs": event["outputs"]}


def test_first_streamed_chunk_gives_time_to_first_token() -> None:
    """The first chunk event's offset from the start is metrics.time_to_first_token_ms."""
    chunks = tuple(
        Event("gen_ai.content.completion.chunk", {}, timestamp=t)
        for t in (1_250_000_000, 1_300_000_000)
    )
    event = map_span(span({"gen_ai.request.model": "m"}, chunks))
    assert {"time_to_first_token_ms": 250.0} == event["metrics"]
    assert "events" not in event["metadata"]["otel"]


ERRORS = [
    pytest.param(Status(StatusCode.ERROR, "boom"), (), {}, "boom", id="status description"),
    pytest.param(
        Status(StatusCode.ERROR, "Error code: 400"),
        (
            Event(
                "exception",
                {"exception.type": "openai.BadRequestError", "exception.message": "bad model"},
            ),
        ),
        {},
        "openai.BadRequestError: bad model",
        id="exception event wins",
    ),
    pytest.param(
        Status(StatusCode.ERROR), (), {"error.type": "TimeoutError"}, "TimeoutError", id="type"
    ),
    pytest.param(Status(StatusCode.ERROR), (), {}, "error", id="nothing said"),
    pytest.param(
        Status(StatusCode.UNSET),
        (Event("exception", {"exception.type": "KeyError"}),),
        {},
        "KeyError",
        id="exception without status",
    ),
]


@pytest.mark.parametrize(("status", "events", "attributes", "expected"), ERRORS)
def test_error(
    status: Status, events: tuple[Event, ...], attributes: dict[str, Any], expected: str
) -> None:
    """Status ERROR and exception events become the event's error text."""
    assert expected == map_span(span(attributes, events, status))["error"]


def test_ok_span_has_no_error() -> None:
    """A span that ended well has no error field."""
    assert "error" not in map_span(span({}, status=Status(StatusCode.OK)))


def test_other_attributes_go_to_metadata_nested_at_dots() -> None:
    """Unclaimed attributes nest at their dots; the OpenTelemetry ids are kept under otel."""
    event = map_span(span({"http.request.method": "GET", "http.route": "/chat", "tag": ("a", "b")}))
    assert {
        "http": {"request": {"method": "GET"}, "route": "/chat"},
        "tag": ["a", "b"],
        "otel": {
            "trace_id": f"{0xABC:032x}",
            "span_id": f"{0xDEF:016x}",
            "kind": "client",
        },
    } == event["metadata"]


def test_name_both_value_and_level_keeps_both() -> None:
    """``a.b`` and ``a.b.c`` both survive: the value of ``a.b`` moves under the key ``""``."""
    metadata = map_span(span({"a.b": 1, "a.b.c": 2, "x.y.z": 3, "x.y": 4}))["metadata"]
    assert {"b": {"": 1, "c": 2}} == metadata["a"]
    assert {"y": {"z": 3, "": 4}} == metadata["x"]


def test_metadata_is_bounded() -> None:
    """Too many attributes are counted, long strings and sequences are cut."""
    attributes: dict[str, Any] = {f"k{i}": i for i in range(MAX_ATTRIBUTES + 5)}
    attributes["k0"] = "x" * (MAX_STRING + 10)
    attributes["k1"] = tuple(range(MAX_ITEMS + 3))
    events = tuple(Event(f"e{i}", {}) for i in range(MAX_EVENTS + 2))
    metadata = map_span(span(attributes, events))["metadata"]
    assert MAX_ATTRIBUTES + 1 == len(metadata)  # the kept attributes and "otel"
    assert 5 == metadata["otel"]["dropped_attributes"]
    assert metadata["k0"].endswith(f"... ({MAX_STRING + 10} characters)")
    assert "... 3 more items" == metadata["k1"][-1]
    assert MAX_EVENTS == len(metadata["otel"]["events"])
    assert 2 == metadata["otel"]["dropped_events"]


def test_kind_attributes_stay_in_metadata() -> None:
    """The attribute that decided the type is kept for filtering (AGENT vs CHAIN)."""
    event = map_span(span({"openinference.span.kind": "AGENT"}))
    assert ("chain", "AGENT") == (
        event["event_type"],
        event["metadata"]["openinference"]["span"]["kind"],
    )


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({}, False),
        ({"http.method": "GET"}, False),
        ({"gen_ai.request.model": "m"}, True),
        ({"llm.model_name": "m"}, True),
        ({"openinference.span.kind": "CHAIN"}, True),
        ({"traceloop.span.kind": "task"}, True),
        ({"input.value": "x"}, False),
    ],
)
def test_is_genai(attributes: dict[str, Any], expected: bool) -> None:
    """Any gen_ai.* or llm.* attribute, or a span-kind attribute, makes a GenAI span."""
    assert expected == is_genai(attributes)


def test_tables_do_not_overlap() -> None:
    """No exact rule is shadowed by a list family (the prefix rules come after exact ones)."""
    families = [prefix for prefix, _, _ in PREFIX_LISTS]
    assert [] == [k for k in EXACT if any(k.startswith(p) for p in families)]
    assert [] == [p for p, _, _ in PREFIXES if p in families]


def test_tokens_and_first_token_take_the_builders_places() -> None:
    """The bridge stores usage and the first token where the client wrappers do (one builder)."""
    from honeyhive_async.tracing._model_event import TIME_TO_FIRST_TOKEN, usage_metadata

    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.usage.input_tokens": 11,
        "gen_ai.usage.output_tokens": 7,
    }
    chunk = Event("gen_ai.content.completion.chunk", timestamp=1_250_000_000)
    event = map_span(span(attributes, events=(chunk,)))

    tokens = usage_metadata({"input_tokens": 11, "output_tokens": 7})
    assert tokens == {k: event["metadata"][k] for k in tokens}
    assert {TIME_TO_FIRST_TOKEN: 250.0} == event["metrics"]
