"""orjson (the ``speed`` extra) and the standard library give the same JSON, in and out.

Where orjson is installed the codec writes request bodies and reads answers
with it; every value either engine could treat differently goes to the
standard library. These tests run both engines on the same inputs and hold
their outcomes equal: the same JSON value for a request the rules accept,
the same refusal (the same fields named) for one they refuse, and the same
value or the same kind of error for any answer.
"""

from __future__ import annotations

import enum
import json
import math
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honeyhive_async import errors, funcs
from honeyhive_async._defaults import NO_DEFAULTS
from honeyhive_async._utils import _json as engines
from honeyhive_async._utils import json_engine, load_json, set_json_engine

from .strategies import REQUESTS, to_wire_names

orjson = pytest.importorskip("orjson", reason="the speed extra (orjson) is not installed here")

ENGINES = ("orjson", "stdlib")


@pytest.fixture(autouse=True)
def _restore_engine() -> Iterator[None]:
    yield
    set_json_engine(None)


def under(engine: str, work: Callable[[], Any]) -> Any:
    """What *work* gives under *engine*: ``("ok", value)`` or ``("error", ...)``."""
    set_json_engine(engine)
    assert json_engine() == engine
    try:
        return "ok", work()
    except errors.RequestValidationError as error:
        return "refused", sorted(error.issues)
    except (ValueError, RecursionError) as error:
        return "error", type(error).__name__ if not isinstance(error, ValueError) else "ValueError"


def _codec(name: str) -> Any:
    module = getattr(funcs, name).__module__
    return __import__(module, fromlist=["OPERATION"]).OPERATION.codec


def _body(name: str, request: Any) -> Callable[[], Any]:
    def encode() -> Any:
        encoded = _codec(name).encode(to_wire_names(request), NO_DEFAULTS)
        value = json.loads(encoded.body)
        # The ids the SDK makes differ run to run; compare the rest.
        for event in value.get("events", value.get("model_events", [])) or []:
            event.pop("event_id", None) if isinstance(event, dict) else None
        if isinstance(value.get("event"), dict):
            value["event"].pop("event_id", None)
        return value

    return encode


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(REQUESTS)))
def test_every_request_is_encoded_or_refused_alike(data: st.DataObject, name: str) -> None:
    request = data.draw(REQUESTS[name])

    outcomes = [under(engine, _body(name, request)) for engine in ENGINES]

    assert outcomes[0] == outcomes[1]


class Colour(enum.Enum):
    RED = "red"
    NESTED = ("a", 1)


class Level(enum.IntEnum):
    HIGH = 3


class Text(str):
    pass


class Number(int):
    pass


class Mapping(dict):  # type: ignore[type-arg]
    def items(self) -> Any:  # what json's C encoder reads, and orjson does not
        return [("seen", True)]


HOSTILE_VALUES: list[Any] = [
    float("nan"),
    float("inf"),
    -float("inf"),
    2**63,
    2**64,
    -(2**64),
    10**30,
    1e308,
    -0.0,
    5e-324,
    "\ud800",
    "é🙂\x00",
    "null",
    {1: "int key"},
    {None: "null key"},
    {(1, 2): "tuple key"},
    (1, 2),
    Colour.RED,
    Colour.NESTED,
    Level.HIGH,
    Text("sub"),
    Number(7),
    Mapping(a=1),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    datetime(2026, 1, 2, tzinfo=timezone.utc),
    {1, 2},
    b"bytes",
    object(),
]


@settings(max_examples=300, deadline=None)
@given(
    value=st.recursive(
        st.sampled_from(HOSTILE_VALUES) | st.none() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=8,
    ),
    field=st.sampled_from(["inputs", "outputs", "metadata", "config", "user_properties"]),
)
def test_hostile_values_in_free_form_fields_come_out_alike(value: Any, field: str) -> None:
    event = {
        "project": "p",
        "source": "s",
        "event_name": "n",
        "event_type": "tool",
        "config": {},
        "inputs": {},
        "duration": 1,
        "event_id": "e-1",
        field: {"v": value},
    }
    request = {"events": [event, {**event, "event_id": "e-2", field: {}}]}

    outcomes = [under(engine, _body("events_create_event_batch", request)) for engine in ENGINES]

    assert outcomes[0] == outcomes[1]


