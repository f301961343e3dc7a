"""Import cost in fresh interpreters: the SDK against aiohttp, tracing against OpenTelemetry.

- ``core``: ``import honeyhive_async; from honeyhive_async import funcs``
  against ``import aiohttp``, both with this interpreter. Target: <= 1.15.
- ``tracing``: ``from honeyhive_async import tracing`` and decorating one
  function with ``@tracing.trace``, against the OpenTelemetry SDK with its
  OTLP/HTTP exporter (``TracerProvider``, ``BatchSpanProcessor``,
  ``OTLPSpanExporter``) run by the interpreter of an OpenTelemetry venv
  (``--otel-python``). Target: <= 1.0. Skipped, with a message, when that
  interpreter is missing or ``honeyhive_async.tracing`` is not importable.

Each run is a fresh interpreter that times the statement alone (wall clock
and CPU around it), so interpreter start-up, which differs between venvs,
is not counted. Runs come in interleaved pairs (A B A B ...) after one
untimed run of each side (bytecode caches written); the figure is the median
over pairs of each pair's B/A ratio, with its min-max: the two runs of a
pair are back to back, so a noisy neighbour slows both alike. Run:
``python bench/bench_import.py [--pairs 21] [--otel-python PATH] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

OTEL_PYTHON = Path("/tmp/bench-tracing-otel/bin/python")
"""Where ``../shared/bench/tracing/setup.sh`` puts the OpenTelemetry venv."""

CORE = "import honeyhive_async\nfrom honeyhive_async import funcs"
AIOHTTP = "import aiohttp"
TRACING = "from honeyhive_async import tracing\n\n@tracing.trace\ndef handler():\n    pass"
OTEL = (
    "from opentelemetry.sdk.trace import TracerProvider\n"
    "from opentelemetry.sdk.trace.export import BatchSpanProcessor\n"
    "from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter"
)

# The statement runs at module level between two clock readings; only its
# time is printed (milliseconds: wall, then CPU of the whole process).
PROBE = """\
import time as _time
_wall, _cpu = _time.perf_counter(), _time.process_time()
{statement}
print((_time.perf_counter() - _wall) * 1e3, (_time.process_time() - _cpu) * 1e3)
"""

# "0", not unset: the children write their bytecode caches even where the
# environment turns that off, as an installed package has them.
ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}


def run(python: str, statement: str) -> tuple[float, float]:
    """Milliseconds (wall, CPU) that *statement* takes in a fresh *python*."""
    out = subprocess.run(
        [python, "-c", PROBE.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    ).stdout.split()
    return float(out[-2]), float(out[-1])


def spread(values: list[float]) -> dict[str, float]:
    """The median of *values*, with the min and max."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def compare(name: str, a: tuple[str, str], b: tuple[str, str], pairs: int) -> dict[str, Any]:
    """Interleaved runs of side *a* and side *b* (each ``(python, statement)``); B/A ratios."""
    run(*a), run(*b)  # untimed: bytecode caches, file system caches
    times: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
    for _ in range(pairs):
        times["a"].append(run(*a))
        times["b"].append(run(*b))
    result: dict[str, Any] = {"pairs": pairs}
    for index, clock in enumerate(("wall", "cpu")):
        a_ms = [t[index] for t in times["a"]]
        b_ms = [t[index] for t in times["b"]]
        ratios = spread([y / x for x, y in zip(a_ms, b_ms, strict=True)])
        result[clock] = {"a_ms": spread(a_ms), "b_ms": spread(b_ms), "ratio": ratios}
        print(
            f"{name:8} {clock:4}  {statistics.median(a_ms):7.1f} ms -> "
            f"{statistics.median(b_ms):7.1f} ms   ratio {ratios['median']:.3f} "
            f"({ratios['min']:.3f}-{ratios['max']:.3f}, {pairs} pairs)"
        )
    return result


def tracing_importable() -> bool:
    """Whether this interpreter finds ``honeyhive_async.tracing`` (not every branch has it)."""
    code = "import importlib.util as u, sys; sys.exit(not u.find_spec('honeyhive_async.tracing'))"
    return subprocess.run([sys.executable, "-c", code], env=ENV).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=21)
    parser.add_argument(
        "--otel-python",
        type=Path,
        default=OTEL_PYTHON,
        help=f"the interpreter of a venv with the OpenTelemetry SDK (default {OTEL_PYTHON})",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    started = time.perf_counter()
    print("core: aiohttp -> honeyhive_async + funcs")
    results: dict[str, Any] = {
        "core": compare("core", (sys.executable, AIOHTTP), (sys.executable, CORE), args.pairs)
    }
    if not args.otel_python.exists():
        print(f"tracing: skipped, no OpenTelemetry interpreter at {args.otel_python}")
    elif not tracing_importable():
        print("tracing: skipped, honeyhive_async.tracing is not importable here")
    else:
        print("tracing: OpenTelemetry SDK + OTLP/HTTP exporter -> honeyhive_async.tracing")
        otel = (str(args.otel_python), OTEL)
        results["tracing"] = compare("tracing", otel, (sys.executable, TRACING), args.pairs)
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
