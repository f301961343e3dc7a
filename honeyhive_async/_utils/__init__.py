"""Helpers that know nothing of HoneyHive, standard library only.

Every other part of the package takes them from here, never from the
modules below: JSON text (:mod:`._json`), client-side event ids from one
generator and one pool (:mod:`._ids`), keeping the key out of text
(:mod:`._secrets`), ``with`` blocks for closable objects (:mod:`._closing`)
and ``HONEYHIVE_LOG`` (:mod:`._logging`).
"""

from ._closing import AsyncClosing, Closing
from ._ids import event_id_stream, new_event_id, new_event_ids
from ._json import make_json_encoder
from ._logging import configure as configure_logging
from ._secrets import MIN_FRAGMENT, preview, scrub

__all__ = [
    "MIN_FRAGMENT",
    "AsyncClosing",
    "Closing",
    "configure_logging",
    "event_id_stream",
    "make_json_encoder",
    "new_event_id",
    "new_event_ids",
    "preview",
    "scrub",
]
