"""HoneyHive's own Python tracer (PyPI ``honeyhive`` 1.x), pointed at the local server.

The tracer runs in a subprocess (it installs process-wide OpenTelemetry
state and warns about deprecated arguments), against a server in this
process; the test then reads what the server stored.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
import textwrap
from typing import Any

import pytest

from honeyhive_async.server import LocalServer
from honeyhive_async.server._query import compile_query

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("honeyhive") is None,
    reason="HoneyHive's tracer (PyPI honeyhive 1.x) needs Python 3.11 or later",
)

SCRIPT = textwrap.dedent(
    """
    import sys
    from honeyhive import HoneyHiveTracer, trace

    tracer = HoneyHiveTracer.init(
        api_key=sys.argv[2], project="hh", source="dev", server_url=sys.argv[1],
        session_name="support chat",
    )

    @trace(event_type="tool")
    def lookup(order):
        tracer.enrich_span(metadata={"db": "orders"})
        return {"status": "shipped", "items": [order, {"n": 2}]}

    @trace(event_type="chain", event_name="answer")
    def answer(question):
        return lookup(question["order"])["status"]

    print(answer({"order": 42}))
    tracer.enrich_session(metadata={"user": "u-1"}, feedback={"helpful": True})
    tracer.force_flush()
    print(tracer.session_id)
    """
)


async def run_tracer(server: LocalServer, protocol: str) -> str:
    """Run the script with the tracer; the session id it printed."""
    env = {**os.environ, "HH_OTLP_PROTOCOL": protocol, "PYTHONWARNINGS": "ignore"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SCRIPT,
        server.url,
        server.api_key,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert 0 == process.returncode, err.decode()
    lines = out.decode().split()
    assert "shipped" == lines[0], (out, err)
    return lines[-1]


def shape(event: dict[str, Any]) -> tuple[Any, ...]:
    """What the test compares of an event."""
    return (event["event_type"], event["event_name"], event["inputs"], event["outputs"])


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["http/json", "http/protobuf"])
async def test_honeyhive_tracer_stores_the_exact_tree(protocol: str) -> None:
    """/session/start's session, the spans below it in order, inputs, outputs, metadata."""
    async with LocalServer() as server:
        session_id = await run_tracer(server, protocol)
        events, total = await server.store.query(compile_query({"project": "hh", "filters": []}))

    by_id = {event["event_id"]: event for event in events}
    session, chain, tool = events
    assert 3 == total
    assert (session_id, "session", "support chat", "dev") == (
        session["event_id"],
        session["event_type"],
        session["event_name"],
        session["source"],
    )
    assert ({"user": "u-1"}, {"helpful": True}) == (session["metadata"], session["feedback"])
    assert ("chain", "answer", {"question": {"order": 42}}, {"result": "shipped"}) == shape(chain)
    assert (
        "tool",
        "__main__.lookup",
        {"order": 42},
        {"result": {"status": "shipped", "items": [42, {"n": 2}]}},
    ) == shape(tool)
    assert "orders" == tool["metadata"]["db"]
    assert (session_id, chain["event_id"]) == (chain["parent_id"], tool["parent_id"])
    assert [chain["event_id"]] == session["children_ids"]
    assert {session_id} == {event["session_id"] for event in by_id.values()}
