"""honeyhive_async: an async-first SDK for the HoneyHive Events API.

Standalone operations return a ``Result``::

    from honeyhive_async import HoneyHiveCore, funcs

    async with HoneyHiveCore(bearer_auth="...") as core:
        res = await funcs.events_create_event(core, {"event": {...}})
        if res.ok:
            print(res.value.event_id)

The :class:`HoneyHive` class offers the same operations as methods that
return the value and raise the error; :class:`EventBatcher` streams events
in the background, losing none.
"""

from . import errors, funcs, models
from ._batcher import DeliveryReport, EventBatcher, UndeliveredEvent
from ._config import BackoffStrategy, RetryConfig
from ._core import HoneyHiveCore
from ._result import Err, Ok, Result
from ._sdk import HoneyHive
from ._version import __version__
from .errors import BatcherClosedError, QueueFullError

__all__ = [
    "BackoffStrategy",
    "BatcherClosedError",
    "DeliveryReport",
    "Err",
    "EventBatcher",
    "HoneyHive",
    "HoneyHiveCore",
    "Ok",
    "QueueFullError",
    "Result",
    "RetryConfig",
    "UndeliveredEvent",
    "__version__",
    "errors",
    "funcs",
    "models",
]
