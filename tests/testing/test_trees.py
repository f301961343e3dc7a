"""``build_trees`` and ``tree_shapes``: parent/child trees of plain events."""

from __future__ import annotations

from typing import Any

import pytest

from honeyhive_async.testing import build_trees, tree_shapes


def event(
    event_id: str, parent_id: str | None, start_time: float = 0, **fields: Any
) -> dict[str, Any]:
    """A stored-looking event named after its id."""
    return {
        "event_id": event_id,
        "event_name": event_id,
        "parent_id": parent_id,
        "start_time": start_time,
        **fields,
    }


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        pytest.param([], [], id="no events"),
        pytest.param(
            [event("tool", "chain", 3), event("chain", "s", 2), event("s", None, 1)],
            [("s", [("chain", [("tool", [])])])],
            id="a session, children listed before parents",
        ),
        pytest.param(
            [event("late", "s", 5), event("early", "s", 4), event("s", None, 1)],
            [("s", [("early", []), ("late", [])])],
            id="siblings by start time",
        ),
        pytest.param(
            [event("b", "s", 4), event("a", "s", 4), event("s", None, 1)],
            [("s", [("a", []), ("b", [])])],
            id="same start time: by name",
        ),
        pytest.param(
            [event("s2", None, 2), event("orphan", "never-stored", 1), event("s1", None, 3)],
            [("orphan", []), ("s2", []), ("s1", [])],
            id="orphans are roots, roots by start time",
        ),
        pytest.param(
            [event("a", "b", 1), event("b", "a", 2), event("c", "c", 3)],
            [("b", [("a", [])]), ("c", [])],
            id="the link that would close a cycle is left out",
        ),
    ],
)
def test_tree_shapes(events: list[dict[str, Any]], expected: list[Any]) -> None:
    """Every event appears once, under its parent, in start-time-then-name order."""
    assert expected == tree_shapes(build_trees(events))


def test_trees_keep_the_whole_event() -> None:
    """A node holds the event dict and its children's nodes."""
    session = event("s", None, 1, event_type="session")
    tool = event("t", "s", 2, event_type="tool")
    assert [{"event": session, "children": [{"event": tool, "children": []}]}] == build_trees(
        [tool, session]
    )


def test_same_name_and_time_order_by_id() -> None:
    """Events alike in start time and name still come out in one order (by id)."""
    events = [{"event_id": i, "event_name": "x", "parent_id": None, "start_time": 1} for i in "cab"]
    assert ["a", "b", "c"] == [tree["event"]["event_id"] for tree in build_trees(events)]
