"""``tracing`` calls inside OpenTelemetry spans: the parent finder the bridge gives tracing.

Tracing picks a new span's parent from its own context variable; once a
bridge exists, it also asks :func:`find_parent`, which looks at the current
OpenTelemetry span and, when one of the bridge's processors tracks it (and
it is the innermost), returns a stand-in node with that span's event id and
session. Processors are held weakly; the finder is removed with the last one.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

from opentelemetry import trace as otel_trace

from ..tracing._bridge import ParentFinder, set_parent_finder, warn_limited

if TYPE_CHECKING:
    from ..tracing._bridge import Node
    from ._processor import HoneyHiveSpanProcessor

__all__ = ["find_parent", "register", "unregister"]

_lock = threading.Lock()
_active: tuple[weakref.ReferenceType[HoneyHiveSpanProcessor], ...] = ()
_previous: ParentFinder | None = None


def find_parent(current: Node | None) -> Node | None:
    """The node a tracing call opens under: an open bridged span's stand-in, or *current*."""
    try:
        context = otel_trace.get_current_span().get_span_context()
        if not context.is_valid:
            return current
        for ref in _active:
            processor = ref()
            if processor is not None:
                found = processor.parent_for(context, current)
                if found is not False:
                    return found
    except Exception:  # tracing must go on: as if no OpenTelemetry span were open
        warn_limited(
            "otel", "otel bridge: finding the parent of a traced call failed", exc_info=True
        )
    return current


def register(processor: HoneyHiveSpanProcessor) -> None:
    """Let tracing calls nest under *processor*'s spans."""
    global _active, _previous
    with _lock:
        alive = tuple(ref for ref in _active if ref() is not None)
        if not alive:
            _previous = set_parent_finder(find_parent)
        _active = (*alive, weakref.ref(processor))


def unregister(processor: HoneyHiveSpanProcessor) -> None:
    """Stop nesting under *processor*'s spans (the finder goes with the last processor)."""
    global _active
    with _lock:
        _active = tuple(ref for ref in _active if ref() not in (None, processor))
        if not _active:
            set_parent_finder(_previous)
