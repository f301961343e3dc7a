"""The batcher's pure decisions: what each answer to a batch means for each of its events."""

from __future__ import annotations

from typing import Any

import pytest

from honeyhive_async import Err, Ok, models
from honeyhive_async._batching._outcome import (
    Item,
    Step,
    failed_groups,
    maybe_stored,
    reason,
    rejected_indices,
    settle,
)
from honeyhive_async._result import Result
from honeyhive_async._retry import IDEMPOTENT
from honeyhive_async.errors import (
    APIError,
    HoneyHiveError,
    PartialBatchError,
    RequestTimeout,
    RequestValidationError,
    ResponseValidationError,
    TransportError,
)

IDS = ["a", "b", "c", "d"]


def items(kind: Any = "event", count: int = 4) -> list[Item]:
    """*count* queued items with ids a, b, c, d (model events: no ids)."""
    return [Item(kind, IDS[n] if kind == "event" else None, b'{"n":%d}' % n) for n in range(count)]


def api_error(status: int) -> APIError:
    """An error status as the pipeline returns it."""
    return APIError(
        f"HTTP {status}", status_code=status, headers={}, body="", content_type="text/plain"
    )


def partial(event_ids: list[str], errors: list[str]) -> PartialBatchError:
    """The typed batch 500."""
    return PartialBatchError(
        "HTTP 500",
        event_ids=event_ids,
        errors=errors,
        success=False,
        status_code=500,
        headers={},
        body="",
        content_type="application/json",
    )


def batch_ok(ids: list[str]) -> Result[Any]:
    """The batch success answer listing *ids*."""
    return Ok(models.CreateEventBatchResponse(event_ids=ids, session_id="s", success=True))


def shape(step: Step) -> tuple[Any, ...]:
    """*step* with items as their index in :data:`IDS` order (n from the data)."""

    def names(group: list[Item]) -> list[int]:
        return [int(i.data[5:-1]) for i in group]

    failed = [(names(g), why, stored) for g, why, _, stored in step.failed]
    return (names(step.sent), failed, names(step.resend), step.split)


@pytest.mark.parametrize(
    ("kind", "result", "expected"),
    [
        pytest.param("event", batch_ok(IDS), ([0, 1, 2, 3], [], [], False), id="all-acknowledged"),
        pytest.param("event", batch_ok(["a", "c"]), ([0, 2], [], [1, 3], False), id="ids-missing"),
        pytest.param(
            "model_event", batch_ok(["x"]), ([0, 1, 2, 3], [], [], False), id="model-ok-no-ids"
        ),
        pytest.param(
            "event",
            Err(partial(["a"], ["events[2]: bad type"])),
            ([0], [([2], "rejected", False)], [1, 3], False),
            id="partial-events",
        ),
        pytest.param(
            "model_event",
            Err(partial(["x", "y", "z"], ["model_events[1]: bad"])),
            ([0, 2, 3], [([1], "rejected", False)], [], False),
            id="partial-model-all-valid-stored",
        ),
        pytest.param(
            "model_event",
            Err(partial([], ["model_events[1]: bad"])),
            ([], [([1], "rejected", False)], [0, 2, 3], False),
            id="partial-model-none-stored",
        ),
        pytest.param(
            "model_event",
            Err(partial(["x"], [])),
            ([], [([0, 1, 2, 3], "gave_up", True)], [], False),
            id="partial-model-some-stored",
        ),
        pytest.param("event", Err(api_error(413)), ([], [], [], True), id="413-splits"),
        pytest.param(
            "event",
            Err(RequestValidationError([("events[0].x", "bad")])),
            ([], [], [], True),
            id="unencodable-splits",
        ),
        pytest.param(
            "event",
            Err(
                ResponseValidationError(
                    "no ids", status_code=200, headers={}, body="", content_type=""
                )
            ),
            ([], [], [0, 1, 2, 3], False),
            id="unreadable-answer-resends-events",
        ),
        pytest.param(
            "event",
            Err(api_error(503)),
            ([], [([0, 1, 2, 3], "gave_up", True)], [], False),
            id="503-gave-up",
        ),
        pytest.param(
            "event",
            Err(api_error(400)),
            ([], [([0, 1, 2, 3], "rejected", False)], [], False),
            id="400-rejected",
        ),
        pytest.param(
            "event",
            Err(TransportError("Connection refused", sent=False)),
            ([], [([0, 1, 2, 3], "gave_up", False)], [], False),
            id="refused-gave-up",
        ),
    ],
)
def test_settle(kind: Any, result: Result[Any], expected: tuple[Any, ...]) -> None:
    """Each answer sorts the batch's events into sent, failed, resent or split."""
    assert expected == shape(settle(kind, items(kind), result))


