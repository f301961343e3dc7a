"""Checked by mypy --strict, never run: the testing helpers' types hold."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

from honeyhive_async.server import FaultConfig
from honeyhive_async.testing import BackgroundServer, EventTree, Shape, build_trees, tree_shapes


async def reading(server: BackgroundServer) -> None:
    assert_type(await server.events(project="p"), list[dict[str, Any]])
    assert_type(server.events_sync(), list[dict[str, Any]])
    trees = await server.trees(project="p")
    assert_type(trees, list[EventTree])
    assert_type(trees[0]["children"][0]["event"], dict[str, Any])
    assert_type(server.shapes_sync(), list[Shape])
    name, children = (await server.shapes())[0]
    assert_type(name, str)
    assert_type(children, list[Shape])
    assert_type(tree_shapes(build_trees([{"event_id": "e"}])), list[Shape])


def faulting(server: BackgroundServer) -> None:
    with server.faults("503", "drop", rate=0.5, seed=1) as config:
        assert_type(config, FaultConfig)
    server.faults("404")  # type: ignore[arg-type]
    assert_type(server.current_faults, FaultConfig | None)
