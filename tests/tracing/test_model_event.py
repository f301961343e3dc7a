"""The model-event builder: one shape for every route that records a model call."""

from __future__ import annotations

from typing import Any

import pytest

from honeyhive_async.tracing._model_event import (
    TIME_TO_FIRST_TOKEN,
    model_fields,
    outputs_of,
    usage_metadata,
)


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        pytest.param(
            {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
            {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
            id="openai names kept",
        ),
        pytest.param(
            {"input_tokens": 3, "output_tokens": 4, "cache_read_input_tokens": 2},
            {
                "prompt_tokens": 3,
                "completion_tokens": 4,
                "cache_read_input_tokens": 2,
                "total_tokens": 7,
            },
            id="anthropic names mapped, total added, cached under its own name",
        ),
        pytest.param(
            {"prompt_tokens": 3, "input_tokens": 99, "cost": 0.01},
            {"prompt_tokens": 3, "cost": 0.01},
            id="first name wins, no total without both counts",
        ),
        pytest.param(
            {"prompt_tokens": None, "completion_tokens": 4, "reasoning_tokens": 1},
            {"completion_tokens": 4, "reasoning_tokens": 1},
            id="None left out",
        ),
        pytest.param(
            {"prompt_tokens": "3", "completion_tokens": 4},
            {"prompt_tokens": "3", "completion_tokens": 4},
            id="no sum of what is not a count",
        ),
        pytest.param(None, {}, id="no usage"),
    ],
)
def test_usage_metadata(usage: dict[str, Any] | None, expected: dict[str, Any]) -> None:
    """Token counts under HoneyHive's names, as its examples store them in metadata."""
    assert expected == usage_metadata(usage)


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([], {}),
        ([{"role": "assistant", "content": "hi"}], {"role": "assistant", "content": "hi"}),
        (
            [{"content": "a"}, {"content": "b"}],
            {"choices": [{"content": "a"}, {"content": "b"}]},
        ),
    ],
    ids=["none", "one reply", "several choices"],
)
def test_outputs_of(messages: list[Any], expected: dict[str, Any]) -> None:
    """One reply is the outputs; several are ``choices``."""
    assert expected == outputs_of(messages)


def test_model_fields_matches_honeyhives_example() -> None:
    """The parts land where HoneyHive's createEvent example of a model event has them."""
    fields = model_fields(
        provider="openai",
        model="gpt-4o",
        hyperparameters={"temperature": 0},
        tools=[{"type": "function"}],
        chat_history=[{"role": "user", "content": "q"}],
        outputs=[{"role": "assistant", "content": "a"}],
        usage={"prompt_tokens": 35, "completion_tokens": 23},
        time_to_first_token_ms=12.5,
    )

    assert {
        "config": {
            "provider": "openai",
            "model": "gpt-4o",
            "hyperparameters": {"temperature": 0},
            "tools": [{"type": "function"}],
        },
        "inputs": {"chat_history": [{"role": "user", "content": "q"}]},
        "outputs": {"role": "assistant", "content": "a"},
        "metadata": {"prompt_tokens": 35, "completion_tokens": 23, "total_tokens": 58},
        "metrics": {TIME_TO_FIRST_TOKEN: 12.5},
    } == fields


def test_model_fields_leaves_out_what_was_not_given() -> None:
    """Nothing given, nothing set: every field an empty dict."""
    expected = {"config": {}, "inputs": {}, "outputs": {}, "metadata": {}, "metrics": {}}
    assert expected == model_fields()
