"""The ``events`` command: ``events import FILE.jsonl`` and ``events export --project P``.

``import`` streams a JSONL file of events (create-event requests, model
events, or the batcher's dead-letter lines) through an
:class:`~honeyhive_async._batcher.EventBatcher`; ``export`` pages through
``getEvents`` and writes one event per line. Both refuse to run without an
API key, and without either an API key or a server URL, so that nobody
writes to the production service by surprise. Exit status: 0 when all went
through, 1 when some events or lines failed, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from datetime import datetime
from typing import IO, Any, cast

import attrs

from .. import _converter, funcs, models
from .._batcher import DeliveryReport, EventBatcher, event_kind
from .._core import API_KEY_ENV, DEFAULT_SERVER_URL, SERVER_URL_ENV, HoneyHiveCore
from ..errors import HoneyHiveError, RequestValidationError
from ..funcs.events_iter_events import MAX_PAGE_SIZE
from ._options import Command

__all__ = [
    "add_arguments",
    "export_events",
    "import_events",
    "infer_filter_type",
    "parse_filter",
    "run",
    "run_async",
]

PROG = "honeyhive-async events"
CLOSE_TIMEOUT = 60.0
"""Seconds ``import`` waits at the end for the last batches before dead-lettering them."""
MAX_LINE_ERRORS = 50
"""Malformed lines reported one by one; past that, only counted."""

_CHUNK_BYTES = 1 << 20
_OPERATORS = sorted(models.FILTER_OPERATORS, key=len, reverse=True)
_NO_VALUE = frozenset({"exists", "not exists"})
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


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
        ("import", "send the events of a JSONL file to the server in batches", _add_import),
        ("export", "write the events of a project that match filters as JSONL", _add_export),
    ):
        add(actions.add_parser(name, parents=[connection], help=help_text, description=help_text))


def _add_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.jsonl", help="one event (or dead-letter line) a line")
    parser.add_argument(
        "--batch-size", type=_count(10_000), default=100, metavar="N", help="events per request"
    )
    parser.add_argument(
        "--concurrency", type=_count(64), default=4, metavar="N", help="requests in flight"
    )
    parser.add_argument(
        "--dead-letter",
        metavar="PATH",
        help="where undelivered events go (default: FILE.dead-letter.jsonl)",
    )


def _add_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", required=True, help="the project's name")
    parser.add_argument(
        "--filter",
        dest="filters",
        nargs="+",
        action=_FilterAction,
        default=[],
        metavar="FIELD OPERATOR VALUE",
        help="e.g. --filter metadata.cost 'greater than' 0.01 (repeatable)",
    )
    parser.add_argument(
        "--filter-type",
        dest="filters",
        action=_FilterTypeAction,
        choices=models.FILTER_TYPES,
        help="the type of the --filter just before (default: inferred from VALUE)",
    )
    parser.add_argument("--since", type=_iso, metavar="ISO", help="start_time from (ISO 8601)")
    parser.add_argument("--until", type=_iso, metavar="ISO", help="start_time up to (ISO 8601)")
    parser.add_argument("--out", metavar="FILE.jsonl", help="output file (default: stdout)")
    parser.add_argument(
        "--page-size",
        type=_count(MAX_PAGE_SIZE),
        default=1000,
        metavar="N",
        help="events per getEvents page (at most 7500)",
    )


def _count(maximum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not 1 <= value <= maximum:
            raise argparse.ArgumentTypeError(f"expected a number from 1 to {maximum}, got {value}")
        return value

    return parse


def _iso(text: str) -> str:
    """*text* if it is an ISO 8601 date or time (a trailing ``Z`` allowed), as given."""
    try:
        datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 date or time, got {text!r}"
        ) from None
    return text


class _FilterAction(argparse.Action):
    """``--filter FIELD OPERATOR VALUE`` (one argument or several): parsed at once."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        text = values if isinstance(values, str) else " ".join(values or ())
        try:
            parsed = parse_filter(text)
        except ValueError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, self.dest, [*getattr(namespace, self.dest), parsed])


