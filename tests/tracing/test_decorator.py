"""``@trace``: what each kind of function records, and that the wrapper changes nothing else."""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from honeyhive_async import tracing
from honeyhive_async.tracing import trace
from tests.tracing.conftest import Recorder, TracerFactory, run

TRACING_DIR = str(Path(tracing.__file__).parent)


def add(a: int, b: int = 0) -> int:
    """Adds two numbers."""
    return a + b


async def add_later(a: int, b: int = 0) -> int:
    """Adds two numbers, asynchronously."""
    return a + b


def count(n: int) -> Iterator[int]:
    """Yields 0 to n - 1."""
    yield from range(n)


async def count_later(n: int) -> AsyncIterator[int]:
    """Yields 0 to n - 1, asynchronously."""
    for i in range(n):
        yield i


def collect(first: int, *rest: int, **options: int) -> list[Any]:
    """Returns what it was given."""
    return [first, *rest, options]


def passthrough(func: Callable[..., Any]) -> Callable[..., Any]:
    """A plain decorator: the traced function then has ``__wrapped__`` and no own code."""

    @functools.wraps(func)
    def inner(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return inner


class Calculator:
    """Methods of every kind, traced."""

    def __init__(self, base: int) -> None:
        self.base = base

    @trace
    def plus(self, a: int) -> int:
        return self.base + a

    @trace
    async def plus_later(self, a: int) -> int:
        return self.base + a

    @trace
    @classmethod
    def triple(cls, a: int) -> int:
        return 3 * a

    @classmethod
    @trace
    def double(cls, a: int) -> int:
        return 2 * a

    @trace
    @staticmethod
    def negate(a: int) -> int:
        return -a

    @staticmethod
    @trace
    def square(a: int) -> int:
        return a * a


CALC = Calculator(10)

KINDS = [
    pytest.param(trace(add), (1,), {"b": 2}, "add", {"a": 1, "b": 2}, 3, id="sync"),
    pytest.param(trace(add_later), (1, 2), {}, "add_later", {"a": 1, "b": 2}, 3, id="async"),
    pytest.param(trace(count), (3,), {}, "count", {"n": 3}, [0, 1, 2], id="generator"),
    pytest.param(trace(count_later), (3,), {}, "count_later", {"n": 3}, [0, 1, 2], id="asyncgen"),
    pytest.param(CALC.plus, (1,), {}, "Calculator.plus", {"a": 1}, 11, id="method"),
    pytest.param(
        CALC.plus_later, (1,), {}, "Calculator.plus_later", {"a": 1}, 11, id="async-method"
    ),
    pytest.param(
        Calculator.triple, (2,), {}, "Calculator.triple", {"a": 2}, 6, id="trace-classmethod"
    ),
    pytest.param(CALC.double, (2,), {}, "Calculator.double", {"a": 2}, 4, id="classmethod-trace"),
    pytest.param(
        Calculator.negate, (2,), {}, "Calculator.negate", {"a": 2}, -2, id="trace-staticmethod"
    ),
    pytest.param(CALC.square, (3,), {}, "Calculator.square", {"a": 3}, 9, id="staticmethod-trace"),
    pytest.param(
        trace(collect),
        (1, 2, 3),
        {"x": 4},
        "collect",
        {"first": 1, "rest": [2, 3], "options": {"x": 4}},
        [1, 2, 3, {"x": 4}],
        id="varargs",
    ),
    pytest.param(
        trace(passthrough(collect)),
        (1, 2, 3),
        {"x": 4},
        "collect",
        {"first": 1, "rest": [2, 3], "options": {"x": 4}},
        [1, 2, 3, {"x": 4}],
        id="varargs-wrapped",
    ),
]


@pytest.mark.parametrize(("func", "args", "kwargs", "name", "inputs", "result"), KINDS)
async def test_each_kind_records_one_event(
    tracer: tracing.Tracer,
    recorder: Recorder,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    name: str,
    inputs: dict[str, Any],
    result: Any,
) -> None:
    """A call returns what the function returns and records its name, type, inputs, outputs."""
    returned = await run(func, *args, **kwargs)

    (span,) = recorder.spans
    expected = (result, name, "chain", inputs, {"result": result})
    actual = (returned, span["event_name"], span["event_type"], span["inputs"], span["outputs"])
    assert expected == actual


@pytest.mark.parametrize(
    ("func", "args", "capture_output", "expected"),
    [
        (add, (1, 2), True, {"result": 3}),
        (add, (1, 2), False, None),
        (add, (1, 2), lambda value: value * 10, {"result": 30}),
        (add, (1, 2), lambda value: {"sum": value}, {"sum": 3}),
        (add_later, (1, 2), lambda value: {"sum": value}, {"sum": 3}),
        (count, (3,), len, {"result": 3}),
        (count_later, (3,), lambda items: {"last": items[-1]}, {"last": 2}),
    ],
)
async def test_capture_output(
    tracer: tracing.Tracer,
    recorder: Recorder,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    capture_output: Any,
    expected: dict[str, Any] | None,
) -> None:
    """``capture_output``: the result, nothing, the mapped result, or the dict a function made."""
    await run(trace(capture_output=capture_output)(func), *args)

    assert expected == recorder.spans[0].get("outputs")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ("add", "chain", {"a": 1, "b": 2}, {}, None)),
        (
            {"event_name": "adder", "event_type": "tool"},
            ("adder", "tool", {"a": 1, "b": 2}, {}, None),
        ),
        ({"event_type": "model", "capture_inputs": False}, ("add", "model", {}, {}, None)),
        (
            {"config": {"model": "m-1"}, "metadata": {"team": "search"}},
            ("add", "chain", {"a": 1, "b": 2}, {"model": "m-1"}, {"team": "search"}),
        ),
    ],
)
async def test_options(
    tracer: tracing.Tracer,
    recorder: Recorder,
    options: dict[str, Any],
    expected: tuple[Any, ...],
) -> None:
    """``event_name``, ``event_type``, ``capture_inputs``, ``config`` and ``metadata``."""
    trace(**options)(add)(1, 2)

    (span,) = recorder.spans
    fields = ("event_name", "event_type", "inputs", "config", "metadata")
    assert expected == tuple(span.get(field) for field in fields)


