"""The attribute conventions the bridge reads, as data: where each attribute goes.

Three families of instrumentors write LLM spans: the OpenTelemetry GenAI
semantic conventions (``gen_ai.*``), OpenInference (``openinference.*``,
``llm.*``, ``input.value``, ...) and OpenLLMetry (``traceloop.*``,
``llm.*`` and the indexed ``gen_ai.prompt.N.*``). Every rule here is a row
of a table; :mod:`._mapping` applies them and knows no attribute name.

A destination is ``(field, key)``: ``field`` is an event field or one of the
collecting places below, ``key`` the name inside it.

- ``config``, ``metadata``: the event fields, key by key.
- ``usage``: token counts and cost, stored in ``metadata`` under HoneyHive's
  names by the model-event builder that the client wrappers use too
  (``honeyhive_async.tracing._model_event``).
- ``hyperparameters``: ``config.hyperparameters``.
- ``input_messages``, ``output_messages``: the chat messages in and out, from
  a JSON list (``key`` ``"json"``) or from indexed attributes (``PREFIX_LISTS``).
- ``input_value``, ``output_value``: what a span took and returned when it
  has no messages (a JSON object is used as it is, anything else as ``value``).
- ``inputs``: straight into ``inputs`` under ``key``.
- ``kind``: decides the ``event_type`` (``EVENT_TYPES``).
- ``drop``: read for another rule's sake, or noise; not kept.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_MODEL",
    "EVENT_MESSAGES",
    "EVENT_TYPES",
    "EXACT",
    "FIRST_TOKEN_EVENTS",
    "GENAI_KEYS",
    "GENAI_PREFIXES",
    "PREFIXES",
    "PREFIX_LISTS",
    "UNWRAP",
]

Destination = tuple[str, str]

GENAI_PREFIXES = ("gen_ai.", "llm.")
"""A span with an attribute starting with one of these is a GenAI span (``only_genai``)."""
GENAI_KEYS = frozenset({"openinference.span.kind", "traceloop.span.kind"})
"""... and so is a span with one of these attributes."""

EXACT: dict[str, Destination] = {
    # what the span is
    "gen_ai.operation.name": ("kind", "gen_ai.operation.name"),
    "openinference.span.kind": ("kind", "openinference.span.kind"),
    "traceloop.span.kind": ("kind", "traceloop.span.kind"),
    "llm.request.type": ("kind", "llm.request.type"),
    # the model and who serves it
    "gen_ai.request.model": ("config", "model"),
    "llm.model_name": ("config", "model"),
    "embedding.model_name": ("config", "model"),
    "gen_ai.provider.name": ("config", "provider"),
    "gen_ai.system": ("config", "provider"),
    "llm.provider": ("config", "provider"),
    "llm.system": ("config", "provider"),
    # request parameters (gen_ai.request.* is a prefix rule below)
    "llm.invocation_parameters": ("hyperparameters", "json"),
    "llm.top_k": ("hyperparameters", "top_k"),
    "llm.frequency_penalty": ("hyperparameters", "frequency_penalty"),
    "llm.presence_penalty": ("hyperparameters", "presence_penalty"),
    "llm.chat.stop_sequences": ("hyperparameters", "stop_sequences"),
    "llm.request.repetition_penalty": ("hyperparameters", "repetition_penalty"),
    "llm.is_streaming": ("hyperparameters", "stream"),
    "gen_ai.is_streaming": ("hyperparameters", "stream"),
    # tokens and cost
    "gen_ai.usage.input_tokens": ("usage", "prompt_tokens"),
    "gen_ai.usage.prompt_tokens": ("usage", "prompt_tokens"),
    "gen_ai.usage.output_tokens": ("usage", "completion_tokens"),
    "gen_ai.usage.completion_tokens": ("usage", "completion_tokens"),
    "gen_ai.usage.total_tokens": ("usage", "total_tokens"),
    "llm.usage.total_tokens": ("usage", "total_tokens"),
    "llm.token_count.prompt": ("usage", "prompt_tokens"),
    "llm.token_count.completion": ("usage", "completion_tokens"),
    "llm.token_count.total": ("usage", "total_tokens"),
    "gen_ai.usage.cost": ("usage", "cost"),
    "llm.cost.total": ("usage", "cost"),
    # messages as one JSON attribute
    "gen_ai.input.messages": ("input_messages", "json"),
    "gen_ai.output.messages": ("output_messages", "json"),
    "gen_ai.system_instructions": ("inputs", "system"),
    # what a span took and returned, when it has no messages
    "input.value": ("input_value", "value"),
    "output.value": ("output_value", "value"),
    "traceloop.entity.input": ("input_value", "value"),
    "traceloop.entity.output": ("output_value", "value"),
    "gen_ai.tool.call.arguments": ("input_value", "value"),
    "gen_ai.tool.call.result": ("output_value", "value"),
    "input.mime_type": ("drop", ""),
    "output.mime_type": ("drop", ""),
}
"""Attribute name -> destination. Checked before the prefixes."""

PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("gen_ai.request.", "hyperparameters", ""),
    ("gen_ai.usage.", "usage", ""),
    ("llm.token_count.", "usage", "tokens_"),
    ("llm.cost.", "usage", "cost_"),
)
"""``(prefix, field, key prefix)``: the key is the key prefix and the rest of the name
(dots made underscores), so ``llm.cost.prompt`` is ``metadata.cost_prompt``."""

PREFIX_LISTS: tuple[tuple[str, str, str], ...] = (
    ("gen_ai.prompt.", "input_messages", ""),
    ("gen_ai.completion.", "output_messages", ""),
    ("llm.input_messages.", "input_messages", ""),
    ("llm.output_messages.", "output_messages", ""),
    ("retrieval.documents.", "output_value", "documents"),
    ("llm.request.functions.", "config", "tools"),
    ("llm.tools.", "config", "tools"),
    ("llm.prompt_template.", "config", "prompt_template"),
    ("traceloop.association.properties.", "metadata", "association_properties"),
)
"""``(prefix, field, key)``: indexed or dotted attributes (``gen_ai.prompt.0.role``)
rebuilt into one list or object (numeric parts are list positions)."""

UNWRAP = frozenset({"message", "message_content", "tool_call", "document", "tool"})
"""OpenInference wraps list items in an object of one key (``{"message": {...}}``): unwrapped."""

EVENT_TYPES: dict[str, dict[str, str]] = {
    "gen_ai.operation.name": {
        "chat": "model",
        "text_completion": "model",
        "completion": "model",
        "generate_content": "model",
        "embeddings": "model",
        "embedding": "model",
        "execute_tool": "tool",
        "retrieval": "tool",
        "invoke_agent": "chain",
        "create_agent": "chain",
    },
    "openinference.span.kind": {
        "llm": "model",
        "embedding": "model",
        "tool": "tool",
        "retriever": "tool",
        "reranker": "tool",
    },
    "traceloop.span.kind": {"tool": "tool"},
    "llm.request.type": {
        "chat": "model",
        "completion": "model",
        "embedding": "model",
        "rerank": "tool",
    },
}
"""Kind attribute -> {its value, lowercased -> event_type}. The first attribute present
whose value is listed decides; a span with a model and no kind is ``model``; else ``chain``."""

DEFAULT_MODEL = ("gen_ai.response.model", "llm.response.model")
"""Where ``config.model`` comes from when no request names the model (kept in metadata too)."""

EVENT_MESSAGES: dict[str, tuple[str, str]] = {
    "gen_ai.system.message": ("input_messages", "system"),
    "gen_ai.user.message": ("input_messages", "user"),
    "gen_ai.assistant.message": ("input_messages", "assistant"),
    "gen_ai.tool.message": ("input_messages", "tool"),
    "gen_ai.choice": ("output_messages", "assistant"),
    "gen_ai.content.prompt": ("input_messages", ""),
    "gen_ai.content.completion": ("output_messages", ""),
}
"""Span event name -> (where its message goes, the role when the event has none).

An event's message is its ``message``, ``gen_ai.event.content`` or (older
conventions) ``gen_ai.prompt`` / ``gen_ai.completion`` attribute, JSON; or
its ``content`` and ``role`` attributes."""

FIRST_TOKEN_EVENTS = frozenset({"gen_ai.content.completion.chunk", "First Token Stream Event"})
"""Span events marking streamed output: the first gives ``metrics.time_to_first_token_ms``."""
