"""Deterministic event ids for OpenTelemetry spans and traces.

A trace is one session and a span one event. Their ids are UUID version 5
(SHA-1, RFC 9562) in :data:`NAMESPACE`, over the W3C hex spelling of the
OpenTelemetry ids, so anyone can compute them from a trace id and span id
seen elsewhere:

- session id: ``uuid5(NAMESPACE, "<trace_id: 32 hex digits>")``
- event id: ``uuid5(NAMESPACE, "<trace_id: 32 hex digits>-<span_id: 16 hex digits>")``

The event id covers the trace id too: span ids are unique only within a
trace, event ids must be unique in the project.
"""

from __future__ import annotations

import hashlib
import uuid

__all__ = ["NAMESPACE", "event_id", "session_id"]

NAMESPACE = uuid.UUID("5d6ea0f5-2f7b-4f7e-9a3e-6f74656c0001")
"""The UUID namespace of the ids this bridge derives (fixed forever: changing it splits trees)."""

_PREFIX = NAMESPACE.bytes
_VARIANT = "89ab89ab89ab89ab"  # the RFC variant bits (10xx) over a hex digit's low two bits


def _uuid5(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))`` from the digest's hex text.

    Skips building a ``uuid.UUID`` (about half the cost of the call); the
    tests check it against :func:`uuid.uuid5`.
    """
    h = hashlib.sha1(_PREFIX + name.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[int(h[16], 16)]}{h[17:20]}-{h[20:32]}"


def session_id(trace_id: int) -> str:
    """The id of the session (and of its ``session`` event) of the trace *trace_id*."""
    return _uuid5(f"{trace_id:032x}")


def event_id(trace_id: int, span_id: int) -> str:
    """The id of the event of the span *span_id* in the trace *trace_id*."""
    return _uuid5(f"{trace_id:032x}-{span_id:016x}")
