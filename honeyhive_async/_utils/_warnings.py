"""Rate-limited WARNINGs: the first of a kind at once, then at most one per interval.

What is held back is counted, and the count goes into the next message of
its kind, so an outage or a misbehaving hook is seen without flooding the
log. The batcher's delivery alarm and tracing's warnings both use it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

__all__ = ["RateLimitedLog"]


class RateLimitedLog:
    """WARNINGs to *logger*, each kind at most once per *interval* seconds of *clock*."""

    __slots__ = ("_clock", "_last", "_suppressed", "interval", "logger")

    def __init__(
        self,
        logger: logging.Logger,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        """Seconds between two warnings of the same kind."""
        self._clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warn(self, kind: str, message: str, *args: object, exc_info: bool = False) -> bool:
        """Log ``message % args`` unless *kind* was logged within the interval; whether it was."""
        now = self._clock()
        if now - self._last.get(kind, -math.inf) < self.interval:
            self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
            return False
        self._last[kind] = now
        suppressed = self._suppressed.pop(kind, 0)
        if suppressed:
            message += " (%d more like it since the last warning)"
            args = (*args, suppressed)
        self.logger.warning(message, *args, exc_info=exc_info)
        return True

    def suppressed(self, kind: str) -> int:
        """How many warnings of *kind* were only counted since the last one logged."""
        return self._suppressed.get(kind, 0)

    def forget(self, kind: str) -> None:
        """Start *kind* afresh: its next warning is logged at once."""
        self._last.pop(kind, None)
        self._suppressed.pop(kind, None)
