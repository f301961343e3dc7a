"""Generated OTLP payloads: a 200 or a 400 naming a field, never a server error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ._support import local_api

HEX = "0123456789abcdef"


def mostly(valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """*valid* about four times in five, else *odd*."""
    return st.one_of(valid, valid, valid, valid, odd)


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
anything = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
any_value = st.recursive(
    st.one_of(
        st.builds(lambda v: {"stringValue": v}, st.text(max_size=12) | anything),
        st.builds(lambda v: {"intValue": v}, st.integers() | st.text(max_size=22)),
        st.builds(lambda v: {"doubleValue": v}, st.floats() | st.text(max_size=6)),
        st.builds(lambda v: {"boolValue": v}, anything),
        st.builds(lambda v: {"bytesValue": v}, st.text(max_size=8)),
        st.just({}),
        anything,
    ),
    lambda inner: st.one_of(
        st.builds(lambda vs: {"arrayValue": {"values": vs}}, st.lists(inner, max_size=3)),
        st.builds(
            lambda kvs: {"kvlistValue": {"values": [{"key": k, "value": v} for k, v in kvs]}},
            st.lists(st.tuples(st.text(max_size=6), inner), max_size=3),
        ),
    ),
    max_leaves=6,
)
keys = st.sampled_from(
    [
        "gen_ai.request.model",
        "gen_ai.input.messages",
        "gen_ai.operation.name",
        "input.value",
        "honeyhive.session_id",
        "honeyhive.project",
        "honeyhive_event_type",
        "honeyhive_inputs.a.0",
        "honeyhive_outputs",
        "honeyhive_event_id",
        "llm.input_messages.0.message.content",
        "traceloop.association.properties.x",
    ]
) | st.text(max_size=10)
attributes = st.lists(
    mostly(st.fixed_dictionaries({"key": keys, "value": any_value}), anything), max_size=4
)
span_ids = mostly(
    st.text(HEX, min_size=15, max_size=15).map("1".__add__), anything | st.text(HEX, max_size=33)
)
trace_ids = mostly(st.text(HEX, min_size=31, max_size=31).map("2".__add__), span_ids)
times = mostly(
    st.integers(min_value=0, max_value=2**64 - 1).map(str),
    st.integers(min_value=-1, max_value=2**65) | st.text("0123456789-", max_size=21) | anything,
)
spans = st.fixed_dictionaries(
    {"traceId": trace_ids, "spanId": span_ids},
    optional={
        "parentSpanId": span_ids,
        "name": mostly(st.text(max_size=10), anything),
        "kind": st.integers(-1, 6) | st.sampled_from(["SPAN_KIND_SERVER", "x"]),
        "startTimeUnixNano": times,
        "endTimeUnixNano": times,
        "attributes": mostly(attributes, anything),
        "events": st.lists(
            st.fixed_dictionaries(
                {}, optional={"name": anything, "timeUnixNano": times, "attributes": attributes}
            ),
            max_size=2,
        )
        | anything,
        "status": st.fixed_dictionaries(
            {}, optional={"code": st.integers(-1, 3) | anything, "message": anything}
        )
        | anything,
    },
)
payloads = st.fixed_dictionaries(
    {
        "resourceSpans": st.lists(
            st.fixed_dictionaries(
                {
                    "resource": mostly(st.fixed_dictionaries({"attributes": attributes}), anything),
                    "scopeSpans": st.lists(
                        mostly(
                            st.fixed_dictionaries(
                                {
                                    "scope": st.fixed_dictionaries({"name": st.text(max_size=5)}),
                                    "spans": st.lists(spans, min_size=1, max_size=3),
                                }
                            ),
                            anything,
                        ),
                        min_size=1,
                        max_size=2,
                    ),
                }
            ),
            min_size=1,
            max_size=2,
        )
    }
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()  # NaN and Infinity as JSON's non-standard words


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(payloads, min_size=1, max_size=4))
def test_generated_otlp_is_stored_or_refused_never_a_server_error(
    bodies: list[dict[str, Any]],
) -> None:
    """Each request is a 200 or a 400 with a message; what was stored stays stored."""

    async def run() -> None:
        async with local_api() as (server, api):
            count = 0
            for body in bodies:
                status, answer = await api.call(
                    "POST",
                    "/opentelemetry/v1/traces",
                    data=_dumps(body),
                    headers={"Content-Type": "application/json"},
                )
                assert status in (200, 400), answer
                event(f"status {status}, stored {await server.store.count() > count}")
                after = await server.store.count()
                if status == 400:
                    assert answer["message"]
                    assert count == after
                assert after >= count
                count = after

    asyncio.run(run())
