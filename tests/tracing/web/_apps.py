"""What every framework's test checks: the sessions one request each made, and their trees."""

from __future__ import annotations

from typing import Any

from honeyhive_async import tracing
from tests.tracing.conftest import Recorder


@tracing.trace(event_type="tool")
def lookup(item_id: int) -> dict[str, int]:
    """A traced call the apps make while handling a request (sync, as in a WSGI view)."""
    return {"id": item_id}


@tracing.trace(event_type="tool")
async def fetch(item_id: int) -> dict[str, int]:
    """The same, for async handlers."""
    return {"id": item_id}


class Boom(RuntimeError):
    """What the failing handlers raise."""


def session_views(recorder: Recorder) -> list[tuple[str, dict[str, Any], Any, str | None]]:
    """Each session as (name, inputs, outputs, error), in the order they ended."""
    return [(s["event_name"], s["inputs"], s["outputs"], s.get("error")) for s in recorder.sessions]


def children_of_sessions(recorder: Recorder) -> list[tuple[str, bool]]:
    """Each span: its name, and whether its parent is its session (the request's)."""
    sessions = {s["event_id"] for s in recorder.sessions}
    return [
        (e["event_name"], e["parent_id"] == e["session_id"] and e["session_id"] in sessions)
        for e in recorder.spans
    ]


def inputs(method: str, route: str | None, params: dict[str, Any], **query: Any) -> dict[str, Any]:
    """The inputs a request's session records."""
    return {"method": method, "route": route, "path_params": params, "query": query}
