"""When hooks misbehave: processors, values, exception texts, user mappings and names.

Nothing raises into the traced code (``BaseException`` from a user's hook
included; only what the traced function itself raised propagates), the
``event_id`` survives processors, and error text and tracebacks are bounded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honeyhive_async import EventBatcher, HoneyHiveCore, tracing
from honeyhive_async._fields import STACKTRACE
from honeyhive_async._rules import MAX_TEXT_CHARS
from honeyhive_async.server import LocalServer
from tests.tracing.conftest import Recorder, TracerFactory

SECRET = "hh-0123456789abcdef-secret"
LIMIT = MAX_TEXT_CHARS + len("... (6000000 characters)")
HOOK_ERRORS = [KeyboardInterrupt, SystemExit, GeneratorExit, ValueError]


def drop_id(event: dict[str, Any]) -> dict[str, Any]:
    event.pop("event_id")
    return event


def change_id(event: dict[str, Any]) -> dict[str, Any]:
    event["event_id"] = "changed-" + event["event_id"]
    return event


def allow_list(event: dict[str, Any]) -> dict[str, Any]:
    """A redaction processor that keeps only what it knows (and forgets the id)."""
    kept = ("project", "source", "event_name", "event_type", "session_id", "parent_id", "config")
    return {k: event[k] for k in (*kept, "inputs", "start_time", "duration") if k in event}


@tracing.trace
def add(a: int, b: int) -> int:
    return a + b


@pytest.mark.parametrize("processor", [drop_id, change_id, allow_list])
async def test_the_event_id_survives_processors(
    make_tracer: TracerFactory, recorder: Recorder, processor: Any
) -> None:
    """Whatever a processor does to ``event_id``, the event goes out with its own id."""
    make_tracer(processors=[processor])

    with tracing.span("outer") as outer:
        add(1, 2)

    span, [session] = recorder.named("outer"), recorder.sessions
    expected = (outer.event_id, outer.event_id, outer.session_id, [])
    actual = (span["event_id"], recorder.named("add")["parent_id"], session["event_id"])
    assert expected == (*actual, recorder.rejected)


def raising(error: type[BaseException]) -> Any:
    def processor(event: dict[str, Any]) -> dict[str, Any]:
        raise error("from the processor")

    return processor


@pytest.mark.parametrize("error", HOOK_ERRORS)
async def test_a_processor_raising_anything_rejects_the_event_and_returns(
    make_tracer: TracerFactory, recorder: Recorder, error: type[BaseException]
) -> None:
    """KeyboardInterrupt, SystemExit, ...: the call returns, the event is reported, not sent."""
    make_tracer(processors=[raising(error)])

    result = add(1, 2)

    reasons = [(event_id is not None, reason) for event_id, _, reason, _ in recorder.rejected]
    assert (3, [], [(True, "rejected")] * 2) == (result, recorder.raw, reasons)
    message = recorder.rejected[0][3]
    assert (True, True) == (
        message.startswith("processor raising.<locals>.processor failed: "),
        error.__name__ in message,
    )


class DumpRaises:
    """A pydantic-like value whose ``model_dump`` raises what it is given."""

    def __init__(self, error: type[BaseException]) -> None:
        self.error = error

    def model_dump(self, mode: str = "json") -> Any:
        raise self.error("from model_dump")


@tracing.trace
def echo(value: Any, other: int) -> Any:
    return value


@pytest.mark.parametrize("error", HOOK_ERRORS)
async def test_a_value_raising_anything_is_degraded_alone(
    tracer: tracing.Tracer, recorder: Recorder, error: type[BaseException]
) -> None:
    """A value whose model_dump raises: the call returns it, the other arguments are kept."""
    value = DumpRaises(error)

    assert value is echo(value, 7)

    span = recorder.named("echo")
    assert 7 == span["inputs"]["other"]
    kept = (span["inputs"]["value"], span["outputs"]["result"])
    assert (str, str) == tuple(type(text) for text in kept)  # a note or the value's repr


class StrRaises(Exception):
    def __str__(self) -> str:
        raise KeyboardInterrupt


@tracing.trace
def fails_oddly() -> None:
    raise StrRaises


@tracing.trace
def interrupted() -> None:
    raise KeyboardInterrupt


async def test_only_what_the_traced_code_raised_propagates(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """An exception whose __str__ raises KeyboardInterrupt: its own exception propagates."""
    with pytest.raises(StrRaises):
        fails_oddly()
    with pytest.raises(KeyboardInterrupt):
        interrupted()

    errors = (recorder.named("fails_oddly")["error"], recorder.named("interrupted")["error"])
    assert ("StrRaises: <str() of the exception failed>", "KeyboardInterrupt") == errors


@tracing.trace
def huge_error(size: int) -> None:
    raise ValueError(f"key {SECRET} " + "m" * size)


async def test_error_text_and_traceback_are_bounded_and_scrubbed(
    tracer: tracing.Tracer, recorder: Recorder
) -> None:
    """A 6 MB message: ``error`` is cut, the traceback keeps its frames, the key is gone."""
    tracer._sink.secret = SECRET
    with pytest.raises(ValueError, match=r"^key"):
        huge_error(6_000_000)

    span = recorder.named("huge_error")
    error, trace = span["error"], span["metadata"][STACKTRACE]
    assert error.startswith("ValueError: key ***")
    assert error.endswith(f"... ({6_000_017 + len(SECRET)} characters)")
    assert (True, True) == (len(error) <= LIMIT, len(trace) <= MAX_TEXT_CHARS)
    assert trace.startswith("Traceback (most recent call last):")
    assert "huge_error" in trace
    assert "characters cut" in trace
    assert SECRET[:8] not in json.dumps(recorder.events)
    session = recorder.sessions[0]
    assert (error, False) == (session["error"], STACKTRACE in session.get("metadata", {}))


async def test_a_short_traceback_is_kept_whole(tracer: tracing.Tracer, recorder: Recorder) -> None:
    """The traceback is the one Python prints, causes included; error stays "Type: message"."""
    with pytest.raises(ValueError, match=r"^key"):
        huge_error(0)

    span = recorder.named("huge_error")
    trace = span["metadata"][STACKTRACE]
    assert f"ValueError: key {SECRET} " == span["error"]
    assert trace.endswith(f"ValueError: key {SECRET} \n")
    assert 'raise ValueError(f"key {SECRET} " + "m" * size)' in trace


async def test_the_processor_scenarios_against_the_server() -> None:
    """Stored events per scenario: each event exactly once, and the report says all were sent."""
    async with LocalServer() as server:
        core = HoneyHiveCore(bearer_auth=server.api_key, server_url=server.url)
        async with core, EventBatcher(core) as batcher:
            for project, processors in [("drop-id", [drop_id]), ("allow", [allow_list])]:
                tracer = tracing.Tracer(batcher, project=project, processors=processors)
                add(1, 2)
                with pytest.raises(ValueError, match=r"^key"):
                    huge_error(6_000_000)
                report = await tracer.flush()
                tracer.uninstall()
                assert (4, 0) == (report.sent, report.failed)
        stored = await server.store.count()
    assert 8 == stored


# -- hostile mappings through every helper --------------------------------------------------

METHODS = ("__iter__", "__getitem__", "items", "keys", "__len__", "__str__", "__eq__", "__hash__")


class Hostile(Mapping[str, Any]):
    """A mapping whose chosen methods raise the chosen error."""

    def __init__(self, data: dict[str, Any], fail: frozenset[str], error: type[BaseException]):
        self._data, self._fail, self._error = data, fail, error

    def _check(self, method: str) -> None:
        if method in self._fail:
            raise self._error(method)

    def __getitem__(self, key: str) -> Any:
        self._check("__getitem__")
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        self._check("__iter__")
        return iter(self._data)

    def __len__(self) -> int:
        self._check("__len__")
        return len(self._data)

    def items(self) -> Any:
        self._check("items")
        return self._data.items()

    def keys(self) -> Any:
        self._check("keys")
        return self._data.keys()

    def __str__(self) -> str:
        self._check("__str__")
        return "hostile"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        self._check("__eq__")
        return self is other

    def __hash__(self) -> int:
        self._check("__hash__")
        return id(self)


class HostileDict(dict[str, Any]):
    """The same as a dict subclass (the C encoder and ``dict()`` take other paths)."""

    def __init__(self, data: dict[str, Any], fail: frozenset[str], error: type[BaseException]):
        super().__init__(data)
        self._fail, self._error = fail, error

    def _check(self, method: str) -> None:
        if method in self._fail:
            raise self._error(method)

    def __getitem__(self, key: str) -> Any:
        self._check("__getitem__")
        return super().__getitem__(key)

    def __iter__(self) -> Iterator[str]:
        self._check("__iter__")
        return super().__iter__()

    def __len__(self) -> int:
        self._check("__len__")
        return super().__len__()

    def items(self) -> Any:
        self._check("items")
        return super().items()

    def keys(self) -> Any:
        self._check("keys")
        return super().keys()

    def __str__(self) -> str:
        self._check("__str__")
        return "hostile"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        self._check("__eq__")
        return self is other

    def __hash__(self) -> int:  # type: ignore[override]
        self._check("__hash__")
        return id(self)


def use_helpers(tracer: tracing.Tracer, bad: Any, where: str) -> None:
    """Hand *bad* to one helper, inside a traced block; the block must run to its end."""
    session = tracer.session(**{where: bad} if where in ("inputs", "metadata") else {})
    with session, tracing.span("outer") as outer:
        if where == "name":
            with tracing.span(bad):
                pass
            with tracer.session(bad):
                pass
        elif where in ("inputs", "metadata", "config"):
            with tracing.span("inner", **{where: bad}):
                pass
        tracing.enrich(**{where: bad}) if where != "name" else tracing.enrich(metadata=bad)
        tracing.enrich_session(user_properties=bad, feedback=bad)
        outer.enrich(outputs=bad, metrics=bad)
        echo(bad, 1)


data = st.dictionaries(
    st.text(max_size=5), st.none() | st.integers() | st.text(max_size=5), max_size=4
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=data,
    fail=st.frozensets(st.sampled_from(METHODS), min_size=1),
    error=st.sampled_from(HOOK_ERRORS),
    kind=st.sampled_from([Hostile, HostileDict]),
    where=st.sampled_from(["inputs", "outputs", "metadata", "config", "name"]),
)
async def test_hostile_mappings_never_raise_into_the_traced_code(
    make_tracer: TracerFactory,
    recorder: Recorder,
    data: dict[str, Any],
    fail: frozenset[str],
    error: type[BaseException],
    kind: Any,
    where: str,
) -> None:
    """Any of a mapping's methods raising anything: every helper returns, every event is sent."""
    recorder.clear()
    tracer = make_tracer()
    try:
        use_helpers(tracer, kind(data, fail, error), where)
    finally:
        tracer.uninstall()

    names = sorted(e["event_name"] for e in recorder.spans)
    expected = {"name": 3, "inputs": 3, "metadata": 3, "config": 3, "outputs": 2}[where]
    assert expected == len(names), names
    assert {"echo", "outer"} <= set(names)
    assert [] == recorder.rejected
