"""A bad captured value degrades only itself, and capturing costs what is kept (issue 18).

Deep, huge and hostile values pass through tracing's capture: each is cut
or noted where it breaks, its siblings and the other events arrive whole,
and the work done is bounded by the field's budget, not by the value.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from honeyhive_async import EventBatcher, HoneyHiveCore, funcs, tracing
from honeyhive_async._batching import DeliveryReport
from honeyhive_async._codec import EncodedEvent, encode_event
from honeyhive_async._defaults import NO_DEFAULTS
from honeyhive_async._utils import nests_within
from honeyhive_async.server import LocalServer
from honeyhive_async.tracing._encode import CAPTURE_DEPTH, dumps
from honeyhive_async.tracing._spans import MAX_NAME_CHARS
from honeyhive_async.tracing._tracer import wire_bytes
from tests.tracing.conftest import Recorder, TracerFactory

LIMIT = 100_000


def deep(levels: int, leaf: Any = "leaf") -> Any:
    """*leaf* inside *levels* nested lists."""
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def containers(value: Any) -> int:
    """How many containers *value* (plain JSON data) nests."""
    if isinstance(value, dict):
        return 1 + max(map(containers, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(containers, value), default=0)
    return 0


class ItemsRaise(dict[str, Any]):
    """A dict whose items() raises (so does json's encoder on it)."""

    def items(self) -> Any:
        raise RuntimeError("no items")


class KeysRaise(dict[str, Any]):
    def keys(self) -> Any:
        raise RuntimeError("no keys")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no iter")


class IterRaise(list[Any]):
    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("no iter")


class ReprRaise:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("ReprRaise()")  # how Hypothesis shows it in a failing example


class DumpRaise:
    def model_dump(self, **options: Any) -> Any:
        raise RuntimeError("no dump")


class Counted(list[Any]):
    """A list that counts the items read from it."""

    read = 0

    def __iter__(self) -> Iterator[Any]:
        for item in list.__iter__(self):
            Counted.read += 1
            yield item


HOSTILE = [ItemsRaise(a=1), KeysRaise(a=1), IterRaise([1]), ReprRaise(), DumpRaise()]


# -- item 1: one deep value loses nothing but its own depth ------------------------------


@pytest.mark.parametrize("levels", [CAPTURE_DEPTH + 1, 120, 5_000])
def test_a_deep_value_is_cut_at_the_documented_depth(levels: int) -> None:
    """Past CAPTURE_DEPTH containers the value becomes a note; above it, it is kept as it was."""
    captured = json.loads(dumps({"deep": deep(levels - 1), "sibling": [1, 2]}))

    innermost = captured["deep"]
    while isinstance(innermost, list):
        innermost = innermost[0]
    assert CAPTURE_DEPTH == containers(captured)
    assert [1, 2] == captured["sibling"]
    assert f"<list nested deeper than {CAPTURE_DEPTH} levels>" == innermost


def test_a_value_at_the_depth_is_kept_whole() -> None:
    """Exactly CAPTURE_DEPTH containers: nothing is cut."""
    value = deep(CAPTURE_DEPTH - 1, 7)
    assert value == json.loads(dumps(value))


@tracing.trace
def call(value: Any) -> int:
    return 1


async def stored(server: LocalServer, project: str, body: Any, **options: Any) -> list[Any]:
    """The events *body* traced, as the local server stored them (and the flush report)."""
    core = HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url)
    async with core, EventBatcher(core) as batcher:
        tracer = tracing.Tracer(batcher, project=project, **options)
        try:
            body()
            report = await tracer.flush()
        finally:
            tracer.uninstall()
        assert (0, 0) == (report.failed, tracer.dropped), report
        page = await funcs.events_get_events(
            core, {"project": project, "filters": [], "limit": 1000}
        )
    return list(page.unwrap().events)


def deep_among_twenty() -> None:
    @tracing.trace
    def root() -> None:
        for i in range(20):
            call(deep(120) if i == 7 else i)

    root()


def deep_from_a_processor(event: dict[str, Any]) -> dict[str, Any]:
    if event["inputs"].get("value") == 50:
        event["metadata"] = {"deep": deep(120)}
    return event


def bad_mappings() -> None:
    call(ItemsRaise(a=1))
    call({"bad": ItemsRaise(a=1), "good": [1, 2, 3]})


async def test_deep_and_unreadable_values_cost_no_other_event() -> None:
    """A deep argument, a processor's deep output, a dict whose items() raises: all stored."""
    async with LocalServer() as server:
        deep_events = await stored(server, "deep", deep_among_twenty)
        processed = await stored(
            server,
            "processed",
            lambda: [call(i) for i in range(101)],
            processors=[deep_from_a_processor],
        )
        unreadable = await stored(server, "unreadable", bad_mappings)

    assert (22, 202, 4) == (len(deep_events), len(processed), len(unreadable))
    good = next(e for e in unreadable if e.inputs and "good" in e.inputs.get("value", {}))
    assert [1, 2, 3] == good.inputs["value"]["good"]
    assert "ItemsRaise object (reading it raised RuntimeError)" in good.inputs["value"]["bad"]


