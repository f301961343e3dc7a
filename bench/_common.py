"""What the client benchmarks share: the event they send, and a free port."""

from __future__ import annotations

import socket
from typing import Any


class StubBatcher:
    """Stands in for an ``EventBatcher`` under a tracer: counts the events, sends nothing.

    The tracer's sink needs only the batcher's intake (``EventBatcher.intake``),
    which is the stub itself; a dropped event is a failed benchmark.
    """

    closed = False

    def __init__(self) -> None:
        self.events = 0

    @property
    def intake(self) -> StubBatcher:
        return self

    def offer(self, event: Any) -> None:
        self.events += 1

    def give_up(self, *args: Any) -> None:
        raise AssertionError(f"an event was dropped: {args}")

    def count_dropped(self, count: int = 1) -> None:
        raise AssertionError(f"{count} events were dropped")


def make_event(n: int = 0, *, with_id: bool = True) -> dict[str, Any]:
    """A realistic model-call event (about 500 bytes of JSON), built afresh each call.

    With ``with_id`` it carries its own ``event_id`` (distinct per *n*), so
    the SDK and raw aiohttp send the same bytes.
    """
    event: dict[str, Any] = {
        "project": "Simple RAG",
        "source": "playground",
        "event_name": f"Model Completion {n}",
        "event_type": "model",
        "session_id": "caf77ace-3417-4da4-944d-f4a0688f3c23",
        "config": {"model": "gpt-4o", "provider": "openai", "hyperparameters": {"temperature": 0}},
        "inputs": {
            "context": "Hello world",
            "chat_history": [{"role": "user", "content": "What is in the context?"}],
        },
        "outputs": {"role": "assistant", "content": "Hello world"},
        "duration": 999.8,
        "metadata": {"cost": 0.00008, "prompt_tokens": 35, "completion_tokens": 23},
    }
    if with_id:
        event["event_id"] = f"00000000-0000-4000-8000-{n:012d}"
    return event


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
