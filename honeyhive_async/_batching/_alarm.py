"""Rate-limited WARNINGs about a batcher's deliveries, so an outage is seen and not flooded.

The first failure of a kind is logged at once, with its real cause
(``Cannot connect to host ... [Connection refused]``); more of the same
kind within :attr:`DeliveryAlarm.interval` seconds are only counted, and
the count goes into the next message. When a delivery succeeds after
failures, one line says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from .._utils import RateLimitedLog

__all__ = ["DeliveryAlarm"]

log = logging.getLogger("honeyhive_async")


class DeliveryAlarm:
    """The warnings of one batcher: ``failing`` attempts and ``undelivered`` events.

    ``cause`` is the message of the latest failed attempt while deliveries
    fail (``None`` once one succeeds): events abandoned at a deadline are
    reported with it instead of a bare "cancelled".
    """

    __slots__ = ("_log", "cause", "failures")

    def __init__(self, interval: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self._log = RateLimitedLog(log, interval, clock)
        self.cause: str | None = None
        self.failures = 0
        """Failed attempts since the last success."""

    @property
    def interval(self) -> float:
        """Seconds between two warnings of the same kind."""
        return self._log.interval

    def warn(self, kind: str, message: str, *args: object) -> bool:
        """Log ``message % args`` unless *kind* was logged within the interval; whether it was."""
        return self._log.warn(kind, message, *args)

    def suppressed(self, kind: str) -> int:
        """How many warnings of *kind* were only counted since the last one logged."""
        return self._log.suppressed(kind)

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
            self._log.forget("failing")
        self.cause = None
        self.failures = 0
