"""Tracing for programs without a running event loop: delivery on a background loop thread.

``configure()`` installs a tracer whose events go to the process's
background loop thread (:func:`.._sync.shared_loop`), where a ``HoneyHiveCore`` and an
``EventBatcher`` are made with the first event, so importing and
configuring cost nothing else. At interpreter exit, and on SIGTERM when
the app leaves that signal alone, the queue is drained within
``exit_timeout`` seconds; after ``os.fork()`` the child starts afresh (it
never sends what the parent had queued), and a worker process of a pool
delivers each session as it ends (see :mod:`._processes`).

Tracing never takes the app down: settings that cannot work (no key, a
malformed key or URL) make :func:`configure` log one WARNING and return a
tracer that records nothing; nothing here raises into the app.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .._sync import call_in_loop, shared_loop, submit_to_loop
from .._utils import after_fork, at_exit, scrub
from . import _processes
from ._delivery import DEFAULT_MAX_PENDING, LoopSink
from ._encode import DEFAULT_MAX_VALUE_CHARS
from ._state import ENABLED_ENV, STATE, log, set_default
from ._tally import Tally, report_earlier
from ._tracer import Processor, Tracer

if TYPE_CHECKING:
    from .._batching import DeliveryReport, EventBatcher

T = TypeVar("T")

__all__ = ["configure", "flush", "shutdown"]


class ThreadSink(LoopSink):
    """A sink whose core and batcher live on the process's background loop thread.

    The thread (shared with ``HoneyHiveSync``) starts with the first event;
    events traced until it runs wait in the sink's deque.
    """

    def __init__(self, settings: dict[str, Any], batcher_options: dict[str, Any]) -> None:
        super().__init__(max_pending=batcher_options.get("max_queue_events", DEFAULT_MAX_PENDING))
        self._settings = settings
        self._batcher_options = batcher_options
        key = settings.get("bearer_auth")
        if isinstance(key, str):  # known before the core is made: events traced until then
            self.secret = key[7:] if key[:7].lower() == "bearer " else key
        self._reset()
        _SINKS.add(self)

    def _reset(self) -> None:
        """Forget the core and batcher (at start, and in a forked child)."""
        self.loop = None
        self.batcher = None
        self._wake = False
        self._opening = False
        self._attached = threading.Event()
        self._failure: str | None = None
        self._final: DeliveryReport | None = None
        self._each_session: bool | None = None  # deliver each session as it ends (a worker)
        self._tally: Tally | None = None  # a forked child's own is made when it starts

    def started(self) -> None:
        if not self._opening and self._final is None:
            self._opening = True
            shared_loop().call_soon(self._open)

    def _open(self) -> None:
        """On the loop: make the core and batcher, then take what waits (never raises)."""
        import asyncio

        from .._batching import EventBatcher
        from .._core import HoneyHiveCore

        try:
            self._core = HoneyHiveCore(**self._settings)
            batcher = EventBatcher(self._core, **self._batcher_options)
        except Exception as exc:
            self._failure = f"{type(exc).__name__}: {exc}"
            if _configured() is self:  # the settings cannot work: stop tracing, say so once
                set_default(None)
            log.warning(
                "tracing is off, traced calls run untraced: delivery could not start: %s",
                self._failure,
            )
        else:
            self.attach(batcher, asyncio.get_running_loop())
        self._attached.set()
        if self.batcher is not None:  # after delivery runs: nothing waits on this
            self._tally = Tally.open()
            report_earlier()
            self._count()

    def _count(self) -> None:
        """On the loop, a few times a second: the tally of what waits (see :mod:`._tally`)."""
        loop = self.loop
        if self._recount() and loop is not None:
            loop.call_later(_TALLY_EVERY, self._count)

    def _recount(self) -> bool:
        """Write what waits into the tally (any thread); whether a tally is kept."""
        tally, batcher = self._tally, self.batcher
        if tally is None or batcher is None or self._final is not None:
            return False
        tally.set(self.waiting())
        return True

    def settled(self) -> None:
        """Everything traced was delivered or reported: no tally is left for the next process."""
        tally, self._tally = self._tally, None
        if tally is not None:
            tally.close()

    def _ready(self, timeout: float) -> bool:
        """Wait (bounded) until delivery runs; ``False`` if it never started or failed."""
        if not self._opening:
            return False
        return self._attached.wait(timeout) and self.batcher is not None

    def flush(self, timeout: float) -> DeliveryReport:
        """Deliver what was traced so far; the report by *timeout* seconds (from any thread)."""
        from .._batching import DeliveryReport

        if shared_loop().is_current():
            log.warning("tracing.flush() was called on the delivery thread; it does nothing")
            return DeliveryReport()
        deadline = time.monotonic() + timeout
        if not self._ready(timeout):
            return self._nothing(DeliveryReport)
        report = self._by(deadline, lambda batcher: batcher.flush(_left(deadline)))
        self._recount()  # a worker may now end at once (os._exit): the tally says what waits
        return report

    def shutdown(self, timeout: float) -> DeliveryReport:
        """Drain within *timeout* seconds, close the batcher and the core."""
        from .._batching import DeliveryReport

        if self._final is not None:
            return self._final
        if shared_loop().is_current():
            log.warning("tracing.shutdown() was called on the delivery thread; it does nothing")
            return DeliveryReport()
        deadline = time.monotonic() + timeout
        if not self._ready(timeout):
            self._final = self._nothing(DeliveryReport)
            return self._final
        self._final = self._by(deadline, lambda b: self._close(b, _left(deadline)))
        self.settled()  # what was not delivered is in the report, and said at exit
        return self._final

    def session_ended(self) -> None:
        """In a worker process, deliver what was traced before the task returns (bounded)."""
        each = self._each_session
        if each is None:
            each = self._each_session = _processes.in_worker() and _exit_timeout > 0
        if not each or shared_loop().is_current():
            return
        timeout = min(_exit_timeout, _processes.WORKER_FLUSH_TIMEOUT)
        if not self._ready(timeout):
            # Still starting (what waits goes with the next session), or failed (said then).
            self._each_session = self._failure is None
            return
        if self.flush(timeout).count("pending"):
            self._each_session = False  # slow delivery must not slow every task
            log.warning(
                "tracing: a session took more than %g s to deliver in this worker process; "
                "sessions are now delivered in the background (and at exit)",
                timeout,
            )

    def _by(
        self, deadline: float, work: Callable[[EventBatcher], Awaitable[DeliveryReport]]
    ) -> DeliveryReport:
        """``work(batcher)`` on the loop, its report by the *deadline* whatever the backlog.

        The batcher keeps its deadline itself; this one holds when the loop
        cannot even start the work in time (it is busy), and then the events
        still held are counted as not delivered.
        """
        from .._batching import DeliveryReport

        loop = shared_loop().wait_ready()
        batcher = self.batcher
        held, sent = self._held(), 0 if batcher is None else batcher.sent
        try:
            return call_in_loop(loop, lambda: self.call(work), _left(deadline) + _GRACE)
        except TimeoutError:
            # What is held now, or, if the late work already took events out of the queue
            # (into a report that comes too late), what was held less what was sent since.
            acknowledged = 0 if batcher is None else max(0, batcher.sent - sent)
            waiting = max(self._held(), held - acknowledged)
            log.warning("tracing: delivery did not answer by the deadline (%d events)", waiting)
            return DeliveryReport(omitted=waiting)

    def waiting(self) -> int:
        """Events traced and not yet acknowledged or given up (read from any thread)."""
        batcher = self.batcher
        return len(self.pending) + (0 if batcher is None else batcher.queued)

    def _held(self) -> int:
        """:meth:`waiting`, and the events given up but not yet in a report (a report that
        comes too late is not read)."""
        batcher = self.batcher
        return self.waiting() + (0 if batcher is None else batcher.failed)

    async def _close(self, batcher: EventBatcher, timeout: float) -> DeliveryReport:
        report = await batcher.aclose(timeout)
        await self._core.aclose()
        return report

    async def call(self, work: Callable[[EventBatcher], Awaitable[T]]) -> T:
        """Run ``work(batcher)`` on the delivery loop, awaited from any loop (or run there)."""
        import asyncio

        loop = shared_loop()
        if loop.is_current():
            return await super().call(work)
        self.started()
        if not await asyncio.to_thread(self._ready, 30.0):
            raise RuntimeError(f"tracing: delivery is not running ({self._failure})")
        running = await asyncio.to_thread(loop.wait_ready)
        return await asyncio.wrap_future(submit_to_loop(running, lambda: LoopSink.call(self, work)))

    def _nothing(self, report_type: Any) -> DeliveryReport:
        """The report when delivery never ran: what waits is counted as not delivered."""
        waiting = len(self.pending) + self.unreported
        if waiting or self._failure:
            log.warning(
                "tracing: %d events were not delivered: %s",
                waiting,
                self._failure or shared_loop().failure or "delivery did not start in time",
            )
        self.pending.take()
        self.unreported = 0
        return report_type(omitted=waiting)  # type: ignore[no-any-return]


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


_GRACE = 0.25
"""Seconds past a deadline the delivery loop has to hand its report over (then: not waited for)."""

_TALLY_EVERY = 0.2
"""Seconds between two rewrites of the tally of waiting events."""

_SINKS: weakref.WeakSet[ThreadSink] = weakref.WeakSet()
_draining = False
"""Whether this process drains right now (at exit or on SIGTERM)."""
_exit_timeout = 5.0


def _after_fork_in_child() -> None:
    # The child never sends what the parent queued, and starts its own delivery.
    global _draining
    _draining = False
    for sink in list(_SINKS):
        sink.pending.reset()
        sink.unreported = 0
        sink._reset()


after_fork(_after_fork_in_child)


def _drain(when: str) -> bool:
    """Deliver what waits within ``exit_timeout`` (at exit, on SIGTERM); never raises.

    ``False``, doing nothing, when a drain is under way already: SIGTERM
    came while the exit drain ran (a pool terminating its workers as they
    end), in the same thread, which must not wait on the locks it holds.
    """
    global _draining
    if _draining:
        return False
    _draining = True
    try:
        sink = _configured()
        if sink is None or (not sink._opening and not sink.pending):
            return True  # nothing was traced: nothing to deliver (nothing to import for it)
        if _exit_timeout <= 0:
            waiting = sink.waiting()
            if waiting:
                log.warning("tracing: exit_timeout=0: %d events were not delivered", waiting)
            sink.settled()
            return True
        report = sink.shutdown(_exit_timeout)
        if not report.ok:
            where = f"; see {report.dead_letter}" if report.dead_letter else ""
            log.warning("tracing: %d events were not delivered %s%s", report.failed, when, where)
    except Exception:  # the process is ending: say so, never raise out of its exit
        log.exception("tracing: delivering %s failed", when)
    finally:
        _draining = False
    return True


def _at_exit() -> None:
    _drain("at exit")


def _on_sigterm() -> bool:
    return _drain("on SIGTERM")


_registered = False


def configure(
    *,
    project: str | None = None,
    api_key: str | None = None,
    server_url: str | None = None,
    source: str | None = None,
    session_name: str | None = None,
    processors: Sequence[Processor] = (),
    sample_rate: float = 1.0,
    max_value_chars: int = DEFAULT_MAX_VALUE_CHARS,
    dead_letter: str | os.PathLike[str] | None = None,
    exit_timeout: float = 5.0,
    max_queue_events: int = DEFAULT_MAX_PENDING,
    flush_interval: float = 1.0,
    handle_sigterm: bool = True,
) -> Tracer:
    """Trace this program through a background delivery thread; the installed tracer.

    The one call for any program: scripts, notebooks, WSGI or Celery
    workers, and asyncio apps (called before or inside the running loop).
    The API key, server, project and source default to the variables
    the core reads (``HONEYHIVE_API_KEY``, ``HONEYHIVE_SERVER_URL``,
    ``HONEYHIVE_PROJECT``, ``HONEYHIVE_SOURCE``, with ``HH_*`` fallbacks);
    the source then to ``"dev"``. At exit, and on SIGTERM (unless the app
    handles that signal itself, or ``handle_sigterm=False``), what is queued
    is delivered within ``exit_timeout`` seconds (0: not waited for, with a
    WARNING); undelivered events go to ``dead_letter`` when it is set.
    Calling it again replaces the previous configuration (after shutting it down).

    It never raises: with settings that cannot work (no key, a malformed key
    or URL, an option out of range) it logs one WARNING naming the problem
    and returns a tracer that records nothing, as it does, silently, when
    tracing is disabled (``HONEYHIVE_TRACING=false``); traced calls then
    run untraced.
    """
    if not STATE.enabled:
        log.debug("tracing: %s turned tracing off: configure() sets nothing up", ENABLED_ENV)
        return _off()
    options = dict(locals())
    try:
        return _configure(**options)
    except Exception as exc:
        key = api_key if isinstance(api_key, str) else None
        message = _secret_free(f"{type(exc).__name__}: {exc}", key)
        log.warning("tracing is off, traced calls run untraced: %s", message)
        return _off()


def _secret_free(message: str, key: str | None) -> str:
    from .._defaults import API_KEY_VARS, from_env

    for secret in (key, from_env(API_KEY_VARS)):
        if secret:
            message = scrub(message, secret)
    return message


def _off() -> Tracer:
    """Stop what :func:`configure` started before; a tracer that records nothing, not installed."""
    if _configured() is not None:
        shutdown()
    tracer: Tracer = Tracer.__new__(Tracer)
    tracer._setup(_OffSink(), "tracing-off", "dev", None, (), 0.0, DEFAULT_MAX_VALUE_CHARS)
    return tracer


class _OffSink(LoopSink):
    """The sink of a tracer that records nothing (its sessions are all sampled out)."""

    def submit(self, event_id: str, data: bytes, rejected: str | None = None) -> None:
        """Nothing is recorded (what the OpenTelemetry bridge emits included)."""

    async def call(self, work: Callable[[EventBatcher], Awaitable[T]]) -> T:
        raise RuntimeError("tracing is off: configure() found settings that cannot work")


def _configure(
    *,
    project: str | None,
    api_key: str | None,
    server_url: str | None,
    source: str | None,
    session_name: str | None,
    processors: Sequence[Processor],
    sample_rate: float,
    max_value_chars: int,
    dead_letter: str | os.PathLike[str] | None,
    exit_timeout: float,
    max_queue_events: int,
    flush_interval: float,
    handle_sigterm: bool,
) -> Tracer:
    global _exit_timeout, _registered
    from .._defaults import (
        API_KEY_VARS,
        PROJECT_VARS,
        SERVER_URL_VARS,
        SOURCE_VARS,
        check_key,
        check_server_url,
        from_env,
        insecure_http_allowed,
    )

    key = api_key if api_key is not None else from_env(API_KEY_VARS)
    if not key:
        raise ValueError("no API key: pass api_key=... or set HONEYHIVE_API_KEY")
    check_key(key, "api_key")
    project = project if project is not None else from_env(PROJECT_VARS)
    if not project:
        raise ValueError("no project: pass project=... or set HONEYHIVE_PROJECT")
    if source is None:
        source = from_env(SOURCE_VARS) or "dev"
    url = server_url if server_url is not None else from_env(SERVER_URL_VARS)
    if url is not None:
        check_server_url(url, allow_insecure_http=insecure_http_allowed())
    if isinstance(exit_timeout, bool) or not isinstance(exit_timeout, (int, float)):
        raise TypeError(f"exit_timeout must be a number of seconds, got {exit_timeout!r}")
    if exit_timeout != exit_timeout:  # NaN
        raise ValueError("exit_timeout must be a number of seconds, got nan")
    if _configured() is not None:
        shutdown()
    settings: dict[str, Any] = {"bearer_auth": key, "server_url": server_url}
    batcher_options: dict[str, Any] = {
        "dead_letter": dead_letter,
        "max_queue_events": max_queue_events,
        "max_queue_bytes": max(32 * 1024 * 1024, max_queue_events * 1024),
        "flush_interval": flush_interval,
    }
    tracer: Tracer = Tracer.__new__(Tracer)
    sink = ThreadSink(settings, batcher_options)
    tracer._setup(sink, project, source, session_name, processors, sample_rate, max_value_chars)
    _exit_timeout = min(max(0.0, float(exit_timeout)), 3600.0)
    set_default(tracer)
    if not _registered:
        at_exit(_at_exit, order=0)  # before the blocking clients close (order 1)
        _registered = True
    if handle_sigterm:
        _processes.handle_sigterm(_on_sigterm)
    else:
        _processes.release_sigterm()
    return tracer


def _configured() -> ThreadSink | None:
    sink = getattr(STATE.default, "_sink", None)
    return sink if isinstance(sink, ThreadSink) else None


def flush(timeout: float = 10.0) -> DeliveryReport:
    """Deliver what was traced so far (after :func:`configure`); the report by *timeout*.

    Never raises (a failure is logged, and the report is empty).
    """
    from .._batching import DeliveryReport

    try:
        sink = _configured()
        return DeliveryReport() if sink is None else sink.flush(_seconds(timeout))
    except Exception:
        log.warning("tracing: flush() failed", exc_info=True)
        return DeliveryReport()


def shutdown(timeout: float = 10.0) -> DeliveryReport:
    """Drain and stop the delivery of :func:`configure`; traced calls then run untraced.

    Never raises (a failure is logged, and the report is empty).
    """
    from .._batching import DeliveryReport

    try:
        sink = _configured()
        if sink is None:
            return DeliveryReport()
        set_default(None)
        _processes.release_sigterm()
        return sink.shutdown(_seconds(timeout))
    except Exception:
        log.warning("tracing: shutdown() failed", exc_info=True)
        return DeliveryReport()


def _seconds(timeout: object) -> float:
    """*timeout* as a usable number of seconds (a bad one: 10, with a WARNING)."""
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout >= 0:
        return min(float(timeout), 3600.0)  # NaN fails the check above
    log.warning("tracing: timeout must be a number of seconds >= 0, got %r: 10 s it is", timeout)
    return 10.0
