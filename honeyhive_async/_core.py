"""``HoneyHiveCore``: the connection, the credentials and the defaults; nothing else.

Operations live in :mod:`honeyhive_async.funcs` and take the core as their
first argument, so an application creates one core and shares it.
"""

from __future__ import annotations

import asyncio
import math
import platform
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import aiohttp
from yarl import URL

from . import __version__, _defaults
from ._config import DEFAULT_RETRY, DEFAULT_TIMEOUT, RetryConfig
from ._defaults import ALLOW_INSECURE_HTTP_ENV, check_key
from ._utils import AsyncClosing

if TYPE_CHECKING:
    from aiohttp.client_middlewares import ClientMiddlewareType

__all__ = [
    "ALLOW_INSECURE_HTTP_ENV",
    "API_KEY_ENV",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_SERVER_URL",
    "SERVER_URL_ENV",
    "Credentials",
    "HoneyHiveCore",
]

DEFAULT_SERVER_URL = "https://api.honeyhive.ai"
API_KEY_ENV = "HONEYHIVE_API_KEY"
SERVER_URL_ENV = "HONEYHIVE_SERVER_URL"
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""Bytes of an answer, decompressed, that an operation reads at most.

A full page of 7,500 events of about 8 KiB each; raise it for larger
events or pages (``max_response_bytes`` on the core or the call).
"""

USER_AGENT = (
    f"honeyhive-async/{__version__} "
    f"python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)

BearerAuth = str | Callable[[], str] | Callable[[], Awaitable[str]]
"""An API key, or a function (plain or async) returning one (called before every attempt)."""


def base_url(server_url: object, *, allow_insecure_http: bool = False) -> URL:
    """*server_url* as a base that paths join onto, keeping any path prefix.

    The rules are :func:`._defaults.check_server_url`'s (``ValueError``,
    ``TypeError`` for a non-string, naming ``server_url``); what yarl cannot
    parse is refused the same way.
    """
    _defaults.check_server_url(server_url, allow_insecure_http=allow_insecure_http)
    assert isinstance(server_url, str)
    try:
        url = URL(server_url)
    except (TypeError, ValueError) as exc:  # yarl: a bad IPv6 literal, port, or IDNA name
        raise ValueError(f"server_url {server_url!r} is not a valid URL: {exc}") from None
    return url.with_path(url.path.rstrip("/") + "/")


def check_max_response_bytes(value: object) -> int:
    """*value* as a byte limit for answers; ``ValueError`` if it is not a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_response_bytes must be an integer >= 1 (bytes), got {value!r}")
    return value


def check_timeout(timeout: object) -> float:
    """*timeout* as seconds (``math.inf`` for no limit); ``ValueError`` if it is not usable."""
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    return float(timeout)


def client_timeout(timeout: float) -> aiohttp.ClientTimeout:
    """The aiohttp timeout for one attempt of *timeout* seconds."""
    return aiohttp.ClientTimeout(total=None if math.isinf(timeout) else timeout)


def authorization(key: str) -> str:
    """The ``Authorization`` value for *key*, without doubling a ``Bearer`` prefix."""
    return key if key[:7].lower() == "bearer " else f"Bearer {key}"


class Credentials:
    """What one request is authorized with: its headers, and the key to scrub from errors.

    Handed to the pipeline by the core (:attr:`HoneyHiveCore.fixed_credentials`,
    :meth:`HoneyHiveCore.credentials`), so that nothing else reads the key out
    of a header. Its ``repr`` shows neither.
    """

    __slots__ = ("headers", "key")

    def __init__(self, key: str) -> None:
        self.key = key[7:] if key[:7].lower() == "bearer " else key
        self.headers = HoneyHiveCore.headers(authorization(key))

    def __repr__(self) -> str:
        return "Credentials(<hidden>)"


