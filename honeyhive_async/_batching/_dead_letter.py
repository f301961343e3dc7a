"""Dead-letter files: one JSON line per undelivered event, readable by the owner only.

The lines hold whole events (inputs, outputs, user properties): the file is
created with mode 0600, like the local server's database. Each event's JSON
is copied in as it was queued, never decoded and encoded again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from .._utils import PRIVATE_FILE_MODE, open_private
from ._report import FailedGroup, UndeliveredEvent

__all__ = ["FILE_MODE", "DeadLetterWriter", "append_jsonl"]

log = logging.getLogger("honeyhive_async")

FILE_MODE = PRIVATE_FILE_MODE
"""The mode a dead-letter file is created with: read and write for its owner only."""


def append_jsonl(path: str, records: Iterable[UndeliveredEvent | FailedGroup]) -> None:
    """Append one JSON line per undelivered event to *path* (runs in a worker thread)."""
    lines = b"".join(
        line
        for record in records
        for line in (record.jsonl() if isinstance(record, FailedGroup) else [record.jsonl()])
    )
    with open(path, "ab", opener=open_private) as file:
        file.write(lines)


class DeadLetterWriter:
    """Appends undelivered events to a dead-letter file in a worker thread, never blocking.

    ``error`` says why the latest write failed (``None`` when none did) until
    :meth:`take_error` hands it to a report.
    """

    __slots__ = ("_queue", "_task", "error", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self._queue: list[UndeliveredEvent | FailedGroup] = []
        self._task: asyncio.Task[None] | None = None
        self.error: str | None = None

    def add(
        self,
        records: list[UndeliveredEvent | FailedGroup] | list[FailedGroup],
        loop: asyncio.AbstractEventLoop | None,
    ) -> None:
        """Queue *records* for the file; start writing on *loop* unless a write is under way."""
        self._queue += records
        idle = self._task is None or self._task.done()
        if idle and loop is not None and not loop.is_closed():
            self._task = loop.create_task(self._write())

    async def wait(self, timeout: float | None) -> None:
        """Wait, at most *timeout* seconds (``None``: no limit), for the queued lines."""
        task = self._task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=timeout)

    def take_error(self) -> str | None:
        """The latest write error, cleared."""
        error, self.error = self.error, None
        return error

    async def _write(self) -> None:
        while self._queue:
            records, self._queue = self._queue, []
            try:
                await asyncio.to_thread(append_jsonl, self.path, records)
            except OSError as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                log.error("EventBatcher: cannot write the dead-letter file: %s", exc)
