"""A tracer aimed at a :class:`BackgroundServer`, and the retry policy for tests with faults.

:class:`ServerTracer` is a :class:`~honeyhive_async.tracing.Tracer` whose
core and batcher live on the server's own thread and loop, as the server
does, so one tracer serves sync tests, async tests in any loop scope and
code that runs its own loops (``asyncio.run`` inside a sync test): traced
calls on the test's thread hand their events over without waiting, and
the reads flush first. :func:`trace_to` builds one and closes it.

:data:`QUICK_RETRY` and :func:`no_wait` are what a core gets in a test with
injected faults: the same attempts as by default, without waiting between
them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .._config import BackoffStrategy, RetryConfig
from ..tracing import Tracer
from ._background import CALL_TIMEOUT, BackgroundServer
from ._trees import EventTree, Shape, build_trees, tree_shapes

if TYPE_CHECKING:
    from .._batching import DeliveryReport, EventBatcher
    from .._core import HoneyHiveCore
    from .._result import Result

__all__ = ["QUICK_RETRY", "ServerTracer", "no_wait", "trace_to"]

_T = TypeVar("_T")

QUICK_RETRY = RetryConfig(
    backoff=BackoffStrategy(initial_interval=0, max_interval=0), max_retry_after=0
)
"""The default policy's attempts (5) with no wait between them, ``Retry-After`` included."""


async def no_wait(seconds: float) -> None:
    """A core's ``sleep`` that waits for nothing: it only lets other tasks run once."""
    await asyncio.sleep(0)


class ServerTracer(Tracer):
    """A ``Tracer`` sending to *server*, with its core and batcher on the server's loop.

    Made by :func:`trace_to`. Besides the ``Tracer`` API (``session()``,
    ``await flush()``, ``add_feedback()``, ``uninstall()``), it reads back
    what it sent, flushing first: ``await events()``, ``trees()`` and
    ``shapes()`` of its project, with ``_sync`` twins for sync code.
    """

    server: BackgroundServer
    _core: HoneyHiveCore
    _batcher: EventBatcher

    async def flush(self, timeout: float = 10.0) -> DeliveryReport:
        """Send everything traced so far; the batcher's report (from any loop or thread)."""
        return await self._on_server(lambda: Tracer.flush(self, timeout))

    def flush_sync(self, timeout: float = 10.0) -> DeliveryReport:
        """:meth:`flush` for sync code: blocks until the report."""
        return self.server._call(lambda _: Tracer.flush(self, timeout))

    async def add_feedback(self, event_id: str, feedback: Any) -> Result[None]:
        """Attach *feedback* to an event that was sent (an ``updateEvent``); its Result."""
        return await self._on_server(lambda: Tracer.add_feedback(self, event_id, feedback))

    async def events(self) -> list[dict[str, Any]]:
        """What this tracer sent and the server stored, as plain dicts, oldest first."""
        await self.flush()
        return await self.server.events(project=self.project)

    def events_sync(self) -> list[dict[str, Any]]:
        """:meth:`events` for sync code."""
        self.flush_sync()
        return self.server.events_sync(project=self.project)

    async def trees(self) -> list[EventTree]:
        """The stored events as trees (see :func:`~honeyhive_async.testing.build_trees`)."""
        return build_trees(await self.events())

    def trees_sync(self) -> list[EventTree]:
        """:meth:`trees` for sync code."""
        return build_trees(self.events_sync())

    async def shapes(self) -> list[Shape]:
        """The trees reduced to names: ``[("chat", [("answer", [("search", [])])])]``."""
        return tree_shapes(await self.trees())

    def shapes_sync(self) -> list[Shape]:
        """:meth:`shapes` for sync code."""
        return tree_shapes(self.trees_sync())

    async def _on_server(self, make: Callable[[], Awaitable[_T]]) -> _T:
        async def work(_: object) -> _T:
            return await make()

        return await self.server._await(work)

    def _own(self, server: BackgroundServer, core: HoneyHiveCore, batcher: EventBatcher) -> None:
        """Keep the server to read from, and the core and batcher to close."""
        self.server, self._core, self._batcher = server, core, batcher

    async def _close(self, timeout: float) -> DeliveryReport:
        try:
            return await self._batcher.aclose(timeout)
        finally:
            await self._core.aclose()


@contextlib.contextmanager
def trace_to(
    server: BackgroundServer,
    *,
    project: str,
    source: str = "test",
    install: bool = True,
    retry_config: RetryConfig | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    **options: Any,
) -> Iterator[ServerTracer]:
    """A :class:`ServerTracer` on *server* for the ``with`` block, installed unless told not.

    It records calls for *project* and *source*; *retry_config* and *sleep*
    go to its core, the other *options* to ``Tracer`` (``processors``,
    ``sample_rate``, ...). Leaving the block uninstalls it, delivers what
    is left and closes its batcher and core.
    """
    from .._batching import EventBatcher
    from .._core import HoneyHiveCore

    async def start(_: object) -> ServerTracer:
        core = HoneyHiveCore(
            bearer_auth=server.api_key,
            server_url=server.url,
            retry_config=retry_config,
            sleep=sleep,
        )
        batcher = EventBatcher(core)
        try:
            tracer = ServerTracer(
                batcher, project=project, source=source, install=install, **options
            )
        except BaseException:  # a bad option: nothing may be left open
            await batcher.aclose()
            await core.aclose()
            raise
        tracer._own(server, core, batcher)
        return tracer

    tracer = server._call(start)
    try:
        yield tracer
    finally:
        tracer.uninstall()
        server._call(lambda _: tracer._close(CALL_TIMEOUT / 2))
