"""Where a traced span's CPU goes: the peers' workload with one step added at a time.

The workload of ``bench/tracing/`` (``outer(q)`` calling ``inner(q)``: two
spans and, as every root call opens a session, one session event per
iteration), async, in one process, each variant adding one step:

1. ``bare``: the functions undecorated;
2. ``span``: decorated, nothing captured, the finished event dropped where it
   would be queued: the span itself (context, ids, timing, the event's JSON);
3. ``capture``: the same with inputs and outputs captured;
4. ``deliver``: the events queued in an ``EventBatcher`` and delivered to a
   local sink (``bench/_sink.py``) in batches of 100, acknowledged (the
   batcher sends while the loop waits, so queueing and sending are one step).

Each figure is the median over rounds (interleaved) of the CPU per span,
and each step's cost the difference from the step before. With the
``speed`` extra installed orjson writes captured values; ``HONEYHIVE_JSON=stdlib``
leaves it out. Run: ``python bench/bench_span_steps.py [--rounds 7] [--n 5000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import free_port

from honeyhive_async import EventBatcher, HoneyHiveCore, tracing
from honeyhive_async._utils import json_engine

HERE = Path(__file__).resolve().parent
STEPS = ("bare", "span", "capture", "deliver")


def inner_result(q: str) -> dict[str, Any]:
    return {"question": q, "answer": "Paris", "confidence": 0.93, "tokens": 7}


def functions(capture: bool) -> Any:
    options = {"capture_inputs": capture, "capture_output": capture}

    @tracing.trace(event_type="tool", event_name="inner", **options)
    async def inner(q: str) -> dict[str, Any]:
        await asyncio.sleep(0)
        return inner_result(q)

    @tracing.trace(event_type="chain", event_name="outer", **options)
    async def outer(q: str) -> dict[str, Any]:
        return {"q": q, "inner": await inner(q), "ok": True}

    return outer


async def bare_outer(q: str) -> dict[str, Any]:
    await asyncio.sleep(0)
    return {"q": q, "inner": inner_result(q), "ok": True}


async def run(step: str, url: str, n: int) -> float:
    """CPU µs per span of *n* iterations of *step*."""
    core = HoneyHiveCore(bearer_auth="bench-key", server_url=url)
    batcher = EventBatcher(core, max_queue_events=1_000_000, max_queue_bytes=1 << 30)
    tracer = tracing.Tracer(batcher, project="bench", source="bench")
    if step in ("span", "capture"):
        tracer._sink.submit = lambda *args: None  # dropped where it would be queued
    outer = bare_outer if step == "bare" else functions(step != "span")
    questions = [f"q{i}: what is the capital of France?" for i in range(n)]
    started = time.process_time()
    for q in questions:
        await outer(q)
    if step == "deliver":
        await tracer.flush(60)
    spent = time.process_time() - started
    tracer.uninstall()
    await batcher.aclose(60)
    await core.aclose()
    return spent / (2 * n) * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    port = free_port()
    sink = subprocess.Popen(  # noqa: ASYNC220 - once, before anything is measured
        [sys.executable, str(HERE / "_sink.py"), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert sink.stdout is not None
        sink.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        for step in STEPS:  # warm up
            await run(step, url, 300)
        figures: dict[str, list[float]] = {step: [] for step in STEPS}
        for round_ in range(args.rounds):
            order = STEPS if round_ % 2 == 0 else STEPS[::-1]
            for step in order:
                figures[step].append(await run(step, url, args.n))
    finally:
        sink.terminate()
        sink.wait()
    print(f"JSON engine: {json_engine()}; CPU µs per span, median of {args.rounds} rounds")
    before = 0.0
    for step in STEPS:
        value = statistics.median(figures[step])
        print(f"{step:8} {value:6.2f}   (+{value - before:5.2f})")
        before = value


if __name__ == "__main__":
    asyncio.run(main())
