"""What must happen when the process exits or forks: one registry for each, standard library only.

Every part of the SDK that holds work across threads registers here rather
than with the interpreter, so the order between them is written once:

- :func:`at_exit`: run before the interpreter joins its threads and stops
  its thread pools (aiohttp's resolver and the dead-letter writer use
  them), so queued events can still be delivered; ``atexit`` would be too
  late. Lower ``order`` runs first: batchers (0) drain before the clients
  whose sessions they send through close (1).
- :func:`before_fork` and :func:`after_fork`: run around ``os.fork()``; in
  the child, state that belongs to the parent's threads (a loop thread,
  queued events, unused ids) is reset, so the child neither hangs on a
  thread it does not have nor sends what the parent sends.

A failing callback is logged and never keeps the others from running.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["after_fork", "at_exit", "before_fork", "close_at_exit"]

log = logging.getLogger("honeyhive_async")

_exit_callbacks: list[tuple[int, int, Callable[[], object]]] = []
_before_fork: list[Callable[[], object]] = []
_after_fork: list[Callable[[], object]] = []
_exit_registered = False
_fork_registered = False


def at_exit(callback: Callable[[], object], *, order: int = 0) -> None:
    """Run *callback* when the interpreter exits, before its threads are joined."""
    global _exit_registered
    _exit_callbacks.append((order, len(_exit_callbacks), callback))
    if not _exit_registered:
        _exit_registered = True
        # Exit hooks run newest first: registered after the thread pool's own, ours runs first.
        import concurrent.futures.thread  # noqa: F401

        register = getattr(threading, "_register_atexit", None)
        if register is not None:
            register(_run_at_exit)
        else:  # pragma: no cover - CPython has had it since 3.9
            import atexit

            atexit.register(_run_at_exit)


def before_fork(callback: Callable[[], object]) -> None:
    """Run *callback* in the parent just before ``os.fork()`` (callbacks run newest first)."""
    _register_fork_hooks()
    _before_fork.insert(0, callback)


def after_fork(callback: Callable[[], object]) -> None:
    """Run *callback* in a forked child, before the child's own code goes on."""
    _register_fork_hooks()
    _after_fork.append(callback)


def _register_fork_hooks() -> None:
    global _fork_registered
    if _fork_registered or not hasattr(os, "register_at_fork"):  # not on Windows
        return
    _fork_registered = True
    # Hooks that run before a fork run newest first, and logging's (registered when
    # it was imported, above) takes its module lock, which a thread still importing
    # needs: ours is the newer one, so it runs first.
    os.register_at_fork(before=_run_before_fork, after_in_child=_run_after_fork)


def _run_at_exit() -> None:
    for _, _, callback in sorted(_exit_callbacks, key=lambda entry: entry[:2]):
        _run(callback, "at exit")


def _run_before_fork() -> None:
    for callback in list(_before_fork):
        _run(callback, "before fork")


def _run_after_fork() -> None:
    for callback in list(_after_fork):
        _run(callback, "after fork")


def _run(callback: Callable[[], object], when: str) -> None:
    try:
        callback()
    except Exception:  # one failure must not keep the others from running
        log.exception("honeyhive_async: %r failed %s", callback, when)


class _Closable(Protocol):
    @property
    def closed(self) -> bool: ...

    def close(self) -> object: ...


_OPEN: dict[int, weakref.WeakSet[Any]] = {}


def close_at_exit(closable: _Closable, *, order: int) -> None:
    """Close *closable* at exit if it is still open then (see :func:`at_exit`); held weakly.

    What a program forgets to close (a blocking batcher, a blocking client)
    is closed for it, and a batcher's queued events are still delivered
    within its close deadline, with a WARNING that it was not closed.
    """
    group = _OPEN.get(order)
    if group is None:
        group = _OPEN[order] = weakref.WeakSet()
        at_exit(lambda: _close_all(group), order=order)
    group.add(closable)


def _close_all(group: weakref.WeakSet[Any]) -> None:
    for closable in list(group):
        if closable.closed:
            continue
        queued = getattr(closable, "queued", 0)
        if queued:
            log.warning("%r was not closed: its %d events are sent at exit", closable, queued)
        try:
            closable.close()
        except Exception:  # one failure must not keep the others open
            log.exception("closing %r at exit failed", closable)
