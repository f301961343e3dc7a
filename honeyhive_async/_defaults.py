"""What a core falls back on: the environment's key, server, project and source.

Each setting is read from the first variable of its list that is set and
not blank: this SDK's own (``HONEYHIVE_*``), then the ones HoneyHive's
Python SDK reads (``HH_*``), so an environment set up for either works.

Standard library only: the tracing layer may read it before anything else
is imported.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple

__all__ = [
    "API_KEY_VARS",
    "PROJECT_VARS",
    "SERVER_URL_VARS",
    "SOURCE_VARS",
    "NO_DEFAULTS",
    "RequestDefaults",
    "as_async_provider",
    "from_env",
    "request_defaults",
]

API_KEY_VARS = ("HONEYHIVE_API_KEY", "HH_API_KEY")
SERVER_URL_VARS = ("HONEYHIVE_SERVER_URL", "HH_API_URL")
PROJECT_VARS = ("HONEYHIVE_PROJECT", "HH_PROJECT")
SOURCE_VARS = ("HONEYHIVE_SOURCE", "HH_SOURCE")


def from_env(names: tuple[str, ...], environ: Mapping[str, str] = os.environ) -> str | None:
    """The value of the first of *names* that is set and not blank; ``None`` if none is."""
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


class RequestDefaults(NamedTuple):
    """The ``project`` and ``source`` that events and queries lacking them get (``None``: none)."""

    project: str | None = None
    source: str | None = None


NO_DEFAULTS = RequestDefaults()
"""No project and no source: requests must carry their own."""


def _option(name: str, value: object, variables: tuple[str, ...]) -> str | None:
    """The option *name* as given, else from *variables*; refused, naming it, when unusable."""
    if value is None:
        return from_env(variables)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty or blank, got {value!r}")
    return value


def request_defaults(project: str | None, source: str | None) -> RequestDefaults:
    """The defaults of a core given *project* and *source* (``None``: from the environment)."""
    return RequestDefaults(
        _option("project", project, PROJECT_VARS), _option("source", source, SOURCE_VARS)
    )


def as_async_provider(provider: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
    """*provider*, a function returning the key or a coroutine function, as a coroutine function.

    A plain ``lambda: key`` works as well as ``async def key(): ...``; what
    either returns is checked where it is used.
    """

    async def call() -> Any:
        key = provider()
        return (await key) if hasattr(key, "__await__") else key

    return call
