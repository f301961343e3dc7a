"""Shared fixtures: a core aimed at a mocked server, and a recorder of retry waits."""

from __future__ import annotations

import atexit
import inspect
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import aioresponses.core as aioresponses_core
import pytest
from aioresponses import aioresponses
from hypothesis import settings

from honeyhive_async import BackoffStrategy, HoneyHiveCore, RetryConfig


class _FinishedUpload:
    """Stands in for the request writer aiohttp 3.14 hands every response."""

    output_size = 0


class _CompatResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 builds responses without aiohttp 3.14's ``stream_writer``.

    Upstream: pnuckowski/aioresponses#289 (no release yet). The mocked
    response's upload is over before it exists, which this stand-in says.
    """

    def __init__(self, *args: Any, stream_writer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, stream_writer=stream_writer or _FinishedUpload(), **kwargs)


if "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters:
    aioresponses_core.ClientResponse = _CompatResponse  # type: ignore[misc]

# Every property test draws the same examples on every run, CI's included: a failure
# reproduces, and no run fails by chance. HYPOTHESIS_PROFILE=explore draws fresh ones
# (and keeps what it finds in .hypothesis/) when hunting for new failures by hand.
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# Tracing keeps a tally of undelivered events under $TMPDIR, which the next process that
# delivers reports (tracing/_tally.py): the suite's processes share a directory of their
# own, so that nothing a test run leaves behind is reported by another run, or by the
# user's apps.
# (tests/tracing/conftest.py gives each tracing test a directory of its own as well.)
_TALLIES = os.path.join(os.environ.get("TMPDIR") or "/tmp", f"honeyhive-async-tests-{os.getpid()}")
os.makedirs(_TALLIES, mode=0o700, exist_ok=True)
os.environ["TMPDIR"] = _TALLIES
atexit.register(shutil.rmtree, _TALLIES, True)

API_KEY = "hh-test-secret-0123456789"
SERVER = "https://hh.test"

INSTANT_RETRY = RetryConfig(
    backoff=BackoffStrategy(initial_interval=0.0, max_interval=0.0, max_elapsed_time=60.0),
    max_attempts=4,
)


class SleepRecorder:
    """An injected sleep that records the waits it was asked for and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(autouse=True)
def _data_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` keeps its default database in the user's data directory: never the real one."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))


@pytest.fixture
def sleeps() -> SleepRecorder:
    """The waits the core's retries asked for."""
    return SleepRecorder()


@pytest.fixture
async def core(sleeps: SleepRecorder) -> AsyncIterator[HoneyHiveCore]:
    """A core aimed at the mocked server, retrying without real waits."""
    async with HoneyHiveCore(
        bearer_auth=API_KEY, server_url=SERVER, retry_config=INSTANT_RETRY, sleep=sleeps
    ) as c:
        yield c


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    """aioresponses: every request the core makes goes to its mocks."""
    with aioresponses() as m:
        yield m
