"""The ``serve`` command: a local HoneyHive Events API server in the foreground.

The key comes from ``--api-key``, else from :data:`SERVE_API_KEY_ENV` (so it
need not appear in ``ps``), else a random one is made and printed. An empty
or blank key is a usage error (exit 2). Binding anything but a loopback
address prints a warning: the server speaks plain HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import os
import signal
import sys
from typing import TYPE_CHECKING, TextIO

from ._options import Command, count, port

if TYPE_CHECKING:
    from ..server import FaultConfig

__all__ = ["COMMAND", "SERVE_API_KEY_ENV", "serve"]

PROG = "honeyhive-async serve"
SERVE_API_KEY_ENV = "HONEYHIVE_SERVE_API_KEY"
"""The environment variable ``serve`` takes its key from when ``--api-key`` is not given."""

FAULTS_HELP = """\
fault injection (--faults SPEC): SPEC is comma-separated key=value pairs
  rate=F          fraction of requests that fail, 0 to 1 (default 0)
  kinds=K+K:W     kinds to pick from, each with an optional weight: 500, 503,
                  429 (with Retry-After), drop (connection closed), stall
                  (no answer for `stall` seconds, then 504); default: all
  seed=N          makes the sequence of failures reproducible
  retry_after=N   seconds the 429 answers ask to wait (default 1)
  stall=S         seconds a stall lasts (default 5)
e.g. --faults "rate=0.2,kinds=500+503+429:3+drop,seed=7"
/healthz and /openapi.json never fail.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``serve`` to *parser*."""
    parser.epilog = FAULTS_HELP
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=port, default=8787, help="port; 0 picks a free one")
    parser.add_argument(
        "--db", metavar="PATH", help="SQLite file to keep events in (default: in memory)"
    )
    parser.add_argument(
        "--api-key",
        type=_api_key,
        metavar="KEY",
        help=f"bearer token to accept (default: ${SERVE_API_KEY_ENV}, else a random one, "
        "printed); a key on the command line is visible in `ps`",
    )
    parser.add_argument(
        "--faults",
        metavar="SPEC",
        help="fault injection, e.g. 'rate=0.2,kinds=500+503+429,seed=7' "
        "(default: off; SPEC is described below)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=count(2**62),
        metavar="N",
        default=5 * 1024 * 1024,
        help="largest request body accepted; larger ones get 413",
    )
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="warning",
        help="log level on stderr; info shows one access line per request",
    )


def _api_key(text: str) -> str:
    """*text* as a key the server can accept; ``ArgumentTypeError`` if it is not one."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the API key must not be empty or blank")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise argparse.ArgumentTypeError("the API key must not contain control characters")
    return text


def is_loopback(host: str) -> bool:
    """Whether binding *host* keeps the server to this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    """Run the server until Ctrl-C or SIGTERM; the exit status."""
    import logging
    import sqlite3

    from ..server import FaultConfig

    key, shown = args.api_key, args.api_key
    if key is None and SERVE_API_KEY_ENV in os.environ:
        try:
            key = _api_key(os.environ[SERVE_API_KEY_ENV])
        except argparse.ArgumentTypeError as exc:
            print(f"{PROG}: error: ${SERVE_API_KEY_ENV}: {exc}", file=sys.stderr)
            return 2
        shown = f"from ${SERVE_API_KEY_ENV}"
    try:
        faults = None if args.faults is None else FaultConfig.from_spec(args.faults)
    except ValueError as exc:
        print(f"{PROG}: error: --faults: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(
            f"{PROG}: warning: --host {args.host} is not a loopback address: other machines "
            "can reach this server, and it speaks plain HTTP (the API key travels unencrypted)",
            file=sys.stderr,
        )
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    options = {"host": args.host, "port": args.port, "db_path": args.db, "api_key": key}
    try:
        asyncio.run(
            serve(
                **options,
                faults=faults,
                max_body_bytes=args.max_body_bytes,
                out=sys.stdout,
                shown_key=shown,
            )
        )
    except KeyboardInterrupt:
        return 0
    except (OSError, sqlite3.Error) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    return 0


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
    shown_key: str | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM, printing the URL and API key to ``out`` first.

    The first line is ``Serving the HoneyHive Events API on <url>`` so that
    scripts can read the URL (useful with ``port=0``). *shown_key* is what the
    ``API key:`` line says (default: the key itself).
    """
    from ..server import LocalServer

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
        print(f"API key: {shown_key or server.api_key}", file=out)
        print(f"Database: {database}", file=out)
        print(f"Faults: {_describe_faults(faults)}", file=out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        await stop.wait()
    print("Stopped.", file=out, flush=True)


COMMAND = Command(
    "serve",
    "run a local HoneyHive Events API server (SQLite storage, fault injection)",
    add_arguments,
    run,
)
