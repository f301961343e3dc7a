"""The ``serve`` command: a local HoneyHive Events API server in the foreground.

The key comes from ``--api-key``, else from :data:`SERVE_API_KEY_ENV` (so it
need not appear in ``ps``), else a random one is made. An empty or blank
key is a usage error (exit 2). The banner prints the viewer's link, with
the key in its fragment (browsers never send a fragment), and the two
environment lines that point the SDK at the server; a key from the
environment is printed in neither. Events are kept in a file in the
user's data directory unless ``--db`` says otherwise (``:memory:``: lost on
exit). Binding anything but a loopback address prints a warning: the
server speaks plain HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import os
import shlex
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .._defaults import API_KEY_VARS, SERVER_URL_VARS
from ._options import Command, count, port

if TYPE_CHECKING:
    from ..server import FaultConfig

__all__ = ["COMMAND", "IN_MEMORY", "SERVE_API_KEY_ENV", "default_db_path", "serve"]

PROG = "honeyhive-async serve"
SERVE_API_KEY_ENV = "HONEYHIVE_SERVE_API_KEY"
"""The environment variable ``serve`` takes its key from when ``--api-key`` is not given."""
SDK_URL_VAR, SDK_KEY_VAR = SERVER_URL_VARS[-1], API_KEY_VARS[-1]
"""``HH_API_URL`` and ``HH_API_KEY``: this SDK reads them, and so does HoneyHive's own
Python SDK (which warns that ``HONEYHIVE_API_KEY`` is deprecated), so the banner prints these."""
IN_MEMORY = ":memory:"
"""``--db`` value that keeps events in memory only."""


def default_db_path(environ: dict[str, str] | None = None) -> Path:
    """Where ``serve`` keeps events by default: ``honeyhive_async/events.db`` in the user's
    data directory (``$XDG_DATA_HOME``, else ``~/.local/share``; ``%LOCALAPPDATA%`` on Windows).
    """
    env = os.environ if environ is None else environ
    base = env.get("LOCALAPPDATA") if os.name == "nt" else env.get("XDG_DATA_HOME")
    root = Path(base) if base else Path.home() / ".local" / "share"
    return root / "honeyhive_async" / "events.db"


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
        "--db",
        metavar="PATH",
        help=f"SQLite file to keep events in (default: {default_db_path()}); "
        f"{IN_MEMORY} keeps them in memory only",
    )
    parser.add_argument(
        "--open", action="store_true", help="open the viewer in a web browser once serving"
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

    key, from_env = args.api_key, False
    if key is None and SERVE_API_KEY_ENV in os.environ:
        try:
            key = _api_key(os.environ[SERVE_API_KEY_ENV])
        except argparse.ArgumentTypeError as exc:
            print(f"{PROG}: error: ${SERVE_API_KEY_ENV}: {exc}", file=sys.stderr)
            return 2
        from_env = True
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
    try:
        db_path = _database(args.db)
    except OSError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    options = {"host": args.host, "port": args.port, "db_path": db_path, "api_key": key}
    try:
        asyncio.run(
            serve(
                **options,
                faults=faults,
                max_body_bytes=args.max_body_bytes,
                out=sys.stdout,
                key_from_env=from_env,
                open_browser=_browser() if args.open else None,
            )
        )
    except KeyboardInterrupt:
        return 0
    except (OSError, sqlite3.Error) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _database(option: str | None) -> str | None:
    """The database file for ``--db`` (``None``: in memory); the default's folder is made."""
    if option == IN_MEMORY:
        return None
    if option is not None:
        return option
    path = default_db_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return str(path)


def _browser() -> Callable[[str], object]:
    import webbrowser

    return webbrowser.open


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
    key_from_env: bool = False,
    open_browser: Callable[[str], object] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM, printing the URL, viewer link and SDK settings first.

    The first line is ``Serving the HoneyHive Events API on <url>`` so that
    scripts can read the URL (useful with ``port=0``). The viewer link holds
    the key in its fragment, and the ``HH_API_KEY`` line the key
    itself, unless *key_from_env* (the key came from
    :data:`SERVE_API_KEY_ENV`): then the link has no key (the page asks for
    it) and the line names that variable.
    *open_browser* is called with the link once the server listens.
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
        link = f"{server.url}/" if key_from_env else f"{server.url}/#key={server.api_key}"
        key_value = f'"${SERVE_API_KEY_ENV}"' if key_from_env else shlex.quote(server.api_key)
        print(f"Serving the HoneyHive Events API on {server.url}", file=out)
        print(f"Viewer: {link}", file=out)
        print("Point the SDK at it:", file=out)
        print(f"  export {SDK_URL_VAR}={shlex.quote(server.url)}", file=out)
        print(f"  export {SDK_KEY_VAR}={key_value}", file=out)
        print(f"Database: {database}", file=out)
        print(f"Faults: {_describe_faults(faults)}", file=out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        if open_browser is not None:
            open_browser(link)
        await stop.wait()
    print("Stopped.", file=out, flush=True)


COMMAND = Command(
    "serve",
    "run a local HoneyHive Events API server (SQLite storage, fault injection)",
    add_arguments,
    run,
)
