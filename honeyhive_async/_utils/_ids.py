"""Client-side event ids: random UUID4 strings, from one generator and one pool.

Every id the SDK makes comes from here: the pipeline's, the batchers' and
tracing's. :func:`new_event_ids` draws a block of them from ``os.urandom``
in one call and formats them in one pass; :func:`new_event_id` pops one
from a process-wide pool that such blocks refill. A forked child empties
the pool, so that parent and child never hand out the same ids (a
repeated id would make the server take a new event for a retry of an old
one); neither does ``random.seed`` in the application, which the OS source
ignores. Standard library only, so tracing can make ids without the models.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ._process import after_fork

__all__ = ["event_id_stream", "new_event_id", "new_event_ids"]

_REFILL = 256
"""Ids the pool takes from the OS at a time."""

# Byte maps that stamp the UUID version (4) and variant (RFC 4122) bits.
_VERSION_4 = bytes((b & 0x0F) | 0x40 for b in range(256))
_VARIANT_RFC = bytes((b & 0x3F) | 0x80 for b in range(256))
# Where hex digit i of an id goes in its 8-4-4-4-12 text.
_LAYOUT = [(i, i + (i >= 8) + (i >= 12) + (i >= 16) + (i >= 20)) for i in range(32)]

_pool: list[str] = []


def _draw(count: int) -> list[str]:
    """*count* (>= 1) fresh UUID4 strings from one ``os.urandom`` call: the one formatter."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = raw[6::16].translate(_VERSION_4)
    raw[8::16] = raw[8::16].translate(_VARIANT_RFC)
    hexed = raw.hex().encode("ascii")
    # Lay all ids out at once, 37 bytes each (36 and a comma), one strided copy
    # per hex digit: a block of ids costs a fraction of formatting each one.
    out = bytearray(b"-" * (37 * count))
    for source, target in _LAYOUT:
        out[target::37] = hexed[source::32]
    out[36::37] = b"," * count
    return out[:-1].decode("ascii").split(",")


def new_event_id() -> str:
    """A fresh client-side event id (a random UUID4 string), as the SDK assigns to creates.

    Taken from the pool (safe across threads: ``list.pop`` is atomic, and a
    thread that finds the pool empty refills it before taking its own).
    """
    while True:
        try:
            return _pool.pop()
        except IndexError:
            _pool.extend(_draw(_REFILL))


def new_event_ids(count: int) -> list[str]:
    """*count* fresh client-side event ids: random UUID4 strings, as ``uuid.uuid4()`` makes."""
    if count < 16:  # a few: from the pool
        return [new_event_id() for _ in range(count)]
    return _draw(count)


def event_id_stream() -> Iterator[str]:
    """An endless iterator of fresh ids from the pool (``next()`` is safe across threads)."""
    return iter(new_event_id, None)


def _after_fork_in_child() -> None:
    _pool.clear()


after_fork(_after_fork_in_child)
