"""Request bodies as JSON: the bracket-count shortcut refuses exactly the bodies too deep.

The depth of a body is bounded from its JSON text (brackets counted at C
speed, event by event in a batch) and walked only when the bound does not
settle it; whatever the shortcut, the outcome must equal the plain walk's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_async import _rules, errors
from honeyhive_async._codec import _json as _json_checks
from honeyhive_async._codec._json import encode_json, to_json

EVENT = {
    "project": "p",
    "source": "s",
    "event_name": "n",
    "event_type": "tool",
    "config": {},
    "inputs": {},
    "duration": 1,
}


def chain(depth: int, leaf: Any = 1) -> Any:
    """Objects and lists nested *depth* levels, alternating."""
    value = leaf
    for level in range(depth):
        value = {"d": value} if level % 2 else [value]
    return value


tricky_text = st.sampled_from(["{" * 120, "[[[", "}]", '{"project":', "project", "x"])
inner = st.recursive(
    st.none() | st.integers() | tricky_text,
    lambda c: st.lists(c, max_size=2) | st.dictionaries(st.sampled_from(["project", "a"]), c),
    max_leaves=6,
)
free_form = st.one_of(
    st.dictionaries(st.sampled_from(["a", "project"]), inner, max_size=2),
    st.integers(90, 100).map(lambda n: {"deep": chain(n)}),
)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(free_form, min_size=1, max_size=14),
    where=st.sampled_from(["inputs", "config", "metadata"]),
)
def test_a_batch_is_refused_exactly_when_it_nests_too_deep(values: list[Any], where: str) -> None:
    """Brackets in strings, a free-form key "project", many events: same answer as the walk."""
    body = {"events": [{"project": "p", **EVENT, where: value} for value in values]}

    try:
        to_json(body, "createEventBatch", items=len(values))
        problems: list[str] = []
    except errors.RequestValidationError as error:
        problems = [message for _, message in error.issues]

    too_deep = not _json_checks.depth_within(body, _rules.MAX_DEPTH)
    expected = ["nests deeper than the 100 levels a request body may have"] if too_deep else []
    assert expected == problems


@settings(max_examples=100, deadline=None)
@given(value=free_form, depth=st.integers(1, _rules.MAX_DEPTH))
def test_a_part_of_a_body_gets_the_room_left(value: Any, depth: int) -> None:
    """With *depth* levels of room, the event is refused exactly when it nests deeper."""
    event = {**EVENT, "inputs": value}

    try:
        to_json(event, "createEventBatch", depth=depth)
        refused = False
    except errors.RequestValidationError:
        refused = True

    assert refused == (not _json_checks.depth_within(event, depth))


def test_the_limit_itself_is_accepted() -> None:
    """A body exactly 100 levels deep goes; 101 does not."""
    body = {"event": {**EVENT, "inputs": {"x": chain(97)}}}  # 1 + 1 + 1 + 97 = 100
    to_json(body, "createEvent")
    deeper = {"event": {**EVENT, "inputs": {"x": chain(98)}}}
    with pytest.raises(errors.RequestValidationError) as raised:
        to_json(deeper, "createEvent")
    ((path, _),) = raised.value.issues
    assert path.startswith("event.inputs.x")  # the way down, its first four steps


texts = st.text(st.characters(codec=None, exclude_categories=["Cs"]), max_size=12)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(texts, c, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_the_encoder_writes_what_json_writes(value: Any) -> None:
    """Compact, non-ASCII as UTF-8, control characters and DEL escaped as json escapes them."""
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    assert expected == encode_json(value)
