"""The one door between threads, the one hand-off queue, and the exit and fork registries."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from honeyhive_async._sync import Handoff, call_in_loop, submit_to_loop
from honeyhive_async._utils import nests_within


@pytest.fixture
def other_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_a_coroutine_runs_on_the_other_loop_and_its_result_comes_back(
    other_loop: asyncio.AbstractEventLoop,
) -> None:
    """The work runs on the loop's own thread; the caller gets its value."""

    async def work() -> tuple[int, bool]:
        return 42, asyncio.get_running_loop() is other_loop

    assert (42, True) == call_in_loop(other_loop, work, 5)


def test_an_exception_comes_back_as_raised(other_loop: asyncio.AbstractEventLoop) -> None:
    """What the coroutine raises, the caller gets."""

    async def work() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        call_in_loop(other_loop, work, 5)


def test_a_deadline_cancels_the_work(other_loop: asyncio.AbstractEventLoop) -> None:
    """Past the deadline the caller gets ``TimeoutError`` and the coroutine is cancelled."""
    cancelled = threading.Event()

    async def work() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):
        call_in_loop(other_loop, work, 0.05)
    assert cancelled.wait(5)


async def test_waiting_on_ones_own_loop_is_refused_and_makes_no_coroutine() -> None:
    """It would hang: ``RuntimeError``, and the factory is never called (nothing un-awaited)."""
    made: list[int] = []

    async def work() -> None:
        made.append(1)

    def make() -> object:
        made.append(0)
        return work()

    with pytest.raises(RuntimeError, match="would hang"):
        submit_to_loop(asyncio.get_running_loop(), make)  # type: ignore[arg-type]
    assert [] == made


def test_a_closed_loop_is_refused() -> None:
    """Nothing will run the work: ``RuntimeError`` at once."""
    loop = asyncio.new_event_loop()
    loop.close()

    async def work() -> None:
        pass

    with pytest.raises(RuntimeError):
        call_in_loop(loop, work, 1)


def test_the_handoff_wakes_the_loop_once_per_burst() -> None:
    """Items handed over until the taker finds the queue empty cost one wake-up."""
    wakes: list[int] = []
    handoff: Handoff[int] = Handoff(10, lambda: wakes.append(1))
    assert all(handoff.offer(n) for n in range(3))
    assert [0, 1, 2] == handoff.take()
    assert handoff.offer(3)
    assert (2, [3]) == (len(wakes), handoff.take())


def test_a_full_handoff_refuses_an_offer() -> None:
    """``offer`` never waits: ``False`` and nothing queued when full."""
    handoff: Handoff[int] = Handoff(2, lambda: None)
    assert (True, True, False) == (handoff.offer(1), handoff.offer(2), handoff.offer(3))
    assert [1, 2] == handoff.snapshot()


@given(st.lists(st.binary(max_size=40), max_size=30), st.integers(1, 100))
def test_a_handoff_holds_at_most_its_bytes(items: list[bytes], max_bytes: int) -> None:
    """Offers past *max_bytes* are refused, except into an empty queue; taking frees the bytes."""
    handoff: Handoff[bytes] = Handoff(1000, lambda: None, max_bytes=max_bytes, size=len)
    held, queued = 0, 0
    for item in items:
        fits = queued == 0 or held + len(item) <= max_bytes
        assert fits == handoff.offer(item)
        held, queued = (held + len(item), queued + 1) if fits else (held, queued)
        assert held == handoff.bytes
    handoff.take()
    assert (0, True) == (handoff.bytes, handoff.offer(b"x" * (max_bytes + 1)))


def test_put_waits_for_room_and_close_wakes_it_with_the_error() -> None:
    """A putter waits while the queue is full; closing makes it raise what *closed* makes."""
    handoff: Handoff[int] = Handoff(1, lambda: None)
    handoff.put(1, RuntimeError)
    raised: list[BaseException] = []

    def putter() -> None:
        try:
            handoff.put(2, lambda: RuntimeError("closed"))
        except RuntimeError as exc:
            raised.append(exc)

    thread = threading.Thread(target=putter)
    thread.start()
    time.sleep(0.05)  # the putter is waiting for room (a state, not a retry)
    assert thread.is_alive()
    handoff.close()
    thread.join(5)
    assert ["closed"] == [str(e) for e in raised]


def test_a_pop_makes_room_for_a_waiting_putter() -> None:
    """The taker's ``pop`` lets a waiting ``put`` through, in order."""
    handoff: Handoff[int] = Handoff(1, lambda: None)
    handoff.put(1, RuntimeError)
    thread = threading.Thread(target=handoff.put, args=(2, RuntimeError))
    thread.start()
    assert 1 == handoff.peek()
    handoff.pop()
    thread.join(5)
    assert [2] == handoff.take()


REGISTRIES = textwrap.dedent(
    """
    import os, sys
    from honeyhive_async._utils import after_fork, at_exit

    at_exit(lambda: print("second", flush=True), order=1)
    at_exit(lambda: print("first", flush=True), order=0)
    at_exit(lambda: 1 / 0, order=0)  # a failure never keeps the others from running
    after_fork(lambda: print("child", os.getpid() != PARENT, flush=True))
    PARENT = os.getpid()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    """
)


def test_exit_callbacks_run_in_order_and_fork_callbacks_in_the_child() -> None:
    """A real process: at exit, order 0 before order 1; after a fork, the child's callback."""
    done = subprocess.run(
        [sys.executable, "-c", REGISTRIES], capture_output=True, text=True, timeout=60
    )
    assert 0 == done.returncode, done.stderr
    assert ["child True", "first", "second"] == done.stdout.split("\n")[:3]
    assert "ZeroDivisionError" in done.stderr


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        (1, 1, True),
        ({"a": 1}, 1, False),
        ({"a": 1}, 2, True),
        ([[[]]], 3, True),
        ([[[1]]], 3, False),
    ],
)
def test_nests_within_counts_a_scalar_as_a_level(value: object, limit: int, expected: bool) -> None:
    """The rough nesting bound for data from outside the codec (OTLP attributes)."""
    assert expected == nests_within(value, limit)
