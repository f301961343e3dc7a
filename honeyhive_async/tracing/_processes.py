"""How a process's traced events get out before it ends: SIGTERM, and worker processes.

Two ways a process ends without the interpreter's exit hooks, and what
``tracing.configure()`` does about each:

- **SIGTERM** (Kubernetes, supervisors, ``docker stop``, ``Pool.terminate()``)
  kills a process whose handler is the default one at once.
  :func:`handle_sigterm` puts a handler there, only when the app has none
  of its own and only from the main thread; it drains (bounded by
  ``exit_timeout``), then restores the default and raises the signal again,
  so the process ends as it would have (status -15). A second SIGTERM while
  it drains ends the process at once.
- **Worker processes** of ``multiprocessing`` and ``concurrent.futures``
  are ended by their pool when it likes (``with Pool(...)`` terminates
  them; a forked worker leaves through ``os._exit``). :func:`in_worker`
  tells a worker, whose sink then delivers each session when it ends, before
  the task returns its result (:data:`WORKER_FLUSH_TIMEOUT`).

Standard library only, and ``signal`` only when a handler is installed.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from .._utils import after_fork
from ._state import log

__all__ = ["WORKER_FLUSH_TIMEOUT", "handle_sigterm", "in_worker", "release_sigterm"]

WORKER_FLUSH_TIMEOUT = 2.0
"""Seconds a worker process's session end waits for its delivery, at most."""

_drain: Callable[[], object] | None = None
_draining = False


def in_worker() -> bool:
    """Whether this process was started by ``multiprocessing`` (a pool's worker, a ``Process``)."""
    mp = sys.modules.get("multiprocessing")
    if mp is None:  # nothing started this process through multiprocessing
        return False
    try:
        return mp.parent_process() is not None
    except Exception:  # pragma: no cover - a multiprocessing stand-in without it
        return False


def handle_sigterm(drain: Callable[[], object]) -> bool:
    """Have SIGTERM call *drain* first, if the app left SIGTERM to the default; whether it does.

    Only the main thread can set a handler; the app's own handler (or an
    ignored signal) is left alone.
    """
    global _drain
    if threading.current_thread() is not threading.main_thread():
        log.debug("tracing: configure() ran outside the main thread: SIGTERM is not handled")
        return False
    import signal

    current = signal.getsignal(signal.SIGTERM)
    if current is not _on_sigterm and current != signal.SIG_DFL:
        log.debug(
            "tracing: the app handles SIGTERM itself (%r): left alone; "
            "call tracing.shutdown() in that handler",
            current,
        )
        return False
    _drain = drain
    signal.signal(signal.SIGTERM, _on_sigterm)
    return True


def release_sigterm() -> None:
    """Give SIGTERM back to the default, if tracing's handler is the one installed."""
    signal = sys.modules.get("signal")
    if signal is None or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is _on_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _on_sigterm(signum: int, frame: Any) -> None:
    """Drain (once), then end the process by the signal, as the default handler would have.

    When the signal interrupts the drain at exit, that drain is left to
    finish and end the process (a pool terminating workers that are ending).
    """
    global _draining
    import signal

    if not _draining and _drain is not None:
        _draining = True
        try:
            if _drain() is False:  # the exit drain runs (this handler interrupted it): it
                _draining = False  # ends the process, within exit_timeout, once it is done
                return
        except BaseException:  # a second signal, a bug: the process still ends by the signal
            log.exception("tracing: draining on SIGTERM failed")
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)
    os._exit(128 + signum)  # pragma: no cover - only if the signal did not end the process


def _after_fork_in_child() -> None:
    global _draining
    _draining = False  # the child drains its own events on its own SIGTERM


after_fork(_after_fork_in_child)
