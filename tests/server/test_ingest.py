"""HoneyHive's tracer routes: POST /session/start and OTLP/HTTP traces (JSON and protobuf)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from honeyhive_async.otel import event_id, session_id
from honeyhive_async.server import LocalServer, _otlp

from ._support import Api

TRACE = "5b8efff798038103d269b633813fc60c"
ROOT = "eee19b7ec3c1b174"
CHILD = "eee19b7ec3c1b173"
T0 = 1_700_000_000_000_000_000  # epoch nanoseconds


def kv(key: str, value: Any) -> dict[str, Any]:
    """One OTLP KeyValue in the JSON encoding."""
    if isinstance(value, bool):
        wrapped: dict[str, Any] = {"boolValue": value}
    elif isinstance(value, int):
        wrapped = {"intValue": str(value)}
    elif isinstance(value, float):
        wrapped = {"doubleValue": value}
    else:
        wrapped = {"stringValue": value}
    return {"key": key, "value": wrapped}


def span(span_id: str, name: str, parent: str | None = None, **extra: Any) -> dict[str, Any]:
    """One OTLP span of the trace TRACE, 5 ms long."""
    body: dict[str, Any] = {
        "traceId": TRACE,
        "spanId": span_id,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(T0),
        "endTimeUnixNano": str(T0 + 5_000_000),
    }
    if parent is not None:
        body["parentSpanId"] = parent
    body.update(extra)
    return body


def otlp(*spans: dict[str, Any], resource: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An ExportTraceServiceRequest in the JSON encoding."""
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": resource or []},
                "scopeSpans": [{"scope": {"name": "test"}, "spans": list(spans)}],
            }
        ]
    }


async def stored(server: LocalServer, trace: str = TRACE, span_id: str = ROOT) -> dict[str, Any]:
    """The stored event of one span."""
    event = await server.store.get(event_id(int(trace, 16), int(span_id, 16)))
    assert event is not None
    return event


async def test_session_start_answers_the_session_as_honeyhive_does(
    api: Api, server: LocalServer
) -> None:
    """The answer is the session event, with session_id, org_id, workspace_id and project_id."""
    session = {"project": "p", "session_name": "chat", "source": "dev", "inputs": {"q": "hi"}}

    status, body = await api.post("/session/start", {"session": session})

    assert 200 == status
    assert body["session_id"] == body["event_id"]
    assert ("session", "chat", "p", "local") == (
        body["event_type"],
        body["event_name"],
        body["project_id"],
        body["org_id"],
    )
    stored_session = await server.store.get(body["session_id"])
    assert stored_session is not None
    assert {"q": "hi"} == stored_session["inputs"]


async def test_session_start_keeps_a_given_id_and_fills_defaults(api: Api) -> None:
    """A given session_id is the session's; no project is "default", no name "session"."""
    sid = "0b0e6a6c-5b52-4c3e-8f1e-2a8f2f7d3a11"

    status, body = await api.post("/session/start", {"session": {"session_id": sid}})

    assert (200, sid, "default", "session") == (
        status,
        body["session_id"],
        body["project_id"],
        body["event_name"],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "session: is required"),
        ({"session": []}, "session: must be"),
        ({"session": {"project": ""}}, "session.project"),
        ({"session": {"metadata": "x"}}, "session.metadata"),
        ({"session": {"duration": -1}}, "session.duration"),
    ],
)
async def test_session_start_refuses_bad_bodies(api: Api, body: Any, field: str) -> None:
    """A bad session body is a 400 naming the field."""
    status, answer = await api.post("/session/start", body)

    assert 400 == status
    assert field in answer["message"]


async def test_session_start_then_enrich_session(api: Api, server: LocalServer) -> None:
    """PUT /events with the session's id merges into the session."""
    _, body = await api.post("/session/start", {"session": {"project": "p"}})

    status, _ = await api.call(
        "PUT", "/events", {"event_id": body["session_id"], "metadata": {"user": "u"}}
    )

    session = await server.store.get(body["session_id"])
    assert session is not None
    assert (200, {"user": "u"}) == (status, session["metadata"])


