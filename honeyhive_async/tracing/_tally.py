"""What a process that ends without draining leaves behind, for the next process to report.

A process that traces through :func:`.configure` keeps a tally file while
its delivery runs: the number of events traced and not yet acknowledged
or reported, rewritten by the delivery loop a few times a second (one
8-byte write into a shared memory map, no system call). A clean end
(exit, SIGTERM, ``shutdown()``) drains and removes the file. A process
that ends without running any code (``os._exit``, SIGKILL, the OOM killer,
a crash of the interpreter) leaves it, and the next process that starts
delivering reads it and logs one WARNING: how many events that process
(by its pid) may have lost. The count is what waited at the last rewrite:
events traced in the last fraction of a second before the end may be
missing from it, and events in a batch the server stored just before may
be in it.

The files live in ``honeyhive_async-<uid>/`` under ``$TMPDIR`` (else
``/tmp``), created for their owner only (POSIX only); they hold two numbers and no
event data. Nothing here raises: a tally that cannot be kept is not kept.
"""

from __future__ import annotations

import logging
import os
import struct
from typing import Any

__all__ = ["Tally", "report_earlier"]

_FORMAT = struct.Struct("<qq")  # the pid, then the events waiting
_SUFFIX = ".tally"
log = logging.getLogger("honeyhive_async.tracing")


def _directory() -> str:
    # $TMPDIR or /tmp, as tempfile finds it on POSIX (without importing tempfile).
    root = os.environ.get("TMPDIR") or "/tmp"
    path = os.path.join(root, f"honeyhive_async-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


class Tally:
    """This process's count of events waiting, in a file the next process can read."""

    __slots__ = ("_map", "_path", "_pid", "_waiting")

    def __init__(self, path: str, memory: Any) -> None:
        self._path = path
        self._map = memory
        self._pid = os.getpid()
        self._waiting = -1

    @classmethod
    def open(cls) -> Tally | None:
        """A tally for this process; ``None`` where none can be kept (never raises)."""
        if os.name != "posix":  # a pid is checked with os.kill(pid, 0): POSIX only
            return None
        try:
            import mmap

            from .._utils import open_private

            path = os.path.join(_directory(), f"{os.getpid()}{_SUFFIX}")
            descriptor = open_private(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC)
            try:
                os.write(descriptor, _FORMAT.pack(os.getpid(), 0))
                memory = mmap.mmap(descriptor, _FORMAT.size)
            finally:
                os.close(descriptor)
        except Exception:  # no temporary directory, no mmap: the tally is not kept
            log.debug("tracing: no tally of undelivered events is kept", exc_info=True)
            return None
        return cls(path, memory)

    def set(self, waiting: int) -> None:
        """Record that *waiting* events are traced and not yet delivered or reported."""
        if waiting != self._waiting and os.getpid() == self._pid:  # a forked child: not ours
            try:
                _FORMAT.pack_into(self._map, 0, self._pid, waiting)
            except (ValueError, struct.error):  # closed, or a count past 64 bits
                return
            self._waiting = waiting

    def close(self) -> None:
        """The process drained: remove the tally (only the process that made it does)."""
        if os.getpid() != self._pid:
            return
        try:
            self._map.close()
            os.unlink(self._path)
        except (OSError, ValueError):
            pass


def report_earlier() -> int:
    """Log what processes that ended without draining left behind; their events, in all.

    Reads each tally whose process is gone (claimed by renaming it, so that
    two processes starting together report it once), logs one WARNING for
    those with events waiting, and removes it. Never raises.
    """
    if os.name != "posix":
        return 0
    try:
        directory = _directory()
        names = os.listdir(directory)
    except Exception:
        return 0
    lost = 0
    for name in names:
        if not name.endswith(_SUFFIX):
            continue
        pid_text = name[: -len(_SUFFIX)]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or _alive(int(pid_text)):
            continue
        path = os.path.join(directory, name)
        claimed = f"{path}.{os.getpid()}"
        try:
            os.rename(path, claimed)  # another process starting now may have taken it
            with open(claimed, "rb") as file:
                data = file.read(_FORMAT.size)
            os.unlink(claimed)
        except OSError:
            continue
        if len(data) != _FORMAT.size:
            continue
        pid, waiting = _FORMAT.unpack(data)
        if waiting > 0:
            lost += waiting
            log.warning(
                "tracing: process %d ended without delivering about %d traced events "
                "(it was killed, or left through os._exit, before they were sent); "
                "see 'In worker processes and containers' in docs/tracing.md",
                pid,
                waiting,
            )
    return lost


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, and belongs to someone else
        return True
    return True
