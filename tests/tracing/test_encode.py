"""Capturing values: any value becomes bounded JSON, and tracing never changes a call's outcome."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from honeyhive_async import tracing
from honeyhive_async.tracing._encode import dumps
from honeyhive_async.tracing._tracer import wire_bytes
from tests.tracing.conftest import Recorder, no_constants, run

SLACK = 64  # the preview's wrapper: {"truncated":"... characters of JSON","preview":"..."}
INT64 = range(-(2**63), 2**63)


@dataclasses.dataclass
class Point:
    x: Any
    y: Any


@attrs.define
class Box:
    content: Any


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("BadRepr()")  # how Hypothesis shows it in a failing example


class Opaque:
    __slots__ = ()


def cycle(value: Any) -> list[Any]:
    """A list that holds *value* and itself."""
    looped: list[Any] = [value]
    looped.append(looped)
    return looped


def checked_int(text: str) -> int:
    """``json.loads`` hook: every integer fits in 64 bits."""
    value = int(text)
    if value not in INT64:
        raise ValueError(f"{text} is wider than 64 bits")
    return value


def parse(text: str) -> Any:
    """Strict JSON: no NaN or infinities, 64-bit integers."""
    return json.loads(text, parse_constant=no_constants, parse_int=checked_int)


texts = st.text(st.characters() | st.characters(categories=["Cs"]))
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**80)
    | st.integers(max_value=-(2**62))
    | st.sampled_from([2**63 - 1, -(2**63), 2**63])
    | st.integers(0, 1).map(lambda sign: (-1) ** sign * 10**5000)  # too long for str()
    | st.floats()
    | texts
    | st.binary()
    | st.builds(BadRepr)
    | st.builds(Opaque)
)
hashables = (
    st.none() | st.booleans() | st.integers() | st.floats() | texts | st.tuples(st.integers())
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.tuples(children, children)
        | st.frozensets(hashables, max_size=5)
        | st.sets(hashables, max_size=5)
        | st.dictionaries(hashables, children, max_size=5)
        | st.builds(Point, children, children)
        | st.builds(Box, children)
        | st.builds(cycle, children)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=values, limit=st.integers(min_value=256, max_value=4096))
@example(value='\x00"\\' * 5000, limit=256)
@example(value={"k" * 10_000: 1}, limit=256)
@example(value=[[[[[[[[[["x" * 1000] * 40]]]]]]]]], limit=300)
@example(value=float("nan"), limit=256)
@example(value={(1, 2): b"\xff\xfe", None: {1, 2}, 1.5: 2**64}, limit=256)
def test_dumps_is_bounded_strict_json(value: Any, limit: int) -> None:
    """dumps never raises; its text, as sent, is strict JSON with 64-bit integers, bounded."""
    text = dumps(value, limit)

    parse(wire_bytes(text).decode())
    assert len(text) <= limit + SLACK, (len(text), limit)


def deep(levels: int) -> list[Any]:
    """A list nested *levels* deep, deeper than Python recurses."""
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    "value",
    [deep(100_000), cycle(1), 10**5000, [10**5000, "x"], {"b": BadRepr()}],
    ids=["deep", "cycle", "huge-int", "huge-int-in-list", "bad-repr"],
)
def test_dumps_takes_what_json_cannot(value: Any) -> None:
    """Nesting past the recursion limit, cycles and unprintable values still give strict JSON."""
    text = dumps(value, 10_000)

    parse(wire_bytes(text).decode())
    assert len(text) <= 10_000 + SLACK


BRANCHING_CYCLES = {
    "dict": """
        value = {}
        value["a"] = value
        value["b"] = value
    """,
    "tree with parent links": """
        import dataclasses

        @dataclasses.dataclass
        class Node:
            parent: object
            children: list

        value = Node(None, [])
        value.children = [Node(value, []) for _ in range(8)]
    """,
}


@pytest.mark.parametrize("setup", BRANCHING_CYCLES.values(), ids=BRANCHING_CYCLES.keys())
def test_dumps_takes_a_branching_cycle_quickly(setup: str) -> None:
    """A cycle reached along several paths (a tree with parent links) is captured in well under 5 s.

    In a subprocess: a walk that follows every path never ends.
    """
    code = textwrap.dedent(setup) + textwrap.dedent("""
        import json, time
        from honeyhive_async.tracing._encode import dumps
        start = time.perf_counter()
        json.loads(dumps(value, 100_000))
        print(time.perf_counter() - start < 1.0)
    """)
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=5, check=True
        )
    except subprocess.TimeoutExpired:
        pytest.fail("dumps did not finish within 5 s")
    assert "True" == done.stdout.strip()


def echo(value: Any, *rest: Any, **named: Any) -> Any:
    return value


async def echo_later(value: Any, *rest: Any, **named: Any) -> Any:
    return value


def stream(value: Any, *rest: Any) -> Iterator[Any]:
    yield value
    yield from rest


async def stream_later(value: Any, *rest: Any) -> AsyncIterator[Any]:
    yield value
    for item in rest:
        yield item


def fail_with(value: Any, *rest: Any) -> None:
    raise ValueError(value, *rest)


TRACED = [tracing.trace(f) for f in (echo, echo_later, stream, stream_later, fail_with)]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=values,
    rest=st.lists(values, max_size=3),
    named=st.dictionaries(texts.filter(lambda k: k != "value"), values, max_size=3),
)
async def test_a_traced_call_is_the_plain_call(
    tracer: tracing.Tracer,
    recorder: Recorder,
    value: Any,
    rest: list[Any],
    named: dict[str, Any],
) -> None:
    """With any arguments a traced call gives what the plain one does; each event is UTF-8 JSON."""
    recorder.clear()

    echoed = [await run(f, value, *rest, **named) for f in TRACED[:2]]
    streamed = [await run(f, value, *rest) for f in TRACED[2:4]]
    with pytest.raises(ValueError) as raised:  # noqa: PT011 - its args are compared
        TRACED[4](value, *rest)

    given_back = [*echoed, *streamed[0], *streamed[1], *raised.value.args]
    passed = [value, value, value, *rest, value, *rest, value, *rest]
    assert [id(v) for v in passed] == [id(v) for v in given_back]  # the very same objects
    for data in recorder.raw:
        parse(data.decode("utf-8"))
    expected = (10, [], 0)  # a span and its session for each call
    actual = (len(recorder.raw), recorder.reported, tracer.dropped)
    assert expected == actual
