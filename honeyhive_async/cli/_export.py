"""``events export --project P``: a project's events that match filters, as JSONL.

Pages through ``getEvents`` and writes each event in its wire form, one
JSON object a line, to ``--out`` or stdout. ``events import`` reads these
lines back (``project_id`` becomes ``project``; ``children_ids``, which the
server computes, is left out), so an export restores or copies a project.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from typing import IO

from .. import funcs, models
from .._codec import unstructure
from .._core import HoneyHiveCore
from .._utils import open_private
from ..errors import HoneyHiveError
from ..funcs.events_iter_events import MAX_PAGE_SIZE
from ._filters import FilterAction, FilterTypeAction, iso
from ._options import count
from ._progress import Progress

__all__ = ["add_arguments", "export_events"]

PROG = "honeyhive-async events export"
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``events export`` to *parser*."""
    parser.add_argument("--project", required=True, help="the project's name")
    parser.add_argument(
        "--filter",
        dest="filters",
        nargs="+",
        action=FilterAction,
        default=[],
        metavar="FIELD OPERATOR VALUE",
        help="e.g. --filter metadata.cost 'greater than' 0.01 (repeatable; default: none)",
    )
    parser.add_argument(
        "--filter-type",
        dest="filters",
        action=FilterTypeAction,
        choices=models.FILTER_TYPES,
        help="the type of the --filter just before (default: inferred from VALUE)",
    )
    parser.add_argument(
        "--since", type=iso, metavar="ISO", help="start_time from (ISO 8601; default: no bound)"
    )
    parser.add_argument(
        "--until", type=iso, metavar="ISO", help="start_time up to (ISO 8601; default: no bound)"
    )
    parser.add_argument("--out", metavar="FILE.jsonl", help="output file (default: stdout)")
    parser.add_argument(
        "--page-size",
        type=count(MAX_PAGE_SIZE),
        default=1000,
        metavar="N",
        help=f"events per getEvents page (at most {MAX_PAGE_SIZE})",
    )


async def export_events(args: argparse.Namespace, *, api_key: str, server_url: str) -> int:
    """Write every matching event as one JSON line, to ``args.out`` or stdout."""
    date_range = None
    if args.since or args.until:
        date_range = models.DateRange(gte=args.since, lte=args.until)
    request = models.GetEventsRequestBody(
        project=args.project, filters=list(args.filters), date_range=date_range
    )
    progress = Progress(sys.stderr, "written")
    try:
        async with (
            HoneyHiveCore(bearer_auth=api_key, server_url=server_url) as core,
            _output(args.out) as out,
        ):
            lines: list[str] = []
            events = funcs.events_iter_events(core, request, page_size=args.page_size)
            async for event in events:
                lines.append(_dumps(unstructure(event)) + "\n")
                if len(lines) >= args.page_size:
                    await _write(out, lines, progress)
            await _write(out, lines, progress)
    except (HoneyHiveError, OSError) as exc:
        progress.done()
        print(f"{PROG}: error after {progress.count:,} events: {exc}", file=sys.stderr)
        return 1
    progress.done()
    return 0


@contextlib.asynccontextmanager
async def _output(path: str | None) -> AsyncIterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    # The lines hold whole events: the file is readable by its owner only, as dead letters are.
    file = await asyncio.to_thread(open, path, "w", encoding="utf-8", opener=open_private)
    try:
        yield file
    finally:
        await asyncio.to_thread(file.close)


async def _write(out: IO[str], lines: list[str], progress: Progress) -> None:
    if lines:
        text = "".join(lines)
        written = len(lines)
        lines.clear()
        await asyncio.to_thread(out.write, text)
        progress.count += written
        progress.update()
