"""HoneyHive's own tracer attributes (``honeyhive_inputs.*`` ...) as event fields."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_async._utils import nests_within
from honeyhive_async.otel._bridge import SpanValues, map_values
from honeyhive_async.tracing._bridge import CAPTURE_DEPTH


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


def test_a_key_of_many_dots_nests_no_deeper_than_a_captured_value() -> None:
    """96 dots: the first levels nest, the rest of the path stays one key (nothing is lost)."""
    path = ".".join(f"k{n}" for n in range(97))
    inputs = mapped(**{f"honeyhive_inputs__{path.replace('.', '__')}": 1})["inputs"]

    assert nests_within(inputs, CAPTURE_DEPTH)
    node, names = inputs, []
    while isinstance(node, dict):
        (name, node), *_ = node.items()
        names.append(name)
    assert (path, 1) == (".".join(names), node)


@settings(max_examples=100, deadline=None)
@given(
    paths=st.lists(
        st.lists(st.sampled_from(["a", "0", "1", "b c", ""]), min_size=1, max_size=150).map(
            ".".join
        ),
        min_size=1,
        max_size=4,
    ),
    nested=st.integers(0, 120).map(lambda n: "[" * n + "]" * n),
)
def test_any_dotted_keys_nest_within_the_capture_depth(paths: list[str], nested: str) -> None:
    """Whatever the keys and their JSON text, a field nests well within the server's 100 levels.

    The path nests at most CAPTURE_DEPTH levels, and so does the JSON text under it.
    """
    event = mapped(**{f"honeyhive_metadata__{p.replace('.', '__')}": nested for p in paths})

    assert nests_within(event["metadata"], 2 * CAPTURE_DEPTH)
