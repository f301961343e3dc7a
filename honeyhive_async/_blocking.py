"""Waiting for the background loop from code without one: the blocking clients' one door.

:func:`run_blocking` runs a coroutine on the process's background loop
thread (:mod:`honeyhive_async._loop_thread`) and waits for its result;
inside a running event loop it raises instead, since waiting there would
stall that loop (or deadlock, on the background loop itself).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ._loop_thread import shared_loop

__all__ = ["refuse_running_loop", "run_blocking"]

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
