"""One background thread with an asyncio event loop, for programs that have no loop running.

The tracing layer's background delivery (``tracing.configure``) and the
blocking client (``HoneyHiveSync``) both run the async core here, on one
daemon thread per process, started on first use. Starting never blocks the
caller unless it asks to wait: work handed over before the loop runs
waits in line. Before the thread says it is ready it imports everything
delivery may import later, and a fork waits for that, so a forked child
never inherits a half-imported module; the child starts a thread of its own.

Standard library only until the thread starts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures

__all__ = ["LoopThread", "shared_loop"]

T = TypeVar("T")

START_TIMEOUT = 30.0
"""Seconds to wait for the thread to be ready when a caller must wait."""


def _load_modules() -> None:
    """Import what running the core may import later (see the module docstring)."""
    import tenacity  # noqa: F401 - the first retry would import it

    from .. import funcs  # noqa: F401
    from .._batching import _batcher  # noqa: F401
    from .._codec import _converter

    _converter._cattrs()  # builds the response decoders (and imports cattrs)


class LoopThread:
    """A daemon thread running an event loop until the process ends; safe across fork."""

    def __init__(self, name: str = "honeyhive-async") -> None:
        self.name = name
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._waiting: list[Callable[[], object]] = []
        self.failure: str | None = None

    def __repr__(self) -> str:
        state = "running" if self._ready.is_set() and self._loop else "not started"
        return f"<LoopThread {self.name!r} {state}>"

    @property
    def started(self) -> bool:
        """Whether the thread was started (it may still be getting ready)."""
        return self._thread is not None

    def is_current(self) -> bool:
        """Whether the caller runs on this thread."""
        thread = self._thread
        return thread is not None and thread.ident == threading.get_ident()

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Run *callback* on the loop, starting the thread if needed; never waits."""
        with self._lock:
            loop = self._loop
            if loop is None:
                self._waiting.append(callback)
                self._start()
                return
        loop.call_soon_threadsafe(callback)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> asyncio.AbstractEventLoop:
        """The running loop, starting the thread and waiting for it (``RuntimeError``: failed)."""
        with self._lock:
            self._start()
        if not self._ready.wait(timeout) or self._loop is None:
            raise RuntimeError(f"the background event loop is not running: {self.failure}")
        return self._loop

    def submit(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run the coroutine on the loop; its future (wait on it from any other thread)."""
        import asyncio

        if self.is_current():
            work.close()
            raise RuntimeError("waiting on the background loop from its own thread would hang")
        try:
            loop = self.wait_ready()
        except RuntimeError:
            work.close()
            raise
        return asyncio.run_coroutine_threadsafe(work, loop)

    def run(self, work: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run the coroutine on the loop and wait for its result (blocking the caller)."""
        return self.submit(work).result(timeout)

    def _start(self) -> None:  # under the lock
        if self._thread is None:
            _watch_forks()
            self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
            self._thread.start()

    def _main(self) -> None:
        import asyncio

        loop = asyncio.new_event_loop()
        try:
            _load_modules()
        except BaseException as exc:  # say why, rather than die silently
            self.failure = f"{type(exc).__name__}: {exc}"
            loop.close()
            self._ready.set()
            return
        asyncio.set_event_loop(loop)
        with self._lock:
            self._loop = loop
            waiting, self._waiting = self._waiting, []
        for callback in waiting:
            loop.call_soon(callback)
        self._ready.set()
        loop.run_forever()


_SHARED = LoopThread()


def shared_loop() -> LoopThread:
    """The process's background loop thread (a new one after a fork)."""
    return _SHARED


def _before_fork() -> None:
    # A thread still importing must finish first (bounded), or the child could
    # find a half-initialised module in sys.modules.
    if _SHARED.started and not _SHARED._ready.is_set():
        _SHARED._ready.wait(10.0)


_watching = False


def _watch_forks() -> None:
    """Register the fork hooks, once, when the first thread starts.

    Hooks that run before a fork run newest first, and logging's takes its
    module lock, which the thread's imports need: ours must be registered
    after it, so that the thread can finish importing while we wait.
    """
    global _watching
    if _watching or not hasattr(os, "register_at_fork"):  # not on Windows
        return
    import logging  # noqa: F401 - its fork hook must be the older one

    os.register_at_fork(before=_before_fork, after_in_child=_SHARED._reset)
    _watching = True
