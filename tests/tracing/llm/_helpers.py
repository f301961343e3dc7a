"""Calling a blocking or an async client the same way, and reading the model events."""

from __future__ import annotations

import inspect
from typing import Any

from honeyhive_async import tracing
from tests.tracing.conftest import Recorder

USER = [{"role": "user", "content": "What is the capital of France?"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
ANTHROPIC_TOOL = {
    "name": "weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


async def call(method: Any, **kwargs: Any) -> Any:
    """*method* called with *kwargs*, awaited if it is async."""
    result = method(**kwargs)
    return await result if inspect.isawaitable(result) else result


async def drain(stream: Any) -> list[Any]:
    """Every item of a blocking or async stream.

    Told apart by the stream's class: a proxy around it (OpenLLMetry's,
    left on the ``openai`` classes by the bridge's tests) has both
    ``__iter__`` and ``__aiter__``, but reports the class it wraps.
    """
    if hasattr(stream.__class__, "__anext__"):
        return [item async for item in stream]
    return list(stream)


async def close(stream: Any) -> None:
    """``stream.close()``, awaited if it is async."""
    result = stream.close()
    if inspect.isawaitable(result):
        await result


async def model_events(tracer: tracing.Tracer, recorder: Recorder) -> list[dict[str, Any]]:
    """The model events recorded so far, after the tracer delivered what it holds."""
    await tracer.flush()
    return [e for e in recorder.events if e["event_type"] == "model"]


async def one_event(tracer: tracing.Tracer, recorder: Recorder) -> dict[str, Any]:
    """The one model event recorded so far."""
    events = await model_events(tracer, recorder)
    assert 1 == len(events), events
    return events[0]
