"""The shape of a ``model`` event: where each part of a model call is stored, in one place.

Every route that records a model call (the client wrappers of
:mod:`._llm`, the OpenTelemetry bridge's mapping) hands its parts to
:func:`model_fields`, so a model event looks the same whichever route
made it, and the same as HoneyHive's own examples:

========================  =====================================================
``config``                ``provider``, ``model``, ``hyperparameters``, ``tools``
``inputs.chat_history``   the messages sent, the system prompt first
``outputs``               the reply ``{role, content}`` (+ ``tool_calls``,
                          ``finish_reason``); ``{"choices": [...]}`` for several
``metadata``              ``prompt_tokens``, ``completion_tokens``,
                          ``total_tokens``, ``cost``, other token counts by name
``metrics``               ``time_to_first_token_ms`` (streams)
========================  =====================================================

Standard library only, and no import at all: tracing must stay cheap to import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "TIME_TO_FIRST_TOKEN",
    "TOKEN_NAMES",
    "model_fields",
    "outputs_of",
    "request_fields",
    "response_fields",
    "usage_metadata",
]

TIME_TO_FIRST_TOKEN = "time_to_first_token_ms"
"""The ``metrics`` key of the milliseconds from the request to the first streamed output."""

TOKEN_NAMES: Mapping[str, str] = {
    # HoneyHive's names, as its examples store them in metadata
    "prompt_tokens": "prompt_tokens",
    "completion_tokens": "completion_tokens",
    "total_tokens": "total_tokens",
    # Anthropic's, the Responses API's and the GenAI conventions' names for the same counts
    "input_tokens": "prompt_tokens",
    "output_tokens": "completion_tokens",
}
"""A provider's name of a token count -> the name it is stored under; other names are kept."""


def usage_metadata(usage: Mapping[str, Any] | None) -> dict[str, Any]:
    """The token counts (and cost) of *usage* under HoneyHive's names, for ``metadata``.

    ``input_tokens``/``output_tokens`` become ``prompt_tokens``/
    ``completion_tokens`` (the first name given wins when a usage has
    both); ``total_tokens`` is their sum when not given. Other counts
    (``cached_tokens``, ``reasoning_tokens``, ``cache_read_input_tokens``,
    ...) and ``cost`` keep their names. ``None`` values are left out.
    """
    out: dict[str, Any] = {}
    if not usage:
        return out
    for name, value in usage.items():
        if value is None:
            continue
        out.setdefault(TOKEN_NAMES.get(name, name), value)
    if "total_tokens" not in out:
        prompt, completion = out.get("prompt_tokens"), out.get("completion_tokens")
        if type(prompt) is int and type(completion) is int:  # counts (not bools, not text)
            out["total_tokens"] = prompt + completion
    return out


def outputs_of(messages: Sequence[Any]) -> dict[str, Any]:
    """The ``outputs`` of a call that returned *messages*: the one message, or ``{"choices"}``."""
    if not messages:
        return {}
    if len(messages) == 1 and isinstance(messages[0], Mapping):
        return dict(messages[0])
    return {"choices": list(messages)}


def request_fields(
    *,
    provider: str | None = None,
    model: Any = None,
    hyperparameters: Mapping[str, Any] | None = None,
    tools: Any = None,
    chat_history: Sequence[Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The ``config`` and ``inputs`` of a model call: what was asked, and of which model."""
    config: dict[str, Any] = {}
    if provider:
        config["provider"] = provider
    if model is not None:
        config["model"] = model
    if hyperparameters:
        config["hyperparameters"] = dict(hyperparameters)
    if tools is not None:
        config["tools"] = tools
    inputs = {} if chat_history is None else {"chat_history": list(chat_history)}
    return {"config": config, "inputs": inputs}


def response_fields(
    *,
    outputs: Sequence[Any] = (),
    usage: Mapping[str, Any] | None = None,
    time_to_first_token_ms: float | None = None,
) -> dict[str, dict[str, Any]]:
    """The ``outputs``, ``metadata`` and ``metrics`` of a model call: what came back.

    *outputs* are the reply messages (one per choice).
    """
    metrics = (
        {} if time_to_first_token_ms is None else {TIME_TO_FIRST_TOKEN: time_to_first_token_ms}
    )
    return {"outputs": outputs_of(outputs), "metadata": usage_metadata(usage), "metrics": metrics}


def model_fields(
    *,
    provider: str | None = None,
    model: Any = None,
    hyperparameters: Mapping[str, Any] | None = None,
    tools: Any = None,
    chat_history: Sequence[Any] | None = None,
    outputs: Sequence[Any] = (),
    usage: Mapping[str, Any] | None = None,
    time_to_first_token_ms: float | None = None,
) -> dict[str, dict[str, Any]]:
    """The ``config``, ``inputs``, ``outputs``, ``metadata`` and ``metrics`` of one model call.

    Each is a dict (empty when nothing went there), ready for
    ``Span.enrich``: :func:`request_fields` and :func:`response_fields` together.
    """
    asked = request_fields(
        provider=provider,
        model=model,
        hyperparameters=hyperparameters,
        tools=tools,
        chat_history=chat_history,
    )
    answered = response_fields(
        outputs=outputs, usage=usage, time_to_first_token_ms=time_to_first_token_ms
    )
    return {**asked, **answered}
