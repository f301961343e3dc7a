"""honeyhive_async.tracing: @trace over the SDK's EventBatcher.

Async mode: ``build`` runs inside the event loop and binds a ``Tracer`` to an
``EventBatcher`` on a ``HoneyHiveCore`` pointed at the sink; events go out as
createEventBatch requests (100 events or 1 s per batch). Sync mode: no loop
runs, so ``tracing.configure()`` starts the SDK's background delivery thread.
Every root ``outer`` call opens a session of its own, sent as one extra
``session`` event (bookkeeping for the sink, not counted as an item).
"""
import asyncio
import os

import _common as bench

IMPORT_STMT = "from honeyhive_async import tracing"


def build(args):
    from honeyhive_async import tracing

    @tracing.trace(event_type="tool", event_name="inner")
    async def inner(q):
        await asyncio.sleep(0)
        return bench.inner_result(q)

    @tracing.trace(event_type="chain", event_name="outer")
    async def outer(q):
        return bench.outer_result(q, await inner(q))

    @tracing.trace(event_type="tool", event_name="inner")
    def inner_s(q):
        return bench.inner_result(q)

    @tracing.trace(event_type="chain", event_name="outer")
    def outer_s(q):
        return bench.outer_result(q, inner_s(q))

    key = os.environ.get("HONEYHIVE_API_KEY", "hh-bench-key")
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # sync mode: the background delivery thread
        tracing.configure(project="bench-tracing", source="bench", api_key=key, server_url=args.url)
        return bench.Traced(
            outer_sync=outer_s,
            flush=lambda: tracing.flush(60),
            shutdown=lambda: tracing.shutdown(60),
            info={"delivery": "background thread"},
        )

    from honeyhive_async import EventBatcher, HoneyHiveCore

    core = HoneyHiveCore(bearer_auth=key, server_url=args.url)
    batcher = EventBatcher(core, max_queue_events=100_000, max_queue_bytes=256 * 1024 * 1024)
    tracer = tracing.Tracer(batcher, project="bench-tracing", source="bench")

    async def shutdown():
        await batcher.aclose(60)
        await core.aclose()

    return bench.Traced(
        outer_async=outer,
        flush=lambda: tracer.flush(60),
        shutdown=shutdown,
        info={"delivery": "event loop"},
    )


if __name__ == "__main__":
    bench.main("honeyhive_async_tracing", "honeyhive-async", build, IMPORT_STMT)