class HoneyHiveCore(AsyncClosing):
    """The client core: one pooled aiohttp session, the API key, and defaults.

    Keyword-only options:

    - ``bearer_auth``: the API key, or a function (plain or async) returning it;
      defaults to the ``HONEYHIVE_API_KEY`` (else ``HH_API_KEY``) variable.
    - ``server_url``: defaults to ``HONEYHIVE_SERVER_URL`` (else ``HH_API_URL``)
      or ``https://api.honeyhive.ai``; a path prefix in it is kept.
    - ``project``, ``source``: what events and queries that lack them get;
      default ``HONEYHIVE_PROJECT``/``HONEYHIVE_SOURCE`` (else ``HH_PROJECT``/``HH_SOURCE``).
    - ``retry_config``: the default retry policy (retries are on by default).
    - ``timeout``: seconds one attempt may take (default 30; ``math.inf`` for none).
    - ``session``: an aiohttp session to use instead of the core's own; the
      core never closes a session it was given.
    - ``middlewares``, ``trace_configs``: handed to the session the core
      creates, to observe or change requests and responses.
    - ``sleep``: the coroutine that waits between retries (tests inject one).
    - ``max_response_bytes``: the most bytes of an answer (decompressed) an
      operation reads (default 64 MiB); a larger answer is an ``Err``.
    - ``allow_insecure_http``: let the key travel over plain ``http://`` to a
      host other than this machine (also ``HONEYHIVE_ALLOW_INSECURE_HTTP=1``);
      refused otherwise, as is a ``server_url`` with credentials.

    Options are checked here: a bad one raises ``TypeError`` or
    ``ValueError`` naming it.

    The session is created on first use, inside the running event loop, and
    closed by ``await core.aclose()`` or by leaving ``async with``.
    """

    __slots__ = (
        "__weakref__",
        "_allow_insecure_http",
        "_auth",
        "_base",
        "_closed",
        "_dependents",
        "_middlewares",
        "_owns_session",
        "_session",
        "_session_loop",
        "_trace_configs",
        "_urls",
        "client_timeout",
        "defaults",
        "fixed_credentials",
        "max_response_bytes",
        "retry_config",
        "sleep",
        "timeout",
    )

    def __init__(
        self,
        *,
        bearer_auth: BearerAuth | None = None,
        server_url: str | None = None,
        retry_config: RetryConfig | None = None,
        timeout: float | None = None,
        session: aiohttp.ClientSession | None = None,
        middlewares: Sequence[ClientMiddlewareType] = (),
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        project: str | None = None,
        source: str | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_insecure_http: bool = False,
    ) -> None:
        key_source = (
            "bearer_auth" if bearer_auth is not None else f"bearer_auth (from {API_KEY_ENV})"
        )
        key = bearer_auth if bearer_auth is not None else _defaults.from_env(_defaults.API_KEY_VARS)
        if not key:
            raise ValueError(f"no API key: pass bearer_auth=... or set {API_KEY_ENV}")
        if retry_config is not None and not isinstance(retry_config, RetryConfig):
            raise TypeError(f"retry_config must be a RetryConfig, got {retry_config!r}")
        self._auth: Callable[[], Awaitable[str]] | str
        self.fixed_credentials: Credentials | None = None
        """A fixed key's credentials, built once (``None`` with a key provider)."""
        if callable(key):
            self._auth = _defaults.as_async_provider(key)
        else:
            self._auth = authorization(check_key(key, key_source))
            self.fixed_credentials = Credentials(self._auth)
        self._allow_insecure_http = bool(allow_insecure_http) or _defaults.insecure_http_allowed()
        self._base = self._base_url(
            server_url or _defaults.from_env(_defaults.SERVER_URL_VARS) or DEFAULT_SERVER_URL
        )
        self.max_response_bytes = check_max_response_bytes(max_response_bytes)
        self.defaults = _defaults.request_defaults(project, source)
        self.retry_config = retry_config or DEFAULT_RETRY
        self.timeout = check_timeout(DEFAULT_TIMEOUT if timeout is None else timeout)
        self.client_timeout = client_timeout(self.timeout)
        self.sleep = sleep
        self._session = session
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._owns_session = session is None
        self._middlewares = tuple(middlewares)
        self._trace_configs = list(trace_configs)
        self._closed = False
        self._urls: dict[tuple[URL, str], URL] = {}
        self._dependents: weakref.WeakSet[AsyncClosing] = weakref.WeakSet()

    @property
    def server_url(self) -> str:
        """The base URL requests go to (with a trailing ``/``)."""
        return str(self._base)

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` has been called."""
        return self._closed

    def __repr__(self) -> str:
        return (
            f"HoneyHiveCore(server_url={self.server_url!r}, timeout={self.timeout!r}, "
            f"retry_config={self.retry_config!r})"
        )

    def close_with(self, dependent: AsyncClosing) -> None:
        """Have :meth:`aclose` close *dependent* (an ``EventBatcher`` on this core) first.

        The core keeps only a weak reference: registering keeps nothing alive.
        """
        self._dependents.add(dependent)

    async def aclose(self) -> None:
        """Close what was built on the core, then the session it created (not one it was given).

        Batchers built on the core are flushed and closed first, each within its
        own close deadline, while the session still works. Safe to call twice.
        """
        dependents = list(self._dependents)
        self._dependents.clear()
        # One that cannot close here (another loop's) keeps its own error to itself.
        if dependents:
            await asyncio.gather(*(d.aclose() for d in dependents), return_exceptions=True)
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    def session(self) -> aiohttp.ClientSession:
        """The pooled session, created on first use inside the running loop."""
        session = self._session
        if session is not None:
            loop = self._session_loop
            if loop is not None and loop is not asyncio.get_running_loop():
                raise RuntimeError(_other_loop(loop))
            return session
        if self._closed:
            raise RuntimeError("this HoneyHiveCore is closed; create a new one")
        self._session_loop = asyncio.get_running_loop()  # fail clearly outside a loop
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100),
            middlewares=self._middlewares,
            trace_configs=self._trace_configs or None,
        )
        self._session = session
        return session

    @staticmethod
    def headers(authorization: str) -> dict[str, str]:
        """The headers of a request authorized by *authorization*."""
        return {
            "Authorization": authorization,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    async def credentials(self) -> Credentials:
        """The credentials of the next attempt: the fixed key's, or what the provider gives now.

        Raises what :meth:`authorization` raises.
        """
        if self.fixed_credentials is not None:
            return self.fixed_credentials
        return Credentials(await self.authorization())

    async def authorization(self) -> str:
        """The ``Authorization`` header value for the next attempt.

        Raises what the key provider raises, and ``TypeError``/``ValueError``
        for a key it returns that cannot be one (:func:`check_key`).
        """
        auth = self._auth
        if isinstance(auth, str):
            return auth
        return authorization(check_key(await auth(), "bearer_auth()"))

    def _base_url(self, server_url: object) -> URL:
        return base_url(server_url, allow_insecure_http=self._allow_insecure_http)

    def url(self, path: str, server_url: str | None = None) -> URL:
        """The URL of *path* under the core's (or the given) server URL; cached.

        ``TypeError``/``ValueError`` naming ``server_url`` for one that cannot be used.
        """
        base = self._base if server_url is None else self._base_url(server_url)
        url = self._urls.get((base, path))
        if url is None:
            url = self._urls[(base, path)] = base.join(URL(path))
        return url


def _other_loop(loop: asyncio.AbstractEventLoop) -> str:
    """Why a core cannot be used in the running loop: its session belongs to *loop*."""
    if loop.is_closed():
        return (
            "this HoneyHiveCore's session belongs to an event loop that has closed (an earlier "
            "asyncio.run()?): a core belongs to the loop it was first used in. Create the core "
            "inside the coroutine that asyncio.run() runs (async with HoneyHiveCore() as core:"
            " ...), or use HoneyHiveSync, which runs on a loop of its own"
        )
    return (
        "this HoneyHiveCore belongs to another event loop (the one it was first used in): "
        "create one core per event loop, or use HoneyHiveSync from code without a loop"
    )
