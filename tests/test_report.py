"""The batcher's report: counts and a short ``repr`` however many events it lists."""

from __future__ import annotations

import json

from honeyhive_async import DeliveryReport, UndeliveredEvent


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
