"""``HoneyHiveCore``: configuration, credentials, and the session's life."""

from __future__ import annotations

import asyncio
import math

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from honeyhive_async import HoneyHiveCore, RetryConfig, errors, funcs
from honeyhive_async._core import API_KEY_ENV, SERVER_URL_ENV
from tests.conftest import API_KEY, SERVER

CREATED = {"event_id": "e-1", "success": True}
REQUEST = {"project": "p", "filters": []}


async def test_key_and_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without arguments the key and server URL are read from the environment."""
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    monkeypatch.setenv(SERVER_URL_ENV, "https://env.test/prefix")
    core = HoneyHiveCore()
    assert "https://env.test/prefix/" == core.server_url
    assert "Bearer from-env" == await core.authorization()


def test_default_server_is_production(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no server URL anywhere, requests go to the HoneyHive service."""
    monkeypatch.delenv(SERVER_URL_ENV, raising=False)
    assert "https://api.honeyhive.ai/" == HoneyHiveCore(bearer_auth="k").server_url


def test_missing_key_is_refused_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key at all is a configuration error raised at once, naming the variable."""
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    with pytest.raises(ValueError, match=API_KEY_ENV):
        HoneyHiveCore()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"server_url": "api.honeyhive.ai"}, "server_url"),
        ({"server_url": "ftp://x.test"}, "server_url"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, object], message: str) -> None:
    """An unusable server URL or timeout fails at construction, naming the option."""
    with pytest.raises(ValueError, match=message):
        HoneyHiveCore(bearer_auth="k", **kwargs)  # type: ignore[arg-type]


def test_retry_config_must_be_a_retry_config() -> None:
    """A dict in place of a ``RetryConfig`` is a programming error."""
    with pytest.raises(TypeError, match="RetryConfig"):
        HoneyHiveCore(bearer_auth="k", retry_config={"strategy": "none"})  # type: ignore[arg-type]


def test_repr_shows_configuration_but_not_the_key() -> None:
    """The repr is useful for debugging and never contains the key."""
    core = HoneyHiveCore(bearer_auth=API_KEY, server_url=SERVER, timeout=5)
    text = repr(core)
    assert "https://hh.test/" in text
    assert "timeout=5.0" in text
    assert API_KEY not in text


async def test_session_is_created_lazily_and_closed_by_async_with(mocked: aioresponses) -> None:
    """The pooled session exists from the first call until the block ends."""
    mocked.post(SERVER + "/events/export", payload={"events": [], "totalEvents": 0}, repeat=True)
    async with HoneyHiveCore(bearer_auth="k", server_url=SERVER) as core:
        await funcs.events_get_events(core, REQUEST)
        session = core.session()
        await funcs.events_get_events(core, REQUEST)
        assert session is core.session()
    assert session.closed
    assert core.closed


async def test_aclose_is_idempotent_and_a_closed_core_refuses_work() -> None:
    """Closing twice is fine; using a closed core is a clear error."""
    core = HoneyHiveCore(bearer_auth="k", server_url=SERVER)
    core.session()
    await core.aclose()
    await core.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        core.session()


async def test_injected_session_is_used_and_never_closed(mocked: aioresponses) -> None:
    """A session passed in stays open after the core closes: its owner closes it."""
    mocked.post(SERVER + "/events/export", payload={"events": [], "totalEvents": 0})
    async with aiohttp.ClientSession() as session:
        async with HoneyHiveCore(bearer_auth="k", server_url=SERVER, session=session) as core:
            assert session is core.session()
            assert (await funcs.events_get_events(core, REQUEST)).ok
        assert not session.closed


def test_session_needs_a_running_loop() -> None:
    """Outside a running loop no session is made (aiohttp would bind the wrong loop)."""
    core = HoneyHiveCore(bearer_auth="k", server_url=SERVER)
    with pytest.raises(RuntimeError):
        core.session()


def test_cores_work_in_successive_event_loops(mocked: aioresponses) -> None:
    """One core per ``asyncio.run``: nothing is bound to a loop at import or construction."""
    mocked.post(SERVER + "/events/export", payload={"events": [], "totalEvents": 0}, repeat=True)

    async def once() -> bool:
        async with HoneyHiveCore(bearer_auth="k", server_url=SERVER) as core:
            return (await funcs.events_get_events(core, REQUEST)).ok

    assert [True, True] == [asyncio.run(once()), asyncio.run(once())]


async def test_bearer_callable_must_return_a_string(mocked: aioresponses) -> None:
    """A key provider returning something else is an ``Err`` naming ``bearer_auth``; none sent."""

    async def provider() -> str:
        return None  # type: ignore[return-value]

    async with HoneyHiveCore(bearer_auth=provider, server_url=SERVER) as core:
        res = await funcs.events_get_events(core, REQUEST, retries=RetryConfig(strategy="none"))

    assert isinstance(res.error, errors.RequestValidationError)
    assert ["bearer_auth"] == [path for path, _ in res.error.issues]
    assert {} == dict(mocked.requests)


ENV_NAMES = [
    "HONEYHIVE_API_KEY",
    "HH_API_KEY",
    "HONEYHIVE_SERVER_URL",
    "HH_API_URL",
    "HONEYHIVE_PROJECT",
    "HH_PROJECT",
    "HONEYHIVE_SOURCE",
    "HH_SOURCE",
]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"HONEYHIVE_API_KEY": "k1", "HONEYHIVE_PROJECT": "p1", "HONEYHIVE_SOURCE": "s1"},
            ("Bearer k1", "https://api.honeyhive.ai/", "p1", "s1"),
        ),
        (
            {
                "HH_API_KEY": "k2",
                "HH_API_URL": "https://hh.env",
                "HH_PROJECT": "p2",
                "HH_SOURCE": "s2",
            },
            ("Bearer k2", "https://hh.env/", "p2", "s2"),
        ),
        (
            {
                "HONEYHIVE_API_KEY": "k1",
                "HH_API_KEY": "k2",
                "HONEYHIVE_PROJECT": " ",
                "HH_PROJECT": "p2",
            },
            ("Bearer k1", "https://api.honeyhive.ai/", "p2", None),
        ),
    ],
    ids=["honeyhive", "hh-fallbacks", "first-set-wins"],
)
def test_settings_from_the_environment_with_hh_fallbacks(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: tuple[str, ...]
) -> None:
    """HONEYHIVE_* first, then HoneyHive's own SDK variables HH_*; blank counts as unset."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    core = HoneyHiveCore()
    assert core.fixed_credentials is not None
    actual = (
        core.fixed_credentials.headers["Authorization"],
        core.server_url,
        core.defaults.project,
        core.defaults.source,
    )
    assert expected == actual


