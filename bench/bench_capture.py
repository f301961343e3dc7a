"""What capturing a huge argument costs a traced call: bounded by the bytes kept, not given.

Traced calls, each timed against the bare function in the same round
(``time.perf_counter`` per call, alternating which goes first): one with a
50 MB string and one with a list of 2,000,000 ints, each beside its
baseline, a value of its kind about the size a field keeps (100,000
characters, 15,000 ints). The figures are the median milliseconds a traced
call adds, and the ratio of each huge case's added time to its baseline's:
a small number when the cost follows what is kept (thousands when it
followed the whole value). Events go to an in-memory
intake, so delivery is not measured. Run:
``python bench/bench_capture.py [--rounds 15]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

from _common import StubBatcher

from honeyhive_async import tracing


def bare(value: Any) -> None:
    return None


traced = tracing.trace(bare)


def once(fn: Callable[[Any], None], value: Any) -> float:
    start = time.perf_counter()
    fn(value)
    return (time.perf_counter() - start) * 1000


def added_ms(value: Any, rounds: int) -> float:
    """Median ms a traced call with *value* adds to the bare call."""
    diffs = []
    for r in range(rounds):
        if r % 2:
            t, b = once(traced, value), once(bare, value)
        else:
            b, t = once(bare, value), once(traced, value)
        diffs.append(t - b)
    return statistics.median(diffs)


async def main(rounds: int) -> None:
    tracer = tracing.Tracer(StubBatcher(), project="bench")  # type: ignore[arg-type]
    try:
        # Each huge value beside a value of its kind about the size a field keeps.
        pairs = {
            "50 MB string": ("x" * 100_000, "x" * 50_000_000),
            "2,000,000 ints": (list(range(15_000)), list(range(2_000_000))),
        }
        for label, (kept, huge) in pairs.items():
            base, ms = added_ms(kept, rounds), added_ms(huge, rounds)
            print(f"{label:16} +{ms:8.3f} ms per call; {ms / base:5.1f} x a value of the size kept")
    finally:
        tracer.uninstall()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    asyncio.run(main(parser.parse_args().rounds))
