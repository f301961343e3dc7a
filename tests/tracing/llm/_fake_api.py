"""A small fake of the OpenAI and Anthropic HTTP APIs, on 127.0.0.1, in a thread of its own.

It serves ``/v1/chat/completions`` (also at Azure's deployment paths),
``/v1/responses`` and ``/v1/messages``
as the real services do: one JSON body, or (``stream: true``) server-sent
events. Like the real OpenAI API, a chat stream carries its usage only when
the request asks for it (``stream_options.include_usage``). A request with
``tools`` is answered with a call of the first tool; a request whose model
is ``"broken"`` gets a 400 error in the service's shape. The reply's text
is ``REPLY`` in pieces, or the JSON list of pieces in the ``X-Fake-Reply``
header. Its own thread and loop let blocking clients call it from the
test's loop thread.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

from aiohttp import web

REPLY_PARTS = ["Paris", " is", " the", " capital", "."]
REPLY = "".join(REPLY_PARTS)
PROMPT_TOKENS = 11
COMPLETION_TOKENS = 7
CACHED_TOKENS = 3
BROKEN_MODEL = "broken"
TOOL_ARGUMENTS = {"city": "Paris"}
HOLD_MODEL = "hold"  # streams the first piece, then waits for the client to go away
RELEASE = web.AppKey("release", asyncio.Event)


def _parts(request: web.Request) -> list[str]:
    header = request.headers.get("X-Fake-Reply")
    return list(json.loads(header)) if header else list(REPLY_PARTS)


def _tool_name(body: dict[str, Any]) -> str | None:
    tools = body.get("tools")
    if not tools:
        return None
    tool = tools[0]
    return str(tool.get("function", tool).get("name"))


async def _sse(
    request: web.Request, events: Iterator[tuple[str | None, Any]]
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for name, data in events:
        head = f"event: {name}\n" if name else ""
        text = data if isinstance(data, str) else json.dumps(data)
        await response.write(f"{head}data: {text}\n\n".encode())
    await response.write_eof()
    return response


async def _hold(request: web.Request, first: bytes) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(first)
    await request.app[RELEASE].wait()  # until the client goes away, or the fake stops
    return response


# -- OpenAI chat completions -----------------------------------------------------------------


def _openai_error(model: str) -> web.Response:
    body = {
        "error": {
            "message": f"The model `{model}` does not exist",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }
    return web.json_response(body, status=400)


def _chat_usage() -> dict[str, Any]:
    return {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        "prompt_tokens_details": {"cached_tokens": CACHED_TOKENS},
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _tool_call(name: str) -> dict[str, Any]:
    arguments = json.dumps(TOOL_ARGUMENTS)
    return {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}


async def _chat(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    model = str(body.get("model", ""))
    if model == BROKEN_MODEL:
        return _openai_error(model)
    parts, tool = _parts(request), _tool_name(body)
    if not body.get("stream"):
        message: dict[str, Any] = {"role": "assistant", "content": "".join(parts)}
        if tool:
            message = {"role": "assistant", "content": None, "tool_calls": [_tool_call(tool)]}
        completion = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": "tool_calls" if tool else "stop"}
            ],
            "usage": _chat_usage(),
        }
        return web.json_response(completion)
    if model == HOLD_MODEL:
        first = _chunk(model, {"role": "assistant", "content": parts[0]})
        return await _hold(request, f"data: {json.dumps(first)}\n\n".encode())
    return await _sse(request, _chat_events(model, parts, tool, body))


def _chat_events(
    model: str, parts: list[str], tool: str | None, body: dict[str, Any]
) -> Iterator[tuple[str | None, Any]]:
    yield None, _chunk(model, {"role": "assistant", "content": ""})
    if tool:
        call = _tool_call(tool)
        arguments = call["function"]["arguments"]
        head = {**call, "index": 0, "function": {"name": tool, "arguments": ""}}
        yield None, _chunk(model, {"tool_calls": [head]})
        for i in range(0, len(arguments), 5):
            piece = {"index": 0, "function": {"arguments": arguments[i : i + 5]}}
            yield None, _chunk(model, {"tool_calls": [piece]})
        yield None, _chunk(model, {}, "tool_calls")
    else:
        for part in parts:
            yield None, _chunk(model, {"content": part})
        yield None, _chunk(model, {}, "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        yield None, {**_chunk(model, {}), "choices": [], "usage": _chat_usage()}
    yield None, "[DONE]"


# -- OpenAI responses -------------------------------------------------------------------------


def _response(model: str, parts: list[str], tool: str | None) -> dict[str, Any]:
    if tool:
        output: dict[str, Any] = {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": tool,
            "arguments": json.dumps(TOOL_ARGUMENTS),
            "status": "completed",
        }
    else:
        text = {"type": "output_text", "text": "".join(parts), "annotations": []}
        output = {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [text],
        }
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1_700_000_000,
        "model": model,
        "status": "completed",
        "output": [output],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": PROMPT_TOKENS,
            "output_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
            "input_tokens_details": {"cached_tokens": CACHED_TOKENS},
            "output_tokens_details": {"reasoning_tokens": 2},
        },
    }


async def _responses(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    model = str(body.get("model", ""))
    if model == BROKEN_MODEL:
        return _openai_error(model)
    parts, tool = _parts(request), _tool_name(body)
    done = _response(model, parts, tool)
    if not body.get("stream"):
        return web.json_response(done)
    started = {**done, "status": "in_progress", "output": [], "usage": None}

    def events() -> Iterator[tuple[str | None, Any]]:
        yield (
            "response.created",
            {"type": "response.created", "sequence_number": 0, "response": started},
        )
        for n, part in enumerate(parts, 1):
            delta = {
                "type": "response.output_text.delta",
                "sequence_number": n,
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "delta": part,
                "logprobs": [],
            }
            yield "response.output_text.delta", delta
        final = {"type": "response.completed", "sequence_number": len(parts) + 1, "response": done}
        yield "response.completed", final

    return await _sse(request, events())


# -- Anthropic messages -----------------------------------------------------------------------


def _anthropic_usage(output: int) -> dict[str, Any]:
    return {
        "input_tokens": PROMPT_TOKENS,
        "output_tokens": output,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": CACHED_TOKENS,
    }


def _message(
    model: str, content: list[dict[str, Any]], stop: str | None, output: int
) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": _anthropic_usage(output),
    }


async def _messages(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    model = str(body.get("model", ""))
    if model == BROKEN_MODEL:
        error = {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": f"model: {model} not found"},
        }
        return web.json_response(error, status=400)
    parts, tool = _parts(request), _tool_name(body)
    if tool:
        content = [{"type": "tool_use", "id": "toolu_1", "name": tool, "input": TOOL_ARGUMENTS}]
    else:
        content = [{"type": "text", "text": "".join(parts)}]
    stop = "tool_use" if tool else "end_turn"
    if not body.get("stream"):
        return web.json_response(_message(model, content, stop, COMPLETION_TOKENS))
    if model == HOLD_MODEL:
        start = {"type": "message_start", "message": _message(model, [], None, 1)}
        return await _hold(request, f"event: message_start\ndata: {json.dumps(start)}\n\n".encode())
    return await _sse(request, _message_events(model, parts, tool))


def _message_events(
    model: str, parts: list[str], tool: str | None
) -> Iterator[tuple[str | None, Any]]:
    yield "message_start", {"type": "message_start", "message": _message(model, [], None, 1)}
    if tool:
        block = {"type": "tool_use", "id": "toolu_1", "name": tool, "input": {}}
        arguments = json.dumps(TOOL_ARGUMENTS)
        deltas = [
            {"type": "input_json_delta", "partial_json": arguments[i : i + 5]}
            for i in range(0, len(arguments), 5)
        ]
    else:
        block = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": part} for part in parts]
    yield "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
    for delta in deltas:
        yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
    yield "content_block_stop", {"type": "content_block_stop", "index": 0}
    # Running totals, as the service sends them: the output count so far, twice.
    for output in (COMPLETION_TOKENS - 1, COMPLETION_TOKENS):
        stop = "tool_use" if tool else "end_turn"
        delta = {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}}
        yield "message_delta", {**delta, "usage": {"output_tokens": output}}
    yield "message_stop", {"type": "message_stop"}


class FakeAPI:
    """The fake, serving on a free port in a thread of its own until :meth:`stop`."""

    def __init__(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", _chat)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", _chat)  # Azure
        app.router.add_post("/v1/responses", _responses)
        app.router.add_post("/v1/messages", _messages)
        self._app = app
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.url = ""

    def start(self) -> FakeAPI:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        self._app[RELEASE] = asyncio.Event()
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    async def _stop(self) -> None:
        self._app[RELEASE].set()
        await self._runner.cleanup()
