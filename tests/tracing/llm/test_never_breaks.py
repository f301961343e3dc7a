"""Recording never breaks the call: results and streams of shapes the wrappers do not know."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from honeyhive_async import tracing
from tests.tracing.conftest import Recorder
from tests.tracing.llm._helpers import USER, one_event


class Exploding:
    """A result whose every attribute raises."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"no {name} here")


class OddStream:
    """A stream in the clients' shape (an ``_iterator``, ``close()``) of items nobody knows."""

    def __init__(self, items: list[Any]) -> None:
        self._iterator: Iterator[Any] = iter(items)
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        yield from self._iterator

    def close(self) -> None:
        self.closed = True


def client_returning(result: Any) -> Any:
    """A duck-typed OpenAI-shaped client whose chat.completions.create returns *result*."""
    completions = SimpleNamespace(create=lambda **kwargs: result)
    return SimpleNamespace(chat=SimpleNamespace(completions=completions))


async def test_unreadable_result_is_returned_and_the_call_recorded(
    tracer: tracing.Tracer, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    """A result the wrapper cannot read comes back as it is; the event has no outputs."""
    result = Exploding()
    client = tracing.wrap_openai(client_returning(result))

    with caplog.at_level(logging.WARNING, "honeyhive_async.tracing"):
        assert result is client.chat.completions.create(model="m", messages=USER)

    event = await one_event(tracer, recorder)
    assert ("openai.chat.completions.create", None) == (event["event_name"], event.get("outputs"))
    assert "recording a model call failed" in caplog.text


async def test_unknown_stream_items_pass_through(
    tracer: tracing.Tracer, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    """Items of an unknown shape reach the caller unchanged, and the stream still ends once."""
    items = [object(), 42, "text"]
    stream = OddStream(items)
    client = tracing.wrap_openai(client_returning(stream))

    with caplog.at_level(logging.WARNING, "honeyhive_async.tracing"):
        got = client.chat.completions.create(model="m", messages=USER, stream=True)
        read = list(got)
        got.close()

    event = await one_event(tracer, recorder)
    assert (stream, items, True) == (got, read, stream.closed)
    assert event.get("error") is None
    assert "reading a model stream failed" in caplog.text


@pytest.mark.parametrize("client", [object(), None, SimpleNamespace(chat=42)], ids=repr)
def test_clients_of_unknown_shape_come_back_unchanged(client: Any) -> None:
    """Nothing to wrap: the same object, no error."""
    assert client is tracing.wrap_openai(client)
    assert client is tracing.wrap_anthropic(client)
