"""Waiting for the background loop from code without one: the blocking clients' one door.

:func:`run_blocking` runs a coroutine on the process's background loop
thread (:mod:`honeyhive_async._sync._loop_thread`) and waits for its result;
inside a running event loop it raises instead, since waiting there would
stall that loop (or deadlock, on the background loop itself).

What a program leaves open is closed at exit (:func:`close_at_exit`):
first the batchers, whose queued events are delivered within their close
deadline, then the clients, while the loop thread still runs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from ._loop_thread import shared_loop

__all__ = ["close_at_exit", "refuse_running_loop", "run_blocking"]

log = logging.getLogger("honeyhive_async")

T = TypeVar("T")


def refuse_running_loop(what: str) -> None:
    """Raise ``RuntimeError`` if the caller runs inside an event loop, naming *what* was called."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        f"{what} blocks, and it was called inside a running event loop, which it would stall "
        "(or deadlock, on the SDK's own loop thread): in async code use HoneyHive and await "
        "its methods (await hh.events.create_event(...)), or run this in a thread "
        "(await asyncio.to_thread(...))"
    )


def run_blocking(what: str, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine ``make()`` on the background loop and wait for its result.

    The coroutine is made only once the caller is known not to run in a
    loop, so none is left unawaited. If the wait is interrupted (Ctrl-C),
    the work is cancelled too.
    """
    refuse_running_loop(what)
    future = shared_loop().submit(make())
    try:
        return future.result()
    except BaseException:
        future.cancel()  # nothing when it is done; stops the work after a KeyboardInterrupt
        raise


class _Closable(Protocol):
    @property
    def closed(self) -> bool: ...

    def close(self) -> object: ...


_OPEN: tuple[weakref.WeakSet[Any], weakref.WeakSet[Any]] = (weakref.WeakSet(), weakref.WeakSet())
_registered = False


def close_at_exit(closable: _Closable, *, order: int) -> None:
    """Close *closable* at exit if it is still open then (*order* 0 before 1); held weakly."""
    global _registered
    if not _registered:
        # Before the interpreter joins threads and stops its thread pools, as tracing does.
        register = getattr(threading, "_register_atexit", None)
        if register is not None:
            register(_at_exit)
        _registered = True
    _OPEN[order].add(closable)


def _at_exit() -> None:
    for group in _OPEN:
        for closable in list(group):
            if closable.closed:
                continue
            queued = getattr(closable, "queued", 0)
            if queued:
                log.warning("%r was not closed: its %d events are sent at exit", closable, queued)
            try:
                closable.close()
            except Exception:  # one failure must not keep the others open
                log.exception("closing %r at exit failed", closable)