async def test_otlp_json_spans_become_a_tree_in_a_new_session(
    api: Api, server: LocalServer
) -> None:
    """Without /session/start, the trace's session is made; the root hangs from it."""
    root = span(ROOT, "agent", attributes=[kv("honeyhive.project", "p")])
    child = span(CHILD, "search", ROOT, attributes=[kv("honeyhive_event_type", "tool")])

    status, body = await api.post("/opentelemetry/v1/traces", otlp(root, child))

    sid = session_id(int(TRACE, 16))
    root_event, child_event = await stored(server), await stored(server, span_id=CHILD)
    session = await server.store.get(sid)
    assert (200, {"partialSuccess": {}}) == (status, body)
    assert session is not None
    assert ("session", "agent", "p") == (
        session["event_type"],
        session["event_name"],
        session["project_id"],
    )
    assert [root_event["event_id"]] == session["children_ids"]
    assert (sid, sid) == (root_event["parent_id"], root_event["session_id"])
    assert (root_event["event_id"], "tool", "p") == (
        child_event["parent_id"],
        child_event["event_type"],
        child_event["project_id"],
    )
    assert (T0 / 1e6, 5.0) == (root_event["start_time"], root_event["duration"])


async def test_otlp_spans_join_a_started_session_and_take_its_project(
    api: Api, server: LocalServer
) -> None:
    """honeyhive.session_id places spans in the started session, with its project and source."""
    _, started = await api.post(
        "/session/start", {"session": {"project": "q", "source": "prod", "session_name": "s"}}
    )
    sid = started["session_id"]
    root = span(ROOT, "step", attributes=[kv("honeyhive.session_id", sid)])

    status, _ = await api.post("/opentelemetry/v1/traces", otlp(root))

    event = await stored(server)
    session = await server.store.get(sid)
    assert session is not None
    assert (200, sid, sid, "q", "prod") == (
        status,
        event["session_id"],
        event["parent_id"],
        event["project_id"],
        event["source"],
    )
    assert ("s", [event["event_id"]]) == (session["event_name"], session["children_ids"])


async def test_honeyhive_attributes_fill_the_event_fields(api: Api, server: LocalServer) -> None:
    """honeyhive_inputs.* and friends become nested fields; routing attributes stay out."""
    attributes = [
        kv("honeyhive.project", "p"),
        kv("honeyhive_event_type", "model"),
        kv("honeyhive_event_name", "llm call"),
        kv("honeyhive_inputs.chat_history.0.role", "user"),
        kv("honeyhive_inputs.chat_history.0.content", "hi"),
        kv("honeyhive_outputs.role", "assistant"),
        kv("honeyhive_metadata.user.id", 7),
        kv("honeyhive_config.model", "gpt-4o"),
        kv("honeyhive_metrics.score", 0.5),
        kv("honeyhive_feedback.liked", True),
        kv("honeyhive_error", "boom"),
    ]

    await api.post("/opentelemetry/v1/traces", otlp(span(ROOT, "x", attributes=attributes)))

    event = await stored(server)
    assert ("model", "llm call", "boom") == (
        event["event_type"],
        event["event_name"],
        event["error"],
    )
    assert {"chat_history": [{"role": "user", "content": "hi"}]} == event["inputs"]
    assert {"role": "assistant"} == event["outputs"]
    assert {"id": 7} == event["metadata"]["user"]
    assert "honeyhive" not in event["metadata"]
    assert ({"model": "gpt-4o"}, {"score": 0.5}, {"liked": True}) == (
        event["config"],
        event["metrics"],
        event["feedback"],
    )


async def test_genai_span_is_a_model_event(api: Api, server: LocalServer) -> None:
    """GenAI conventions map as in the OpenTelemetry bridge; a failed status is the error."""
    attributes = [
        kv("gen_ai.operation.name", "chat"),
        kv("gen_ai.request.model", "gpt-4o"),
        kv("gen_ai.input.messages", json.dumps([{"role": "user", "content": "hi"}])),
    ]
    body = span(ROOT, "chat", attributes=attributes, status={"code": 2, "message": "rate"})

    await api.post("/opentelemetry/v1/traces", otlp(body))

    event = await stored(server)
    assert ("model", "gpt-4o", "rate") == (
        event["event_type"],
        event["config"]["model"],
        event["error"],
    )
    assert [{"role": "user", "content": "hi"}] == event["inputs"]["chat_history"]


