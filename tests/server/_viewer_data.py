"""Sessions for the viewer's tests and screenshot: a support chat, a failed run, many events."""

from __future__ import annotations

from typing import Any

from ._support import Api

T0 = 1_765_000_000_000  # epoch milliseconds
LONG_TEXT = "The order shipped on Monday. " * 60
SCRIPT = "<script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2>"


def event(
    session: str, name: str, kind: str, start: float, duration: float, **fields: Any
) -> dict[str, Any]:
    """A CreateEventRequest in project ``demo`` in *session*."""
    body: dict[str, Any] = {
        "project": "demo",
        "source": "viewer-test",
        "event_name": name,
        "event_type": kind,
        "session_id": session,
        "config": {},
        "inputs": {},
        "start_time": T0 + start,
        "duration": duration,
    }
    body.update(fields)
    return body


CHAT = "11111111-1111-4111-8111-111111111111"
FAILED = "22222222-2222-4222-8222-222222222222"


async def seed(api: Api) -> None:
    """Two sessions: a chat with a model, a tool and a long answer; a run that failed."""
    events = [
        event(
            CHAT,
            "support chat",
            "session",
            0,
            1450,
            event_id=CHAT,
            inputs={"question": "Where is my order?"},
            metadata={"user": "u-42"},
        ),
        event(
            CHAT,
            "answer",
            "chain",
            5,
            1400,
            event_id="c1",
            parent_id=CHAT,
            inputs={"question": "Where is my order?"},
            outputs={"answer": LONG_TEXT},
        ),
        event(
            CHAT,
            "lookup_order",
            "tool",
            40,
            180,
            event_id="t1",
            parent_id="c1",
            inputs={"order": 42},
            outputs={"status": "shipped", "carrier": {"name": "DHL"}},
        ),
        event(
            CHAT,
            "gpt-4o",
            "model",
            260,
            1100,
            event_id="m1",
            parent_id="c1",
            config={"model": "gpt-4o", "provider": "openai"},
            inputs={
                "chat_history": [
                    {"role": "system", "content": "You are a support agent."},
                    {"role": "user", "content": "Where is my order? " + SCRIPT},
                ]
            },
            outputs={"role": "assistant", "content": "It shipped on Monday."},
            metadata={"total_tokens": 321, "prompt_tokens": 300, "completion_tokens": 21},
        ),
        event(FAILED, "nightly eval", "session", -60_000, 900, event_id=FAILED),
        event(
            FAILED,
            "score",
            "tool",
            -59_900,
            300,
            event_id="f1",
            parent_id=FAILED,
            error="TimeoutError: the grader did not answer in 30 s",
        ),
    ]
    status, body = await api.post("/events/batch", {"events": events})
    assert 200 == status, body


async def seed_large(api: Api, session: str, size: int) -> None:
    """One session of *size* events: chains of ten tool calls, in batches."""
    events = [event(session, "big session", "session", 10_000, size, event_id=session)]
    for i in range(1, size):
        parent = session if i % 10 == 1 else f"{session}-{i - i % 10 + 1}"
        events.append(
            event(
                session,
                f"step {i}",
                "chain" if i % 10 == 1 else "tool",
                10_000 + i,
                1,
                event_id=f"{session}-{i}",
                parent_id=parent,
                inputs={"i": i},
            )
        )
    for start in range(0, len(events), 500):
        status, body = await api.post("/events/batch", {"events": events[start : start + 500]})
        assert 200 == status, body
