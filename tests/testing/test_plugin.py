"""The pytest plugin, as users meet it: their test files run through ``pytester``.

Each run is a subprocess (a fresh interpreter, as for a user): tracing and
pytest-asyncio keep process-wide state that an in-process run would share
with this suite. The inner runs turn every warning into an error, so a
fixture that leaks a socket, a session or a thread fails them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "test_with_honeyhive.py"
DOC = ROOT / "docs" / "testing.md"


def configure(pytester: pytest.Pytester, mode: str = "auto") -> None:
    """A user's pytest configuration: asyncio in ``mode``, warnings as errors, strict markers."""
    pytester.makeini(
        f"""
        [pytest]
        asyncio_mode = {mode}
        asyncio_default_fixture_loop_scope = function
        filterwarnings = error
        addopts = --strict-markers -p no:cacheprovider
        """
    )


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_the_documented_example_passes(pytester: pytest.Pytester, mode: str) -> None:
    """docs/examples/test_with_honeyhive.py passes as it is, in either asyncio mode."""
    configure(pytester, mode)
    pytester.makepyfile(test_app=EXAMPLE.read_text(encoding="utf-8"))
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=6)


def test_the_doc_shows_the_example_file() -> None:
    """docs/testing.md shows the example file verbatim, so the copy a user reads is tested."""
    blocks = re.findall(
        r"^```python title=\"test_app.py\"\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M
    )
    assert [EXAMPLE.read_text(encoding="utf-8")] == blocks


FIXTURES = """
import asyncio
import os

import pytest

from honeyhive_async import HoneyHiveCore, funcs

EVENT = {"source": "t", "event_name": "e", "event_type": "tool", "config": {}, "inputs": {},
         "duration": 1}
SEEN = {}


async def create(url, key, project, **fields):
    async with HoneyHiveCore(bearer_auth=key, server_url=url) as core:
        event = {**EVENT, "project": project, **fields}
        return (await funcs.events_create_event(core, {"event": event})).unwrap().event_id


def test_sync_test_gets_a_server(honeyhive_server):
    asyncio.run(create(honeyhive_server.url, honeyhive_server.api_key, "iso"))
    assert ["e"] == [e["event_name"] for e in honeyhive_server.events_sync(project="iso")]
    SEEN["url"] = honeyhive_server.url


async def test_function_servers_are_isolated(honeyhive_server, honeyhive_core):
    assert SEEN["url"] != honeyhive_server.url
    assert [] == await honeyhive_server.events()
    root = await create(honeyhive_server.url, honeyhive_server.api_key, "iso", event_name="root",
                        start_time=1000)
    for name, start in (("b", 3000), ("a", 2000)):
        event = {**EVENT, "project": "iso", "event_name": name, "parent_id": root,
                 "start_time": start}
        assert (await funcs.events_create_event(honeyhive_core, {"event": event})).ok
    assert [("root", [("a", []), ("b", [])])] == await honeyhive_server.shapes(project="iso")
    trees = await honeyhive_server.trees(project="iso")
    assert root == trees[0]["event"]["event_id"]
    assert ["a", "b"] == [c["event"]["event_name"] for c in trees[0]["children"]]


def test_env_points_at_the_server(honeyhive_env):
    assert honeyhive_env.url == os.environ["HONEYHIVE_SERVER_URL"]
    assert honeyhive_env.api_key == os.environ["HONEYHIVE_API_KEY"]
    SEEN["env"] = honeyhive_env.url


def test_env_is_restored():
    assert SEEN["env"] != os.environ.get("HONEYHIVE_SERVER_URL")


async def test_session_server_is_shared_first(honeyhive_server_session, honeyhive_project):
    SEEN["session"] = (honeyhive_server_session.url, honeyhive_project)
    await create(honeyhive_server_session.url, honeyhive_server_session.api_key, honeyhive_project)


@pytest.mark.asyncio(loop_scope="module")
async def test_session_server_is_shared_second(honeyhive_server_session, honeyhive_project):
    url, first_project = SEEN["session"]
    assert url == honeyhive_server_session.url
    assert first_project != honeyhive_project
    assert first_project.startswith("test_session_server_is_shared_first-")
    assert 1 == len(await honeyhive_server_session.events(project=first_project))
"""


def test_fixtures_in_sync_and_async_tests(pytester: pytest.Pytester) -> None:
    """Servers per test and per session, the core, the environment, events, trees and shapes."""
    configure(pytester)
    pytester.makepyfile(test_fixtures=FIXTURES)
    result = pytester.runpytest_subprocess("-v")
    result.assert_outcomes(passed=6)


FAULTS = """
import pytest

from honeyhive_async import HoneyHiveCore, RetryConfig, funcs

EVENT = {"project": "f", "source": "t", "event_name": "e", "event_type": "tool", "config": {},
         "inputs": {}, "duration": 1}


async def status(server):
    async with HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url) as core:
        res = await funcs.events_create_event(core, {"event": EVENT},
                                              retries=RetryConfig(strategy="none"))
    return 200 if res.ok else res.error.status_code


@pytest.mark.honeyhive_faults("503")
async def test_marked(honeyhive_server, honeyhive_server_session):
    assert 503 == await status(honeyhive_server)
    assert 503 == await status(honeyhive_server_session)
    assert [] == await honeyhive_server.events()


async def test_next_test_is_served(honeyhive_server_session):
    assert 200 == await status(honeyhive_server_session)


@pytest.mark.honeyhive_faults("429", retry_after_seconds=0, rate=0.5, seed=3)
async def test_marker_options_reach_the_config(honeyhive_server):
    config = honeyhive_server.current_faults
    assert (("429",), 0.5, 3, 0) == (config.kinds, config.rate, config.seed,
                                      config.retry_after_seconds)


@pytest.mark.honeyhive_faults("503")
def test_marker_without_a_server():
    pass


@pytest.mark.honeyhive_faults("404")
def test_marker_with_a_bad_kind(honeyhive_server):
    pass
"""


def test_faults_marker_for_one_test(pytester: pytest.Pytester) -> None:
    """The marker fails requests during its test only; misuse fails with a message."""
    configure(pytester)
    pytester.makepyfile(test_faults=FAULTS)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*honeyhive_faults needs the honeyhive_server or honeyhive_server_session fixture",
            "*kinds must be distinct fault kinds out of 500, 503, 429, drop, stall, got 404",
        ],
        consecutive=False,
    )


def test_sync_fixtures_work_without_pytest_asyncio(pytester: pytest.Pytester) -> None:
    """With pytest-asyncio off the plugin still loads and serves sync tests."""
    pytester.makeini("[pytest]\nfilterwarnings = error\naddopts = --strict-markers\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.honeyhive_faults("500")
        def test_sync(honeyhive_server):
            assert [] == honeyhive_server.events_sync()
            assert ("500",) == honeyhive_server.current_faults.kinds
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:asyncio", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_marker_is_registered_and_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    """``--markers`` lists honeyhive_faults; ``-p no:honeyhive_async`` removes the fixtures."""
    configure(pytester)
    result = pytester.runpytest("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["@pytest.mark.honeyhive_faults(*kinds, rate=1.0, *"])
    pytester.makepyfile("def test_x(honeyhive_server):\n    pass\n")
    result = pytester.runpytest("-p", "no:honeyhive_async", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'honeyhive_server' not found"])
