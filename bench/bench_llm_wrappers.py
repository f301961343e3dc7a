"""CPU that ``tracing.wrap_openai`` adds to a model call, against the bare client.

The real ``openai`` client (blocking) calls a fake of the chat completions
API served by this script in a process of its own (``--serve``), so only
the client's process is measured (``time.process_time``). Two clients, one
wrapped and one not, make the same calls; each round times both, in turn
(the order reversed every other round):

- ``call``: ``--calls`` non-streamed completions (a system and a user
  message, two hyperparameters, a reply with usage);
- ``stream``: ``--streams`` streamed completions of ``--short`` and of
  ``--long`` chunks, read to the end (usage in the last chunk).

Each pair of calls is timed call by call on the thread's CPU clock, the
order alternating. The figures are the medians over rounds of the extra
CPU per call, and of the extra CPU per chunk: the difference of the extra
per long and per short stream, over the difference in chunks (so what a
call costs once cancels out). The same is measured without HTTP, on the
client's own parsed objects (``create`` returning them), where the
client's millisecond of work per call no longer drowns the difference, and
for scale, the CPU of a ``@tracing.trace`` span in the same run (of a
plain function, and of a function making the bare client's call). The
calls run in a session, so each is one ``model`` event; the tracer hands
events to an in-memory batcher stub: what is measured is recording
(capturing, building and encoding the event, handing it over), not
delivery, which is the ``EventBatcher``'s cost (``bench_batcher.py``).
Run: ``python bench/bench_llm_wrappers.py [--rounds 9] [--calls 400] [--streams 100]``.
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
from collections.abc import Callable, Iterator
from typing import Any

from _common import StubBatcher, free_port

MESSAGES = [
    {"role": "system", "content": "Answer from the context: Paris is the capital of France."},
    {"role": "user", "content": "What is the capital of France?"},
]
REPLY = "Paris is the capital of France."
USAGE = {"prompt_tokens": 24, "completion_tokens": 7, "total_tokens": 31}


# -- the fake API (run with --serve PORT) ---------------------------------------------------


def _completion() -> bytes:
    body = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": REPLY},
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
    }
    return json.dumps(body).encode()


def _stream(chunks: int) -> bytes:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        body = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body)}\n\n"

    parts = [chunk({"role": "assistant", "content": ""})]
    parts += [chunk({"content": f" word{i}"}) for i in range(chunks)]
    parts.append(chunk({}, "stop"))
    last = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1_700_000_000}
    parts.append(
        f"data: {json.dumps({**last, 'model': 'gpt-4o-mini', 'choices': [], 'usage': USAGE})}\n\n"
    )
    parts.append("data: [DONE]\n\n")
    return "".join(parts).encode()


def serve(port: int) -> None:
    from aiohttp import web

    completion = _completion()
    streams: dict[int, bytes] = {}

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        if not body.get("stream"):
            return web.Response(body=completion, content_type="application/json")
        chunks = int(body.get("max_tokens") or 0)  # the bench asks for its chunk count this way
        data = streams.get(chunks) or streams.setdefault(chunks, _stream(chunks))
        return web.Response(body=data, content_type="text/event-stream")

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", chat)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


@contextlib.contextmanager
def fake_api() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- the measurement -------------------------------------------------------------------------


def interleaved(bare: Callable[[], None], wrapped: Callable[[], None], n: int) -> float:
    """The wrapped call's CPU minus the bare one's, in µs, averaged over *n* pairs.

    Pairs alternate which goes first; each call is timed on its own with the
    thread's CPU clock, so drift (other load, the CPU's clock) cancels out.
    """
    clock = time.thread_time_ns
    extra = 0
    for i in range(n):
        if i % 2:
            t0 = clock()
            wrapped()
            t1 = clock()
            bare()
            t2 = clock()
            extra += (t1 - t0) - (t2 - t1)
        else:
            t0 = clock()
            bare()
            t1 = clock()
            wrapped()
            t2 = clock()
            extra += (t2 - t1) - (t1 - t0)
    return extra / n / 1000


def call(client: Any) -> Callable[[], None]:
    def work() -> None:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, temperature=0, max_tokens=64
        )

    return work


def stream(client: Any, chunks: int) -> Callable[[], None]:
    def work() -> None:
        for _ in client.chat.completions.create(
            model="gpt-4o-mini",
            messages=MESSAGES,
            max_tokens=chunks,
            stream=True,
            stream_options={"include_usage": True},
        ):
            pass

    return work


def per_chunk(bare: Any, wrapped: Any, args: argparse.Namespace, make: Any) -> float:
    """Extra µs per chunk: extra per long stream minus extra per short, over the chunks between."""
    short = interleaved(make(bare, args.short), make(wrapped, args.short), args.streams)
    long = interleaved(make(bare, args.long), make(wrapped, args.long), args.streams)
    return (long - short) / (args.long - args.short)


class _Stream:
    """The part of a client's stream the wrapper touches: ``_iterator`` and ``close``."""

    def __init__(self, chunks: list[Any]) -> None:
        self._iterator = iter(chunks)

    def __iter__(self) -> Iterator[Any]:
        yield from self._iterator

    def close(self) -> None:
        pass


