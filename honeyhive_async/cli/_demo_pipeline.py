"""The demo's traced pipeline: a chain, a search, a tool that fails, a model call and a stream.

Plain functions decorated with ``@tracing.trace``, as an application's
would be; the model calls are simulated (no model client, no key, no
network), each recorded as a ``model`` event in the shape the client
wrappers give one. :func:`run_pipeline` traces one session of it and reads
the session back from the server as a tree.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from .. import funcs, tracing
from .._batching import EventBatcher
from .._core import HoneyHiveCore
from ..params import GetEventsRequestBodyDict

if TYPE_CHECKING:
    from ..testing import EventTree

__all__ = ["PROJECT", "run_pipeline", "tree_lines"]

PROJECT = "honeyhive_async demo"
QUESTION = "What should I wear in Paris today?"
MODEL = {"provider": "local", "model": "demo-model"}


@tracing.trace(event_type="tool")
async def search(question: str) -> list[str]:
    await asyncio.sleep(0.004)  # a vector store would answer here
    return ["Paris is mild in spring.", "Layers suit changing weather."]


@tracing.trace(event_type="tool")
async def weather(city: str) -> dict[str, Any]:
    await asyncio.sleep(0.002)
    raise RuntimeError("weather API down")


@tracing.trace(
    event_type="model",
    config=MODEL,
    capture_output=lambda reply: {"role": "assistant", "content": reply},
)
async def complete(question: str, context: Sequence[str]) -> str:
    """A model call, simulated: what ``tracing.wrap_openai`` records for a real one."""
    messages = [
        {"role": "system", "content": "Answer from the context: " + " ".join(context)},
        {"role": "user", "content": question},
    ]
    await asyncio.sleep(0.008)
    reply = "A light jacket over layers."
    tracing.enrich(
        inputs={"chat_history": messages},
        metadata={"prompt_tokens": 31, "completion_tokens": 7, "total_tokens": 38},
    )
    return reply


@tracing.trace(event_type="model", config=MODEL)
async def stream_reply(draft: str) -> AsyncIterator[str]:
    """A streamed model call, simulated: its event holds the pieces it yielded."""
    for word in f"{draft} Take an umbrella.".split():
        await asyncio.sleep(0.001)
        yield word + " "


@tracing.trace
async def answer(question: str) -> str:
    context = await search(question)
    # The chain goes on without the forecast; the tool's event keeps the error.
    with contextlib.suppress(RuntimeError):
        context.append(str(await weather("Paris")))
    draft = await complete(question, context)
    return "".join([piece async for piece in stream_reply(draft)]).strip()


async def run_pipeline(core: HoneyHiveCore, out: TextIO) -> tuple[str, list[EventTree] | None]:
    """Trace one session of the pipeline through *core*; its id and its stored trees.

    The trees are ``None`` when the events were not all delivered or could
    not be read back (what went wrong is printed).
    """
    async with EventBatcher(core) as batcher:
        tracer = tracing.Tracer(batcher, project=PROJECT, source="demo", install=False)
        async with tracer.session("chat", inputs={"question": QUESTION}) as session:
            reply = await answer(QUESTION)
            tracing.enrich_session(outputs={"reply": reply})
        report = await tracer.flush()
    print(f"  session {session.session_id}: {report.sent} events sent", file=out)
    if not report.ok:
        why = report.undelivered[0].message if report.undelivered else str(report)
        print(f"  ERR  {report.failed} events not delivered: {why}", file=out)
        return session.session_id, None
    query: GetEventsRequestBodyDict = {
        "project": PROJECT,
        "filters": [{"field": "session_id", "operator": "is", "value": session.session_id}],
    }
    from ..testing import build_trees  # loads the server package: only when the demo runs

    found = await funcs.events_get_events(core, query)
    if not found.ok:
        print(f"  ERR  reading it back: {found.error}", file=out)
        return session.session_id, None
    return session.session_id, build_trees([attrs.asdict(e) for e in found.value.events])


def tree_lines(trees: Sequence[EventTree], prefix: str | None = None) -> list[str]:
    """The trees drawn one event a line: type, name, duration, and the error of a failed one.

    *prefix* is what the lines of children start with (``None`` for roots).
    """
    lines = []
    for number, tree in enumerate(trees, 1):
        last = number == len(trees)
        event = tree["event"]
        branch = "" if prefix is None else prefix + ("└─ " if last else "├─ ")
        error = f"   ! {event['error']}" if event.get("error") else ""
        duration = event.get("duration")
        took = "" if duration is None else f"{duration:7.1f} ms"
        label = f"{branch}{event.get('event_type') or '':<8}{event.get('event_name') or ''}"
        lines.append(f"  {label:<40}{took}{error}")
        below = "" if prefix is None else prefix + ("   " if last else "│  ")
        lines += tree_lines(tree["children"], below)
    return lines
