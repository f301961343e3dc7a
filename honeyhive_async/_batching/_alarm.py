"""Rate-limited WARNINGs about a batcher's deliveries, so an outage is seen and not flooded.

The first failure of a kind is logged at once, with its real cause
(``Cannot connect to host ... [Connection refused]``); more of the same
kind within :attr:`DeliveryAlarm.interval` seconds are only counted, and
the count goes into the next message. When a delivery succeeds after
failures, one line says so.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

__all__ = ["DeliveryAlarm"]

log = logging.getLogger("honeyhive_async")


class DeliveryAlarm:
    """The warnings of one batcher: ``failing`` attempts and ``undelivered`` events.

    ``cause`` is the message of the latest failed attempt while deliveries
    fail (``None`` once one succeeds): events abandoned at a deadline are
    reported with it instead of a bare "cancelled".
    """

    __slots__ = ("_clock", "_last", "_suppressed", "cause", "failures", "interval")

    def __init__(self, interval: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        """Seconds between two warnings of the same kind."""
        self._clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self.cause: str | None = None
        self.failures = 0
        """Failed attempts since the last success."""

    def warn(self, kind: str, message: str, *args: object) -> bool:
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
        log.warning(message, *args)
        return True

    def suppressed(self, kind: str) -> int:
        """How many warnings of *kind* were only counted since the last one logged."""
        return self._suppressed.get(kind, 0)

    def failed(self, cause: str, queued: int) -> None:
        """An attempt failed with *cause* while *queued* events wait."""
        self.cause = cause
        self.failures += 1
        self.warn(
            "failing",
            "EventBatcher: deliveries are failing, retrying (%d events queued): %s",
            queued,
            cause,
        )

    def succeeded(self) -> None:
        """An attempt succeeded: say so once if attempts had been failing."""
        if self.failures:
            log.warning(
                "EventBatcher: deliveries work again after %d failed attempts", self.failures
            )
            self._last.pop("failing", None)
            self._suppressed.pop("failing", None)
        self.cause = None
        self.failures = 0
