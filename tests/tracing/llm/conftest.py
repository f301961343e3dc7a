"""The real ``openai`` and ``anthropic`` clients, aimed at the fake APIs of ``_fake_api``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anthropic
import openai
import pytest

from tests.tracing.llm._fake_api import FakeAPI


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeAPI]:
    """The fake OpenAI and Anthropic APIs, one for the whole run."""
    fake = FakeAPI().start()
    yield fake
    fake.stop()


@pytest.fixture
def openai_client(fake_api: FakeAPI) -> Iterator[openai.OpenAI]:
    """A blocking OpenAI client, not retrying (a failure shows at once)."""
    with openai.OpenAI(api_key="sk-test", base_url=f"{fake_api.url}/v1", max_retries=0) as client:
        yield client


@pytest.fixture
async def async_openai_client(fake_api: FakeAPI) -> AsyncIterator[openai.AsyncOpenAI]:
    """An async OpenAI client."""
    client = openai.AsyncOpenAI(api_key="sk-test", base_url=f"{fake_api.url}/v1", max_retries=0)
    async with client:
        yield client


@pytest.fixture
def anthropic_client(fake_api: FakeAPI) -> Iterator[anthropic.Anthropic]:
    """A blocking Anthropic client."""
    with anthropic.Anthropic(api_key="sk-ant-test", base_url=fake_api.url, max_retries=0) as client:
        yield client


@pytest.fixture
async def async_anthropic_client(fake_api: FakeAPI) -> AsyncIterator[anthropic.AsyncAnthropic]:
    """An async Anthropic client."""
    client = anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=fake_api.url, max_retries=0)
    async with client:
        yield client
