"""``wrap_anthropic``: the ``anthropic`` client's messages, as model events.

Duck-typed like :mod:`._openai`. Anthropic's ``system`` becomes the first
message of the chat history, its ``input_tokens``/``output_tokens`` the
prompt and completion tokens, and a tool use a tool call in OpenAI's shape.
A stream's usage is cumulative (``message_delta`` repeats the running
totals): the last value of each count is kept, never a sum.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import Any, TypeVar

from .._state import warn_limited
from ._call import Accumulator, Route, is_wrapped, wrap_method, wrap_stream_request
from ._common import hyperparameters, present, usage_of

__all__ = ["wrap_anthropic"]

C = TypeVar("C")

_REQUEST = frozenset({"messages", "model", "system", "tools"})
_USAGE = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)
# The private attribute where a stream manager keeps its request (name-mangled).
_MANAGER_REQUEST = {
    "MessageStreamManager": "_MessageStreamManager__api_request",
    "AsyncMessageStreamManager": "_AsyncMessageStreamManager__api_request",
}


def _tool_call(block: Any) -> dict[str, Any]:
    return {
        "id": getattr(block, "id", None),
        "type": "function",
        "function": {"name": getattr(block, "name", None), "arguments": block.input},
    }


class _Messages(Route):
    """``messages.create`` and ``messages.stream``."""

    provider = "anthropic"

    def __init__(self, name: str) -> None:
        self.name = name

    def request(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        history: list[Any] = []
        system = present(kwargs.get("system"))
        if system is not None:
            history.append({"role": "system", "content": system})
        messages = present(kwargs.get("messages"))
        if messages is not None:
            history.extend(messages)
        return {
            "model": kwargs.get("model"),
            "hyperparameters": hyperparameters(kwargs, _REQUEST),
            "tools": present(kwargs.get("tools")),
            "chat_history": history,
        }

    def response(self, result: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        texts: list[str] = []
        calls: list[dict[str, Any]] = []
        for block in getattr(result, "content", None) or ():
            kind = getattr(block, "type", None)
            if kind == "text":
                texts.append(block.text)
            elif kind == "tool_use":
                calls.append(_tool_call(block))
        reply: dict[str, Any] = {
            "role": getattr(result, "role", "assistant"),
            "content": "".join(texts),
        }
        if calls:
            reply["tool_calls"] = calls
        stop = getattr(result, "stop_reason", None)
        if stop is not None:
            reply["finish_reason"] = stop
        return [reply], usage_of(getattr(result, "usage", None), _USAGE)

    def accumulator(self) -> Accumulator:
        return _MessagesStream()


class _MessagesStream(Accumulator):
    """Raw message stream events: text and tool-use blocks by index, the latest usage."""

    __slots__ = ("blocks", "role", "stop", "usage")

    def __init__(self) -> None:
        super().__init__()
        self.blocks: dict[int, dict[str, Any]] = {}
        self.role = "assistant"
        self.stop: str | None = None
        self.usage: dict[str, Any] = {}

    def add(self, item: Any) -> None:
        kind = item.type
        if kind == "content_block_delta":
            delta = item.delta
            block = self.blocks.get(item.index)
            if block is None:
                block = self.blocks[item.index] = {"type": "text", "parts": []}
            dtype = delta.type
            if dtype == "text_delta":
                if not self.first_ns:
                    self.first_ns = time.perf_counter_ns()
                block["parts"].append(delta.text)
            elif dtype == "input_json_delta":
                if not self.first_ns:
                    self.first_ns = time.perf_counter_ns()
                block["parts"].append(delta.partial_json)
        elif kind == "content_block_start":
            self._start(item.index, item.content_block)
        elif kind == "message_start":
            message = item.message
            self.role = getattr(message, "role", None) or self.role
            self._usage(getattr(message, "usage", None))
        elif kind == "message_delta":
            self.stop = getattr(item.delta, "stop_reason", None) or self.stop
            self._usage(getattr(item, "usage", None))

    def _start(self, index: int, content: Any) -> None:
        kind = getattr(content, "type", None)
        if kind == "tool_use":
            self.blocks[index] = {"type": "tool_use", "parts": [], "block": content}
        else:
            text = getattr(content, "text", None)
            self.blocks[index] = {"type": kind, "parts": [text] if text else []}

    def _usage(self, usage: Any) -> None:
        # Running totals: each new value replaces the last (adding them would count twice).
        found = usage_of(usage, _USAGE)
        if found:
            self.usage.update(found)

    def result(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        texts: list[str] = []
        calls: list[dict[str, Any]] = []
        for index in sorted(self.blocks):
            block = self.blocks[index]
            if block["type"] == "text":
                texts.append("".join(block["parts"]))
            elif block["type"] == "tool_use":
                call = _tool_call(block["block"])
                arguments = "".join(block["parts"])
                if arguments:
                    call["function"]["arguments"] = _json(arguments)
                calls.append(call)
        reply: dict[str, Any] = {"role": self.role, "content": "".join(texts)}
        if calls:
            reply["tool_calls"] = calls
        if self.stop is not None:
            reply["finish_reason"] = self.stop
        return [reply], self.usage or None


def _json(text: str) -> Any:
    """Streamed tool input: the object when the JSON is complete, else the text so far."""
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


def wrap_anthropic(client: C) -> C:
    """Record every model call *client* makes as a ``model`` event; returns *client* itself.

    *client* is an ``anthropic.Anthropic`` or ``anthropic.AsyncAnthropic``.
    ``messages.create`` (streamed or not) and ``messages.stream()`` (its
    ``text_stream``, ``get_final_message()``, iteration) are recorded;
    calls through ``with_raw_response`` and ``with_streaming_response``
    pass through unrecorded. Wrapping twice records once. Never raises.
    """
    try:
        messages = getattr(client, "messages", None)
        create = getattr(messages, "create", None)
        if create is not None and not is_wrapped(create):
            from ._common import is_async

            route = _Messages("anthropic.messages.create")
            messages.create = wrap_method(create, route, is_async(create))  # type: ignore[union-attr]
        stream = getattr(messages, "stream", None)
        if stream is not None and not is_wrapped(stream):
            messages.stream = _wrap_stream(stream)  # type: ignore[union-attr]
    except Exception:
        warn_limited("llm-shape", "tracing: wrap_anthropic(%r) failed", client, exc_info=True)
    return client


def _wrap_stream(method: Any) -> Any:
    """``messages.stream``: its manager's request is recorded when the manager is entered."""
    route = _Messages("anthropic.messages.stream")

    @functools.wraps(method)
    def stream(*args: Any, **kwargs: Any) -> Any:
        manager = method(*args, **kwargs)
        try:
            attribute = _MANAGER_REQUEST.get(type(manager).__name__)
            if attribute is not None:
                wrap_stream_request(manager, attribute, route, kwargs)
        except Exception:
            warn_limited("llm", "tracing: recording a model stream failed", exc_info=True)
        return manager

    stream.__honeyhive_wrapped__ = True  # type: ignore[attr-defined]
    return stream
