"""EventBatcher throughput and memory, and `events import/export` speed.

- ``throughput``: events/s of the batcher (``await batcher.add(event)`` for
  each event, 100 per batch, 4 in flight) against raw aiohttp posting the
  same events in batches of 100 with 4 requests in flight, both to the same
  sink (``bench/_sink.py``, its own process). Both sides build the same event
  dicts; rounds alternate (raw, batcher, raw, ...) and medians are compared.
  Target: batcher >= 0.8x raw.
- ``memory``: 1,000,000 events from a generator through the batcher into the
  sink, in a fresh subprocess; peak RSS growth from ``ru_maxrss`` (and, on
  Linux, the process's own ``VmHWM``). Target: < 64 MB.
- ``import/export``: 100,000 events written as JSONL, imported with
  ``events import`` and exported again with ``events export``, against the
  local server run by ``python -m honeyhive_async serve`` in its own process.

Run: ``python bench/bench_batcher.py [--rounds 5] [--events 50000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
from _common import free_port, make_event

from honeyhive_async import EventBatcher, HoneyHiveCore, funcs
from honeyhive_async.cli._events import add_arguments, run_async

HERE = Path(__file__).resolve().parent
KEY = "bench-key"
BATCH = 100
IN_FLIGHT = 4


@contextlib.contextmanager
def sink() -> Iterator[str]:
    """The benchmark sink in its own process; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "_sink.py"), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


# -- throughput -------------------------------------------------------------------------


async def raw_round(session: aiohttp.ClientSession, url: str, events: int) -> float:
    """Seconds raw aiohttp takes to post *events* events in batches, IN_FLIGHT at a time."""
    headers = {"Authorization": f"Bearer {KEY}"}
    queue: asyncio.Queue[list[dict[str, Any]] | None] = asyncio.Queue(IN_FLIGHT * 2)

    async def post() -> None:
        while (batch := await queue.get()) is not None:
            async with session.post(url, json={"events": batch}, headers=headers) as response:
                await response.json()  # as any caller that wants to know what was stored

    started = time.perf_counter()
    workers = [asyncio.ensure_future(post()) for _ in range(IN_FLIGHT)]
    for start in range(0, events, BATCH):
        await queue.put([make_event(n) for n in range(start, min(start + BATCH, events))])
    for _ in workers:
        await queue.put(None)
    await asyncio.gather(*workers)
    return time.perf_counter() - started


async def batcher_round(core: HoneyHiveCore, events: int) -> float:
    """Seconds the batcher takes to deliver *events* events, added one by one."""
    started = time.perf_counter()
    async with EventBatcher(core, max_batch_events=BATCH, max_in_flight=IN_FLIGHT) as batcher:
        for n in range(events):
            await batcher.add(make_event(n))
    report = batcher.final_report
    assert report is not None
    assert report.sent == events, report
    return time.perf_counter() - started


def cpu() -> float:
    """CPU seconds (user + system) this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def throughput(rounds: int, events: int) -> dict[str, float]:
    """Median events/s, and client CPU µs per event, of raw aiohttp and of the batcher."""
    figures: dict[str, list[float]] = {"raw": [], "sdk": [], "raw_cpu": [], "sdk_cpu": []}
    with sink() as url:
        async with (
            aiohttp.ClientSession() as session,
            HoneyHiveCore(bearer_auth=KEY, server_url=url) as core,
        ):

            async def run(side: str, count: int) -> float:
                if side == "raw":
                    return await raw_round(session, url + "/events/batch", count)
                return await batcher_round(core, count)

            await run("raw", 2_000)  # warm both connection pools
            await run("sdk", 2_000)
            for _ in range(rounds):
                for side in ("raw", "sdk"):
                    started = cpu()
                    figures[side].append(events / await run(side, events))
                    figures[side + "_cpu"].append((cpu() - started) / events * 1e6)
    r, s, rc, sc = (statistics.median(figures[k]) for k in ("raw", "sdk", "raw_cpu", "sdk_cpu"))
    print(f"throughput  raw aiohttp {r:9,.0f} ev/s  EventBatcher {s:9,.0f} ev/s  ratio {s / r:.2f}")
    print(
        f"client CPU  raw aiohttp {rc:9.1f} µs/ev EventBatcher {sc:9.1f} µs/ev ratio {rc / sc:.2f}"
    )
    return {
        "raw_events_per_s": r,
        "batcher_events_per_s": s,
        "ratio": s / r,
        "raw_cpu_us_per_event": rc,
        "batcher_cpu_us_per_event": sc,
    }


# -- memory ----------------------------------------------------------------------------------


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux: ru_maxrss is KiB).

    Linux carries a parent's peak into a child's ru_maxrss across fork and
    exec, so the child must be started from a small parent (see ``main``).
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hwm_mb() -> float | None:
    """This process's own peak RSS from /proc (VmHWM), in MB; ``None`` off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


