"""Client CPU cost of the SDK against raw aiohttp, in one run, alternating.

Both clients talk to the same sink server (``bench/_sink.py``, in its own
process), so the server's work is not counted: each round measures this
process's CPU time (user + system) for a fixed number of calls.

- ``create``: ``funcs.events_create_event`` vs ``session.post(url, json=body)``
  with one reused ``ClientSession``, 50 calls in flight.
- ``batch``: ``funcs.events_create_event_batch`` of 100 events vs the same
  post of the same batch; CPU per event. The events carry their ids, so both
  sides send the same bytes; ``batch+ids`` lets the SDK generate the ids.

Import cost is measured by ``bench/bench_import.py``.

Rounds alternate in ABBA order (raw then SDK, SDK then raw, ...); the
figure is the median over rounds of the SDK/raw ratio of each round, so a
noisy neighbour slows both sides of a round alike. Run:
``python bench/bench_client.py [--rounds 15] [--calls 2000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from _common import free_port, make_event

from honeyhive_async import HoneyHiveCore, funcs

HERE = Path(__file__).resolve().parent
KEY = "bench-key"


def cpu() -> float:
    # CLOCK_PROCESS_CPUTIME_ID: nanoseconds, where getrusage ticks in milliseconds.
    return time.process_time()


async def run_concurrently(call: Callable[[], Awaitable[None]], calls: int, width: int) -> float:
    """CPU seconds this process spent making *calls* calls, *width* at a time."""
    per_worker = calls // width

    async def worker() -> None:
        for _ in range(per_worker):
            await call()

    start = cpu()
    await asyncio.gather(*(worker() for _ in range(width)))
    return cpu() - start


async def compare(
    name: str,
    raw: Callable[[], Awaitable[None]],
    sdk: Callable[[], Awaitable[None]],
    *,
    rounds: int,
    calls: int,
    width: int,
    per: int,
) -> dict[str, float]:
    """Median CPU µs per unit (call, or event when *per* > 1) of each side, and the ratio."""
    await run_concurrently(raw, width * 4, width)  # warm both connection pools
    await run_concurrently(sdk, width * 4, width)
    raw_times, sdk_times = [], []
    for i in range(rounds):
        # ABBA order: whichever side runs second in a round pays for the first's garbage.
        if i % 2 == 0:
            raw_times.append(await run_concurrently(raw, calls, width))
            sdk_times.append(await run_concurrently(sdk, calls, width))
        else:
            sdk_times.append(await run_concurrently(sdk, calls, width))
            raw_times.append(await run_concurrently(raw, calls, width))
    unit = (calls // width) * width * per
    r = statistics.median(raw_times) / unit * 1e6
    s = statistics.median(sdk_times) / unit * 1e6
    # Each round's two sides ran back to back: the median of their ratios
    # cancels slow drifts of the machine better than a ratio of medians.
    ratio = statistics.median(b / a for a, b in zip(raw_times, sdk_times, strict=True))
    print(f"{name:9} raw aiohttp {r:8.1f} µs   honeyhive_async {s:8.1f} µs   ratio {ratio:.3f}")
    return {"raw_us": r, "sdk_us": s, "ratio": ratio}


async def bench(rounds: int, calls: int) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sink = subprocess.Popen(  # noqa: ASYNC220 - once, before anything is measured
        [sys.executable, str(HERE / "_sink.py"), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert sink.stdout is not None
        assert sink.stdout.readline().strip() == "ready"
        headers = {"Authorization": f"Bearer {KEY}"}
        # The events carry their ids, so both sides put the same bytes on the wire;
        # "batch+ids" leaves them out and lets the SDK generate 100 per call.
        single = {"event": make_event()}
        batch = {"events": [make_event(i) for i in range(100)]}
        anonymous = [make_event(i, with_id=False) for i in range(100)]
        async with (
            aiohttp.ClientSession() as session,
            HoneyHiveCore(bearer_auth=KEY, server_url=url) as core,
        ):

            async def raw_create() -> None:
                async with session.post(f"{url}/events", json=single, headers=headers) as r:
                    await r.json()

            async def sdk_create() -> None:
                (await funcs.events_create_event(core, single)).unwrap()

            async def raw_batch() -> None:
                async with session.post(f"{url}/events/batch", json=batch, headers=headers) as r:
                    await r.json()

            async def sdk_batch() -> None:
                (await funcs.events_create_event_batch(core, batch)).unwrap()

            async def sdk_batch_ids() -> None:
                (await funcs.events_create_event_batch(core, {"events": anonymous})).unwrap()

            results = {
                "create": await compare(
                    "create", raw_create, sdk_create, rounds=rounds, calls=calls, width=50, per=1
                ),
                "batch": await compare(
                    "batch",
                    raw_batch,
                    sdk_batch,
                    rounds=rounds,
                    calls=max(calls // 5, 50),
                    width=10,
                    per=100,
                ),
                "batch+ids": await compare(
                    "batch+ids",
                    raw_batch,
                    sdk_batch_ids,
                    rounds=rounds,
                    calls=max(calls // 5, 50),
                    width=10,
                    per=100,
                ),
            }
    finally:
        sink.terminate()
        sink.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    started = time.perf_counter()
    results = asyncio.run(bench(args.rounds, args.calls))
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
