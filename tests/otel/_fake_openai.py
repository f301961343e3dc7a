"""A small OpenAI-compatible server for tests: ``/v1/chat/completions`` on 127.0.0.1.

It answers a chat completion with a fixed reply and usage, as one JSON body
or (``stream: true``) as server-sent events ending with ``data: [DONE]``,
the last chunk carrying the usage. A request whose model is ``"broken"``
gets a 400 error body in OpenAI's shape.
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

from aiohttp import web

REPLY = "Paris is the capital of France."
PROMPT_TOKENS = 11
COMPLETION_TOKENS = 7
BROKEN_MODEL = "broken"


def _usage() -> dict[str, int]:
    return {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
    }


def _completion(model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": REPLY},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(),
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake-2",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


async def _chat(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    model = str(body.get("model", ""))
    if model == BROKEN_MODEL:
        error = {
            "error": {
                "message": f"The model `{model}` does not exist",
                "type": "invalid_request_error",
                "param": "model",
                "code": "model_not_found",
            }
        }
        return web.json_response(error, status=400)
    if not body.get("stream"):
        return web.json_response(_completion(model))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    words = REPLY.split(" ")
    chunks = [_chunk(model, {"role": "assistant", "content": ""}, None)]
    pieces = [(" " if i else "") + word for i, word in enumerate(words)]
    chunks += [_chunk(model, {"content": piece}, None) for piece in pieces]
    chunks.append(_chunk(model, {}, "stop"))
    last = {**_chunk(model, {}, None), "choices": [], "usage": _usage()}
    for chunk in [*chunks, last]:
        await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
    await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response


class FakeOpenAI:
    """``async with FakeOpenAI() as fake:`` serves on a free port; ``fake.base_url`` ends in /v1."""

    def __init__(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", _chat)
        self._runner = web.AppRunner(app, access_log=None)
        self.base_url = ""

    async def __aenter__(self) -> FakeOpenAI:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._runner.cleanup()
