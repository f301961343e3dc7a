"""The foreground server of ``python -m honeyhive_async serve``."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import TextIO

from ._faults import FaultConfig
from ._local import LocalServer

__all__ = ["serve"]


def _describe_faults(faults: FaultConfig | None) -> str:
    if faults is None or faults.rate == 0:
        return "off"
    weights = faults.weights or (1.0,) * len(faults.kinds)
    kinds = "+".join(
        f"{kind}:{weight:g}" for kind, weight in zip(faults.kinds, weights, strict=True)
    )
    return (
        f"rate={faults.rate:g} kinds={kinds} seed={faults.seed} "
        f"retry_after={faults.retry_after_seconds}s stall={faults.stall_seconds:g}s"
    )


async def serve(
    *,
    host: str,
    port: int,
    db_path: str | None,
    api_key: str | None,
    faults: FaultConfig | None,
    max_body_bytes: int,
    out: TextIO,
) -> None:
    """Serve until SIGINT or SIGTERM, printing the URL and API key to ``out`` first.

    The first line is ``Serving the HoneyHive Events API on <url>`` so that
    scripts can read the URL (useful with ``port=0``).
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Windows event loops have no signal handlers: Ctrl-C then arrives
        # as KeyboardInterrupt, which the CLI catches.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    server = LocalServer(
        api_key=api_key,
        db_path=db_path,
        faults=faults,
        max_body_bytes=max_body_bytes,
        host=host,
        port=port,
    )
    async with server:
        database = db_path or "in memory (lost when the server stops)"
        print(f"Serving the HoneyHive Events API on {server.url}", file=out)
        print(f"API key: {server.api_key}", file=out)
        print(f"Database: {database}", file=out)
        print(f"Faults: {_describe_faults(faults)}", file=out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        await stop.wait()
    print("Stopped.", file=out, flush=True)
