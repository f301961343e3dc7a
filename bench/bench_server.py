"""Benchmark of the local Events server: ingestion rate and getEvents latency.

Starts ``python -m honeyhive_async serve`` as a subprocess with a file
database in a temporary directory (so client and server each have their
own interpreter and core), then:

1. ingests ``--events`` events through ``POST /events/batch`` in batches of
   ``--batch`` from ``--clients`` concurrent clients, and reports events
   per second (request bodies are encoded before the clock starts, so the
   number measures the server);
2. runs each getEvents query ``--queries`` times with ``limit=100`` over
   those events and reports the median and 95th percentile in ms.

Run: ``/work/venv/bin/python bench/bench_server.py [--events 100000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "bench-key"
PROJECT = "bench"
_URL = re.compile(r"Serving the HoneyHive Events API on (http://\S+)")
_NOW_MS = 1_714_978_764_301
_WEEK_MS = 7 * 24 * 3600 * 1000

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("no filter", {}),
    (
        "event_type is model",
        {"filters": [{"field": "event_type", "operator": "is", "value": "model"}]},
    ),
    (
        "metadata.cost greater than 0.009",
        {
            "filters": [
                {
                    "field": "metadata.cost",
                    "operator": "greater than",
                    "value": "0.009",
                    "type": "number",
                }
            ]
        },
    ),
    (
        "inputs.chat_history.0.content contains needle",
        {
            "filters": [
                {
                    "field": "inputs.chat_history.0.content",
                    "operator": "contains",
                    "value": "needle",
                }
            ]
        },
    ),
    (
        "metadata.cost > 0.005 and a 1-day dateRange",
        {
            "filters": [
                {
                    "field": "metadata.cost",
                    "operator": "greater than",
                    "value": "0.005",
                    "type": "number",
                }
            ],
            "dateRange": {"$gte": "2024-05-02T00:00:00Z", "$lte": "2024-05-03T00:00:00Z"},
        },
    ),
]


def make_event(rng: random.Random, index: int) -> dict[str, Any]:
    """One realistic event: a chat model call with usage and cost in metadata."""
    question = f"Question {index}: " + ("needle in a haystack" if rng.random() < 0.01 else "hay")
    return {
        "project": PROJECT,
        "source": "bench",
        "event_name": "Model Completion",
        "event_type": rng.choice(("model", "tool", "chain")),
        "event_id": f"bench-{index:08d}",
        "session_id": f"session-{index // 20:06d}",
        "config": {"model": "gpt-4o", "provider": "openai", "temperature": 0},
        "inputs": {
            "chat_history": [
                {"role": "user", "content": question},
                {"role": "system", "content": "Answer briefly using the context."},
            ]
        },
        "outputs": {"role": "assistant", "content": "An answer of a few words."},
        "start_time": _NOW_MS - rng.randrange(_WEEK_MS),
        "duration": rng.uniform(50, 2000),
        "metadata": {"cost": rng.uniform(0, 0.01), "total_tokens": rng.randrange(10, 2000)},
    }


async def start_server(db: Path) -> tuple[asyncio.subprocess.Process, str]:
    """Start ``serve`` on a free port with a file database and return it with its URL."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "honeyhive_async", "serve", "--port", "0"),
        *("--db", str(db), "--api-key", API_KEY),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
    match = _URL.match(line)
    if match is None:
        process.kill()
        await process.communicate()
        raise SystemExit(f"the server did not start: {line!r}")
    return process, match.group(1)


async def _post_all(session: aiohttp.ClientSession, bodies: list[bytes]) -> None:
    headers = {"Content-Type": "application/json"}
    for body in bodies:
        async with session.post("/events/batch", data=body, headers=headers) as response:
            if response.status != 200:
                raise SystemExit(f"ingestion failed: {response.status} {await response.text()}")


async def ingest(session: aiohttp.ClientSession, total: int, batch: int, clients: int) -> float:
    """Store ``total`` events in batches; return events per second."""
    rng = random.Random(42)
    bodies = [
        json.dumps(
            {"events": [make_event(rng, i) for i in range(start, min(start + batch, total))]}
        ).encode()
        for start in range(0, total, batch)
    ]
    shares = [bodies[n::clients] for n in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(_post_all(session, share) for share in shares))
    return total / (time.perf_counter() - started)


async def time_query(
    session: aiohttp.ClientSession, request: dict[str, Any], runs: int
) -> tuple[float, float, int]:
    """Run one getEvents query ``runs`` times: (median ms, p95 ms, totalEvents)."""
    body = {"project": PROJECT, "filters": [], "limit": 100, **request}
    timings, total = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        async with session.post("/events/export", json=body) as response:
            answer = await response.json()
        timings.append((time.perf_counter() - started) * 1000)
        total = answer["totalEvents"]
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))], total


async def run(args: argparse.Namespace) -> None:
    """Start the server, ingest, query, print the tables, stop the server."""
    with tempfile.TemporaryDirectory() as tmp:
        process, url = await start_server(Path(tmp) / "bench.db")
        try:
            headers = {"Authorization": f"Bearer {API_KEY}"}
            connector = aiohttp.TCPConnector(limit=args.clients)
            async with aiohttp.ClientSession(url, headers=headers, connector=connector) as session:
                rate = await ingest(session, args.events, args.batch, args.clients)
                print(f"\nIngestion through the API: {args.events} events, POST /events/batch")
                print(f"  batches of {args.batch}, {args.clients} concurrent clients, file DB")
                print(f"  {rate:,.0f} events/s\n")
                print(f"getEvents over {args.events} events, limit 100, {args.queries} runs each")
                print(f"  {'query':<48} {'median ms':>10} {'p95 ms':>8} {'matches':>8}")
                for name, request in QUERIES:
                    median, p95, total = await time_query(session, request, args.queries)
                    print(f"  {name:<48} {median:>10.1f} {p95:>8.1f} {total:>8}")
        finally:
            process.terminate()
            await process.communicate()


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--queries", type=int, default=20)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
