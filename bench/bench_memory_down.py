"""Memory with the server down: RSS growth for 5,000 traced calls with a 40 KB argument.

Each round runs in a fresh subprocess: ``tracing.configure()`` aimed at a
closed port, ``--calls`` calls of a traced function whose argument is a
``--kb`` KB string, then ``tracing.flush(timeout=--flush)`` while the
report is held, and again with twice the calls. It prints the growth of
the resident set (``VmRSS``) after the calls and after the flush, and of
its peak (``VmHWM``), over the RSS before the first call. Every queue and
the report are bounded in bytes (the hand-off 32 MiB, tracing's batcher
queue ~98 MiB, the report's event JSON 32 MiB), so the peak stays put when
the calls double. Target: peak(2 x calls) / peak(calls) < 1.2 (a memory
bounded by count, not bytes, gives ~2).

Run: ``python bench/bench_memory_down.py [--calls 5000] [--kb 40]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, socket, sys, time
from honeyhive_async import tracing

def rss(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0

calls, kb, flush = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
url = f"http://127.0.0.1:{port}"
tracing.configure(api_key="k", project="bench", server_url=url, exit_timeout=0)

@tracing.trace
def handle(text):
    return len(text)

import logging; logging.getLogger("honeyhive_async").setLevel(logging.ERROR)
before = rss("VmRSS")
for n in range(calls):
    handle(str(n % 10) * (kb * 1024))
after_calls = rss("VmRSS")
report = tracing.flush(timeout=flush)
print(json.dumps({
    "calls_mb": after_calls - before,
    "flush_mb": rss("VmRSS") - before,
    "peak_mb": rss("VmHWM") - before,
    "failed": report.failed,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5_000)
    parser.add_argument("--kb", type=int, default=40)
    parser.add_argument("--flush", type=float, default=15.0)
    args = parser.parse_args()
    peaks = []
    for calls in (args.calls, 2 * args.calls):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(calls), str(args.kb), str(args.flush)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(out.splitlines()[-1])
        peaks.append(figures["peak_mb"])
        print(
            f"{calls} calls x {args.kb} KB, server down: RSS +{figures['calls_mb']:.0f} MB after "
            f"the calls, +{figures['flush_mb']:.0f} MB after flush, peak "
            f"+{figures['peak_mb']:.0f} MB ({figures['failed']} events reported undelivered)"
        )
    print(f"peak ratio for twice the calls: {peaks[1] / peaks[0]:.2f} (target < 1.2)")


if __name__ == "__main__":
    main()
