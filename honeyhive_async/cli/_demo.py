"""``python -m honeyhive_async demo``: tracing and the reference examples, end to end.

First traces a small pipeline (a chain, a search, a tool that fails, a
simulated model call and a stream; :mod:`._demo_pipeline`) and prints the
session as the server stored it, as a tree, and where to look at it. Then
runs the reference document's six examples through the standalone
functions as one asyncio pipeline (independent calls concurrently), reads
the stored events back with filters, and prints what the server kept. With
no API key it starts the embedded local server, so it works offline; with
an API key and a server URL (also the ``HH_API_URL`` and ``HH_API_KEY``
lines ``serve`` prints) it talks to that server instead.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TextIO

from .. import funcs, models
from .._core import API_KEY_ENV, SERVER_URL_ENV, HoneyHiveCore
from .._defaults import API_KEY_VARS, SERVER_URL_VARS, from_env
from .._result import Result
from ._demo_examples import EXAMPLES
from ._demo_pipeline import PROJECT as PIPELINE_PROJECT
from ._demo_pipeline import run_pipeline, tree_lines
from ._options import Command

__all__ = ["COMMAND", "add_arguments", "run"]

# The projects the examples write to: the getEvents example queries each of them.
PROJECTS = tuple(
    dict.fromkeys(
        [EXAMPLES["create_event"]["event"]["project"]]
        + [e["project"] for e in EXAMPLES["create_model_event_batch"]["model_events"]]
    )
)
COLUMNS = ("project", "event_id", "type", "name", "duration ms", "cost", "feedback")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``demo`` to *parser*."""
    parser.add_argument(
        "--server-url",
        default=from_env(SERVER_URL_VARS),
        help="a HoneyHive server to use instead of the embedded one "
        f"(default: ${SERVER_URL_ENV}, else $HH_API_URL); needs an API key",
    )
    parser.add_argument("--api-key", help=f"API key (default: ${API_KEY_ENV}, else $HH_API_KEY)")


def run(args: argparse.Namespace) -> int:
    """Run the demo (options ``server_url``, ``api_key``); 0 when every step succeeded."""
    key = args.api_key or from_env(API_KEY_VARS)
    if key and not args.server_url:
        print(
            f"{API_KEY_ENV} is set but no --server-url: using the embedded server "
            "(pass --server-url https://api.honeyhive.ai to write to HoneyHive).",
            file=sys.stderr,
        )
    remote = (args.server_url, key) if key and args.server_url else None
    return asyncio.run(_main(remote, sys.stdout))


@asynccontextmanager
async def _target(remote: tuple[str, str] | None, out: TextIO) -> AsyncIterator[HoneyHiveCore]:
    """A core aimed at the remote server, or at an embedded one started for the run."""
    if remote is not None:
        url, key = remote
        print(f"honeyhive_async demo against {url}\n", file=out)
        async with HoneyHiveCore(bearer_auth=key, server_url=url) as core:
            yield core
        return
    from ..server import LocalServer  # only the embedded case needs the server

    async with LocalServer() as server:
        print(f"honeyhive_async demo against the embedded server at {server.url}\n", file=out)
        async with HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url) as core:
            yield core


async def _main(remote: tuple[str, str] | None, out: TextIO) -> int:
    async with _target(remote, out) as core:
        traced = await _run_pipeline(core, remote, out)
        print("\nThe six operations of the Events API (funcs.*):\n", file=out)
        failures, queries = await _run_examples(core, out)
    failures += not traced
    rows = [
        _row(project, event)
        for project, query in zip(PROJECTS, queries, strict=True)
        if query.ok
        for event in query.value.events
    ]
    print("\nThe events getEvents found, as stored:\n", file=out)
    print(_table(COLUMNS, rows), file=out)
    print(
        f"\n{len(rows)} events; {'all steps succeeded' if not failures else f'{failures} failed'}",
        file=out,
    )
    return 1 if failures else 0


