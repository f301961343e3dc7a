"""A local server that speaks the HoneyHive Events API, for development and tests.

It stores events in SQLite (in memory or in a file) with the real
semantics of the six Events operations, and can inject faults. Embed it
with ``async with LocalServer() as srv:``, build the bare aiohttp
application with :func:`create_app`, or run ``python -m honeyhive_async
serve``. See ``docs/server.md``.
"""

from ._app import DEFAULT_MAX_BODY_BYTES, STORE_KEY, create_app
from ._faults import FAULT_KINDS, FaultConfig, FaultKind
from ._local import LocalServer
from ._openapi import openapi_document
from ._store import EventStore

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "EventStore",
    "FAULT_KINDS",
    "FaultConfig",
    "FaultKind",
    "LocalServer",
    "STORE_KEY",
    "create_app",
    "openapi_document",
]