def test_a_uuid_and_an_enum_member_are_written_as_their_text_and_value() -> None:
    event_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    request = {
        "event": {
            "project": "p",
            "source": "s",
            "event_name": "n",
            "event_type": "tool",
            "config": {},
            "inputs": {"id": event_id, "colour": Colour.RED, "pair": Colour.NESTED},
            "duration": 1,
        }
    }
    for engine in ENGINES:
        kind, body = under(engine, _body("events_create_event", request))
        assert kind == "ok"
        assert body["event"]["inputs"] == {"id": str(event_id), "colour": "red", "pair": ["a", 1]}


def test_nan_is_refused_by_both_although_orjson_would_write_null() -> None:
    event = {"project": "p", "source": "s", "event_name": "n", "event_type": "tool"}
    request = {
        "events": [
            {**event, "config": {}, "inputs": {}, "duration": 1, "metadata": {"x": math.nan}}
        ]
    }

    for engine in ENGINES:
        kind, issues = under(engine, _body("events_create_event_batch", request))
        assert kind == "refused"
        assert [path for path, _ in issues] == ["events[0].metadata.x"]


json_texts = st.one_of(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**25), max_value=10**25)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=10,
    ).map(lambda value: json.dumps(value).encode()),
    st.sampled_from(
        [
            b"NaN",
            b"[Infinity, -Infinity]",
            b"1e400",
            b"18446744073709551616",
            b"-9223372036854775809",
            b'"\\ud800"',
            b'"\xff"',
            b"\xef\xbb\xbf{}",
            b'{"a": 1, "a": 2}',
            b"[" * 2000 + b"]" * 2000,
            b"",
            b"{",
            b" 1 ",
            b'"order 1234567890123456789"',
        ]
    ),
    st.binary(max_size=20),
)


def _read(raw: bytes) -> Callable[[], Any]:
    def read() -> Any:
        value = load_json(raw)
        return json.dumps(value, allow_nan=True), type(value).__name__  # NaN != NaN otherwise

    return read


@settings(max_examples=400, deadline=None)
@given(raw=json_texts)
def test_an_answer_is_read_alike_by_both_engines(raw: bytes) -> None:
    outcomes = [under(engine, _read(raw)) for engine in ENGINES]

    assert outcomes[0] == outcomes[1]
    if outcomes[0][0] == "ok":  # and as the standard library reads it
        assert outcomes[0][1][0] == json.dumps(json.loads(raw.decode()), allow_nan=True)


def test_wide_integers_in_an_answer_stay_integers() -> None:
    set_json_engine("orjson")

    assert load_json(b'{"n": 18446744073709551616}') == {"n": 18446744073709551616}


def test_the_environment_switch_leaves_orjson_unused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(engines.JSON_ENGINE_ENV, "stdlib")
    set_json_engine(None)

    assert json_engine() == "stdlib"
    assert engines.orjson_dumps({"a": 1}) is None
    with pytest.raises(ImportError):
        set_json_engine("orjson")


def test_orjson_writes_the_common_body() -> None:
    set_json_engine("orjson")

    assert engines.orjson_dumps({"a": [1, "é"]}) == b'{"a":[1,"\xc3\xa9"]}'
    assert engines.orjson_dumps({"a": None}) is None  # a null may have been a NaN


@settings(max_examples=300, deadline=None)
@given(
    value=st.recursive(
        st.sampled_from(HOSTILE_VALUES) | st.none() | st.integers() | st.floats() | st.text(),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=3), inner)
            | st.tuples(inner)
        ),
        max_leaves=8,
    ),
    limit=st.sampled_from([40, 1_000, 100_000]),
)
def test_a_traced_value_is_captured_alike_by_both_engines(value: Any, limit: int) -> None:
    from honeyhive_async.tracing._encode import dumps

    # As JSON values: the two write some floats differently (``1e-08``, ``1e-8``).
    outcomes = [under(engine, lambda: json.loads(dumps(value, limit))) for engine in ENGINES]

    assert outcomes[0] == outcomes[1]
