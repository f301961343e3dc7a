"""honeyhive_async: an async-first SDK for the HoneyHive Events API.

Standalone operations return a ``Result``::

    from honeyhive_async import HoneyHiveCore, funcs

    async with HoneyHiveCore(bearer_auth="...") as core:
        res = await funcs.events_create_event(core, {"event": {...}})
        if res.ok:
            print(res.value.event_id)

The :class:`HoneyHive` class offers the same operations as methods that
return the value and raise the error, and :class:`HoneyHiveSync` as
blocking methods for code without an event loop; :class:`EventBatcher`
streams events in the background, losing none.

Importing the package imports none of its dependencies: each public name is
loaded from its module on first use (see ``_LAZY``), so a program pays only
for what it touches (``funcs`` brings in aiohttp, ``EventBatcher`` the
batcher, and so on). ``HONEYHIVE_LOG=debug`` (or ``info``) in the
environment turns the SDK's logging on.
"""

import os
import sys

__version__ = "0.1.0"
"""This release's version (the build reads it from here)."""

# typing.TYPE_CHECKING without importing typing (about 8 ms, which the
# standard-library-only ``tracing`` subpackage would otherwise pay).
TYPE_CHECKING = False
if TYPE_CHECKING:  # what type checkers and editors see; at run time, __getattr__ below
    from types import ModuleType

    from . import errors, funcs, models, params, tracing
    from ._batching._batcher import DeliveryReport, EventBatcher, UndeliveredEvent
    from ._config import BackoffStrategy, RetryConfig
    from ._core import HoneyHiveCore
    from ._result import Err, Ok, Result
    from ._sdk import HoneyHive
    from ._sync._batcher import EventBatcherSync
    from ._sync._client import HoneyHiveSync
    from .errors import BatcherClosedError, QueueFullError

__all__ = [
    "BackoffStrategy",
    "BatcherClosedError",
    "DeliveryReport",
    "Err",
    "EventBatcher",
    "EventBatcherSync",
    "HoneyHive",
    "HoneyHiveCore",
    "HoneyHiveSync",
    "Ok",
    "QueueFullError",
    "Result",
    "RetryConfig",
    "UndeliveredEvent",
    "__version__",
    "errors",
    "funcs",
    "models",
    "params",
    "tracing",
]

_SUBMODULES = frozenset({"errors", "funcs", "models", "params", "tracing"})
"""Subpackages loaded on first attribute access."""

_LAZY = {
    "BackoffStrategy": "_config",
    "BatcherClosedError": "errors",
    "DeliveryReport": "_batching._batcher",
    "Err": "_result",
    "EventBatcher": "_batching._batcher",
    "EventBatcherSync": "_sync._batcher",
    "HoneyHive": "_sdk",
    "HoneyHiveCore": "_core",
    "HoneyHiveSync": "_sync._client",
    "Ok": "_result",
    "QueueFullError": "errors",
    "Result": "_result",
    "RetryConfig": "_config",
    "UndeliveredEvent": "_batching._batcher",
}
"""Each public name and the module it is defined in, imported when the name is first used."""


def _import(module: str) -> "ModuleType":
    """This package's submodule *module*, imported if it was not yet.

    Through ``__import__`` rather than ``importlib.import_module``: only
    imports made through it show up in ``python -X importtime``.
    """
    qualified = f"{__name__}.{module}"
    __import__(qualified)
    return sys.modules[qualified]


def _load(name: str) -> object:
    """The public *name*, importing the module that defines it; ``AttributeError`` if none does."""
    if name in _SUBMODULES:
        try:
            return _import(name)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":  # a dependency of the submodule is missing
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_import(module), name)


if not TYPE_CHECKING:  # hidden from type checkers, which would otherwise accept any name

    def __getattr__(name: str) -> object:
        value = _load(name)
        globals()[name] = value  # later lookups find it without calling back here
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if os.environ.get("HONEYHIVE_LOG"):  # as OPENAI_LOG: the SDK's logging without code
    _import("_utils").configure_logging(os.environ["HONEYHIVE_LOG"])