async def _run_pipeline(core: HoneyHiveCore, remote: tuple[str, str] | None, out: TextIO) -> bool:
    """Trace the pipeline, print its session as a tree and where to look at it; ``True``: done."""
    print(
        "A traced pipeline (@tracing.trace): a chain, a search, a tool that fails, "
        "a model call and a stream\n",
        file=out,
    )
    session_id, trees = await run_pipeline(core, out)
    if trees is None:
        return False
    print("\n".join(tree_lines(trees)), file=out)
    print(f"\n  {_where_to_look(remote, session_id)}", file=out)
    return True


def _where_to_look(remote: tuple[str, str] | None, session_id: str) -> str:
    """The viewer's link to the session when a local server serves it, else how to get one."""
    if remote is None:
        return (
            "To look at it in the viewer: run `python -m honeyhive_async serve`, export the\n"
            "  two lines it prints, run this demo again in that shell and open the link it prints."
        )
    url = remote[0].rstrip("/")
    host = urllib.parse.urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        return f"Look for session {session_id} in project {PIPELINE_PROJECT!r}."
    query = urllib.parse.urlencode({"project": PIPELINE_PROJECT, "session": session_id})
    return f"Look at it in the viewer: {url}/?{query}"


async def _run_examples(
    core: HoneyHiveCore, out: TextIO
) -> tuple[int, list[Result[models.GetEventsResponse]]]:
    """The six examples: creates concurrently, then the update, then the query.

    The reference's getEvents example names no real project (``"<value>"``):
    it is sent once for each project the creates wrote to. Returns the number
    of failed steps and the query results.
    """
    creates = await asyncio.gather(
        _step(out, "createEvent", funcs.events_create_event(core, EXAMPLES["create_event"])),
        _step(
            out,
            "createModelEvent",
            funcs.events_create_model_event(core, EXAMPLES["create_model_event"]),
        ),
        _step(
            out,
            "createEventBatch",
            funcs.events_create_event_batch(core, EXAMPLES["create_event_batch"]),
        ),
        _step(
            out,
            "createModelEventBatch",
            funcs.events_create_model_event_batch(core, EXAMPLES["create_model_event_batch"]),
        ),
    )
    # The update names the event the creates stored, so it waits for them.
    update = await _step(
        out, "updateEvent", funcs.events_update_event(core, EXAMPLES["update_event"])
    )
    queries = await asyncio.gather(
        *(
            _step(
                out,
                f"getEvents ({project})",
                funcs.events_get_events(core, EXAMPLES["get_events"] | {"project": project}),
            )
            for project in PROJECTS
        )
    )
    single, batch = creates[0].value, creates[2].value
    if single is not None and batch is not None and single.event_id in batch.event_ids:
        print(
            f"\n  createEvent and createEventBatch both sent event {single.event_id}:"
            " the server kept it once, as it keeps a retried create once.",
            file=out,
        )
    return sum(not result.ok for result in (*creates, update, *queries)), list(queries)


async def _step(out: TextIO, name: str, call: Awaitable[Result[Any]]) -> Result[Any]:
    result = await call
    print(f"  {name:<25} {'ok ' if result.ok else 'ERR'}  {_describe(result)}", file=out)
    return result


def _describe(result: Result[Any]) -> str:
    if not result.ok:
        return str(result.error)
    value = result.value
    if isinstance(value, models.CreateEventResponse):
        return f"event {value.event_id}"
    if isinstance(value, (models.CreateEventBatchResponse, models.CreateModelEventBatchResponse)):
        return f"{len(value.event_ids)} event(s): {', '.join(value.event_ids)}"
    if isinstance(value, models.GetEventsResponse):
        return f"{value.total_events} matching event(s)"
    return "done"


def _row(project: str, event: models.Event) -> tuple[str, ...]:
    cost = (event.metadata or {}).get("cost")
    feedback = ", ".join(f"{k}={v}" for k, v in (event.feedback or {}).items())
    return (
        project,
        (event.event_id or "")[:8],
        event.event_type or "",
        event.event_name or "",
        "" if event.duration is None else f"{event.duration:g}",
        "" if not isinstance(cost, (int, float)) else f"{cost:.8f}".rstrip("0").rstrip("."),
        feedback,
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  " + "  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


COMMAND = Command(
    "demo",
    "run the reference examples end to end (against an embedded server without an API key)",
    add_arguments,
    run,
)
