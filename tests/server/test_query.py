"""getEvents: filters, dotted paths, date range, projections and paging."""

from __future__ import annotations

from typing import Any

import pytest

from ._support import Api, golden, make_event, tree_order

SEED = [
    make_event(
        event_id="a",
        event_name="alpha",
        event_type="model",
        start_time=1000,
        duration=10,
        inputs={
            "chat_history": [
                {"role": "system", "content": "Be brief"},
                {"role": "user", "content": "Hello world"},
            ]
        },
        metadata={"cost": 0.5, "ok": True, "when": "2024-05-01T00:00:00Z", "tag": "x"},
    ),
    make_event(
        event_id="b",
        event_name="beta",
        start_time=2000,
        duration=20,
        inputs={"chat_history": [{"role": "user", "content": "bye"}]},
        metadata={"cost": 2, "ok": False, "when": "2024-06-01T12:00:00+02:00", "tag": None},
    ),
    make_event(
        event_id="c",
        event_name="gamma",
        event_type="chain",
        start_time=3000,
        duration=30,
        session_id="s-c",
        error="boom",
        metadata={"cost": "cheap"},
        metrics={"Answer Faithfulness": 4},
    ),
    make_event(event_id="z", project="other", start_time=4000),
]


async def _seed(api: Api, events: list[dict[str, Any]] = SEED) -> None:
    status, body = await api.post("/events/batch", {"events": events})
    assert status == 200, body


def _filter(field: str, operator: str, value: str | None, ftype: str) -> dict[str, Any]:
    raw = {"field": field, "operator": operator, "type": ftype}
    return raw if value is None else {**raw, "value": value}


FILTER_CASES = [
    ("event_type", "is", "model", "string", ["a"]),
    ("event_type", "is not", "model", "string", ["c", "b"]),
    ("event_name", "contains", "ta", "string", ["b"]),
    ("event_name", "not contains", "ta", "string", ["c", "a"]),
    ("event_name", "greater than", "b", "string", ["c", "b"]),
    ("event_name", "less than", "b", "string", ["a"]),
    ("metadata.cost", "is", "0.5", "string", ["a"]),
    ("metadata", "contains", "cheap", "string", ["c"]),
    ("metadata.cost", "greater than", "1", "number", ["b"]),
    ("metadata.cost", "less than", "1", "number", ["a"]),
    ("metadata.cost", "is", "2", "number", ["b"]),
    ("metadata.cost", "is not", "2", "number", ["c", "a"]),
    ("duration", "greater than", "15", "number", ["c", "b"]),
    ("metrics.Answer Faithfulness", "greater than", "3.5", "number", ["c"]),
    ("metadata.ok", "is", "true", "boolean", ["a"]),
    ("metadata.ok", "is", "FALSE", "boolean", ["b"]),
    ("metadata.ok", "is not", "true", "boolean", ["c", "b"]),
    ("metadata.when", "after", "2024-05-15T00:00:00Z", "datetime", ["b"]),
    ("metadata.when", "before", "2024-05-15T00:00:00Z", "datetime", ["a"]),
    ("metadata.when", "is", "2024-06-01T10:00:00Z", "datetime", ["b"]),
    ("metadata.when", "greater than", "2024-04-01T00:00:00", "datetime", ["b", "a"]),
    ("start_time", "after", "1970-01-01T00:00:01.500Z", "datetime", ["c", "b"]),
    ("start_time", "before", "2500", "datetime", ["b", "a"]),
    ("end_time", "less than", "1970-01-01T00:00:02.020Z", "datetime", ["a"]),
    ("session_id", "is", "s-c", "id", ["c"]),
    ("event_id", "is not", "a", "id", ["c", "b"]),
    ("error", "exists", None, "string", ["c"]),
    ("error", "not exists", None, "string", ["b", "a"]),
    ("metadata.tag", "exists", None, "string", ["a"]),
    ("metadata.tag", "not exists", None, "string", ["c", "b"]),
    ("config.missing.deep", "not exists", None, "number", ["c", "b", "a"]),
    ("inputs.chat_history.0.content", "contains", "brief", "string", ["a"]),
    ("inputs.chat_history.1.content", "is", "Hello world", "string", ["a"]),
    ("inputs.chat_history.0.role", "is", "user", "string", ["b"]),
    ("inputs.chat_history.5.role", "exists", None, "string", []),
    ("project_id", "is", "p", "string", ["c", "b", "a"]),
]


@pytest.mark.parametrize(("field", "operator", "value", "ftype", "expected"), FILTER_CASES)
async def test_filter(
    api: Api, field: str, operator: str, value: str | None, ftype: str, expected: list[str]
) -> None:
    """Each operator and type selects the expected events, newest first."""
    await _seed(api)

    status, body = await api.export(filters=[_filter(field, operator, value, ftype)])

    actual = [event["event_id"] for event in body["events"]]
    assert (200, expected, len(expected)) == (status, actual, body["totalEvents"])


