"""Process-wide tracing state: the context variable, the default tracer, the switch.

Standard library only: importing tracing must stay cheaper than importing
an OpenTelemetry SDK (see ``bench/bench_import.py``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from .._utils import RateLimitedLog

if TYPE_CHECKING:
    from ._spans import Node
    from ._tracer import Tracer

__all__ = [
    "CURRENT",
    "ENABLED_ENV",
    "active_tracer",
    "disable",
    "enable",
    "enabled",
    "log",
    "set_default",
    "set_parent_finder",
    "warn_limited",
]

log = logging.getLogger("honeyhive_async.tracing")

ENABLED_ENV = "HONEYHIVE_TRACING"
"""``false`` (or ``0``, ``no``, ``off``) turns tracing into pass-through for the process."""

CURRENT: ContextVar[Node | None] = ContextVar("honeyhive_async.tracing.current", default=None)
"""The innermost open span or session of this context (``None``: outside any)."""


ParentFinder = Callable[["Node | None"], "Node | None"]
"""Given the current node (or ``None``), the node a new span opens under (or ``None``)."""


class _Global:
    """The few process-wide values, in one slotted object the hot path reads fast."""

    __slots__ = ("default", "enabled", "find_parent", "idle_logged")

    def __init__(self) -> None:
        self.default: Tracer | None = None
        self.enabled = os.environ.get(ENABLED_ENV, "").strip().lower() not in {
            "0",
            "false",
            "no",
            "off",
        }
        self.idle_logged = False
        self.find_parent: ParentFinder | None = None


STATE = _Global()


def enabled() -> bool:
    """Whether tracing records anything (``HONEYHIVE_TRACING`` and :func:`disable`)."""
    return STATE.enabled


def disable() -> None:
    """Make every traced function and span pass-through, silently, until :func:`enable`."""
    STATE.enabled = False


def enable() -> None:
    """Undo :func:`disable` (also overrides ``HONEYHIVE_TRACING=false``)."""
    STATE.enabled = True


def set_default(tracer: Tracer | None) -> Tracer | None:
    """Make *tracer* the one that root calls outside any session use; the previous one."""
    previous, STATE.default = STATE.default, tracer
    return previous


def set_parent_finder(finder: ParentFinder | None) -> ParentFinder | None:
    """Let another tracing system pick the parent of new spans; the previous finder.

    For the OpenTelemetry bridge (``honeyhive_async.otel``): a traced call
    made inside one of its spans nests under that span. The finder gets the
    current node (or ``None``) and returns the node to open under (or
    ``None`` for a new session); it must be fast and never raise.
    """
    previous, STATE.find_parent = STATE.find_parent, finder
    return previous


def active_tracer() -> Tracer | None:
    """The tracer a root call would use now, or ``None`` (logged once at DEBUG)."""
    tracer = STATE.default
    if tracer is None and not STATE.idle_logged:
        STATE.idle_logged = True
        log.debug("no tracer is configured: traced functions run untraced")
    return tracer


_WARNINGS = RateLimitedLog(log, 10.0)


def warn_limited(key: str, message: str, *args: Any, exc_info: bool = False) -> None:
    """Log a WARNING at most once per 10 s per *key*, saying how many were held back."""
    _WARNINGS.warn(key, message, *args, exc_info=exc_info)
