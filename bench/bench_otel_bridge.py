"""CPU per span: the OpenTelemetry bridge against ``BatchSpanProcessor(OTLPSpanExporter())``.

The same spans (``--spans``, 20,000 by default, in two levels: a workflow
root with nine GenAI chat children, the attributes OpenLLMetry writes) go
through a ``TracerProvider`` with

- ``bridge``: ``HoneyHiveSpanProcessor`` on a ``tracing.Tracer``, events
  delivered by an ``EventBatcher`` (JSON over aiohttp);
- ``otlp``: OpenTelemetry's ``BatchSpanProcessor`` with the OTLP/HTTP
  protobuf exporter (``opentelemetry-exporter-otlp-proto-http``; without it
  only the bridge is measured);
- ``sdk``: no processor at all, what creating the spans costs (the floor).

Both senders post to one local sink in its own process that answers every
path and counts what arrives (events, OTLP spans), and each round checks
that all of it arrived. A round times each once, in turn (the order
reversed every other round), from the first span to the end of delivery
(``tracer.flush()`` / ``provider.force_flush()``), in CPU seconds of the
whole process (``time.process_time``: the app thread and the senders'). The
figures are the medians over rounds of the CPU per span, of the ratio
bridge / otlp, and of the ratio of what each adds to the floor. The spans
are made in an asyncio task that yields after each root, as an async app
would. Run: ``python bench/bench_otel_bridge.py [--rounds 7] [--spans 20000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from _common import free_port
from opentelemetry.sdk.trace import TracerProvider

from honeyhive_async import EventBatcher, HoneyHiveCore, tracing
from honeyhive_async.otel import HoneyHiveSpanProcessor

KEY = "bench-key"
CHILDREN = 9  # per root: a root and its children are ten spans

MESSAGES_IN = [
    {"role": "system", "parts": [{"type": "text", "content": "Answer from the context."}]},
    {"role": "user", "parts": [{"type": "text", "content": "What is the capital of France?"}]},
]
MESSAGES_OUT = [
    {
        "role": "assistant",
        "parts": [{"type": "text", "content": "Paris is the capital of France."}],
        "finish_reason": "stop",
    }
]
ROOT = {
    "traceloop.span.kind": "workflow",
    "traceloop.entity.name": "answer",
    "traceloop.entity.input": json.dumps({"args": ["What is the capital of France?"]}),
    "traceloop.entity.output": json.dumps("Paris is the capital of France."),
}
CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.request.temperature": 0.2,
    "gen_ai.request.max_tokens": 256,
    "gen_ai.is_streaming": False,
    "gen_ai.openai.api_base": "https://api.openai.com/v1/",
    "gen_ai.input.messages": json.dumps(MESSAGES_IN),
    "gen_ai.output.messages": json.dumps(MESSAGES_OUT),
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.id": "chatcmpl-0123456789",
    "gen_ai.response.finish_reasons": ("stop",),
    "gen_ai.usage.input_tokens": 35,
    "gen_ai.usage.output_tokens": 23,
    "gen_ai.usage.total_tokens": 58,
}


# -- the sink (its own process) -----------------------------------------------------------


def serve(port: int) -> None:
    """Answer 200 on every path; count HoneyHive events and OTLP spans; GET /_stats."""
    from aiohttp import web

    try:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )
    except ImportError:  # no exporter installed: OTLP is not measured
        ExportTraceServiceRequest = None
    stats = {"events": 0, "otlp_spans": 0, "requests": 0}

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        stats["requests"] += 1
        if request.path.endswith("/events/batch"):
            ids = [e.get("event_id", "x") for e in json.loads(body).get("events", [])]
            stats["events"] += len(ids)
            return web.json_response({"event_ids": ids, "session_id": "s", "success": True})
        if request.path.endswith("/v1/traces") and ExportTraceServiceRequest is not None:
            message = ExportTraceServiceRequest.FromString(body)
            stats["otlp_spans"] += sum(
                len(scope.spans) for rs in message.resource_spans for scope in rs.scope_spans
            )
            return web.Response(body=b"", content_type="application/x-protobuf")
        if request.path == "/_stats":
            return web.json_response(stats)
        return web.Response(text="{}", content_type="application/json")

    async def main() -> None:
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


@contextlib.contextmanager
def sink() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--sink", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


def stats(url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{url}/_stats") as response:
        result: dict[str, int] = json.load(response)
        return result


# -- the two clients ------------------------------------------------------------------------


async def make_spans(provider: TracerProvider, spans: int) -> None:
    """*spans* spans: roots of CHILDREN chat spans each; yields to the loop after each root."""
    tracer = provider.get_tracer("bench")
    for _ in range(spans // (CHILDREN + 1)):
        with tracer.start_as_current_span("answer", attributes=ROOT):
            for _ in range(CHILDREN):
                with tracer.start_as_current_span("openai.chat", attributes=CHAT):
                    pass
        await asyncio.sleep(0)


async def bridge_round(url: str, spans: int) -> float:
    """CPU seconds for the spans through the bridge, delivered."""
    before = stats(url)["events"]
    core = HoneyHiveCore(bearer_auth=KEY, server_url=url)
    async with core, EventBatcher(core, max_queue_events=4 * spans) as batcher:
        tracer = tracing.Tracer(batcher, project="bench", source="bench", install=False)
        provider = TracerProvider(shutdown_on_exit=False)
        provider.add_span_processor(HoneyHiveSpanProcessor(tracer))
        start = time.process_time()
        await make_spans(provider, spans)
        report = await tracer.flush(120)
        cpu = time.process_time() - start
        provider.shutdown()
    expected = spans + spans // (CHILDREN + 1)  # one session event per root
    arrived = stats(url)["events"] - before
    assert (report.failed, arrived) == (0, expected), (report, arrived, expected)
    return cpu


async def otlp_round(url: str, spans: int) -> float:
    """CPU seconds for the spans through BatchSpanProcessor + OTLP/HTTP, delivered."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    before = stats(url)["otlp_spans"]
    provider = TracerProvider(shutdown_on_exit=False)
    exporter = OTLPSpanExporter(endpoint=f"{url}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter, max_queue_size=2 * spans))
    start = time.process_time()
    await make_spans(provider, spans)
    delivered = provider.force_flush(120_000)
    cpu = time.process_time() - start
    provider.shutdown()
    arrived = stats(url)["otlp_spans"] - before
    assert (delivered, arrived) == (True, spans), (delivered, arrived, spans)
    return cpu


async def sdk_round(url: str, spans: int) -> float:
    """CPU seconds for the spans with no processor: what the SDK itself costs (the floor)."""
    provider = TracerProvider(shutdown_on_exit=False)
    start = time.process_time()
    await make_spans(provider, spans)
    cpu = time.process_time() - start
    provider.shutdown()
    return cpu


def has_otlp() -> bool:
    try:
        import opentelemetry.exporter.otlp.proto.http.trace_exporter  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--spans", type=int, default=20_000)
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        serve(args.sink)
        return
    runs: list[tuple[str, Any]] = [("sdk", sdk_round), ("bridge", bridge_round)]
    if has_otlp():
        runs.append(("otlp", otlp_round))
    else:
        print("opentelemetry-exporter-otlp-proto-http is not installed: measuring the bridge only")
    per_span: dict[str, list[float]] = {name: [] for name, _ in runs}
    with sink() as url:
        for _, run in runs:  # warm-up: imports, first connections
            asyncio.run(run(url, 1_000))
        for r in range(args.rounds):
            order = runs if r % 2 == 0 else runs[::-1]
            line = []
            for name, run in order:
                cpu = asyncio.run(run(url, args.spans))
                per_span[name].append(cpu / args.spans * 1e6)
                line.append(f"{name} {per_span[name][-1]:.1f} µs")
            print(f"round {r + 1}: " + ", ".join(line), flush=True)
    for name, values in per_span.items():
        print(
            f"{name}: median {statistics.median(values):.1f} µs CPU per span "
            f"(min {min(values):.1f}, max {max(values):.1f})"
        )
    if "otlp" in per_span:
        bridge, otlp, sdk = per_span["bridge"], per_span["otlp"], per_span["sdk"]
        ratios = [b / o for b, o in zip(bridge, otlp, strict=True)]
        added = [(b - s) / (o - s) for b, o, s in zip(bridge, otlp, sdk, strict=True)]
        print(
            f"bridge / otlp: median ratio {statistics.median(ratios):.2f} "
            f"(min {min(ratios):.2f}, max {max(ratios):.2f}) over {args.rounds} rounds "
            f"of {args.spans} spans; of what each adds to the SDK's own cost: "
            f"{statistics.median(added):.2f}"
        )


if __name__ == "__main__":
    main()