async def test_filter_type_defaults_to_string(api: Api) -> None:
    """A filter without type compares as a string."""
    await _seed(api)

    _, body = await api.export(filters=[{"field": "event_name", "operator": "is", "value": "beta"}])

    expected = ["b"]
    assert expected == [event["event_id"] for event in body["events"]]


async def test_filters_combine_with_and(api: Api) -> None:
    """Several filters must all match."""
    await _seed(api)
    filters = [
        _filter("metadata.cost", "greater than", "0", "number"),
        _filter("event_type", "is", "tool", "string"),
    ]

    _, body = await api.export(filters=filters)

    expected = ["b"]
    assert expected == [event["event_id"] for event in body["events"]]


@pytest.mark.parametrize(
    ("project", "expected"), [("p", ["c", "b", "a"]), ("other", ["z"]), ("nope", [])]
)
async def test_query_is_scoped_to_the_project(api: Api, project: str, expected: list[str]) -> None:
    """getEvents only returns events of the named project."""
    await _seed(api)

    _, body = await api.post("/events/export", {"project": project, "filters": []})

    assert expected == [event["event_id"] for event in body["events"]]


@pytest.mark.parametrize(
    ("date_range", "expected"),
    [
        ({}, ["c", "b", "a"]),
        ({"$gte": "1970-01-01T00:00:02Z"}, ["c", "b"]),
        ({"$lte": "1970-01-01T00:00:02.000+00:00"}, ["b", "a"]),
        ({"$gte": "1970-01-01T00:00:01.5Z", "$lte": "1970-01-01T00:00:02.5Z"}, ["b"]),
        ({"$gte": "2024-01-01T00:00:00Z"}, []),
    ],
)
async def test_date_range_bounds_start_time(
    api: Api, date_range: dict[str, str], expected: list[str]
) -> None:
    """dateRange's $gte/$lte bound start_time, inclusively."""
    await _seed(api)

    _, body = await api.export(dateRange=date_range)

    assert expected == [event["event_id"] for event in body["events"]]


async def test_projections_return_only_the_named_fields(api: Api) -> None:
    """Projections keep top-level and dotted fields; a path into a list keeps the list."""
    await _seed(api)
    projections = ["event_id", "metadata.cost", "inputs.chat_history.0.content", "outputs.none"]

    _, body = await api.export(
        projections=projections, filters=[_filter("event_type", "is not", "tool", "string")]
    )

    expected = [
        {"event_id": "c", "metadata": {"cost": "cheap"}},
        {
            "event_id": "a",
            "metadata": {"cost": 0.5},
            "inputs": {"chat_history": SEED[0]["inputs"]["chat_history"]},
        },
    ]
    assert expected == body["events"]


async def test_events_have_every_event_field(api: Api) -> None:
    """Without projections each event carries all fields of the spec's Event."""
    await _seed(api)

    _, body = await api.export()

    fields = {
        "project_id", "source", "event_name", "event_type", "event_id", "session_id",
        "parent_id", "children_ids", "config", "inputs", "outputs", "error", "start_time",
        "end_time", "duration", "metadata", "feedback", "metrics", "user_properties",
    }  # fmt: skip
    assert [fields] * 3 == [set(event) for event in body["events"]]