async def test_base64_ids_and_enum_names_are_read(api: Api, server: LocalServer) -> None:
    """protobuf's JSON mapping (base64 ids, enum names) is read like the OTLP JSON encoding."""
    body = span(
        "7uGbfsPBsXQ=",
        "b64",
        traceId="W47/95gDgQPSabYzgT/GDA==",
        kind="SPAN_KIND_CLIENT",
        status={"code": "STATUS_CODE_OK"},
    )

    status, _ = await api.post("/opentelemetry/v1/traces", otlp(body))

    event = await stored(server)
    assert (200, "b64", "client") == (
        status,
        event["event_name"],
        event["metadata"]["otel"]["kind"],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body: is not valid JSON"),
        ({"resourceSpans": {}}, "resourceSpans: must be an array"),
        (otlp(span(ROOT, "x", traceId="abc")), "spans[0].traceId: must be 16 bytes"),
        (otlp(span("00", "x")), "spans[0].spanId: must be 8 bytes"),
        (otlp(span(ROOT, "x", traceId="0" * 32)), "spans[0].traceId: must not be all zeros"),
        (otlp(span(ROOT, "x", parentSpanId="xyz")), "spans[0].parentSpanId"),
        (otlp(span(ROOT, "x", startTimeUnixNano="-1")), "spans[0].startTimeUnixNano"),
        (otlp(span(ROOT, "x", endTimeUnixNano=str(2**64))), "spans[0].endTimeUnixNano"),
        (otlp(span(ROOT, "x", endTimeUnixNano="1e9")), "spans[0].endTimeUnixNano"),
        (otlp(span(ROOT, "x", kind=9)), "spans[0].kind"),
        (otlp({**span(ROOT, "x"), "name": 5}), "spans[0].name: must be a string"),
        (
            otlp(span(ROOT, "x", attributes=[{"key": "a", "value": {"mapValue": 1}}])),
            "attributes[0].value.mapValue: is not an OTLP value type",
        ),
        (
            otlp(span(ROOT, "x", attributes=[{"key": "a", "value": {"intValue": "1.5"}}])),
            "attributes[0].value.intValue: must be a 64-bit integer",
        ),
        (
            otlp(span(ROOT, "x", attributes=[{"key": "a", "value": {"intValue": str(2**63)}}])),
            "attributes[0].value.intValue",
        ),
        (
            otlp(span(ROOT, "x", attributes=[{"key": 1, "value": {}}])),
            "attributes[0].key: must be a string",
        ),
        (
            otlp(span(ROOT, "x", events=[{"name": "e", "timeUnixNano": "x"}])),
            "events[0].timeUnixNano",
        ),
        (
            otlp(span(ROOT, "x", attributes=[kv(".".join(["a"] * 150), "x")])),
            "spans[0].attributes: hold values nested deeper than 100 levels",
        ),
    ],
)
async def test_bad_otlp_is_a_400_naming_the_field_and_loses_nothing(
    api: Api, server: LocalServer, body: Any, field: str
) -> None:
    """Malformed OTLP is refused whole with a 400 naming the field; stored events stay."""
    await api.post("/opentelemetry/v1/traces", otlp(span(CHILD, "kept")))
    kwargs: dict[str, Any] = (
        {"data": body, "headers": {"Content-Type": "application/json"}}
        if isinstance(body, bytes)
        else {"json": body}
    )

    status, answer = await api.call("POST", "/opentelemetry/v1/traces", **kwargs)

    assert 400 == status, answer
    assert field in answer["message"]
    assert 2 == await server.store.count()  # the earlier span and its session


async def test_json_text_nested_too_deep_is_kept_as_text(api: Api, server: LocalServer) -> None:
    """``input.value`` holding JSON nested 150 levels: stored as the text it is, not refused."""
    deep = "[" * 150 + "]" * 150

    status, _ = await api.post(
        "/opentelemetry/v1/traces", otlp(span(ROOT, "x", attributes=[kv("input.value", deep)]))
    )

    event = await stored(server)
    assert (200, {"value": deep}) == (status, event["inputs"])


async def test_unknown_content_type_is_415(api: Api) -> None:
    """A body that is neither JSON nor protobuf is refused with 415."""
    status, body = await api.call(
        "POST", "/opentelemetry/v1/traces", data=b"x", headers={"Content-Type": "text/plain"}
    )

    assert (415, "unsupported_media_type") == (status, body["error"])


