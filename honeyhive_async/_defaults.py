"""What a core falls back on: the environment's key, server, project and source.

Each setting is read from the first variable of its list that is set and
not blank: this SDK's own (``HONEYHIVE_*``), then the ones HoneyHive's
Python SDK reads (``HH_*``), so an environment set up for either works.

Standard library only: the tracing layer may read it before anything else
is imported.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple

__all__ = [
    "ALLOW_INSECURE_HTTP_ENV",
    "API_KEY_VARS",
    "PROJECT_VARS",
    "SERVER_URL_VARS",
    "SOURCE_VARS",
    "NO_DEFAULTS",
    "RequestDefaults",
    "as_async_provider",
    "check_key",
    "check_server_url",
    "from_env",
    "insecure_http_allowed",
    "request_defaults",
]

API_KEY_VARS = ("HONEYHIVE_API_KEY", "HH_API_KEY")
SERVER_URL_VARS = ("HONEYHIVE_SERVER_URL", "HH_API_URL")
PROJECT_VARS = ("HONEYHIVE_PROJECT", "HH_PROJECT")
SOURCE_VARS = ("HONEYHIVE_SOURCE", "HH_SOURCE")
ALLOW_INSECURE_HTTP_ENV = "HONEYHIVE_ALLOW_INSECURE_HTTP"
"""Set to ``1`` (or ``true``, ``yes``) to let the key travel over plain ``http://`` to any host."""


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


def insecure_http_allowed() -> bool:
    """Whether ``HONEYHIVE_ALLOW_INSECURE_HTTP`` opts in to plain ``http://`` to any host."""
    value = os.environ.get(ALLOW_INSECURE_HTTP_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def check_key(key: object, source: str = "bearer_auth") -> str:
    """*key* if it can be an API key in a header; ``TypeError``/``ValueError`` naming *source*.

    A key is printable ASCII: a control character (a newline, say) would
    break the header, and no API key holds anything else. The message
    never shows the key.
    """
    if not isinstance(key, str):
        raise TypeError(f"{source} must be a str API key, got {type(key).__name__}")
    token = key[7:] if key[:7].lower() == "bearer " else key
    if not token.strip():
        raise ValueError(f"{source} is empty or only whitespace")
    for position, char in enumerate(key):
        if not " " <= char <= "~":
            raise ValueError(
                f"{source} holds a control or non-ASCII character (U+{ord(char):04X} at "
                f"position {position}); an API key is printable ASCII"
            )
    return key


def _is_loopback(host: str) -> bool:
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_server_url(server_url: object, *, allow_insecure_http: bool = False) -> str:
    """*server_url* if requests may go there; ``ValueError`` (``TypeError``) naming ``server_url``.

    Refused: no http(s) URL with a host, credentials in it, or plain
    ``http://`` to a host other than this machine without
    *allow_insecure_http* (the API key would cross the network readable).
    Standard library only, so that ``tracing.configure()`` checks a URL
    without importing the HTTP stack; the core parses it again with yarl.
    """
    from urllib.parse import urlsplit

    if not isinstance(server_url, str):
        raise TypeError(f"server_url must be a str, got {type(server_url).__name__}")
    try:
        parts = urlsplit(server_url)
        host = parts.hostname
        parts.port  # noqa: B018 - read for its check: a port out of range or not a number
    except ValueError as exc:  # a bad IPv6 literal or port
        raise ValueError(f"server_url {server_url!r} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise ValueError(f"server_url must be an http(s) URL with a host, got {server_url!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "server_url must not carry credentials (user:password@); "
            "the API key goes in bearer_auth"
        )
    if parts.scheme.lower() == "http" and not allow_insecure_http and not _is_loopback(host):
        raise ValueError(
            f"server_url {server_url!r} would send the API key unencrypted over plain http:// to "
            f"another machine; use https://, or opt in with allow_insecure_http=True or "
            f"{ALLOW_INSECURE_HTTP_ENV}=1 (http:// to localhost is always allowed)"
        )
    return server_url
