"""The published patterns accept exactly what the query compiler accepts."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from honeyhive_async.server._grammar import (
    DATETIME,
    FIELD_PATH,
    MAX_FIELD_CHARS,
    VALUE_PATTERNS,
    operators_for,
)
from honeyhive_async.server._query import parse_datetime_ms, parse_field
from honeyhive_async.server._validate import Invalid

# ECMA-262 reads "$" as the end of the text; Python's also matches before a final "\n".
_DATETIME = re.compile(DATETIME.removesuffix("$") + r"\Z")
_FIELD_PATH = re.compile(FIELD_PATH.removesuffix("$") + r"\Z")

_DATE_CHARS = "0123456789-:TZz+ .,eE\t\n/"
near_datetimes = st.text(alphabet=_DATE_CHARS, max_size=32) | st.from_regex(_DATETIME).map(
    lambda text: text[:-1] if len(text) > 4 else text + "9"
)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(_DATETIME) | near_datetimes)
@example("2024-02-29")
@example("2023-02-29")
@example("1900-02-29")
@example("2000-02-29T23:59:59.123456789+22:99")
@example("2000-01-01+23:60")
@example("0000-01-01")
@example(" 1714978764301 ")
@example("2024-04-01T05")
def test_datetime_pattern_is_what_the_parser_reads(text: str) -> None:
    """A text matches the published date-time pattern exactly when getEvents reads it."""
    assert bool(_DATETIME.match(text)) == (parse_datetime_ms(text) is not None)


def _field_ok(text: str) -> bool:
    try:
        parse_field(text, ("field",))
    except Invalid:
        return False
    return True


field_paths = st.from_regex(_FIELD_PATH) | st.text(
    alphabet='metadaconfig._- x0é"[$*\n', max_size=40
)


@settings(max_examples=200, deadline=None)
@given(field_paths)
@example("metrics.Answer Faithfulness")
@example("metrics.Answer  Faithfulness")
@example("feedback.👍")
@example("event_type.x")
@example("inputs." + ".".join("k" * 15))
@example("inputs." + ".".join("k" * 16))
@example('metadata."x"')
def test_field_path_pattern_is_what_the_compiler_reads(text: str) -> None:
    """A path matches the published pattern (within the length limit) exactly when it compiles."""
    published = bool(_FIELD_PATH.match(text)) and len(text) <= MAX_FIELD_CHARS
    assert published == _field_ok(text)


@pytest.mark.parametrize(
    ("filter_type", "good", "bad"),
    [
        ("number", ["0", "-1.5", "2e10", "12345678901234567890"], ["1.", ".5", "1,5", " 1", "0x1"]),
        ("boolean", ["true", "FALSE", "tRuE"], ["yes", "1", "true ", ""]),
    ],
)
def test_value_patterns(filter_type: str, good: list[str], bad: list[str]) -> None:
    """Number and boolean values take the published forms only."""
    pattern = re.compile((VALUE_PATTERNS[filter_type] or "").removesuffix("$") + r"\Z")

    actual = ([bool(pattern.match(v)) for v in good], [bool(pattern.match(v)) for v in bad])
    assert ([True] * len(good), [False] * len(bad)) == actual


def test_operators_by_type_include_negations() -> None:
    """Each type's operators are its comparisons and their negations."""
    expected = {
        "string": ["is", "is not", "contains", "not contains", "greater than", "less than"],
        "id": ["is", "is not", "contains", "not contains"],
        "number": ["is", "is not", "greater than", "less than"],
        "boolean": ["is", "is not"],
        "datetime": ["is", "is not", "greater than", "less than", "after", "before"],
    }
    assert expected == {t: operators_for(t) for t in expected}
