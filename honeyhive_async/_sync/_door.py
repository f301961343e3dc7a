"""The one door between threads: run a coroutine on another thread's event loop, and wait.

:func:`submit_to_loop` and :func:`call_in_loop` are the only places a
thread hands work to an event loop it does not run: the blocking client and
batcher, tracing's background delivery, the OpenTelemetry bridge's flush and
the test server all go through them. The coroutine is made on the loop, so
a loop that never gets to it leaves nothing un-awaited behind; a wait that
times out or is interrupted (Ctrl-C) cancels the work.

:class:`LoopThread` is the process's background loop (:func:`shared_loop`),
for programs that have no loop running: one daemon thread, started on
first use, shared by tracing's delivery and ``HoneyHiveSync``. Starting
never blocks the caller unless it asks to wait: work handed over before the
loop runs waits in line. Before the thread says it is ready it imports
everything delivery may import later, and a fork waits for that, so a
forked child never inherits a half-imported module; the child starts a
thread of its own.

Standard library only, and asyncio only once a thread starts.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from .._utils import after_fork, before_fork

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures

__all__ = [
    "LoopThread",
    "call_in_loop",
    "refuse_running_loop",
    "run_blocking",
    "running_loop",
    "shared_loop",
    "submit_to_loop",
]

T = TypeVar("T")

START_TIMEOUT = 30.0
"""Seconds to wait for the thread to be ready when a caller must wait."""


def running_loop() -> Any:
    """The event loop running in this thread, or ``None`` (without importing asyncio)."""
    asyncio = sys.modules.get("asyncio")
    return None if asyncio is None else asyncio._get_running_loop()


def submit_to_loop(
    loop: asyncio.AbstractEventLoop, make: Callable[[], Coroutine[Any, Any, T]]
) -> concurrent.futures.Future[T]:
    """Run ``make()`` as a task on *loop*; its future, for any other thread to wait on.

    Raises ``RuntimeError`` when *loop* is closed, or is the caller's own
    running loop (waiting there would hang). Cancelling the future cancels
    the task.
    """
    import asyncio
    import concurrent.futures

    if running_loop() is loop:
        raise RuntimeError("waiting on an event loop from its own thread would hang")
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def start() -> None:
        # The future stays pending while the work runs (a running one cannot be cancelled).
        if future.cancelled():
            return  # cancelled before the loop got here: the coroutine is never made
        try:
            task = asyncio.ensure_future(make())
        except BaseException as exc:  # making the coroutine failed: the waiter gets it
            if future.set_running_or_notify_cancel():
                future.set_exception(exc)
            return
        task.add_done_callback(lambda done: _settle(future, done))
        future.add_done_callback(lambda _: _cancel_when_cancelled(future, loop, task))

    loop.call_soon_threadsafe(start)
    return future


def _cancel_when_cancelled(
    future: concurrent.futures.Future[Any],
    loop: asyncio.AbstractEventLoop,
    task: asyncio.Future[Any],
) -> None:
    """The waiter gave up (a deadline, Ctrl-C): stop the work too, if its loop still runs."""
    if future.cancelled() and not task.done():
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nothing runs it
            loop.call_soon_threadsafe(task.cancel)


def _settle(future: concurrent.futures.Future[T], task: asyncio.Future[T]) -> None:
    if task.cancelled():
        future.cancel()
        return
    if not future.set_running_or_notify_cancel():  # cancelled by the waiter
        return
    if task.exception() is not None:
        future.set_exception(task.exception())
    else:
        future.set_result(task.result())


def call_in_loop(
    loop: asyncio.AbstractEventLoop,
    make: Callable[[], Coroutine[Any, Any, T]],
    timeout: float | None = None,
) -> T:
    """Run ``make()`` on *loop* and wait for its result, at most *timeout* seconds.

    Raises what the coroutine raises, ``TimeoutError`` past the deadline,
    and ``RuntimeError`` as :func:`submit_to_loop`. If the wait ends early
    (the deadline, Ctrl-C), the work is cancelled too.
    """
    import concurrent.futures

    future = submit_to_loop(loop, make)
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:  # not yet the builtin TimeoutError on 3.10
        future.cancel()
        raise TimeoutError(f"no result within {timeout} s") from None
    except BaseException:
        future.cancel()  # nothing when it is done; stops the work after a KeyboardInterrupt
        raise


def refuse_running_loop(what: str) -> None:
    """Raise ``RuntimeError`` if the caller runs inside an event loop, naming *what* was called."""
    if running_loop() is None:
        return
    raise RuntimeError(
        f"{what} blocks, and it was called inside a running event loop, which it would stall "
        "(or deadlock, on the SDK's own loop thread): in async code use HoneyHive and await "
        "its methods (await hh.events.create_event(...)), or run this in a thread "
        "(await asyncio.to_thread(...))"
    )


def run_blocking(what: str, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``make()`` on the background loop (:func:`shared_loop`) and wait for its result.

    For the blocking clients: inside a running event loop it raises
    instead (:func:`refuse_running_loop`), naming *what* was called.
    """
    refuse_running_loop(what)
    return call_in_loop(shared_loop().wait_ready(), make)


def _load_modules() -> None:
    """Import what running the core may import later (see the module docstring)."""
    import tenacity  # noqa: F401 - the first retry would import it

    from .. import funcs  # noqa: F401
    from .._batching import EventBatcher  # noqa: F401
    from .._codec import warm_up

    warm_up()  # builds the response decoders (and imports cattrs)


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
        if self.is_current():
            raise RuntimeError("waiting on the background loop from its own thread would hang")
        with self._lock:
            self._start()
        if not self._ready.wait(timeout) or self._loop is None:
            raise RuntimeError(f"the background event loop is not running: {self.failure}")
        return self._loop

    def wait_imported(self, timeout: float) -> None:
        """Wait (bounded) until a started thread has finished importing (before a fork)."""
        if self.started and not self._ready.is_set():
            self._ready.wait(timeout)

    def submit(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run the coroutine on the loop; its future (wait on it from any other thread)."""
        try:
            loop = self.wait_ready()
        except RuntimeError:
            work.close()
            raise
        return submit_to_loop(loop, lambda: work)

    def run(self, work: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run the coroutine on the loop and wait for its result (blocking the caller)."""
        try:
            loop = self.wait_ready()
        except RuntimeError:
            work.close()
            raise
        return call_in_loop(loop, lambda: work, timeout)

    def _start(self) -> None:  # under the lock
        if self._thread is None:
            self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
            self._thread.start()

    def _main(self) -> None:
        import asyncio

        _leave_signals_to_the_main_thread()
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


def _leave_signals_to_the_main_thread() -> None:
    """Block SIGTERM and SIGINT in this (background) thread, so the kernel hands them to another.

    Python runs signal handlers in the main thread only, and a main thread
    blocked in a lock (a pool's worker waiting for a task) wakes for a signal
    only if the signal is delivered to it: delivered here instead, a SIGTERM
    handler (tracing's drain) would never run, and the process never end.
    """
    import signal

    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})


_SHARED = LoopThread()


def shared_loop() -> LoopThread:
    """The process's background loop thread (a new one after a fork)."""
    return _SHARED


# A thread still importing must finish first (bounded), or the child could find a
# half-initialised module in sys.modules; the child starts a thread of its own.
before_fork(lambda: _SHARED.wait_imported(10.0))
after_fork(_SHARED._reset)
