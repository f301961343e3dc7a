"""An app that traces in the ways programs end: pools, pre-fork workers, SIGTERM.

Run as ``python _process_app.py SCENARIO ARGS...`` with ``PROJECT``,
``HONEYHIVE_API_KEY`` and ``HONEYHIVE_SERVER_URL`` set; every traced task
is one session with one chain event (two events). ``configure()`` runs at
import, as an app's module does, so a spawned worker configures itself.
Prints ``traced N`` (events made by this process and its children) on
stdout; ``ready`` when it waits for a signal.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import signal
import sys
import time
import warnings

from honeyhive_async import tracing

tracing.configure(
    project=os.environ["PROJECT"],
    handle_sigterm=os.environ.get("HANDLE_SIGTERM", "1") == "1",
    flush_interval=float(os.environ.get("FLUSH_INTERVAL", "1")),
)


@tracing.trace
def task(i: int) -> int:
    """One traced task: a session and its chain event."""
    return i * 2


def pool(method: str, count: int) -> None:
    with multiprocessing.get_context(method).Pool(2) as workers:
        assert [i * 2 for i in range(count)] == workers.map(task, range(count))
    print("traced", 2 * count, flush=True)


def executor(method: str, count: int) -> None:
    context = multiprocessing.get_context(method)
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as workers:
        assert [i * 2 for i in range(count)] == list(workers.map(task, range(count)))
    print("traced", 2 * count, flush=True)


def prefork(children: int, count: int) -> None:
    """Gunicorn's shape: the parent configured, forks workers that serve, trace and exit."""
    task(-1)  # the parent traced before forking (queued, maybe unsent, at the fork)
    pids = []
    for _ in range(children):
        with warnings.catch_warnings():
            # Python 3.12+ warns on fork() in a process with threads (here, tracing's
            # delivery thread); the SDK's fork hooks leave the child with no lock held.
            warnings.filterwarnings("ignore", "This process .* multi-threaded", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            for i in range(count):
                task(i)
            sys.exit(0)
        pids.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    assert all(os.waitstatus_to_exitcode(s) == 0 for s in statuses), statuses
    print("traced", 2 + 2 * children * count, flush=True)


def sigterm(count: int, own: str) -> None:
    """Trace, then wait for SIGTERM (with the app's own handler when *own* is ``own``)."""
    if own == "own":
        signal.signal(signal.SIGTERM, lambda signum, frame: print("own handler", flush=True))
    for i in range(count):
        task(i)
    print("traced", 2 * count, flush=True)
    print("ready", flush=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the signal (or its handler's return) ends the wait
        signal.pause() if hasattr(signal, "pause") else time.sleep(0.1)
        if own == "own":
            tracing.shutdown(timeout=5)
            sys.exit(3)


if __name__ == "__main__":
    scenario, *args = sys.argv[1:]
    if scenario == "pool":
        pool(args[0], int(args[1]))
    elif scenario == "executor":
        executor(args[0], int(args[1]))
    elif scenario == "prefork":
        prefork(int(args[0]), int(args[1]))
    elif scenario == "sigterm":
        sigterm(int(args[0]), args[1])
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")
