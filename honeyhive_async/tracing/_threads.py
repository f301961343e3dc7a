"""Carrying the current span into threads that do not copy the context.

``asyncio.to_thread`` copies the caller's context, so traced calls in the
thread nest under the caller's span. ``loop.run_in_executor``,
``ThreadPoolExecutor.submit`` and ``threading.Thread`` do not: wrap the
function with :func:`wrap`, or give the loop a
:class:`ContextThreadPoolExecutor` as its default executor.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from ._state import CURRENT

__all__ = ["ContextThreadPoolExecutor", "wrap"]

P = ParamSpec("P")
R = TypeVar("R")


def wrap(func: Callable[P, R]) -> Callable[P, R]:
    """*func*, bound to the span (or session) current now, wherever it is called later."""
    node = CURRENT.get()

    @functools.wraps(func)
    def in_span(*args: P.args, **kwargs: P.kwargs) -> R:
        token = CURRENT.set(node)
        try:
            return func(*args, **kwargs)
        finally:
            CURRENT.reset(token)

    return in_span


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run under the span that was current when they were submitted.

    ``loop.set_default_executor(ContextThreadPoolExecutor())`` makes
    ``loop.run_in_executor(None, fn)`` nest traced calls correctly.
    """

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        return super().submit(wrap(fn), *args, **kwargs)
