"""``events import FILE.jsonl``: send the events of a JSONL file through an EventBatcher.

A line is a create-event request, a model event, a line of a dead-letter
file, or a line of ``events export`` (``project_id`` is read as
``project``; ``children_ids``, which the server computes, is dropped).
``--project`` sends every event to another project.

Importing a file twice stores each event once: an event without
``event_id`` gets one derived from its line (its number and the event), so
the same line gets the same id every time. Interrupted (Ctrl-C), the import
says at which line it stopped and how to resume with ``--skip N``.
Replaying a dead-letter file rewrites that file to hold only what is still
undelivered (and removes it when nothing is), rather than making a
``.dead-letter.dead-letter.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import shlex
import sys
import uuid
from collections.abc import AsyncGenerator, Mapping
from typing import IO, Any

from .._batching import DeliveryReport, EventBatcher
from .._codec import event_kind
from .._core import HoneyHiveCore
from .._utils import open_private
from ..errors import RequestValidationError
from ._options import count, whole
from ._progress import Progress

__all__ = [
    "CLOSE_TIMEOUT",
    "MAX_LINE_ERRORS",
    "add_arguments",
    "default_dead_letter",
    "event_of",
    "import_events",
    "line_event_id",
]

PROG = "honeyhive-async events import"
CLOSE_TIMEOUT = 60.0
"""Seconds ``import`` waits at the end for the last batches before dead-lettering them."""
MAX_LINE_ERRORS = 50
"""Malformed lines reported one by one; past that, only counted."""
LINE_ID_NAMESPACE = uuid.UUID("2f6a64b8-8a4c-5b7e-9f0e-7d1c3e5a9b21")
"""The UUID namespace of the ids given to lines without ``event_id`` (see :func:`line_event_id`)."""

_CHUNK_BYTES = 1 << 20
_DEAD_LETTER_SUFFIX = ".dead-letter.jsonl"
_EXPORT_ONLY = ("project_id", "children_ids")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``events import`` to *parser*."""
    parser.add_argument(
        "file", metavar="FILE.jsonl", help="one event (export or dead-letter line) a line"
    )
    parser.add_argument(
        "--project",
        help="send every event to this project (default: each line's own project)",
    )
    parser.add_argument(
        "--skip",
        type=whole,
        default=0,
        metavar="N",
        help="leave out the first N lines (to resume an interrupted import)",
    )
    parser.add_argument(
        "--batch-size", type=count(10_000), default=100, metavar="N", help="events per request"
    )
    parser.add_argument(
        "--concurrency", type=count(64), default=4, metavar="N", help="requests in flight"
    )
    parser.add_argument(
        "--dead-letter",
        metavar="PATH",
        help=f"where undelivered events go (default: FILE{_DEAD_LETTER_SUFFIX}; "
        f"replaying a {_DEAD_LETTER_SUFFIX} file rewrites it)",
    )


def default_dead_letter(path: str) -> str:
    """``x.jsonl`` -> ``x.dead-letter.jsonl``; a dead-letter file is its own."""
    if path.endswith(_DEAD_LETTER_SUFFIX):
        return path
    stem = path[: -len(".jsonl")] if path.endswith(".jsonl") else path
    return stem + _DEAD_LETTER_SUFFIX


