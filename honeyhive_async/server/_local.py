"""Run the server in-process on a loopback port, for tests, demos and benchmarks."""

from __future__ import annotations

import secrets

from aiohttp import web

from .._utils import AsyncResource
from ._app import DEFAULT_MAX_BODY_BYTES, FAULTS_KEY, STORE_KEY, create_app
from ._faults import FaultConfig
from ._store import EventStore

__all__ = ["LocalServer"]

_SHUTDOWN_TIMEOUT = 1.0
"""Seconds requests still in flight (a stalled one, say) get when the server stops."""


class LocalServer(AsyncResource):
    """The local Events API server, started and stopped by ``async with``.

    ``async with LocalServer() as srv:`` serves on a free loopback port
    (``port=0``) until the block ends; point a client at ``srv.url`` with
    ``srv.api_key`` (generated unless given). ``srv.store`` is the live
    event store, for looking at what a client really stored. The other
    options are those of :func:`create_app`.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        db_path: str | None = None,
        faults: FaultConfig | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._api_key = secrets.token_urlsafe(24) if api_key is None else api_key
        self._app = create_app(
            api_key=self._api_key, db_path=db_path, faults=faults, max_body_bytes=max_body_bytes
        )
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def api_key(self) -> str:
        """The bearer token the server accepts."""
        return self._api_key

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:41234`` (no trailing slash)."""
        if self._url is None:
            raise RuntimeError("the server is not running")
        return self._url

    @property
    def store(self) -> EventStore:
        """The server's event store (open while the server runs)."""
        return self._app[STORE_KEY]

    @property
    def app(self) -> web.Application:
        """The aiohttp application being served."""
        return self._app

    def set_faults(self, faults: FaultConfig | None) -> None:
        """Change fault injection while running (``None`` turns it off)."""
        self._app[FAULTS_KEY].configure(faults)

    async def start(self) -> None:
        """Open the store and start listening; the port is known afterwards."""
        if self._runner is not None:
            raise RuntimeError("the server is already running")
        runner = web.AppRunner(self._app, shutdown_timeout=_SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        host, port = runner.addresses[0][:2]
        self._url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening, end open connections and close the store."""
        runner, self._runner, self._url = self._runner, None, None
        if runner is not None:
            await runner.cleanup()

    async def aopen(self) -> None:
        """:meth:`start` (what ``async with`` does first)."""
        await self.start()

    async def aclose(self) -> None:
        """:meth:`stop` (what leaving ``async with`` does)."""
        await self.stop()
