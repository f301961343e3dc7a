"""The command-line interface: ``python -m honeyhive_async <command> [options]``.

Each command is one :class:`Command` in :data:`COMMANDS`, defined in a module
of its own (``_demo``, ``_events``, ``_serve``): a name, a help line, a
function that adds its options to its subparser and a function that runs it
and returns the exit status. Adding a command is adding a module and a row.
Commands import what they need when they run, so that ``--help`` stays fast
and never loads the server.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from .. import __version__
from . import _demo, _events, _serve
from ._options import Command, HelpFormatter

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: list[Command] = [_demo.COMMAND, _events.COMMAND, _serve.COMMAND]
"""The subcommands, in the order ``--help`` lists them."""


def build_parser(commands: Sequence[Command] = COMMANDS) -> argparse.ArgumentParser:
    """The argument parser with one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="honeyhive-async",
        description="Tools of the honeyhive_async SDK for the HoneyHive Events API.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in commands:
        sub = subparsers.add_parser(
            command.name,
            help=command.help,
            description=command.description or command.help,
            formatter_class=HelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command named in ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)