async def test_protobuf_without_opentelemetry_proto_is_415(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the optional package, protobuf is a 415 that says what to install."""
    monkeypatch.setattr(_otlp, "protobuf_available", lambda: False)

    status, body = await api.call(
        "POST",
        "/opentelemetry/v1/traces",
        data=b"",
        headers={"Content-Type": "application/x-protobuf"},
    )

    assert 415 == status
    assert "opentelemetry-proto" in body["message"]


async def test_malformed_protobuf_is_400(api: Api) -> None:
    """Bytes that are no ExportTraceServiceRequest are a 400."""
    status, body = await api.call(
        "POST",
        "/opentelemetry/v1/traces",
        data=b"\xff\xff\xff",
        headers={"Content-Type": "application/x-protobuf"},
    )

    assert 400 == status
    assert "protobuf" in body["message"]


# -- the OpenTelemetry SDK's own exporter and encoder -------------------------------------


@pytest.fixture
def recorded() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    """A provider whose ended spans are kept in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"honeyhive.project": "genai"}), shutdown_on_exit=False
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def genai_spans(provider: TracerProvider, exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    """An agent span with a GenAI chat span inside it."""
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("agent"), tracer.start_as_current_span("chat") as chat:
        chat.set_attribute("gen_ai.operation.name", "chat")
        chat.set_attribute("gen_ai.request.model", "gpt-4o")
        chat.set_attribute("gen_ai.usage.input_tokens", 12)
        chat.set_status(Status(StatusCode.OK))
    return list(exporter.get_finished_spans())


async def check_model_event(server: LocalServer, spans: list[ReadableSpan]) -> None:
    """The chat span is stored as a model event under the agent span, in project genai."""
    agent, chat = sorted(spans, key=lambda s: s.name)
    assert agent.context is not None
    assert chat.context is not None
    trace = agent.context.trace_id
    model = await server.store.get(event_id(trace, chat.context.span_id))
    assert model is not None
    assert ("model", "gpt-4o", "genai") == (
        model["event_type"],
        model["config"]["model"],
        model["project_id"],
    )
    assert event_id(trace, agent.context.span_id) == model["parent_id"]
    assert session_id(trace) == model["session_id"]


async def test_the_sdk_otlp_exporter_protobuf_stores_model_events(
    server: LocalServer, recorded: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    """opentelemetry-exporter-otlp-proto-http (protobuf) round-trips GenAI spans."""
    spans = genai_spans(*recorded)
    exporter = OTLPSpanExporter(
        endpoint=f"{server.url}/opentelemetry/v1/traces",
        headers={"Authorization": f"Bearer {server.api_key}"},
        compression=Compression.NoCompression,
    )
    try:
        result = await asyncio.to_thread(exporter.export, spans)
    finally:
        exporter.shutdown()

    assert "SUCCESS" == result.name
    await check_model_event(server, spans)


async def test_the_sdk_encoder_as_json_stores_model_events(
    api: Api, server: LocalServer, recorded: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    """The SDK's own OTLP encoding, written as protobuf JSON (base64 ids), round-trips."""
    spans = genai_spans(*recorded)
    body = json_format.MessageToJson(encode_spans(spans))

    status, _ = await api.call(
        "POST",
        "/opentelemetry/v1/traces",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )

    assert 200 == status
    await check_model_event(server, spans)


def test_otlp_json_needs_no_opentelemetry_package() -> None:
    """Without OpenTelemetry installed, JSON is taken and protobuf is a clear 415."""
    code = textwrap.dedent(
        """
        import asyncio, sys
        for name in ("opentelemetry", "google.protobuf"):
            sys.modules[name] = None  # as if not installed
        import aiohttp
        from honeyhive_async.server import LocalServer

        async def main():
            async with LocalServer() as srv:
                headers = {"Authorization": f"Bearer {srv.api_key}"}
                async with aiohttp.ClientSession(srv.url, headers=headers) as http:
                    url = "/opentelemetry/v1/traces"
                    async with http.post(url, json=BODY) as json_answer:
                        assert json_answer.status == 200, await json_answer.text()
                    proto = {"Content-Type": "application/x-protobuf"}
                    async with http.post(url, data=b"", headers=proto) as proto_answer:
                        assert proto_answer.status == 415, proto_answer.status
                assert await srv.store.count() == 2

        asyncio.run(main())
        """
    )
    body = f"BODY = {otlp(span(ROOT, 'x'))!r}\n"
    subprocess.run([sys.executable, "-c", body + code], check=True, timeout=60)