async def memory_child(url: str, events: int) -> None:
    """Stream *events* events through a fresh batcher; print the peak RSS before and after."""
    async with HoneyHiveCore(bearer_auth=KEY, server_url=url) as core:
        # Warm up the session and the encoders only: the batcher's own footprint counts.
        batch = {"events": [make_event(n) for n in range(BATCH)]}
        (await funcs.events_create_event_batch(core, batch)).unwrap()
        del batch
        before, hwm_before = rss_mb(), hwm_mb()
        started = time.perf_counter()
        async with EventBatcher(core) as batcher:
            for n in range(events):
                await batcher.add(make_event(n))
        elapsed = time.perf_counter() - started
        assert batcher.final_report is not None
        assert batcher.final_report.sent == events
    figures = {"before_mb": before, "after_mb": rss_mb(), "seconds": elapsed}
    hwm_after = hwm_mb()
    if hwm_before is not None and hwm_after is not None:
        figures |= {"hwm_before_mb": hwm_before, "hwm_after_mb": hwm_after}
    print(json.dumps(figures))


def memory(events: int) -> dict[str, float]:
    """Peak RSS growth of streaming *events* events, measured in a fresh subprocess."""
    with sink() as url:
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", url, "--events", str(events)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    growth = figures["after_mb"] - figures["before_mb"]
    rate = events / figures["seconds"]
    print(
        f"memory      {events:,} events: peak RSS {figures['before_mb']:.1f} -> "
        f"{figures['after_mb']:.1f} MB (growth {growth:.1f} MB), {rate:,.0f} ev/s"
    )
    if "hwm_after_mb" in figures:
        print(
            f"            VmHWM {figures['hwm_before_mb']:.1f} -> {figures['hwm_after_mb']:.1f} MB "
            f"(growth {figures['hwm_after_mb'] - figures['hwm_before_mb']:.1f} MB)"
        )
    return {"rss_growth_mb": growth, "events_per_s": rate, **figures}


# -- import / export -----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def local_server() -> AsyncIterator[str]:
    """``python -m honeyhive_async serve`` on a free port; yields its URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "honeyhive_async", "serve", "--port", "0", "--api-key", KEY,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = (await process.stdout.readline()).decode()
        yield banner.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        await process.wait()


async def cli(*argv: str) -> tuple[int, float]:
    """Run ``events <argv>`` in-process with quiet stdio; exit status and seconds."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        status = await run_async(args)
    return status, time.perf_counter() - started


async def import_export(events: int) -> dict[str, float]:
    """events/s of `events import` and `events export` of *events* events."""
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with source.open("w") as file:
            for n in range(events):
                file.write(json.dumps(make_event(n)) + "\n")
        async with local_server() as url:
            connection = [f"--server-url={url}", f"--api-key={KEY}"]
            status_in, seconds_in = await cli("import", str(source), *connection)
            status_out, seconds_out = await cli(
                "export", "--project", "Simple RAG", "--out", str(target),
                "--page-size", "7500", *connection,
            )  # fmt: skip
        exported = sum(1 for _ in target.open())
    assert (status_in, status_out, exported) == (0, 0, events), (status_in, status_out, exported)
    i, e = events / seconds_in, events / seconds_out
    print(f"import      {events:,} events: {i:10,.0f} ev/s ({seconds_in:.1f} s)")
    print(f"export      {events:,} events: {e:10,.0f} ev/s ({seconds_out:.1f} s)")
    return {"import_events_per_s": i, "export_events_per_s": e}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=50_000, help="events per throughput round")
    parser.add_argument("--memory-events", type=int, default=1_000_000)
    parser.add_argument("--import-events", type=int, default=100_000)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--memory-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        asyncio.run(memory_child(args.memory_child, args.events))
        return
    started = time.perf_counter()
    results = {
        # First, while this process is small: a child inherits its peak RSS figure.
        "memory": memory(args.memory_events),
        "throughput": asyncio.run(throughput(args.rounds, args.events)),
        "import_export": asyncio.run(import_export(args.import_events)),
    }
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
