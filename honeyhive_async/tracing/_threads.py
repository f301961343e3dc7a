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
from typing import ParamSpec, TypeVar

from ._state import CURRENT

__all__ = ["wrap"]

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
