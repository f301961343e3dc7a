"""Helpers that know nothing of HoneyHive, standard library only.

Every other part of the package takes them from here, never from the
modules below: JSON text (:mod:`._json`), client-side event ids from one
generator and one pool (:mod:`._ids`), keeping the key out of text
(:mod:`._secrets`), ``with`` blocks for closable objects (:mod:`._closing`),
files only their owner reads (:mod:`._files`), rate-limited warnings
(:mod:`._warnings`), what must happen at exit and around a fork
(:mod:`._process`) and ``HONEYHIVE_LOG`` (:mod:`._logging`).
"""

from ._closing import AsyncClosing, AsyncResource, Closing
from ._files import PRIVATE_FILE_MODE, open_private
from ._ids import event_id_stream, new_event_id, new_event_ids
from ._json import (
    JSON_ENGINE_ENV,
    json_engine,
    load_json,
    make_json_encoder,
    may_hold_wide_int,
    nests_within,
    orjson_dumps,
    set_json_engine,
)
from ._logging import configure as configure_logging
from ._process import after_fork, at_exit, before_fork, close_at_exit
from ._secrets import MIN_FRAGMENT, preview, scrub
from ._warnings import RateLimitedLog

__all__ = [
    "JSON_ENGINE_ENV",
    "MIN_FRAGMENT",
    "PRIVATE_FILE_MODE",
    "RateLimitedLog",
    "AsyncClosing",
    "AsyncResource",
    "Closing",
    "after_fork",
    "at_exit",
    "before_fork",
    "close_at_exit",
    "configure_logging",
    "event_id_stream",
    "json_engine",
    "load_json",
    "make_json_encoder",
    "may_hold_wide_int",
    "new_event_id",
    "nests_within",
    "new_event_ids",
    "open_private",
    "orjson_dumps",
    "preview",
    "scrub",
    "set_json_engine",
]
