"""The local server on a thread of its own, with helpers for reading what it stored.

The server gets its own thread and event loop, so it serves whatever the
caller's thread does: a sync test blocked in ``tracing.flush()``, an async
test in a function-scoped loop, or another test's loop after this one has
closed (the session-wide server outlives every test loop). Calls into it
are handed over through the SDK's one door between threads; the async
helpers await the answer without blocking the caller's loop, the ``_sync``
ones block for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

from .._sync import call_in_loop, submit_to_loop
from ..server import DEFAULT_MAX_BODY_BYTES, FaultConfig, FaultKind, LocalServer
from ..server._bridge import EventQuery, compile_query
from ._trees import EventTree, Shape, build_trees, sort_key, tree_shapes

__all__ = ["BackgroundServer"]

_T = TypeVar("_T")

CALL_TIMEOUT = 30.0
"""Seconds a start, stop or read may take before the caller gets a timeout error."""

_PAGE = 7500  # getEvents' largest page


class BackgroundServer:
    """A :class:`~honeyhive_async.server.LocalServer` running on its own thread and loop.

    ``with BackgroundServer() as server:`` serves on a free loopback port
    with an in-memory database (or ``db_path``) until the block ends; point
    clients at ``server.url`` with ``server.api_key``. It works the same
    from sync and async code, inside pytest or not. The options are those
    of ``LocalServer``.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        db_path: str | None = None,
        faults: FaultConfig | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._options: dict[str, Any] = {
            "api_key": api_key,
            "db_path": db_path,
            "max_body_bytes": max_body_bytes,
        }
        self._faults = faults
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: LocalServer | None = None
        self._stop: asyncio.Event | None = None

    def __repr__(self) -> str:
        where = self._local().url if self._running() else "not running"
        return f"<BackgroundServer {where}>"

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:41234`` (no trailing slash)."""
        return self._local().url

    @property
    def api_key(self) -> str:
        """The bearer token the server accepts."""
        return self._local().api_key

    @property
    def current_faults(self) -> FaultConfig | None:
        """The fault plan in effect (``None``: every request is served)."""
        return self._faults

    def start(self) -> None:
        """Start the thread and wait until the server listens; a server starts once."""
        if self._thread is not None:
            raise RuntimeError("the server was already started; make a new one")
        ready: Future[None] = Future()
        self._thread = threading.Thread(
            target=asyncio.run,
            args=(self._serve(ready),),
            name="honeyhive-test-server",
            daemon=True,  # a server nobody stopped must not keep the process alive
        )
        self._thread.start()
        try:
            ready.result(CALL_TIMEOUT)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop serving (open connections and stalled requests end) and join the thread."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None or not thread.is_alive():
            return
        if loop is not None and stop is not None:
            # The loop may have finished on its own between the check and this call.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        thread.join(CALL_TIMEOUT)
        if thread.is_alive():
            raise TimeoutError(f"the server thread did not stop within {CALL_TIMEOUT:g} s")

    def __enter__(self) -> BackgroundServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _serve(self, ready: Future[None]) -> None:
        """The server thread's whole life: start, signal, wait for stop, stop."""
        try:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._server = LocalServer(faults=self._faults, **self._options)
            await self._server.start()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            await self._stop.wait()
        finally:
            await self._server.stop()

    def _running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._server is not None

    def _local(self) -> LocalServer:
        if not self._running() or self._server is None:
            raise RuntimeError("the server is not running")
        return self._server

    def _target(
        self, work: Callable[[LocalServer], Coroutine[Any, Any, _T]]
    ) -> tuple[asyncio.AbstractEventLoop, Callable[[], Coroutine[Any, Any, _T]]]:
        """The server's loop and the coroutine to run there, from a thread of the caller's."""
        server = self._local()
        if threading.current_thread() is self._thread:
            raise RuntimeError("BackgroundServer helpers cannot be called on the server's thread")
        assert self._loop is not None
        return self._loop, lambda: work(server)

    def _submit(self, work: Callable[[LocalServer], Coroutine[Any, Any, _T]]) -> Future[_T]:
        """Run ``work(server)`` on the server's loop; its future, for any thread to wait on."""
        return submit_to_loop(*self._target(work))

    def _call(self, work: Callable[[LocalServer], Coroutine[Any, Any, _T]]) -> _T:
        return call_in_loop(*self._target(work), CALL_TIMEOUT)

    async def _await(self, work: Callable[[LocalServer], Coroutine[Any, Any, _T]]) -> _T:
        return await asyncio.wait_for(asyncio.wrap_future(self._submit(work)), CALL_TIMEOUT)

    # Faults

    def set_faults(self, faults: FaultConfig | None) -> None:
        """Switch fault injection to ``faults`` (``None``: off) until changed again."""

        async def apply(server: LocalServer) -> None:
            server.set_faults(faults)

        self._call(apply)
        self._faults = faults

    @contextlib.contextmanager
    def faults(
        self,
        *kinds: FaultKind,
        rate: float = 1.0,
        weights: Sequence[float] | None = None,
        seed: int | None = None,
        retry_after_seconds: int = 1,
        stall_seconds: float = 5.0,
    ) -> Iterator[FaultConfig]:
        """Inject faults of ``kinds`` while the ``with`` block runs, then restore the previous plan.

        ``with server.faults("503"):`` fails every request with a ``503``;
        ``rate`` makes only that fraction fail, ``seed`` makes which ones
        reproducible. The options are :class:`FaultConfig`'s; unlike there,
        ``rate`` defaults to 1 (every request) and ``kinds`` must be given.
        """
        config = FaultConfig(
            rate=rate,
            kinds=kinds,
            weights=weights,
            seed=seed,
            retry_after_seconds=retry_after_seconds,
            stall_seconds=stall_seconds,
        )
        previous = self._faults
        self.set_faults(config)
        try:
            yield config
        finally:
            self.set_faults(previous)

    # Reading what was stored

    async def events(self, *, project: str | None = None) -> list[dict[str, Any]]:
        """The stored events of ``project`` (of every project when ``None``), as plain dicts.

        Oldest first: by ``start_time``, then ``event_name``, then ``event_id``.
        """
        return await self._await(functools.partial(_read_events, project=project))

    def events_sync(self, *, project: str | None = None) -> list[dict[str, Any]]:
        """:meth:`events` for sync code: blocks until the server answers."""
        return self._call(functools.partial(_read_events, project=project))

    async def trees(self, *, project: str | None = None) -> list[EventTree]:
        """The stored events as trees: ``[{"event": {...}, "children": [...]}, ...]``.

        See :func:`~honeyhive_async.testing.build_trees`.
        """
        return build_trees(await self.events(project=project))

    def trees_sync(self, *, project: str | None = None) -> list[EventTree]:
        """:meth:`trees` for sync code."""
        return build_trees(self.events_sync(project=project))

    async def shapes(self, *, project: str | None = None) -> list[Shape]:
        """The trees reduced to names: ``[("chat", [("search", []), ("answer", [])])]``."""
        return tree_shapes(await self.trees(project=project))

    def shapes_sync(self, *, project: str | None = None) -> list[Shape]:
        """:meth:`shapes` for sync code."""
        return tree_shapes(self.trees_sync(project=project))


async def _read_events(server: LocalServer, project: str | None) -> list[dict[str, Any]]:
    """Every stored event of ``project`` (or of all), oldest first; runs on the server's loop."""
    events: list[dict[str, Any]] = []
    for page in itertools.count(1):
        query = _query(project, page)
        found, _ = await server.store.query(query)
        events += found
        if len(found) < query.limit:
            break
    return sorted(events, key=sort_key)


def _query(project: str | None, page: int) -> EventQuery:
    """One page of a project's events, or of all events (getEvents always has a project)."""
    if project is not None:
        return compile_query({"project": project, "filters": [], "limit": _PAGE, "page": page})
    return EventQuery(where="1 = 1", params=(), limit=_PAGE, offset=(page - 1) * _PAGE)
