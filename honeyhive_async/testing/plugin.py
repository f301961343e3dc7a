"""The pytest plugin: a local HoneyHive for the tests of applications that use this SDK.

pytest loads it through the ``pytest11`` entry point ``honeyhive_async``
(``-p no:honeyhive_async`` turns it off). It gives:

- ``honeyhive_server``: a fresh server (in-memory database) for one test;
- ``honeyhive_server_session``: one server shared by the whole session;
- ``honeyhive_core``: a ``HoneyHiveCore`` aimed at ``honeyhive_server``;
- ``honeyhive_env``: ``HONEYHIVE_API_KEY`` and ``HONEYHIVE_SERVER_URL`` set
  to ``honeyhive_server`` for one test;
- ``honeyhive_project``: a project name no other test uses;
- ``honeyhive_tracer``: a ``Tracer`` on ``honeyhive_server`` (its core and
  batcher on the server's thread), installed for one test, with
  ``events()``, ``trees()`` and ``shapes()`` of what the test traced;
- ``@pytest.mark.honeyhive_faults(*kinds, rate=1.0, ...)``: fault injection
  on the test's servers while the test function runs; the plugin's cores
  then retry without waiting (:data:`~honeyhive_async.testing.QUICK_RETRY`).

See ``docs/testing.md``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from .._core import API_KEY_ENV, SERVER_URL_ENV, HoneyHiveCore
from ._background import BackgroundServer
from ._names import unique_project
from ._tracer import QUICK_RETRY, ServerTracer, no_wait, trace_to

try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - without pytest-asyncio, anyio's plugin may run it
    _async_fixture = pytest.fixture  # type: ignore[assignment]

__all__ = [
    "FAULTS_MARKER",
    "SERVER_FIXTURES",
    "honeyhive_core",
    "honeyhive_env",
    "honeyhive_project",
    "honeyhive_server",
    "honeyhive_server_session",
    "honeyhive_tracer",
    "pytest_configure",
    "pytest_runtest_call",
]

FAULTS_MARKER = "honeyhive_faults"
SERVER_FIXTURES = ("honeyhive_server", "honeyhive_server_session")
"""The fixtures whose servers ``@pytest.mark.honeyhive_faults`` applies to."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, so ``--strict-markers`` accepts it."""
    config.addinivalue_line(
        "markers",
        f"{FAULTS_MARKER}(*kinds, rate=1.0, weights=None, seed=None, retry_after_seconds=1, "
        "stall_seconds=5.0): inject these faults into the test's honeyhive_server or "
        "honeyhive_server_session while the test function runs",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Run a test marked ``honeyhive_faults`` with those faults on its servers."""
    marker = item.get_closest_marker(FAULTS_MARKER)
    if marker is None:
        return (yield)
    funcargs = getattr(item, "funcargs", {})
    servers = [funcargs[name] for name in SERVER_FIXTURES if name in funcargs]
    if not servers:
        fixtures = " or ".join(SERVER_FIXTURES)
        pytest.fail(f"@pytest.mark.{FAULTS_MARKER} needs the {fixtures} fixture", pytrace=False)
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.enter_context(server.faults(*marker.args, **marker.kwargs))
        return (yield)


@pytest.fixture
def honeyhive_server() -> Iterator[BackgroundServer]:
    """A local HoneyHive server for this test only: a free loopback port, an empty database."""
    with BackgroundServer() as server:
        yield server


@pytest.fixture(scope="session")
def honeyhive_server_session() -> Iterator[BackgroundServer]:
    """One local server for the whole session: tests share its data, so use unique projects."""
    with BackgroundServer() as server:
        yield server


def _retries(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The retry options of the plugin's cores: no waits in a test with injected faults.

    Its requests fail by design; the default backoff would only make it
    slow (seconds per failed delivery), never different.
    """
    if request.node.get_closest_marker(FAULTS_MARKER) is None:
        return {}
    return {"retry_config": QUICK_RETRY, "sleep": no_wait}


@_async_fixture
async def honeyhive_core(
    honeyhive_server: BackgroundServer, request: pytest.FixtureRequest
) -> AsyncIterator[HoneyHiveCore]:
    """A ``HoneyHiveCore`` aimed at ``honeyhive_server``, closed after the test."""
    async with HoneyHiveCore(
        bearer_auth=honeyhive_server.api_key, server_url=honeyhive_server.url, **_retries(request)
    ) as core:
        yield core


@pytest.fixture
def honeyhive_tracer(
    honeyhive_server: BackgroundServer, honeyhive_project: str, request: pytest.FixtureRequest
) -> Iterator[ServerTracer]:
    """A ``Tracer`` on ``honeyhive_server`` for project ``honeyhive_project``, for this test.

    Installed for the test (traced calls outside any session use it) and
    uninstalled after it; ``await honeyhive_tracer.events()`` (``trees()``,
    ``shapes()``, or their ``_sync`` twins) flushes and reads what it sent.
    """
    with trace_to(honeyhive_server, project=honeyhive_project, **_retries(request)) as tracer:
        yield tracer


@pytest.fixture
def honeyhive_env(
    honeyhive_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch
) -> BackgroundServer:
    """``honeyhive_server``, with the environment pointing the SDK at it for this test."""
    monkeypatch.setenv(API_KEY_ENV, honeyhive_server.api_key)
    monkeypatch.setenv(SERVER_URL_ENV, honeyhive_server.url)
    return honeyhive_server


@pytest.fixture
def honeyhive_project(request: pytest.FixtureRequest) -> str:
    """A project name made from the test's name that no other test uses."""
    return unique_project(request.node.name)
