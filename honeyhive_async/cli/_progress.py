"""The progress line of ``events import`` and ``events export``, on stderr.

On a terminal it is refreshed in place (``\\r``) a few times a second:
``  12,345 read  12,300 acknowledged  3,456/s``, where the rate is the
current one (over the last few seconds), not the average since the start.
Elsewhere only the final line is written, by :meth:`Progress.done`.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable
from typing import IO

__all__ = ["Progress"]


class Progress:
    """Counts and the current rate of *done* events (``acknowledged``, ``written``).

    ``count`` is the events done, ``read`` the lines read (``None``: not
    shown), ``bad`` the malformed lines met.
    """

    interval = 0.2
    """Seconds between two refreshes of the line on a terminal."""
    window = 5.0
    """Seconds the current rate is measured over."""

    def __init__(
        self, stream: IO[str], done: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.done_label = done
        self.count = 0
        self.read: int | None = None
        self.bad = 0
        self._clock = clock
        self.started = self.shown = clock()
        self._samples: collections.deque[tuple[float, int]] = collections.deque([(self.started, 0)])

    def rate(self) -> float:
        """Events done per second over the last :attr:`window` seconds."""
        now = self._clock()
        samples = self._samples
        samples.append((now, self.count))
        while len(samples) > 2 and now - samples[1][0] >= self.window:
            samples.popleft()
        then, before = samples[0]
        return (self.count - before) / (now - then) if now > then else 0.0

    def line(self) -> str:
        read = "" if self.read is None else f"{self.read:,} read  "
        return f"  {read}{self.count:,} {self.done_label}  {self.rate():,.0f}/s"

    def update(self) -> None:
        """Refresh the line if it is on a terminal and due."""
        now = self._clock()
        if self.tty and now - self.shown >= self.interval:
            self.shown = now
            self.stream.write("\r" + self.line())
            self.stream.flush()

    async def follow(self, count: Callable[[], int]) -> None:
        """Refresh the line with ``count()`` until cancelled (only worth it on a terminal)."""
        while True:
            self.count = count()
            self.update()
            await asyncio.sleep(self.interval)

    def note(self, message: str) -> None:
        """Print *message* on its own line, clearing the progress line first."""
        clear = "\r" + " " * len(self.line()) + "\r" if self.tty else ""
        self.stream.write(f"{clear}{message}\n")
        self.stream.flush()

    def done(self) -> None:
        """The final line: the counts, the time taken and the average rate."""
        elapsed = self._clock() - self.started
        average = self.count / elapsed if elapsed > 0 else 0.0
        read = "" if self.read is None else f"{self.read:,} read, "
        self.stream.write(
            ("\r" if self.tty else "")
            + f"  {read}{self.count:,} {self.done_label} in {elapsed:.1f} s ({average:,.0f}/s)\n"
        )
        self.stream.flush()