def test_project_and_source_options_win_and_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The options beat the environment; a blank or non-string one is refused, naming it."""
    monkeypatch.setenv("HONEYHIVE_PROJECT", "from-env")
    core = HoneyHiveCore(bearer_auth="k", project="mine", source="app")
    assert ("mine", "app") == (core.defaults.project, core.defaults.source)
    with pytest.raises(ValueError, match="project"):
        HoneyHiveCore(bearer_auth="k", project=" ")
    with pytest.raises(TypeError, match="source"):
        HoneyHiveCore(bearer_auth="k", source=3)  # type: ignore[arg-type]


async def test_a_plain_key_provider_works_like_an_async_one(mocked: aioresponses) -> None:
    """``bearer_auth=lambda: key`` is called before every attempt, as an async provider is."""
    keys = iter(["k1", "k2"])
    mocked.post(SERVER + "/events/export", status=503)
    mocked.post(SERVER + "/events/export", payload={"events": [], "totalEvents": 0})

    async def no_wait(_: float) -> None:
        pass

    async with HoneyHiveCore(
        bearer_auth=lambda: next(keys), server_url=SERVER, sleep=no_wait
    ) as core:
        result = await funcs.events_get_events(core, REQUEST)

    assert result.ok, result
    sent = [
        c.kwargs["headers"]["Authorization"]
        for c in mocked.requests[("POST", URL(SERVER + "/events/export"))]
    ]
    assert ["Bearer k1", "Bearer k2"] == sent


def test_a_core_used_by_two_asyncio_runs_says_what_to_do() -> None:
    """The second asyncio.run() gets a clear error, not ``Event loop is closed``."""
    core = HoneyHiveCore(bearer_auth="k", server_url=SERVER)

    async def query() -> object:
        with aioresponses() as mocked:
            mocked.post(SERVER + "/events/export", payload={"events": [], "totalEvents": 0})
            return await funcs.events_get_events(core, REQUEST)

    first = asyncio.run(query())
    with pytest.raises(RuntimeError, match=r"closed.*asyncio\.run\(\).*HoneyHiveSync"):
        asyncio.run(query())
    assert first.ok  # type: ignore[attr-defined]
    # The first loop's session cannot be closed any more; let it go without a warning.
    assert core._session is not None
    core._session.detach()


async def test_a_core_used_from_another_running_loop_says_so() -> None:
    """A core first used in one loop refuses calls from another live loop, clearly."""
    core = HoneyHiveCore(bearer_auth="k", server_url=SERVER)
    core.session()
    errors: list[BaseException] = []

    def other_thread() -> None:
        async def call() -> None:
            core.session()

        try:
            asyncio.run(call())
        except RuntimeError as exc:
            errors.append(exc)

    await asyncio.to_thread(other_thread)
    await core.aclose()
    assert [True] == ["belongs to another event loop" in str(e) for e in errors]