async def test_a_batch_refused_as_too_deep_is_split_so_the_innocent_arrive() -> None:
    """An event that reached the batcher too deep is rejected alone; its batch mates are stored."""
    async with LocalServer() as server:
        core = HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url)
        async with core, EventBatcher(core, flush_interval=60) as batcher:
            ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(10)]
            for n, event_id in enumerate(ids):
                event = {
                    "project": "split",
                    "source": "tests",
                    "event_id": event_id,
                    "event_type": "tool",
                    "event_name": "e",
                    "inputs": {"x": "X"},
                    "duration": 1.0,
                    "config": {},
                    "outputs": {},
                    "metadata": {},
                }
                encoded = encode_event(event, NO_DEFAULTS, iter(()))
                # As if something had slipped past the client's own depth check.
                data = encoded.data.replace(b'"X"', json.dumps(deep(150) if n == 3 else n).encode())
                batcher.intake.offer(EncodedEvent("event", event_id, data))
            report: DeliveryReport = await batcher.flush()

    assert (9, [ids[3]]) == (report.sent, [u.event_id for u in report.undelivered])
    assert "nested deeper than 100 levels" in report.undelivered[0].message


# -- items 4 and 11: a bad or unrelated value changes nothing else --------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63) + 1, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


@settings(max_examples=100, deadline=None)
@given(value=json_values, bad=st.sampled_from([float("nan"), *HOSTILE, deep(60)]))
@example(value=list(range(1_500)), bad="order 1234567890123456789")
@example(value=list(range(1_500)), bad=float("nan"))
@example(value=deep(CAPTURE_DEPTH - 2, 1), bad=ItemsRaise(a=1))
def test_a_bad_sibling_does_not_change_what_is_kept(value: Any, bad: Any) -> None:
    """Whatever sits beside a value that fits (NaN, a raising mapping, 19 digits): kept whole."""
    alone = json.loads(wire_bytes(dumps({"v": value, "w": 1})))
    beside = json.loads(wire_bytes(dumps({"v": value, "w": bad})))

    assert value == alone["v"]
    assert alone["v"] == beside["v"]


@settings(max_examples=100, deadline=None)
@given(
    digits=st.text("0123456789", min_size=19, max_size=40),
    wide=st.integers(2**63, 2**70) | st.integers(max_value=-(2**63)),
)
def test_only_real_wide_integers_are_turned_into_text(digits: str, wide: int) -> None:
    """A 19-digit string stays as it is; an integer wider than 64 bits becomes its digits."""
    text = dumps({"s": digits, "n": wide, "items": list(range(1_200))})

    sent = json.loads(wire_bytes(text))
    assert {"s": digits, "n": str(wide), "items": list(range(1_200))} == sent


# -- the property over hostile values -------------------------------------------------------

hostile = st.recursive(
    st.sampled_from(HOSTILE)
    | st.integers(0, 3).map(lambda k: "x" * 10 ** (k + 3))
    | st.integers(0, 3).map(lambda k: list(range(10 ** (k + 2))))
    | st.integers(20, 200).map(deep)
    | st.integers(2**63, 2**200)
    | st.text("0123456789", min_size=19, max_size=25)
    | st.floats(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=5), children, max_size=4)
        | st.dictionaries(st.text(max_size=5), children, max_size=3).map(ItemsRaise)
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(value=hostile, limit=st.integers(256, 20_000))
def test_hostile_values_give_bounded_shallow_json(value: Any, limit: int) -> None:
    """dumps never raises; what it gives is strict JSON, within the limit and the depth."""
    text = dumps(value, limit)

    sent = json.loads(wire_bytes(text))
    assert len(text) <= limit + 64
    assert nests_within(sent, CAPTURE_DEPTH + 2)


# -- item 6: the cost is bounded by what is kept --------------------------------------------


@pytest.mark.parametrize("limit", [1_000, 100_000])
def test_a_long_list_is_read_only_as_far_as_the_budget(limit: int) -> None:
    """Of a million numbers only about the budget's worth are read (never all of them)."""
    Counted.read = 0
    text = dumps({"numbers": Counted(range(1_000_000))}, limit)

    assert Counted.read <= limit
    assert json.loads(text)["numbers"][-1].endswith("more items")


def test_a_huge_string_is_cut_before_it_is_encoded() -> None:
    """A 20 MB argument is captured into about the budget, its length noted."""
    text = dumps({"s": "x" * 20_000_000}, LIMIT)

    assert len(text) <= LIMIT
    assert json.loads(text)["s"].endswith("... (20000000 characters)")


# -- item 7: an open generator keeps no more than it will record ----------------------------


def chunks(count: int) -> Iterator[str]:
    for n in range(count):
        yield str(n) * 100_000


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(size=st.integers(1, 3))
async def test_an_open_generator_keeps_only_its_budget(
    make_tracer: TracerFactory, recorder: Recorder, size: int
) -> None:
    """200 chunks of 100 KB the consumer drops: the traced generator holds about one field."""
    recorder.clear()
    make_tracer(max_value_chars=size * 50_000)
    stream = tracing.trace(chunks)(200)
    tracemalloc.start()
    try:
        for _ in range(199):
            next(stream)  # dropped at once; the generator stays open
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    stream.close()

    assert held < 1_000_000
    span = recorder.named("chunks")
    assert 199 == len(span["outputs"]["result"]) + span["metadata"]["items_not_recorded"]


# -- the lower item: names -------------------------------------------------------------------


async def test_a_long_name_is_cut(tracer: tracing.Tracer, recorder: Recorder) -> None:
    """An event_name of a megabyte is recorded cut to MAX_NAME_CHARS."""
    name = "n" * 1_000_000
    tracing.trace(event_name=name)(call.__wrapped__)(1)  # type: ignore[attr-defined]
    with tracing.span(name):
        pass

    names = [e["event_name"] for e in recorder.events]
    assert all(len(n) == MAX_NAME_CHARS and n.endswith("...") for n in names), names