def line_event_id(number: int, event: Mapping[str, Any]) -> str:
    """The ``event_id`` of *event*, read from line *number* without one.

    A UUID5 of the line's number and the SHA-256 of the event as it is sent
    (its JSON with sorted keys, ``--project`` applied): importing the file
    again gives the event the same id (so the server keeps it once), while
    equal lines elsewhere in the file, or the same file sent to another
    project, stay distinct events.
    """
    text = json.dumps(event, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()  # ASCII: json.dumps escapes the rest
    return str(uuid.uuid5(LINE_ID_NAMESPACE, f"{number}:{digest}"))


def event_of(data: Any, number: int, project: str | None) -> Any:
    """The event a parsed line holds, as it will be added; ``ValueError`` if it holds none.

    Unwraps a dead-letter line, reads an exported event as a create request,
    applies *project*, and gives an event without ``event_id`` the line's id.
    """
    event = data
    if isinstance(data, dict) and isinstance(data.get("event"), dict) and "kind" in data:
        event = data["event"]  # a dead-letter line
        if event_kind(event) != data["kind"]:
            raise ValueError(f"kind {data['kind']!r} does not match the event's fields")
    if not isinstance(event, dict):
        return event  # the batcher says what is wrong with it
    if "project_id" in event and "project" not in event:  # a line of `events export`
        exported = event
        event = {k: v for k, v in exported.items() if k not in _EXPORT_ONLY}
        event["project"] = exported["project_id"]
    if project is not None:
        event = {**event, "project": project}
    if event_kind(event) == "event" and event.get("event_id") is None:
        event = {**event, "event_id": line_event_id(number, event)}
    return event


class _Progress(Progress):
    """The import's progress, and how far it got: the last line handed to the batcher."""

    def __init__(self, stream: IO[str], skip: int) -> None:
        super().__init__(stream, "acknowledged")
        self.read = 0
        self.last = skip
        self.malformed: list[int] = []


class _DeadLetter:
    """Where undelivered events go; replaying a dead-letter file rewrites that file."""

    def __init__(self, source: str, given: str | None) -> None:
        self.path = given or default_dead_letter(source)
        self.in_place = os.path.exists(self.path) and os.path.samefile(self.path, source)
        # Replaying a dead-letter file: what still fails goes to a new file that
        # replaces it at the end, with the lines that were not sent.
        self.writes_to = self.path + ".replaying" if self.in_place else self.path

    def start(self) -> None:
        if self.in_place and os.path.exists(self.writes_to):
            os.remove(self.writes_to)  # left by a replay that was killed: the source has it all

    def finish(self, source: str, progress: _Progress, skip: int) -> bool:
        """Rewrite the replayed file: its undelivered events and unsent lines; whether it stays."""
        malformed = set(progress.malformed)
        with open(source, "rb") as src, open(self.writes_to, "ab", opener=open_private) as out:
            for number, line in enumerate(src, 1):
                if line.strip() and (
                    number <= skip or number > progress.last or number in malformed
                ):
                    out.write(line if line.endswith(b"\n") else line + b"\n")
            empty = out.tell() == 0
        if empty:
            os.remove(self.writes_to)
            os.remove(source)
            return False
        os.replace(self.writes_to, source)
        return True


async def import_events(args: argparse.Namespace, *, api_key: str, server_url: str) -> int:
    """Send every event of ``args.file``; print malformed lines, progress and a summary.

    A file that cannot be opened is an error and nothing else (exit 2). The
    summary is printed however the import ends, also when interrupted.
    """
    try:
        file = await asyncio.to_thread(open, args.file, "rb")
    except OSError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    try:
        return await _import(file, args, api_key, server_url)
    finally:
        file.close()


async def _import(file: IO[bytes], args: argparse.Namespace, api_key: str, server_url: str) -> int:
    dead = _DeadLetter(args.file, args.dead_letter)
    await asyncio.to_thread(dead.start)
    progress = _Progress(sys.stderr, args.skip)
    interrupted, error = False, None
    async with HoneyHiveCore(bearer_auth=api_key, server_url=server_url) as core:
        batcher = EventBatcher(
            core,
            max_batch_events=args.batch_size,
            max_in_flight=args.concurrency,
            dead_letter=dead.writes_to,
            close_timeout=CLOSE_TIMEOUT,
        )
        ticker = (
            asyncio.create_task(progress.follow(lambda: batcher.sent)) if progress.tty else None
        )
        try:
            await _feed(batcher, file, progress, args)
        except (asyncio.CancelledError, KeyboardInterrupt):
            interrupted = True
            raise
        except OSError as exc:
            error = exc
        finally:
            report = await batcher.aclose()
            if ticker is not None:
                ticker.cancel()
            progress.count = report.sent
            progress.done()
            kept = None
            if dead.in_place and report.dead_letter_error is None:
                kept = await asyncio.to_thread(dead.finish, args.file, progress, args.skip)
            _summary(report, progress, args, server_url, interrupted=interrupted, kept=kept)
    if error is not None:
        print(
            f"{PROG}: error: reading {args.file} after line {progress.last}: {error}",
            file=sys.stderr,
        )
        return 2
    return 0 if report.ok and not progress.bad else 1


async def _feed(
    batcher: EventBatcher, file: IO[bytes], progress: _Progress, args: argparse.Namespace
) -> None:
    """Add the event of every line after ``--skip`` to *batcher*; report the malformed lines."""
    async with contextlib.aclosing(_read_lines(file, args.skip)) as lines:
        async for number, line in lines:
            problem = await _import_line(batcher, number, line, args.project)
            progress.last = number
            progress.read = (progress.read or 0) + 1
            if problem is not None:
                progress.malformed.append(number)
                progress.bad += 1
                if progress.bad <= MAX_LINE_ERRORS:
                    progress.note(f"line {number}: {problem}")
                elif progress.bad == MAX_LINE_ERRORS + 1:
                    progress.note("(further malformed lines are only counted)")


async def _import_line(
    batcher: EventBatcher, number: int, line: bytes, project: str | None
) -> str | None:
    """Queue the event on *line*; what is wrong with the line, if anything."""
    try:
        event = event_of(json.loads(line), number, project)
    except RecursionError:
        return "not JSON (nested too deeply)"
    except ValueError as exc:  # json.JSONDecodeError included
        return str(exc) if not isinstance(exc, json.JSONDecodeError) else f"not JSON ({exc})"
    try:
        await batcher.intake.add(event, f"line {number}")
    except RequestValidationError as exc:
        return "invalid event: " + "; ".join(f"{p or '(event)'}: {m}" for p, m in exc.issues)
    except (UnicodeError, RecursionError) as exc:  # a lone surrogate; nesting Python cannot encode
        return f"invalid event: {type(exc).__name__}: {exc}"
    return None


async def _read_lines(file: IO[bytes], skip: int) -> AsyncGenerator[tuple[int, bytes], None]:
    """The non-blank lines after the first *skip*, numbered, read in a thread 1 MiB at a time."""
    number = 0
    while chunk := await asyncio.to_thread(file.readlines, _CHUNK_BYTES):
        for line in chunk:
            number += 1
            if number > skip and line.strip():
                yield number, line


def _summary(
    report: DeliveryReport,
    progress: _Progress,
    args: argparse.Namespace,
    server_url: str,
    *,
    interrupted: bool,
    kept: bool | None,
) -> None:
    where = f"interrupted at line {progress.last:,} of" if interrupted else "imported"
    skipped = f" (the first {args.skip:,} lines skipped)" if args.skip else ""
    print(
        f"{where} {args.file} into {server_url}{skipped}: {report.sent:,} sent, "
        f"{report.failed:,} failed, {progress.bad:,} malformed lines skipped"
    )
    if report.dead_letter_error:
        print(f"could not write the dead-letter file: {report.dead_letter_error}")
    if kept is not None:
        if kept:
            print(f"{args.file} now holds only the lines not delivered; replay it again with:")
            print(f"  {_command(args, skip=0)}")
        else:
            print(f"every event of {args.file} was delivered: removed it")
        return
    if interrupted:
        print(f"lines after {progress.last:,} were not read; resume without duplicates with:")
        print(f"  {_command(args, skip=progress.last)}")
    if report.failed and report.dead_letter:
        print(f"undelivered events are in {report.dead_letter}; once the cause is fixed,")
        print(f"replay them with: honeyhive-async events import {shlex.quote(report.dead_letter)}")


def _command(args: argparse.Namespace, *, skip: int) -> str:
    """The command that goes on where this one stopped."""
    words = ["honeyhive-async", "events", "import", args.file]
    if skip:
        words += ["--skip", str(skip)]
    for option in ("project", "dead_letter"):
        if getattr(args, option) is not None:
            words += [f"--{option.replace('_', '-')}", getattr(args, option)]
    return shlex.join(words)