@pytest.mark.parametrize(
    "func",
    [add, add_later, count, count_later, collect, Calculator.__init__],
    ids=lambda f: f.__name__,
)
def test_the_wrapper_keeps_what_it_wraps(func: Callable[..., Any]) -> None:
    """Name, docstring, ``__wrapped__``, signature and kind are the function's own."""
    traced = trace(func)

    def looks(f: Callable[..., Any]) -> tuple[Any, ...]:
        kinds = (
            inspect.iscoroutinefunction,
            inspect.isgeneratorfunction,
            inspect.isasyncgenfunction,
        )
        return (f.__name__, f.__qualname__, f.__doc__, inspect.signature(f), *(k(f) for k in kinds))

    expected = (looks(func), func)
    actual = (looks(traced), traced.__wrapped__)  # type: ignore[attr-defined]
    assert expected == actual


def fail(error: BaseException) -> None:
    raise error


async def fail_later(error: BaseException) -> None:
    raise error


def fail_streaming(error: BaseException) -> Iterator[int]:
    yield 1
    raise error


async def fail_streaming_later(error: BaseException) -> AsyncIterator[int]:
    yield 1
    raise error


async def caught(func: Callable[..., Any], error: BaseException) -> tuple[Any, list[Any]]:
    """What *func* raised, and its traceback's frames outside the tracing package."""
    try:
        await run(func, error)
    except BaseException as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        own = [
            (f.filename, f.lineno, f.name) for f in frames if not f.filename.startswith(TRACING_DIR)
        ]
        return exc, own
    raise AssertionError("nothing was raised")


@pytest.mark.parametrize("func", [fail, fail_later, fail_streaming, fail_streaming_later])
async def test_an_exception_propagates_unchanged(
    tracer: tracing.Tracer, recorder: Recorder, func: Callable[..., Any]
) -> None:
    """The same object leaves the call, with the same frames; the event records type and text."""
    plain_error, traced_error = ValueError("msg"), ValueError("msg")
    _, plain_frames = await caught(func, plain_error)
    raised, traced_frames = await caught(trace(func), traced_error)

    (span,) = recorder.spans
    expected = (traced_error, plain_frames, "ValueError: msg")
    actual = (raised, traced_frames, span["error"])
    assert expected == actual
    assert raised is traced_error
    assert raised.__traceback__ is not None
    innermost = raised.__traceback__
    while innermost.tb_next is not None:
        innermost = innermost.tb_next
    assert func.__code__ is innermost.tb_frame.f_code


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


