"""CPU cost of turning a batch of 100 events into request bytes: the SDK's codec vs json.dumps.

The encode step alone, in one process, rounds alternating (ABBA): the
codec's ``encode`` of ``{"events": [...100 events...]}`` (every check, ids
given by the caller) against ``json.dumps`` of the same body, which is what
raw aiohttp does with ``json=``. With the ``speed`` extra installed the
codec writes JSON with orjson; ``--engine stdlib`` forces the standard library.
Run: ``python bench/bench_encode.py [--rounds 21] [--calls 300]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from _common import make_event

from honeyhive_async._defaults import NO_DEFAULTS
from honeyhive_async.funcs.events_create_event_batch import OPERATION


def timed(call, calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        call()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    batch = {"events": [make_event(i) for i in range(100)]}
    codec = OPERATION.codec

    def raw() -> None:
        json.dumps(batch).encode()

    def sdk() -> None:
        codec.encode(batch, NO_DEFAULTS)

    ratios = []
    raw_times = []
    for round_ in range(args.rounds):
        pair = (raw, sdk) if round_ % 2 == 0 else (sdk, raw)
        times = {f: timed(f, args.calls) for f in pair}
        raw_times.append(times[raw] / args.calls / 100 * 1e6)
        ratios.append(times[sdk] / times[raw])
    print(f"json.dumps per event: {statistics.median(raw_times):.2f} us")
    print(
        f"codec / json.dumps: median {statistics.median(ratios):.3f} "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f})"
    )


if __name__ == "__main__":
    main()
