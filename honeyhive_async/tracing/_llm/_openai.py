"""``wrap_openai``: the ``openai`` client's chat completions and responses, as model events.

Duck-typed: nothing of ``openai`` is imported; the client is read by
attribute (``client.chat.completions.create``, ``client.responses.create``),
so ``OpenAI``, ``AsyncOpenAI`` and the Azure classes, which share their
tree, are all covered.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from .._state import warn_limited
from ._call import Accumulator, Route, is_wrapped, wrap_copies, wrap_method
from ._common import field, hyperparameters, is_async, present, usage_of

__all__ = ["wrap_openai"]

C = TypeVar("C")

_CHAT_REQUEST = frozenset({"messages", "model", "tools"})
_RESPONSES_REQUEST = frozenset({"input", "instructions", "model", "tools"})
_USAGE = ("prompt_tokens", "completion_tokens", "total_tokens")
_RESPONSES_USAGE = ("input_tokens", "output_tokens", "total_tokens")
# Where each API keeps its cached and reasoning tokens. Asked for by each route alone: a
# pydantic model answers an attribute it lacks in microseconds (it builds an error).
_CHAT_DETAILS = (
    ("prompt_tokens_details", "cached_tokens"),
    ("completion_tokens_details", "reasoning_tokens"),
)
_RESPONSES_DETAILS = (
    ("input_tokens_details", "cached_tokens"),
    ("output_tokens_details", "reasoning_tokens"),
)


def _provider(client: Any) -> str:
    return "azure" if "azure" in type(client).__name__.lower() else "openai"


def _usage(
    usage: Any, names: Iterable[str], details: Iterable[tuple[str, str]]
) -> dict[str, Any] | None:
    found = usage_of(usage, names)
    if found is None:
        return None
    for holder, name in details:  # cached and reasoning tokens, under their own names
        value = field(field(usage, holder), name)
        if value is not None:
            found[name] = value
    return found


def _tool_call(call: Any) -> dict[str, Any]:
    function = getattr(call, "function", None)
    return {
        "id": getattr(call, "id", None),
        "type": getattr(call, "type", "function"),
        "function": {
            "name": getattr(function, "name", None),
            "arguments": getattr(function, "arguments", None),
        },
    }


class _Chat(Route):
    """``chat.completions.create`` and ``chat.completions.parse``."""

    def __init__(self, provider: str, name: str) -> None:
        self.provider = provider
        self.name = name

    def request(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        messages = present(kwargs.get("messages"))
        return {
            "model": kwargs.get("model"),
            "hyperparameters": hyperparameters(kwargs, _CHAT_REQUEST),
            "tools": present(kwargs.get("tools")),
            "chat_history": [] if messages is None else list(messages),
        }

    def response(self, result: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        replies = []
        for choice in getattr(result, "choices", None) or ():
            message = choice.message
            reply: dict[str, Any] = {"role": message.role, "content": message.content}
            calls = field(message, "tool_calls")
            if calls:
                reply["tool_calls"] = [_tool_call(call) for call in calls]
            refusal = field(message, "refusal")
            if refusal:
                reply["refusal"] = refusal
            if choice.finish_reason is not None:
                reply["finish_reason"] = choice.finish_reason
            replies.append(reply)
        return replies, _usage(field(result, "usage"), _USAGE, _CHAT_DETAILS)

    def accumulator(self) -> Accumulator:
        return _ChatStream()


class _Reply:
    """One choice of a streamed chat completion, put together from its deltas."""

    __slots__ = ("calls", "finish", "parts", "role")

    def __init__(self) -> None:
        self.role = "assistant"
        self.parts: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish: str | None = None

    def tool_calls(self, deltas: Any) -> None:
        for delta in deltas:
            call = self.calls.get(delta.index)
            if call is None:
                call = self.calls[delta.index] = {
                    "id": None,
                    "type": "function",
                    "function": {"name": None, "arguments": ""},
                }
            if delta.id:
                call["id"] = delta.id
            function = delta.function
            if function is not None:
                if function.name:
                    call["function"]["name"] = function.name
                if function.arguments:
                    call["function"]["arguments"] += function.arguments

    def message(self) -> dict[str, Any]:
        reply: dict[str, Any] = {"role": self.role, "content": "".join(self.parts)}
        if self.calls:
            reply["tool_calls"] = [self.calls[i] for i in sorted(self.calls)]
        if self.finish is not None:
            reply["finish_reason"] = self.finish
        return reply


class _ChatStream(Accumulator):
    """A streamed chat completion: the text and tool calls of each choice, and the usage."""

    __slots__ = ("replies", "usage")

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[int, _Reply] = {}
        self.usage: Any = None

    def add(self, item: Any) -> None:
        usage = field(item, "usage")
        if usage is not None:  # the last chunk, when the caller asked for include_usage
            self.usage = usage
        for choice in item.choices:
            reply = self.replies.get(choice.index)
            if reply is None:
                reply = self.replies[choice.index] = _Reply()
            delta = choice.delta
            text = delta.content
            if text:
                if not self.first_ns:
                    self.first_ns = time.perf_counter_ns()
                reply.parts.append(text)
            if delta.tool_calls:
                if not self.first_ns:
                    self.first_ns = time.perf_counter_ns()
                reply.tool_calls(delta.tool_calls)
            if delta.role:
                reply.role = delta.role
            if choice.finish_reason:
                reply.finish = choice.finish_reason

    def result(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        replies = [self.replies[i].message() for i in sorted(self.replies)]
        return replies, _usage(self.usage, _USAGE, _CHAT_DETAILS)


class _Responses(Route):
    """``responses.create``: ``instructions`` and ``input`` as the chat history."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.name = "openai.responses.create"

    def request(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        history: list[Any] = []
        instructions = present(kwargs.get("instructions"))
        if instructions is not None:
            history.append({"role": "system", "content": instructions})
        given = present(kwargs.get("input"))
        if isinstance(given, str):
            history.append({"role": "user", "content": given})
        elif given is not None:
            history.extend(given)
        return {
            "model": kwargs.get("model"),
            "hyperparameters": hyperparameters(kwargs, _RESPONSES_REQUEST),
            "tools": present(kwargs.get("tools")),
            "chat_history": history,
        }

    def response(self, result: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        texts: list[str] = []
        calls: list[dict[str, Any]] = []
        for item in getattr(result, "output", None) or ():
            kind = getattr(item, "type", None)
            if kind == "message":
                for part in getattr(item, "content", None) or ():
                    if getattr(part, "type", None) == "output_text":
                        texts.append(part.text)
            elif kind == "function_call":
                calls.append(
                    {
                        "id": getattr(item, "call_id", None),
                        "type": "function",
                        "function": {"name": item.name, "arguments": item.arguments},
                    }
                )
        reply: dict[str, Any] = {"role": "assistant", "content": "".join(texts)}
        if calls:
            reply["tool_calls"] = calls
        status = getattr(result, "status", None)
        if status is not None:
            reply["finish_reason"] = status
        return [reply], _usage(field(result, "usage"), _RESPONSES_USAGE, _RESPONSES_DETAILS)

    def accumulator(self) -> Accumulator:
        return _ResponsesStream(self)


class _ResponsesStream(Accumulator):
    """A streamed response: the text deltas, then the whole response when it completes."""

    __slots__ = ("final", "parts", "route")

    _FINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})

    def __init__(self, route: _Responses) -> None:
        super().__init__()
        self.route = route
        self.parts: list[str] = []
        self.final: Any = None

    def add(self, item: Any) -> None:
        kind = item.type
        if kind == "response.output_text.delta":
            if not self.first_ns:
                self.first_ns = time.perf_counter_ns()
            self.parts.append(item.delta)
        elif kind in self._FINAL:
            self.final = item.response

    def result(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        if self.final is not None:
            return self.route.response(self.final)
        return [{"role": "assistant", "content": "".join(self.parts)}], None


def wrap_openai(client: C) -> C:
    """Record every model call *client* makes as a ``model`` event; returns *client* itself.

    *client* is an ``openai.OpenAI`` or ``openai.AsyncOpenAI`` (or an Azure
    one). ``chat.completions.create`` (streamed or not),
    ``chat.completions.parse`` and ``responses.create`` (streamed or not)
    are recorded, also on the clients ``with_options()`` and ``copy()``
    make; calls through ``with_raw_response`` and
    ``with_streaming_response`` pass through unrecorded. Wrapping twice
    records once. Never raises: a client of an unknown shape is returned
    as it is, with a warning.
    """
    try:
        provider = _provider(client)
        chat = getattr(getattr(client, "chat", None), "completions", None)
        _patch(chat, "create", _Chat(provider, "openai.chat.completions.create"))
        _patch(chat, "parse", _Chat(provider, "openai.chat.completions.parse"))
        _patch(getattr(client, "responses", None), "create", _Responses(provider))
        wrap_copies(client, wrap_openai)
    except Exception:
        warn_limited("llm-shape", "tracing: wrap_openai(%r) failed", client, exc_info=True)
    return client


def _patch(resource: Any, name: str, route: Route) -> None:
    method = getattr(resource, name, None) if resource is not None else None
    if method is None or is_wrapped(method):
        return
    setattr(resource, name, wrap_method(method, route, is_async(method)))