@pytest.mark.parametrize(
    ("count", "result", "expected"),
    [
        (1, Err(api_error(413)), ([], [([0], "rejected", False)], [], False)),
        (
            1,
            Err(RequestValidationError([("x", "bad")])),
            ([], [([0], "rejected", False)], [], False),
        ),
    ],
)
def test_one_event_too_large_is_rejected(
    count: int, result: Result[Any], expected: tuple[Any, ...]
) -> None:
    """What would split a batch rejects an event that is alone."""
    assert expected == shape(settle("event", items(count=count), result))


@pytest.mark.parametrize("status", sorted(IDEMPOTENT.statuses))
def test_the_retry_policy_s_statuses_are_transient(status: int) -> None:
    """Every status the retry policy retries is gave_up, never rejected."""
    assert "gave_up" == reason(api_error(status))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (api_error(400), "rejected"),
        (api_error(401), "rejected"),
        (api_error(404), "rejected"),
        (api_error(501), "rejected"),
        (TransportError("reset", sent=True), "gave_up"),
        (RequestTimeout("slow", sent=True), "gave_up"),
        (
            ResponseValidationError("?", status_code=200, headers={}, body="", content_type=""),
            "gave_up",
        ),
        (RequestValidationError([("x", "bad")]), "rejected"),
    ],
)
def test_reason(error: HoneyHiveError, expected: str) -> None:
    """Statuses the retry policy does not retry would come again: rejected."""
    assert expected == reason(error)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TransportError("refused", sent=False), False),
        (TransportError("reset", sent=True), True),
        (api_error(503), True),
        (api_error(429), False),
        (ResponseValidationError("?", status_code=200, headers={}, body="", content_type=""), True),
        (RequestValidationError([("x", "bad")]), False),
    ],
)
def test_maybe_stored(error: HoneyHiveError, expected: bool) -> None:
    """Only a failure after the request may have reached the server may have stored it."""
    assert expected == maybe_stored(error)


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        (["events[3]: event_type: bad"], {3: "event_type: bad"}),
        (["model_events[0]:  no model"], {0: "no model"}),
        (["events[9]: out of range"], {}),
        (["something else", "events[1]"], {1: "no reason given"}),
        (["events[2]: first", "events[2]: second"], {2: "first"}),
    ],
)
def test_rejected_indices(errors: list[str], expected: dict[int, str]) -> None:
    """The positions the server names, with the message stripped of the position."""
    assert expected == rejected_indices(errors, 4)


def test_a_label_starts_the_message() -> None:
    """An item's label (the CLI's file line) names the event in its message."""
    item = Item("event", "a", b'{"event_id":"a"}', label="line 12")

    (group,) = failed_groups([item], "rejected", "the server refused it: bad", False)
    record = group.event(0)

    expected = ("line 12: the server refused it: bad", {"event_id": "a"})
    assert expected == (record.message, record.wire)


@pytest.mark.parametrize(
    ("budget", "expected"),
    [(1_000, (3, 3)), (25, (3, 2)), (12, (3, 1)), (0, (3, 0))],
)
def test_a_group_keeps_every_id_and_the_json_that_fits(
    budget: int, expected: tuple[int, int]
) -> None:
    """Ids for every event; their JSON, in order, while the byte budget lasts (12 bytes each)."""
    items = [Item("event", f"e{n}", b'{"n":"1234"}') for n in range(3)]

    (group,) = failed_groups(items, "gave_up", "down", False, budget)

    assert expected == (len(group.ids), len(group.bodies))
    assert [None] * (3 - expected[1]) == [u.wire for u in group.events()][expected[1] :]


def test_groups_follow_runs_of_one_kind() -> None:
    """Events and model events given up together make one group per run of a kind."""
    items = [Item("event", "a", b"{}"), Item("model_event", None, b"{}"), Item("event", "b", b"{}")]

    groups = failed_groups(items, "pending", "late", False)

    assert ["event", "model_event", "event"] == [g.kind for g in groups]
