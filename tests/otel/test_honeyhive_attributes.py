"""HoneyHive's own tracer attributes (``honeyhive_inputs.*`` ...) as event fields."""

from __future__ import annotations

from typing import Any

import pytest

from honeyhive_async.otel._bridge import SpanValues, map_values


def mapped(**attributes: Any) -> dict[str, Any]:
    """The event fields of a span with these attributes (dots written as ``__``)."""
    return map_values(SpanValues({k.replace("__", "."): v for k, v in attributes.items()}))


def test_flattened_fields_are_rebuilt_with_lists() -> None:
    """Dotted children nest again; index keys become lists."""
    event = mapped(
        honeyhive_inputs__messages__0__role="user",
        honeyhive_inputs__messages__1__role="assistant",
        honeyhive_inputs__k=1,
    )

    assert {"messages": [{"role": "user"}, {"role": "assistant"}], "k": 1} == event["inputs"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"order": 42}', {"order": 42}),
        ("[1, 2]", [1, 2]),
        ("[NaN]", "[NaN]"),
        ("{not json", "{not json"),
        ("[" * 5000 + "]" * 5000, "[" * 5000 + "]" * 5000),
    ],
)
def test_json_text_is_parsed_when_it_is_plain_json(value: str, expected: Any) -> None:
    """The tracer writes dicts as JSON text: parsed, unless it is not JSON a server can store."""
    assert expected == mapped(honeyhive_inputs__q=value)["inputs"]["q"]


def test_a_whole_field_as_json_object_is_merged() -> None:
    """``honeyhive_outputs`` holding a JSON object becomes the outputs."""
    assert {"a": 1} == mapped(honeyhive_outputs='{"a": 1}')["outputs"]


def test_type_name_and_error_win_and_routing_stays_out() -> None:
    """event_type, event_name and error come from HoneyHive's attributes; ids are not metadata."""
    event = mapped(
        honeyhive_event_type="tool",
        honeyhive_event_name="lookup",
        honeyhive_error="boom",
        honeyhive__session_id="s",
        honeyhive__project="p",
        honeyhive_duration_ms=1.5,
        gen_ai__request__model="gpt-4o",
    )

    assert ("tool", "lookup", "boom") == (event["event_type"], event["event_name"], event["error"])
    assert "honeyhive" not in event["metadata"]
    assert "honeyhive_duration_ms" not in event["metadata"]
    assert "gpt-4o" == event["config"]["model"]


def test_an_unknown_event_type_is_left_to_the_conventions() -> None:
    """honeyhive_event_type "session" (or anything else) does not make the span a session."""
    assert (
        "model" == mapped(honeyhive_event_type="session", gen_ai__request__model="m")["event_type"]
    )
