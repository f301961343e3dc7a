"""The batcher's report: counts and a short ``repr`` however many events it lists."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from honeyhive_async import DeliveryReport, UndeliveredEvent
from honeyhive_async._batching._report import FailedGroup, Undelivered


def lost(n: int, reason: str = "gave_up") -> UndeliveredEvent:
    """An undelivered event with a long wire form and a long message."""
    return UndeliveredEvent(
        body=json.dumps({"event_id": f"id-{n}", "inputs": {"text": "x" * 400}}).encode(),
        kind="event",
        event_id=f"id-{n}",
        reason=reason,  # type: ignore[arg-type]
        message="createEventBatch: Cannot connect to host 127.0.0.1:9 " + "y" * 300,
    )


def test_repr_of_a_large_report_is_a_summary() -> None:
    """1,000 undelivered events: counts by reason and three short examples, not the list."""
    report = DeliveryReport(
        sent=5,
        undelivered=tuple(lost(n, "gave_up" if n % 4 else "pending") for n in range(1000)),
        omitted=7,
        dead_letter="dead.jsonl",
    )

    text = repr(report)

    expected = (True, True, True, True, True)
    actual = (
        len(text) < 800,
        text.startswith("DeliveryReport(sent=5, failed=1007, by_reason={gave_up=750, pending=250}"),
        "omitted=7" in text,
        "id-0 pending: createEventBatch: Cannot connect" in text,
        text.endswith("and 997 more)"),
    )
    assert expected == actual


def test_repr_of_an_empty_report() -> None:
    """A report with nothing undelivered says just that."""
    assert "DeliveryReport(sent=3, failed=0)" == repr(DeliveryReport(sent=3))


def test_repr_of_an_undelivered_event_leaves_out_the_event() -> None:
    """The wire form can be large: UndeliveredEvent's repr shows ids, reason and message."""
    text = repr(lost(1))

    assert ("x" * 50 not in text, "id-1" in text) == (True, True)


def group(reason: str, ids: list[str], kept: int) -> FailedGroup:
    """A group of events with *ids*, the JSON of the first *kept* of them."""
    bodies = tuple(json.dumps({"event_id": i}).encode() for i in ids[:kept])
    return FailedGroup("event", reason, "down", False, tuple(ids), bodies)  # type: ignore[arg-type]


@given(st.lists(st.tuples(st.sampled_from(["gave_up", "pending"]), st.integers(0, 4)), max_size=6))
def test_undelivered_reads_like_the_list_of_its_events(shape: list[tuple[str, int]]) -> None:
    """Indexing, slicing, iterating, counting and + agree with the flattened list of events."""
    parts: list[FailedGroup | UndeliveredEvent] = []
    for n, (why, size) in enumerate(shape):
        ids = [f"{n}-{k}" for k in range(size)]
        parts.append(lost(n, why) if size == 0 else group(why, ids, size // 2))
    flat = [e for p in parts for e in ([p] if isinstance(p, UndeliveredEvent) else p.events())]
    undelivered = Undelivered(parts)

    expected = (flat, flat[1:3], flat[::-1], len(flat), [e.reason for e in flat].count("pending"))
    actual = (
        [undelivered[i] for i in range(len(undelivered))],
        list(undelivered[1:3]),
        [undelivered[-i] for i in range(1, len(flat) + 1)],
        len(undelivered),
        DeliveryReport(undelivered=undelivered).count("pending"),
    )
    assert expected == actual
    assert (flat * 2, True) == (list(undelivered + undelivered), undelivered == tuple(flat))


def test_an_event_without_its_json_keeps_its_id_and_reason() -> None:
    """Past the byte budget: the id, reason and message stay; wire is None."""
    (first, second) = group("gave_up", ["a", "b"], kept=1).events()

    expected = (("a", {"event_id": "a"}), ("b", None, "gave_up", "down"))
    assert expected == (
        (first.event_id, first.wire),
        (second.event_id, second.wire, second.reason, second.message),
    )


def test_a_report_of_100_000_events_is_made_without_an_object_per_event() -> None:
    """Its failed count, counts by reason and repr read the groups, not the events."""
    ids = [f"id-{n}" for n in range(1000)]
    report = DeliveryReport(undelivered=[group("pending", ids, 0) for _ in range(100)])

    expected = (100_000, {"pending": 100_000}, True)
    assert expected == (report.failed, report.by_reason(), "and 99997 more" in repr(report))
