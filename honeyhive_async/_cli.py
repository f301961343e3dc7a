"""The command-line interface: ``python -m honeyhive_async <command> [options]``.

Each command is one :class:`Command` in :data:`COMMANDS`: a name, a help
line, a function that adds its options to its subparser and a function
that runs it and returns the exit status. Adding a command is adding a
row. Commands import what they need when they run, so that ``--help``
stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

__all__ = ["COMMANDS", "Command", "build_parser", "main"]


class Command(NamedTuple):
    """One subcommand: its name, help line, options and runner."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value}")
    return value


def _add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=_port, default=8787, help="port; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument(
        "--db", metavar="PATH", help="SQLite file to keep events in (default: in memory)"
    )
    parser.add_argument(
        "--api-key", metavar="KEY", help="bearer token to accept (default: a random one, printed)"
    )
    parser.add_argument(
        "--faults",
        metavar="SPEC",
        help='fault injection, e.g. "rate=0.2,kinds=500+503+429+drop+stall,seed=7,'
        'retry_after=1,stall=5" (see docs/server.md)',
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        metavar="N",
        default=5 * 1024 * 1024,
        help="largest request body accepted; larger ones get 413 (default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="warning",
        help="log level on stderr; info shows one access line per request (default: %(default)s)",
    )


def _run_serve(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import sqlite3

    from .server import FaultConfig
    from .server._serve import serve

    try:
        faults = None if args.faults is None else FaultConfig.from_spec(args.faults)
    except ValueError as exc:
        print(f"honeyhive-async serve: error: --faults: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    options = {"host": args.host, "port": args.port, "db_path": args.db, "api_key": args.api_key}
    try:
        asyncio.run(
            serve(**options, faults=faults, max_body_bytes=args.max_body_bytes, out=sys.stdout)
        )
    except KeyboardInterrupt:
        return 0
    except (OSError, sqlite3.Error) as exc:
        print(f"honeyhive-async serve: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server-url",
        default=os.environ.get("HONEYHIVE_SERVER_URL"),
        help="a HoneyHive server to use instead of the embedded one "
        "(default: $HONEYHIVE_SERVER_URL); needs an API key",
    )
    parser.add_argument("--api-key", help="API key (default: $HONEYHIVE_API_KEY)")


def _run_demo(args: argparse.Namespace) -> int:
    from ._demo import run

    return run(args)


def _add_events_arguments(parser: argparse.ArgumentParser) -> None:
    from ._events_cli import add_arguments

    add_arguments(parser)


def _run_events(args: argparse.Namespace) -> int:
    from ._events_cli import run

    return run(args)


COMMANDS: list[Command] = [
    Command(
        "demo",
        "run the reference examples end to end (against an embedded server without an API key)",
        _add_demo_arguments,
        _run_demo,
    ),
    Command(
        "events",
        "import events from JSONL, or export a project's events as JSONL",
        _add_events_arguments,
        _run_events,
    ),
    Command(
        "serve",
        "run a local HoneyHive Events API server (SQLite storage, fault injection)",
        _add_serve_arguments,
        _run_serve,
    ),
]
"""The subcommands, in the order ``--help`` lists them."""


def build_parser(commands: Sequence[Command] = COMMANDS) -> argparse.ArgumentParser:
    """The argument parser with one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="honeyhive-async",
        description="Tools of the honeyhive_async SDK for the HoneyHive Events API.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in commands:
        sub = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command named in ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)