async def test_pages_are_stable_and_total_counts_all(api: Api) -> None:
    """Pages follow the session-tree order without gaps, and totalEvents counts every match."""
    events = [
        make_event(event_id=f"e{i:02d}", session_id=f"s{i % 4}", start_time=(i // 3) % 5)
        for i in range(25)
    ]
    await _seed(api, events)
    order = sorted(events, key=tree_order(events))

    pages = [await api.export(limit=10, page=page) for page in (1, 2, 3, 4)]

    actual = (
        [event["event_id"] for _, body in pages for event in body["events"]],
        [(status, body["totalEvents"]) for status, body in pages],
    )
    expected = ([e["event_id"] for e in order], [(200, 25)] * 4)
    assert expected == actual


async def test_golden_paging_request(api: Api) -> None:
    """The golden request with filters, date range, projections and page 2 works on real data."""
    request = golden("getEvents.date_range_projections_paging")["request_body"]
    april = 1_712_000_000_000
    events = [
        make_event(
            project="Simple RAG",
            event_type="model",
            event_id=f"m{i:02d}",
            start_time=april + i,
            metadata={"cost": 0.0002},
        )
        for i in range(60)
    ]
    await _seed(
        api, [*events, make_event(project="Simple RAG", event_type="model", start_time=april)]
    )

    status, body = await api.post("/events/export", request)

    expected = [
        {"event_id": f"m{i:02d}", "event_name": "e", "metadata": {"cost": 0.0002}}
        for i in range(9, -1, -1)
    ]
    assert (200, 60, expected) == (status, body["totalEvents"], body["events"])


async def test_whole_numbers_written_as_decimals_are_integers(api: Api) -> None:
    """limit 2.0 and page 2.0 are integers, as in JSON Schema: the second page of two."""
    await _seed(api, [make_event(event_id=f"e{i}", start_time=i) for i in range(4)])

    status, body = await api.export(limit=2.0, page=2.0)

    assert (200, ["e1", "e0"]) == (status, [event["event_id"] for event in body["events"]])


async def test_non_ascii_keys_and_spaced_dates_are_read(api: Api) -> None:
    """A path key may be any non-ASCII text; a date may have spaces around it."""
    await _seed(api, [make_event(event_id="e", start_time=5, feedback={"👍 réponse": 1})])

    status, body = await api.export(
        filters=[_filter("feedback.👍 réponse", "is", "1", "number")],
        dateRange={"$gte": " 1 ", "$lte": "\t1970-01-01T00:00:01Z\n"},
    )

    assert (200, 1) == (status, body["totalEvents"])


async def test_limit_up_to_7500_is_accepted(api: Api) -> None:
    """limit may be as large as 7500."""
    actual = await api.export(limit=7500)

    expected = (200, {"events": [], "totalEvents": 0})
    assert expected == actual


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        ({"limit": 7501}, "limit: must be from 1 to 7500, got 7501"),
        ({"limit": 0}, "limit: must be from 1 to 7500, got 0"),
        ({"limit": 1.5}, "limit: must be an integer"),
        ({"limit": True}, "limit: must be an integer"),
        ({"page": 0}, "page: must be from 1 to 1000000000, got 0"),
        ({"filters": None}, "filters: is required"),
        ({"project": ""}, "project: must not be empty"),
        (
            {"projections": ["metadata..x"]},
            "projections[0]: 'metadata..x' is not a valid field path",
        ),
        (
            {"dateRange": {"$gte": "nope"}},
            "dateRange.$gte: must be an ISO-8601 date-time, got 'nope'",
        ),
        (
            {"filters": [{"field": "event_name", "operator": "like", "value": "x"}]},
            "filters[0].operator: must be one of is, is not",
        ),
        (
            {"filters": [_filter("event_name", "is", "x", "float")]},
            "filters[0].type: must be one of string, number",
        ),
        (
            {"filters": [{"field": "metadata.cost", "operator": "is", "value": 1e-4}]},
            "filters[0].value: must be a string",
        ),
        (
            {"filters": [_filter("event_name", "is", None, "string")]},
            "filters[0].value: is required for this operator",
        ),
        (
            {"filters": [_filter("event_name", "contains", "x", "number")]},
            "filters[0].operator: 'contains' does not apply to type 'number'",
        ),
        (
            {"filters": [_filter("event_name", "after", "x", "string")]},
            "filters[0].operator: 'after' does not apply to type 'string'",
        ),
        (
            {"filters": [_filter("metadata.cost", "is", "abc", "number")]},
            "filters[0].value: must be a decimal number, got 'abc'",
        ),
        (
            {"filters": [_filter("metadata.ok", "is", "yes", "boolean")]},
            "filters[0].value: must be true or false, got 'yes'",
        ),
        (
            {"filters": [_filter("start_time", "after", "yesterday", "datetime")]},
            "filters[0].value: must be an ISO-8601 date-time, got 'yesterday'",
        ),
    ],
)
async def test_bad_query_is_400(api: Api, request_fields: dict[str, Any], message: str) -> None:
    """A bad getEvents request is a 400 whose message names the field."""
    status, body = await api.export(**request_fields)

    expected = (400, "invalid_request", message)
    assert expected == (status, body["error"], body["message"][: len(message)])


@pytest.mark.parametrize(
    "field",
    [
        "",
        "metadata..cost",
        ".cost",
        "metadata.cost.",
        "metadata. cost",
        'metadata."cost"',
        "metadata[0]",
        "metadata.cost'); DROP TABLE events; --",
        "metadata.$.x",
        "metadata.*",
        "a" * 300,
        ".".join(["metadata"] * 17),
        "metdata.cost",
        "event_type.nested",
    ],
)
async def test_bad_filter_field_path_is_400(api: Api, field: str) -> None:
    """A filter field that is not a sane dotted path into an Event is refused."""
    await _seed(api)

    status, body = await api.export(filters=[_filter(field, "is", "x", "string")])

    _, after = await api.export()
    expected = (400, "filters[0].field: ", 3)
    assert expected == (status, body["message"][:18], after["totalEvents"])
