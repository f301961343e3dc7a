"""What ``@tracing.trace`` adds to a call when nothing is recorded, against the bare function.

Two cases, sync and async: no tracer configured, and ``tracing.disable()``.
Each round times the bare function and the decorated one back to back
(``time.perf_counter_ns`` over ``--calls`` calls, alternating which goes
first); the figure is the median over rounds of the per-call difference in
microseconds, and of the ratio. The CPU per traced span with a tracer
recording is measured by the peers' harness in ``bench/tracing/``. Run:
``python bench/bench_tracing_overhead.py [--rounds 21] [--calls 200000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable

from honeyhive_async import tracing


def bare(x: int) -> int:
    return x


async def abare(x: int) -> int:
    return x


traced = tracing.trace(bare)
atraced = tracing.trace(abare)


def time_sync(fn: Callable[[int], int], calls: int) -> float:
    start = time.perf_counter_ns()
    for i in range(calls):
        fn(i)
    return (time.perf_counter_ns() - start) / calls / 1000


def time_async(fn: Callable[[int], object], calls: int) -> float:
    async def loop() -> float:
        start = time.perf_counter_ns()
        for i in range(calls):
            await fn(i)  # type: ignore[misc]
        return (time.perf_counter_ns() - start) / calls / 1000

    return asyncio.run(loop())


def measure(timer: Callable[..., float], a: object, b: object, rounds: int, calls: int) -> str:
    diffs, ratios = [], []
    for r in range(rounds):
        if r % 2:
            tb, ta = timer(b, calls), timer(a, calls)
        else:
            ta, tb = timer(a, calls), timer(b, calls)
        diffs.append(tb - ta)
        ratios.append(tb / ta)
    return (
        f"+{statistics.median(diffs):.3f} µs per call "
        f"(min {min(diffs):.3f}, max {max(diffs):.3f}); ratio {statistics.median(ratios):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()
    for label in ("no tracer", "disabled"):
        if label == "disabled":
            tracing.disable()
        print(f"sync,  {label}: {measure(time_sync, bare, traced, args.rounds, args.calls)}")
        print(f"async, {label}: {measure(time_async, abare, atraced, args.rounds, args.calls)}")


if __name__ == "__main__":
    main()
