"""The ``events`` command: ``events import FILE.jsonl`` and ``events export --project P``.

``import`` (:mod:`._import`) streams a JSONL file of events through an
:class:`~honeyhive_async.EventBatcher`; ``export`` (:mod:`._export`) pages
through ``getEvents`` and writes one event per line, in a form ``import``
reads back. Both refuse to run without an API key, and without either an
API key or a server URL, so that nobody writes to the production service by
surprise. Exit status: 0 when all went through, 1 when some events or lines
failed, 2 for a usage error or a file that cannot be read, 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from .._core import API_KEY_ENV, DEFAULT_SERVER_URL, SERVER_URL_ENV
from . import _export, _import
from ._filters import infer_filter_type, parse_filter
from ._options import Command, HelpFormatter

__all__ = ["COMMAND", "add_arguments", "infer_filter_type", "parse_filter", "run", "run_async"]

PROG = "honeyhive-async events"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``import`` and ``export`` actions, with their options, to *parser*."""
    connection = argparse.ArgumentParser(add_help=False)
    connection.add_argument("--api-key", metavar="KEY", help=f"API key (default: ${API_KEY_ENV})")
    connection.add_argument(
        "--server-url",
        metavar="URL",
        help=f"server to talk to (default: ${SERVER_URL_ENV}, else {DEFAULT_SERVER_URL} "
        "when an API key is given)",
    )
    actions = parser.add_subparsers(dest="events_action", required=True, metavar="ACTION")
    for name, help_text, add in (
        (
            "import",
            "send the events of a JSONL file (an export, a dead-letter file, ...) to the server",
            _import.add_arguments,
        ),
        (
            "export",
            "write the events of a project that match filters as JSONL",
            _export.add_arguments,
        ),
    ):
        add(
            actions.add_parser(
                name,
                parents=[connection],
                help=help_text,
                description=help_text,
                formatter_class=HelpFormatter,
            )
        )


def run(args: argparse.Namespace) -> int:
    """Run ``events import`` or ``events export`` as parsed into *args*; the exit status."""
    try:
        return asyncio.run(run_async(args))
    except KeyboardInterrupt:
        return 130


async def run_async(args: argparse.Namespace) -> int:
    """:func:`run` inside a running event loop (for embedding and tests)."""
    connection = _connection(args)
    if isinstance(connection, str):
        print(f"{PROG} {args.events_action}: error: {connection}", file=sys.stderr)
        return 2
    key, url = connection
    if args.events_action == "import":
        return await _import.import_events(args, api_key=key, server_url=url)
    return await _export.export_events(args, api_key=key, server_url=url)


def _connection(args: argparse.Namespace) -> tuple[str, str] | str:
    """The API key and server URL to use, or why the command must not run."""
    key = args.api_key or os.environ.get(API_KEY_ENV)
    url = args.server_url or os.environ.get(SERVER_URL_ENV)
    if not key and not url:
        return (
            f"no API key and no server URL: pass --api-key (or set {API_KEY_ENV}) to use "
            f"{DEFAULT_SERVER_URL}, or --server-url (or set {SERVER_URL_ENV}) for another "
            "server, such as one started with `honeyhive-async serve`"
        )
    if not key:
        return f"no API key for {url}: pass --api-key or set {API_KEY_ENV}"
    return key, url or DEFAULT_SERVER_URL


COMMAND = Command(
    "events",
    "import events from JSONL, or export a project's events as JSONL",
    add_arguments,
    run,
)
