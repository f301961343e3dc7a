"""Fixtures: an in-process server per test and an authenticated client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from honeyhive_async.server import LocalServer

from ._support import Api


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    """A running server with an in-memory database."""
    async with LocalServer() as srv:
        yield srv


@pytest.fixture
async def api(server: LocalServer) -> AsyncIterator[Api]:
    """A JSON client that sends the server's API key."""
    headers = {"Authorization": f"Bearer {server.api_key}"}
    async with aiohttp.ClientSession(server.url, headers=headers) as session:
        yield Api(session)
