"""Stored events as parent/child trees, and the compact shape tests compare with.

Pure functions over plain event dicts (the server's stored form, or the
``asdict`` of events from getEvents), so they work on any list of events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias, TypedDict

__all__ = ["EventTree", "Shape", "build_trees", "sort_key", "tree_shapes"]


class EventTree(TypedDict):
    """One event and the trees of its children, in :func:`sort_key` order."""

    event: dict[str, Any]
    children: list[EventTree]


Shape: TypeAlias = tuple[str, list["Shape"]]
"""An event's name and the shapes of its children: ``("chat", [("search", [])])``."""


def sort_key(event: Mapping[str, Any]) -> tuple[float, str, str]:
    """Order of siblings and of roots: start time, then name, then id (a total order)."""
    return (event.get("start_time") or 0, event.get("event_name") or "", event["event_id"])


def build_trees(events: Iterable[Mapping[str, Any]]) -> list[EventTree]:
    """The events as trees linked by ``parent_id``; every event appears exactly once.

    A root is an event without a parent (a session event) or whose parent
    is not among ``events`` (say, an event created on its own, whose parent
    is a session that was never stored). Roots and siblings are ordered by
    :func:`sort_key`. A link that would close a cycle is left out, making
    its event a root.
    """
    ordered = sorted((dict(event) for event in events), key=sort_key)
    nodes = {event["event_id"]: EventTree(event=event, children=[]) for event in ordered}
    parents: dict[str, str] = {}
    roots: list[EventTree] = []
    for event_id, node in nodes.items():
        parent_id = node["event"].get("parent_id") or ""
        if parent_id in nodes and not _is_ancestor(event_id, parent_id, parents):
            parents[event_id] = parent_id
            nodes[parent_id]["children"].append(node)
        else:
            roots.append(node)
    return roots


def _is_ancestor(candidate: str, event_id: str, parents: Mapping[str, str]) -> bool:
    """Whether ``candidate`` is ``event_id`` or above it in the links made so far."""
    while event_id != candidate:
        if event_id not in parents:
            return False
        event_id = parents[event_id]
    return True


def tree_shapes(trees: Sequence[EventTree]) -> list[Shape]:
    """The trees reduced to event names: ``[("chat", [("answer", [("search", [])])])]``."""
    return [(tree["event"]["event_name"], tree_shapes(tree["children"])) for tree in trees]
