"""Checked by mypy --strict, never run: a wrapped model client keeps its type.

``wrap_openai`` and ``wrap_anthropic`` return the client they were given, so
everything the client's types say (its methods, their overloads, the
stream types) still holds for mypy after wrapping.
"""

from __future__ import annotations

import anthropic
import openai
from typing_extensions import assert_type

from honeyhive_async import tracing


def blocking(client: openai.OpenAI, claude: anthropic.Anthropic) -> None:
    wrapped = tracing.wrap_openai(client)
    assert_type(wrapped, openai.OpenAI)
    completion = wrapped.chat.completions.create(model="gpt-4o", messages=[])
    assert_type(completion.choices[0].message.content, str | None)
    assert_type(tracing.wrap_anthropic(claude), anthropic.Anthropic)


async def asynchronous(client: openai.AsyncOpenAI, claude: anthropic.AsyncAnthropic) -> None:
    wrapped = tracing.wrap_openai(client)
    assert_type(wrapped, openai.AsyncOpenAI)
    stream = await wrapped.chat.completions.create(model="gpt-4o", messages=[], stream=True)
    assert_type(stream, openai.AsyncStream[openai.types.chat.ChatCompletionChunk])
    assert_type(tracing.wrap_anthropic(claude), anthropic.AsyncAnthropic)


def azure(client: openai.AzureOpenAI) -> openai.AzureOpenAI:
    return tracing.wrap_openai(client)