def isolated(real: Any, chunk_lists: dict[int, list[Any]]) -> tuple[Any, Any]:
    """Clients with no network: ``create`` returns the real client's parsed objects.

    What the wrapper adds is then measured without the noise of the
    client's own HTTP work (about a millisecond of CPU per call).
    """
    from types import SimpleNamespace

    from honeyhive_async import tracing

    completion = real.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    def create(**kwargs: Any) -> Any:
        if kwargs.get("stream"):
            return _Stream(chunk_lists[kwargs["max_tokens"]])
        return completion

    def client() -> Any:
        return SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=create)))

    return client(), tracing.wrap_openai(client())


def _span_pair() -> tuple[Callable[[], None], Callable[[], None]]:
    """A function and the same function under ``@tracing.trace``: what any span costs."""
    from honeyhive_async import tracing

    def complete(messages: list[Any], model: str) -> str:
        return REPLY

    traced = tracing.trace(event_type="model")(complete)
    return (lambda: complete(MESSAGES, "gpt-4o-mini")), (lambda: traced(MESSAGES, "gpt-4o-mini"))


async def measure(url: str, args: argparse.Namespace) -> None:
    import openai

    from honeyhive_async import tracing

    batcher = StubBatcher()
    tracer = tracing.Tracer(batcher, project="bench")  # type: ignore[arg-type]
    bare = openai.OpenAI(api_key="sk-bench", base_url=url, max_retries=0)
    wrapped = tracing.wrap_openai(openai.OpenAI(api_key="sk-bench", base_url=url, max_retries=0))
    chunk_lists = {
        n: list(
            bare.chat.completions.create(model="m", messages=MESSAGES, max_tokens=n, stream=True)
        )
        for n in (args.short, args.long)
    }
    fast_bare, fast_wrapped = isolated(bare, chunk_lists)
    keys = ("call", "chunk", "call*", "chunk*", "span", "span http")
    rows: dict[str, list[float]] = {k: [] for k in keys}
    bare_call = call(bare)
    traced_call = tracing.trace(event_type="model")(bare_call)
    plain, traced = _span_pair()
    with tracer.session("bench"):
        interleaved(call(bare), call(wrapped), 50)  # warm up: connections, caches
        for r in range(args.rounds):
            rows["call"].append(interleaved(call(bare), call(wrapped), args.calls))
            rows["chunk"].append(per_chunk(bare, wrapped, args, stream))
            rows["call*"].append(interleaved(call(fast_bare), call(fast_wrapped), args.calls * 20))
            rows["chunk*"].append(per_chunk(fast_bare, fast_wrapped, args, stream))
            rows["span"].append(interleaved(plain, traced, args.calls * 20))
            rows["span http"].append(interleaved(bare_call, traced_call, args.calls))
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:+.3f}" for k, v in rows.items()))
    start = time.thread_time_ns()
    for _ in range(args.calls):
        call(bare)()
    base = (time.thread_time_ns() - start) / args.calls / 1000
    print(f"bare client: {base:.0f} µs of CPU per non-streamed call (for scale)")
    print("extra CPU of wrap_openai (median over rounds, min..max), in µs:")
    labels = {
        "call": "per call, real client over HTTP",
        "chunk": "per chunk, real client over HTTP",
        "call*": "per call, the client's objects without HTTP",
        "chunk*": "per chunk, the client's objects without HTTP",
        "span": "for scale: a @tracing.trace span of a function",
        "span http": "for scale: the bare client's call in a @tracing.trace function",
    }
    for key, label in labels.items():
        values = rows[key]
        print(
            f"  {label}: {statistics.median(values):+.3f} ({min(values):+.3f}..{max(values):+.3f})"
        )
    print(f"{batcher.events} events recorded")
    bare.close()
    wrapped.close()
    tracer.uninstall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--short", type=int, default=10)
    parser.add_argument("--long", type=int, default=210)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    with fake_api() as url:
        asyncio.run(measure(url, args))


if __name__ == "__main__":
    main()
