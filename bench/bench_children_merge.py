"""The local server's merge of a session's ``children_ids``: linear in the ids, not quadratic.

A session event stored with ``--ids`` children is sent again with as many
new ones, and the repeat is merged into the stored event (a single-session
batch into a stored session merges through the same function,
``server._trees.merged_ids``). Timed at ``--ids`` and twice as many, in an
in-process ``LocalServer``; a linear merge takes about twice as long for
twice the ids (ratio ~2), a quadratic one about four times. Target: ratio < 3.

Run: ``python bench/bench_children_merge.py [--ids 20000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import aiohttp

from honeyhive_async.server import LocalServer


def _event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "project": "bench",
        "source": "bench",
        "event_name": "e",
        "event_type": "tool",
        "config": {},
        "inputs": {},
        "duration": 1,
    }
    event.update(fields)
    return event


async def _post(session: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> None:
    async with session.post(path, json=body) as response:
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {await response.text()}")


async def merge_seconds(ids: int) -> float:
    """Seconds to merge *ids* new children into a stored session event holding *ids*."""
    first = [f"old-{n:08d}" for n in range(ids)]
    second = [f"new-{n:08d}" for n in range(ids)]
    session = _event(event_type="session", event_id="s-1", session_id="s-1", children_ids=first)
    async with LocalServer() as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        async with aiohttp.ClientSession(server.url, headers=headers) as client:
            await _post(client, "/events", {"event": session})
            started = time.perf_counter()
            await _post(client, "/events", {"event": {**session, "children_ids": second}})
            return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=20_000)
    args = parser.parse_args()
    small = asyncio.run(merge_seconds(args.ids))
    large = asyncio.run(merge_seconds(2 * args.ids))
    print(
        f"children_ids merge: {args.ids} ids {small * 1000:.0f} ms, {2 * args.ids} ids "
        f"{large * 1000:.0f} ms, ratio {large / small:.2f} (target < 3)"
    )


if __name__ == "__main__":
    main()
