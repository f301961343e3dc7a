"""``HoneyHiveSync``: the blocking client, for scripts, notebooks and WSGI apps.

It runs the async core on the process's background loop thread
(:mod:`honeyhive_async._sync._loop_thread`, shared with the tracing layer), so
there is one implementation of every operation: each method is the
function of the same name in :mod:`honeyhive_async.funcs`, run there and
waited for. Any number of threads may call it at once; their calls run
concurrently on the one pooled session.

Called inside a running event loop it raises instead of blocking the loop
(or hanging, on the loop thread itself): there, ``HoneyHive`` is the client.
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Concatenate, ParamSpec, TypeVar

from .. import funcs, models
from .._config import RetryConfig
from .._core import BearerAuth, HoneyHiveCore
from .._paging import iter_pages
from .._result import Result
from .._sdk import core_for, facade_method
from .._utils import Closing, close_at_exit
from ..params import GetEventsRequestBodyDict
from ._batcher import EventBatcherSync
from ._door import refuse_running_loop, run_blocking, shared_loop

__all__ = ["HoneyHiveSync", "SyncEvents"]

P = ParamSpec("P")
T = TypeVar("T")

_CLOSE_TIMEOUT = 10.0
"""Seconds a paging iterator dropped early waits for its query to be closed."""


def _blocking(
    func: Callable[Concatenate[HoneyHiveCore, P], Awaitable[Result[T]]],
) -> Callable[Concatenate[SyncEvents, P], T]:
    """A method that runs *func* on the client's core, on the loop thread, and returns the value."""

    def method(self: SyncEvents, /, *args: P.args, **kwargs: P.kwargs) -> T:
        async def call() -> T:
            return (await func(self.core, *args, **kwargs)).unwrap()

        return run_blocking(f"HoneyHiveSync.events.{method.__name__}()", call)

    return facade_method(func, method, blocking=True)


class SyncEvents:
    """The Events operations of :class:`HoneyHiveSync`: blocking, returning values, raising."""

    __slots__ = ("_client", "core")

    def __init__(self, client: HoneyHiveSync) -> None:
        self._client = client
        self.core = client.core

    create_event = _blocking(funcs.events_create_event)
    update_event = _blocking(funcs.events_update_event)
    get_events = _blocking(funcs.events_get_events)
    create_model_event = _blocking(funcs.events_create_model_event)
    create_event_batch = _blocking(funcs.events_create_event_batch)
    create_model_event_batch = _blocking(funcs.events_create_model_event_batch)
    get_all_events = _blocking(funcs.events_get_all_events)

    def iter_events(
        self,
        request: models.GetEventsRequestBody | GetEventsRequestBodyDict,
        /,
        *,
        page_size: int = 1000,
        retries: RetryConfig | None = None,
        timeout: float | None = None,
        server_url: str | None = None,
        max_response_bytes: int | None = None,
    ) -> Iterator[models.Event]:
        """Every event matching *request*, page after page (``limit``: the most in all).

        A plain iterator: each page is fetched on the loop thread when the
        events before it were consumed. Raises a failed page's error, after
        the pages before it. Closing the iterator early (``break``) stops
        the query.
        """
        refuse_running_loop("HoneyHiveSync.events.iter_events()")
        options = {
            "retries": retries,
            "timeout": timeout,
            "server_url": server_url,
            "max_response_bytes": max_response_bytes,
        }
        pages = iter_pages(self.core, request, page_size, options)
        return _events_of(pages)

    def batcher(self, **options: Any) -> EventBatcherSync:
        """An :class:`~honeyhive_async.EventBatcherSync` on this client's core.

        Options are those of :class:`~honeyhive_async.EventBatcher`. Closing
        the client closes the batchers made here first.
        """
        batcher = EventBatcherSync(self.core, **options)
        self._client._batchers.add(batcher)
        return batcher


def _events_of(pages: Any) -> Iterator[models.Event]:
    """The events of the async page iterator *pages*, each page fetched on the loop thread."""

    async def next_page() -> list[models.Event]:
        events: list[models.Event] = await anext(pages)
        return events

    try:
        while True:
            try:
                events = run_blocking("HoneyHiveSync.events.iter_events()", next_page)
            except StopAsyncIteration:
                return
            yield from events
    finally:
        _close_pages(pages)


def _close_pages(pages: Any) -> None:
    """Close the async page iterator *pages* on the loop, from wherever the generator ends.

    Waits for it where waiting is allowed; where it is not (on the loop
    thread itself, or inside another loop) hands it over and returns.
    """

    async def close() -> None:
        await pages.aclose()

    if sys.is_finalizing():  # collected at shutdown: the loop thread may be frozen already
        return
    loop = shared_loop()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop.run(close(), _CLOSE_TIMEOUT)
    else:
        loop.call_soon(lambda: asyncio.ensure_future(close()))


class HoneyHiveSync(Closing):
    """The blocking HoneyHive client: ``hh.events.create_event(request)`` and friends.

    The same operations as :class:`~honeyhive_async.HoneyHive`, each waiting
    for its result, for code that has no event loop: scripts, notebooks,
    Flask or Django views. Takes the same options as
    :class:`~honeyhive_async.HoneyHiveCore` (or an existing ``core=`` and no
    other option, which it uses and never closes). Safe to share between
    threads. Close it with ``with HoneyHiveSync() as hh:`` or ``hh.close()``.

    The core runs on the process's background loop thread; inside a
    running event loop its methods raise (use ``HoneyHive`` there).
    """

    __slots__ = ("__weakref__", "_batchers", "_closed", "_owns_core", "core", "events")

    def __init__(
        self,
        *,
        bearer_auth: BearerAuth | None = None,
        server_url: str | None = None,
        retry_config: RetryConfig | None = None,
        timeout: float | None = None,
        project: str | None = None,
        source: str | None = None,
        core: HoneyHiveCore | None = None,
        **options: Any,
    ) -> None:
        self.core, self._owns_core = core_for(
            "HoneyHiveSync",
            core,
            {
                "bearer_auth": bearer_auth,
                "server_url": server_url,
                "retry_config": retry_config,
                "timeout": timeout,
                "project": project,
                "source": source,
                **options,
            },
        )
        self._closed = False
        self._batchers: weakref.WeakSet[EventBatcherSync] = weakref.WeakSet()
        self.events = SyncEvents(self)
        close_at_exit(self, order=1)

    def __repr__(self) -> str:
        return f"HoneyHiveSync({self.core!r})"

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def close(self) -> None:
        """Close the batchers made here, then the core (unless it was given). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for batcher in list(self._batchers):
            batcher.close()
        if self._owns_core:
            run_blocking("HoneyHiveSync.close()", self.core.aclose)
