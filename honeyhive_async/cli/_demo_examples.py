"""The reference document's six examples, as Python requests (snake_case names).

They are sent as written, ``error: None`` included: ``None`` means unset. The
batch examples carry the same event and model event as the single ones.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EXAMPLES"]

_EVENT: dict[str, Any] = {
    "project": "Simple RAG",
    "source": "playground",
    "event_name": "Model Completion",
    "event_type": "model",
    "event_id": "7f22137a-6911-4ed3-bc36-110f1dde6b66",
    "session_id": "caf77ace-3417-4da4-944d-f4a0688f3c23",
    "parent_id": "caf77ace-3417-4da4-944d-f4a0688f3c23",
    "children_ids": ["<value>"],
    "config": {
        "model": "gpt-3.5-turbo",
        "version": "v0.1",
        "provider": "openai",
        "hyperparameters": {
            "temperature": 0,
            "top_p": 1,
            "max_tokens": 1000,
            "presence_penalty": 0,
            "frequency_penalty": 0,
            "stop": ["<value>"],
            "n": 1,
        },
        "template": [
            {
                "role": "system",
                "content": "Answer the user's question only "
                "using provided context. Context: {{ "
                "context }}",
            },
            {"role": "user", "content": "{{question}}"},
        ],
        "type": "chat",
    },
    "inputs": {
        "context": "Hello world",
        "question": "What is in the context?",
        "chat_history": [
            {
                "role": "system",
                "content": "Answer the user's question only "
                "using provided context. Context: "
                "Hello world",
            },
            {"role": "user", "content": "What is in the context?"},
        ],
    },
    "outputs": {"role": "assistant", "content": "Hello world"},
    "error": None,
    "start_time": 1714978764301,
    "end_time": 1714978765301,
    "duration": 999.8056,
    "metadata": {"cost": 8e-05, "completion_tokens": 23, "prompt_tokens": 35, "total_tokens": 58},
    "feedback": {},
    "metrics": {
        "Answer Faithfulness": 5,
        "Answer Faithfulness_explanation": "The AI assistant's answer is a "
        "concise and accurate "
        "description of Ramp's API. It "
        "provides a clear explanation of "
        "what the API does and how "
        "developers can use it to "
        "integrate Ramp's financial "
        "services into their own "
        "applications. The answer is "
        "faithful to the provided "
        "context.",
        "Number of words": 18,
    },
    "user_properties": {"user": "google-oauth2|111840237613341303366"},
}

_MODEL_EVENT: dict[str, Any] = {
    "project": "New Project",
    "model": "gpt-4o",
    "provider": "openai",
    "messages": [{"role": "system", "content": "Hello, world!"}],
    "response": {"role": "assistant", "content": "Hello, world!"},
    "duration": 42,
    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    "cost": 8e-05,
    "error": None,
    "source": "playground",
    "event_name": "Model Completion",
    "hyperparameters": {
        "temperature": 0,
        "top_p": 1,
        "max_tokens": 1000,
        "presence_penalty": 0,
        "frequency_penalty": 0,
        "stop": ["<value>"],
        "n": 1,
    },
    "template": [{"role": "system", "content": "Hello, {{ name }}!"}],
    "template_inputs": {"name": "world"},
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_current_weather",
                "description": "Get the current weather",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "location": {
                            "type": "string",
                            "description": "The city and state, e.g. San Francisco, CA",
                        },
                        "format": {
                            "type": "string",
                            "enum": ["celsius", "fahrenheit"],
                            "description": "The "
                            "temperature "
                            "unit "
                            "to "
                            "use. "
                            "Infer "
                            "this "
                            "from "
                            "the "
                            "users "
                            "location.",
                        },
                    },
                    "required": ["location", "format"],
                },
            },
        }
    ],
    "tool_choice": "none",
    "response_format": {"type": "text"},
}

EXAMPLES: dict[str, Any] = {
    "create_event": {"event": _EVENT},
    "update_event": {
        "event_id": "7f22137a-6911-4ed3-bc36-110f1dde6b66",
        "metadata": {
            "cost": 8e-05,
            "completion_tokens": 23,
            "prompt_tokens": 35,
            "total_tokens": 58,
        },
        "feedback": {"rating": 5},
        "metrics": {"num_words": 2},
        "outputs": {"role": "assistant", "content": "Hello world"},
        "config": {"template": [{"role": "system", "content": "Hello, {{ name }}!"}]},
        "user_properties": {"user_id": "691b1f94-d38c-4e92-b051-5e03fee9ff86"},
        "duration": 42,
    },
    "get_events": {
        "project": "<value>",
        "filters": [{"field": "event_type", "value": "model", "operator": "is", "type": "string"}],
    },
    "create_model_event": {"model_event": _MODEL_EVENT},
    "create_event_batch": {"events": [_EVENT]},
    "create_model_event_batch": {"model_events": [_MODEL_EVENT]},
}