async def test_an_exception_whose_text_fails_is_still_recorded(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """An exception whose ``str()`` raises propagates unchanged and its event is still sent."""
    error = ValueError(Unprintable())
    with pytest.raises(ValueError) as caught:  # noqa: PT011 - the very object is compared
        trace(fail)(error)

    names = [(e["event_type"], e["error"].split(":")[0]) for e in recorder.events]
    assert (error, [("chain", "ValueError"), ("session", "ValueError")]) == (caught.value, names)


async def block(started: asyncio.Event) -> None:
    started.set()
    await asyncio.Event().wait()


async def block_streaming(started: asyncio.Event) -> AsyncIterator[int]:
    yield 1
    started.set()
    await asyncio.Event().wait()
    yield 2


@pytest.mark.parametrize("func", [block, block_streaming])
async def test_cancelled_is_recorded_and_re_raised(
    tracer: tracing.Tracer, recorder: Recorder, func: Callable[..., Any]
) -> None:
    """A cancelled call raises CancelledError and its event says it was cancelled."""
    started = asyncio.Event()
    task = asyncio.create_task(run(trace(func), started))
    await started.wait()
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task

    (span,) = recorder.spans
    assert "cancelled (CancelledError)" == span["error"]


async def abandon_by_close() -> None:
    gen = trace(count)(3)
    next(gen)
    gen.close()


async def abandon_by_break() -> None:
    for _ in trace(count)(3):
        break


async def abandon_by_aclose() -> None:
    agen = trace(count_later)(3)
    await agen.__anext__()
    await agen.aclose()


@pytest.mark.parametrize("abandon", [abandon_by_close, abandon_by_break, abandon_by_aclose])
async def test_an_abandoned_generator_ends_its_span_as_cancelled(
    tracer: tracing.Tracer, recorder: Recorder, abandon: Callable[[], Any]
) -> None:
    """Closed after 1 of 3 items, a stream's span ends as cancelled with the item it gave."""
    await abandon()

    (span,) = recorder.spans
    expected = (True, {"result": [0]})
    actual = (span["error"].startswith("cancelled"), span["outputs"])
    assert expected == actual


def accumulate(limit: int) -> Iterator[int]:
    """Yields the running total of what is sent; a thrown KeyError resets it; returns the total."""
    total = 0
    while total < limit:
        try:
            sent = yield total
        except KeyError:
            total = 0
            continue
        total += sent or 0
    return total


async def accumulate_later(limit: int) -> AsyncIterator[int]:
    """:func:`accumulate`, asynchronously (without the return value)."""
    total = 0
    while total < limit:
        try:
            sent = yield total
        except KeyError:
            total = 0
            continue
        total += sent or 0


SCRIPTS = [
    [("send", None), ("send", 5), ("throw", KeyError("reset")), ("send", 3), ("send", 100)],
    [("send", None), ("send", 2), ("throw", ValueError("bad")), ("send", 1)],
    [("send", None), ("send", 2), ("close", None), ("send", 1)],
    [("send", 5)],
    [("throw", KeyError("early")), ("send", None)],
    [("close", None), ("send", None)],
]


def drive(gen: Any, script: list[tuple[str, Any]]) -> list[tuple[Any, ...]]:
    """What each step of *script* did to *gen*: yielded, returned or raised."""
    outcomes: list[tuple[Any, ...]] = []
    for op, arg in script:
        try:
            value = gen.close() if op == "close" else getattr(gen, op)(arg)
        except StopIteration as stop:
            outcomes.append(("return", stop.value))
        except Exception as exc:
            outcomes.append(("raise", type(exc), str(exc)))
        else:
            outcomes.append(("yield", value))
    return outcomes


async def adrive(agen: Any, script: list[tuple[str, Any]]) -> list[tuple[Any, ...]]:
    """:func:`drive` for an async generator."""
    outcomes: list[tuple[Any, ...]] = []
    for op, arg in script:
        try:
            if op == "close":
                value = await agen.aclose()
            else:
                value = await getattr(agen, "a" + op)(arg)
        except StopAsyncIteration:
            outcomes.append(("return", None))
        except Exception as exc:
            outcomes.append(("raise", type(exc), str(exc)))
        else:
            outcomes.append(("yield", value))
    return outcomes


@pytest.mark.parametrize("script", SCRIPTS)
async def test_send_and_throw_behave_as_undecorated(
    tracer: tracing.Tracer, script: list[tuple[str, Any]]
) -> None:
    """send(), throw() and close() on a traced generator do what they do on the plain one."""
    expected = (drive(accumulate(10), script), await adrive(accumulate_later(10), script))
    actual = (
        drive(trace(accumulate)(10), script),
        await adrive(trace(accumulate_later)(10), script),
    )
    assert expected == actual


@pytest.mark.parametrize("func", [count, count_later])
async def test_streams_record_the_time_to_the_first_item(
    tracer: tracing.Tracer, recorder: Recorder, func: Callable[..., Any]
) -> None:
    """``metrics.time_to_first_item_ms`` is within the span's duration."""
    await run(trace(func), 3)

    (span,) = recorder.spans
    first = span["metrics"]["time_to_first_item_ms"]
    assert (True, True) == (isinstance(first, float), 0 <= first <= span["duration"])


@pytest.mark.parametrize("session_name", [None, "nightly"])
async def test_a_root_call_opens_a_session(
    make_tracer: TracerFactory, recorder: Recorder, session_name: str | None
) -> None:
    """Outside any session a call opens one, named after it (or ``session_name``), as its parent."""
    make_tracer(session_name=session_name)

    trace(add)(1, 2)

    span, session = recorder.events
    expected = {
        "session event_type": "session",
        "session event_id": session["session_id"],
        "session name": session_name or "add",
        "span session_id": session["event_id"],
        "span parent_id": session["event_id"],
        "session parent_id": None,
        "session inputs": span["inputs"],
        "session outputs": span["outputs"],
    }
    actual = {
        "session event_type": session["event_type"],
        "session event_id": session["event_id"],
        "session name": session["event_name"],
        "span session_id": span["session_id"],
        "span parent_id": span["parent_id"],
        "session parent_id": session.get("parent_id"),
        "session inputs": session["inputs"],
        "session outputs": session["outputs"],
    }
    assert expected == actual


@trace
async def inner(x: int) -> int:
    return x + 1


@trace
def inner_sync(x: int) -> int:
    return x + 1


@trace
async def outer(x: int) -> int:
    first = await inner(x)
    return inner_sync(first)


async def test_nested_calls_have_the_enclosing_span_as_parent(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A traced call inside another is its child; one session holds the three events."""
    assert 3 == await outer(1)

    (session,) = recorder.sessions
    ids = {e["event_name"]: e["event_id"] for e in recorder.spans}
    expected = {
        "outer": (session["event_id"], session["event_id"]),
        "inner": (ids["outer"], session["event_id"]),
        "inner_sync": (ids["outer"], session["event_id"]),
    }
    actual = {e["event_name"]: (e["parent_id"], e["session_id"]) for e in recorder.spans}
    assert expected == actual


async def test_a_session_block_records_its_fields(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """``tracer.session(...)`` records a session event with what it was given; calls join it."""
    async with tracer.session(
        "chat",
        inputs={"question": "q"},
        metadata={"team": "t"},
        user_properties={"user": "u"},
        session_id="session-1",
    ) as session:
        await inner(1)

    span, recorded = recorder.events
    fields = ("event_name", "event_type", "event_id", "session_id", "inputs", "metadata")
    expected = (
        ("chat", "session", "session-1", "session-1", {"question": "q"}, {"team": "t"}),
        {"user": "u"},
        ("session-1", "session-1"),
    )
    actual = (
        tuple(recorded.get(field) for field in fields),
        recorded["user_properties"],
        (span["parent_id"], session.session_id),
    )
    assert expected == actual


async def test_times_are_consistent(tracer: tracing.Tracer, recorder: Recorder) -> None:
    """Epoch milliseconds; ``duration`` is ``end_time - start_time``; children within parents."""
    before = time.time() * 1000
    await outer(1)
    after = time.time() * 1000

    by_name = {e["event_name"]: e for e in recorder.spans}
    session = recorder.sessions[0]
    for event in recorder.events:
        assert before - 1 <= event["start_time"] <= event["end_time"] <= after + 1
        assert 0 <= event["duration"]
        assert pytest.approx(event["end_time"] - event["start_time"], abs=1e-3) == event["duration"]
    for child, parent in (("inner", "outer"), ("inner_sync", "outer")):
        assert by_name[parent]["start_time"] <= by_name[child]["start_time"]
        assert by_name[child]["end_time"] <= by_name[parent]["end_time"]
    assert session["start_time"] <= by_name["outer"]["start_time"]
    assert by_name["outer"]["end_time"] <= session["end_time"]


async def test_a_root_call_s_session_keeps_what_it_was_enriched_with(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """Outputs given with enrich_session survive the root call's own outputs."""

    @tracing.trace
    async def root() -> int:
        tracing.enrich_session(outputs={"verdict": "ok"}, metadata={"turn": 1})
        return 7

    await root()

    (session,) = [e for e in recorder.events if e["event_type"] == "session"]
    expected = ({"verdict": "ok", "result": 7}, {"turn": 1})
    assert expected == (session["outputs"], session["metadata"])
