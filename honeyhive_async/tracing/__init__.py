"""Tracing: decorated functions and blocks become trees of HoneyHive events.

In an asyncio program, bind a :class:`Tracer` to an ``EventBatcher``::

    async with HoneyHiveCore() as core, EventBatcher(core) as batcher:
        tracer = tracing.Tracer(batcher, project="my-app")
        async with tracer.session("chat"):
            await answer("What is HoneyHive?")  # an @tracing.trace function

In a program without a running loop (a script, a notebook, a WSGI app),
:func:`configure` starts a background delivery thread on first use.

Each traced call is one event; its parent is the span around it, and the
first traced call outside any session opens a session of its own.
:func:`wrap_openai` and :func:`wrap_anthropic` record each call of a model
client as a ``model`` event; :mod:`.web` has middleware that make each
request of a web app one session. Tracing
never raises into the traced code and never waits on the network. See
``docs/tracing.md``.
"""

from ._background import configure, flush, shutdown
from ._decorator import trace
from ._llm import wrap_anthropic, wrap_openai
from ._processors import REDACTED, redact, truncate
from ._spans import (
    Session,
    Span,
    SpanType,
    current_session,
    current_span,
    enrich,
    enrich_session,
    span,
)
from ._state import ENABLED_ENV, disable, enable, enabled
from ._threads import wrap
from ._tracer import Processor, SessionScope, Tracer

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing for it
if TYPE_CHECKING:
    from . import web as web
    from ._executor import ContextThreadPoolExecutor
else:

    def __getattr__(name: str) -> object:
        # concurrent.futures is left out of the import until the pool is asked for.
        if name == "ContextThreadPoolExecutor":
            from ._executor import ContextThreadPoolExecutor

            return ContextThreadPoolExecutor
        if name == "web":  # the web middleware: tracing.web.X works without importing it first
            import importlib  # (not "from . import web": that asks this function for it again)

            return importlib.import_module(f"{__name__}.web")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "ContextThreadPoolExecutor",
    "ENABLED_ENV",
    "Processor",
    "REDACTED",
    "Session",
    "SessionScope",
    "Span",
    "SpanType",
    "Tracer",
    "configure",
    "current_session",
    "current_span",
    "disable",
    "enable",
    "enabled",
    "enrich",
    "enrich_session",
    "flush",
    "redact",
    "shutdown",
    "span",
    "trace",
    "truncate",
    "wrap",
    "wrap_anthropic",
    "wrap_openai",
]
