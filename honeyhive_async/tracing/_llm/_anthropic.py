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
from ._call import Accumulator, Call, Route, is_wrapped, wrap_copies, wrap_method
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
_REQUEST_KEY = "_honeyhive_request"  # where a stream manager keeps the call to record


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
    the clients ``with_options()`` and ``copy()`` make are wrapped too;
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
        wrap_copies(client, wrap_anthropic)
    except Exception:
        warn_limited("llm-shape", "tracing: wrap_anthropic(%r) failed", client, exc_info=True)
    return client


def _wrap_stream(method: Any) -> Any:
    """``messages.stream``: the manager it returns records its request when entered."""
    route = _Messages("anthropic.messages.stream")

    @functools.wraps(method)
    def stream(*args: Any, **kwargs: Any) -> Any:
        manager = method(*args, **kwargs)
        try:
            manager.__class__ = _recording(type(manager))
            manager.__dict__[_REQUEST_KEY] = (route, kwargs)
        except Exception:  # a manager of a shape this does not know: left as it is
            warn_limited("llm-shape", "tracing: %s is not recorded", route.name, exc_info=True)
        return manager

    stream.__honeyhive_wrapped__ = True  # type: ignore[attr-defined]
    return stream


_RECORDING: dict[type, type] = {}


def _recording(manager: type) -> type:
    """A subclass of the stream manager *manager* that records the request on entering.

    The manager sends the request in ``__enter__`` / ``__aenter__`` and
    wraps the answer in its helper stream (``text_stream``,
    ``get_final_message()``, ...), which is the object instrumented. A
    subclass keeps ``isinstance`` true, and the client's own code runs as it is.
    """
    found = _RECORDING.get(manager)
    if found is not None:
        return found
    base: Any = manager
    if hasattr(manager, "__aenter__"):

        class AsyncRecording(base):  # type: ignore[misc]
            async def __aenter__(self) -> Any:
                route, kwargs = self.__dict__.pop(_REQUEST_KEY, (None, None))
                call = None if route is None else Call.open(route, kwargs)
                if call is None:
                    return await super().__aenter__()
                try:
                    stream = await super().__aenter__()
                except BaseException as error:
                    call.fail(error)
                    raise
                return call.returned(stream, True)

        recording: type = AsyncRecording
    else:

        class Recording(base):  # type: ignore[misc]
            def __enter__(self) -> Any:
                route, kwargs = self.__dict__.pop(_REQUEST_KEY, (None, None))
                call = None if route is None else Call.open(route, kwargs)
                if call is None:
                    return super().__enter__()
                try:
                    stream = super().__enter__()
                except BaseException as error:
                    call.fail(error)
                    raise
                return call.returned(stream, True)

        recording = Recording
    recording.__name__, recording.__qualname__ = manager.__name__, manager.__qualname__
    recording.__module__ = manager.__module__
    _RECORDING[manager] = recording
    return recording