class _FilterTypeAction(argparse.Action):
    """``--filter-type TYPE``: sets the type of the ``--filter`` given just before."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        filters = list(getattr(namespace, self.dest))
        if not filters:
            raise argparse.ArgumentError(self, "must follow a --filter")
        filters[-1] = attrs.evolve(filters[-1], type=cast(models.FilterType, values))
        setattr(namespace, self.dest, filters)


def parse_filter(text: str) -> models.EventFilter:
    """``'metadata.cost "greater than" 0.01'`` as an ``EventFilter``; ``ValueError`` if not one.

    The operator may contain spaces and be quoted; the known operators are
    matched longest first. The type is inferred from the value
    (:func:`infer_filter_type`); ``exists`` and ``not exists`` take no value.
    """
    field, rest = (*text.split(None, 1), "", "")[:2]
    rest = rest.strip()
    for operator in _OPERATORS:
        for spelled in (operator, f'"{operator}"', f"'{operator}'"):
            head, tail = rest[: len(spelled)], rest[len(spelled) :]
            if head.lower() == spelled and (not tail or tail[0].isspace()):
                return _filter(text, field, operator, _unquote(tail.strip()))
    known = ", ".join(models.FILTER_OPERATORS)
    raise ValueError(f"expected FIELD OPERATOR VALUE with OPERATOR one of {known}; got {text!r}")


def _filter(text: str, field: str, spelled: str, value: str) -> models.EventFilter:
    operator = cast(models.FilterOperator, spelled)
    if spelled in _NO_VALUE:
        if value:
            raise ValueError(f"{spelled!r} takes no value, got {value!r}")
        return models.EventFilter(field=field, operator=operator)
    if not value:
        raise ValueError(f"no VALUE in {text!r}")
    kind = infer_filter_type(value)
    value = value.lower() if kind == "boolean" else value
    return models.EventFilter(field=field, operator=operator, value=value, type=kind)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def infer_filter_type(value: str) -> models.FilterType:
    """``number`` for a JSON number, ``boolean`` for true/false, else ``string``."""
    if value.lower() in ("true", "false"):
        return "boolean"
    return "number" if _NUMBER.fullmatch(value) else "string"


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
        return await import_events(args, api_key=key, server_url=url)
    return await export_events(args, api_key=key, server_url=url)


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


# -- import ------------------------------------------------------------------------


async def import_events(args: argparse.Namespace, *, api_key: str, server_url: str) -> int:
    """Send every event of ``args.file``; print malformed lines, progress and a summary.

    The summary is printed however the import ends, also when interrupted.
    """
    progress = _Progress(sys.stderr)
    async with HoneyHiveCore(bearer_auth=api_key, server_url=server_url) as core:
        batcher = EventBatcher(
            core,
            max_batch_events=args.batch_size,
            max_in_flight=args.concurrency,
            dead_letter=args.dead_letter or _default_dead_letter(args.file),
            close_timeout=CLOSE_TIMEOUT,
        )
        try:
            async with batcher:
                await _feed(batcher, args.file, progress)
        except OSError as exc:
            print(f"{PROG} import: error: {exc}", file=sys.stderr)
            return 2
        finally:
            if batcher.final_report is not None:
                progress.done()
                _import_summary(batcher.final_report, progress.bad, server_url, args.file)
    assert batcher.final_report is not None  # set by leaving `async with batcher`
    return 0 if batcher.final_report.ok and not progress.bad else 1


async def _feed(batcher: EventBatcher, path: str, progress: _Progress) -> None:
    """Add the event of every line of *path* to *batcher*; report the malformed lines."""
    async with contextlib.aclosing(_read_lines(path)) as lines:
        async for number, line in lines:
            problem = await _import_line(batcher, line)
            if problem is None:
                progress.update(progress.count + 1)
                continue
            progress.bad += 1
            if progress.bad <= MAX_LINE_ERRORS:
                progress.note(f"line {number}: {problem}")
            elif progress.bad == MAX_LINE_ERRORS + 1:
                progress.note("(further malformed lines are only counted)")


def _default_dead_letter(path: str) -> str:
    stem = path[: -len(".jsonl")] if path.endswith(".jsonl") else path
    return f"{stem}.dead-letter.jsonl"


async def _import_line(batcher: EventBatcher, line: bytes) -> str | None:
    """Queue the event on *line*; what is wrong with the line, if anything."""
    try:
        data = json.loads(line)
    except ValueError as exc:
        return f"not JSON ({exc})"
    event = data
    if isinstance(data, dict) and isinstance(data.get("event"), dict) and "kind" in data:
        event = data["event"]  # a dead-letter line
        if event_kind(event) != data["kind"]:
            return f"kind {data['kind']!r} does not match the event's fields"
    try:
        await batcher.add(event)
    except RequestValidationError as exc:
        return "invalid event: " + "; ".join(f"{p or '(event)'}: {m}" for p, m in exc.issues)
    return None


async def _read_lines(path: str) -> AsyncGenerator[tuple[int, bytes], None]:
    """The non-blank lines of *path* with their numbers, read in a thread, 1 MiB at a time."""
    file = await asyncio.to_thread(open, path, "rb")
    try:
        number = 0
        while chunk := await asyncio.to_thread(file.readlines, _CHUNK_BYTES):
            for line in chunk:
                number += 1
                if line.strip():
                    yield number, line
    finally:
        await asyncio.to_thread(file.close)


def _import_summary(report: DeliveryReport, bad_lines: int, server_url: str, path: str) -> None:
    print(
        f"imported {path} into {server_url}: {report.sent:,} sent, {report.failed:,} failed, "
        f"{bad_lines:,} malformed lines skipped"
    )
    if report.failed and report.dead_letter:
        print(f"undelivered events are in {report.dead_letter}; once the cause is fixed,")
        print(f"replay them with: honeyhive-async events import {report.dead_letter}")
    if report.dead_letter_error:
        print(f"could not write the dead-letter file: {report.dead_letter_error}")


# -- export ------------------------------------------------------------------------


async def export_events(args: argparse.Namespace, *, api_key: str, server_url: str) -> int:
    """Write every matching event as one JSON line, to ``args.out`` or stdout."""
    date_range = None
    if args.since or args.until:
        date_range = models.DateRange(gte=args.since, lte=args.until)
    request = models.GetEventsRequestBody(
        project=args.project, filters=list(args.filters), date_range=date_range
    )
    progress = _Progress(sys.stderr)
    try:
        async with (
            HoneyHiveCore(bearer_auth=api_key, server_url=server_url) as core,
            _output(args.out) as out,
        ):
            lines: list[str] = []
            events = funcs.events_iter_events(core, request, page_size=args.page_size)
            async for event in events:
                lines.append(_dumps(_converter.unstructure(event)) + "\n")
                if len(lines) >= args.page_size:
                    await _write(out, lines, progress)
            await _write(out, lines, progress)
    except (HoneyHiveError, OSError) as exc:
        progress.done()
        print(f"{PROG} export: error after {progress.count:,} events: {exc}", file=sys.stderr)
        return 1
    progress.done()
    return 0


@contextlib.asynccontextmanager
async def _output(path: str | None) -> AsyncIterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    file = await asyncio.to_thread(open, path, "w", encoding="utf-8")
    try:
        yield file
    finally:
        await asyncio.to_thread(file.close)


async def _write(out: IO[str], lines: list[str], progress: _Progress) -> None:
    if lines:
        text = "".join(lines)
        count = len(lines)
        lines.clear()
        await asyncio.to_thread(out.write, text)
        progress.update(progress.count + count)


class _Progress:
    """``\\r  12,345 events  3,456/s`` on a terminal, refreshed at most 10 times a second.

    On anything else only the final line is written, by :meth:`done`.
    ``count`` is the events handled, ``bad`` the malformed lines met.
    """

    interval = 0.1
    """Seconds between two refreshes of the progress line."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.count = 0
        self.bad = 0
        self.started = self.shown = time.monotonic()

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.count / elapsed if elapsed > 0 else math.inf
        return f"  {self.count:,} events  {rate:,.0f}/s"

    def update(self, count: int) -> None:
        self.count = count
        now = time.monotonic()
        if self.tty and now - self.shown >= self.interval:
            self.shown = now
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def note(self, message: str) -> None:
        """Print *message* on its own line, clearing the progress line first."""
        clear = "\r" + " " * len(self.line()) + "\r" if self.tty else ""
        self.stream.write(f"{clear}{message}\n")
        self.stream.flush()

    def done(self) -> None:
        elapsed = time.monotonic() - self.started
        self.stream.write(("\r" if self.tty else "") + f"{self.line()}  in {elapsed:.1f} s\n")
        self.stream.flush()


COMMAND = Command(
    "events",
    "import events from JSONL, or export a project's events as JSONL",
    add_arguments,
    run,
)
