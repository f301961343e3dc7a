"""A thread pool that carries the current span into its tasks (loaded on first use)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ._threads import wrap

__all__ = ["ContextThreadPoolExecutor"]

R = TypeVar("R")


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run under the span that was current when they were submitted.

    ``loop.set_default_executor(ContextThreadPoolExecutor())`` makes
    ``loop.run_in_executor(None, fn)`` nest traced calls correctly.
    """

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        return super().submit(wrap(fn), *args, **kwargs)
