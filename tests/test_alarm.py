"""Rate-limited warnings about deliveries: the first at once, then one per interval."""

from __future__ import annotations

import logging

import pytest

from honeyhive_async._batching._alarm import DeliveryAlarm


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_logged_at_once_then_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    """The first failure logs its cause; the next ones within 30 s are counted into the next."""
    clock = Clock()
    alarm = DeliveryAlarm(interval=30.0, clock=clock)
    caplog.set_level(logging.WARNING, "honeyhive_async")

    alarm.failed("Cannot connect to host [Connection refused]", 10)
    for _ in range(5):
        clock.now += 1
        alarm.failed("Cannot connect to host [Connection refused]", 20)
    clock.now += 30
    alarm.failed("Cannot connect to host [Connection refused]", 30)
    alarm.succeeded()
    alarm.succeeded()

    expected = [
        "EventBatcher: deliveries are failing, retrying (10 events queued): "
        "Cannot connect to host [Connection refused]",
        "EventBatcher: deliveries are failing, retrying (30 events queued): "
        "Cannot connect to host [Connection refused] (5 more like it since the last warning)",
        "EventBatcher: deliveries work again after 7 failed attempts",
    ]
    assert expected == [r.getMessage() for r in caplog.records]


def test_the_cause_is_kept_while_failing() -> None:
    """``cause`` is the latest failure until a delivery succeeds."""
    alarm = DeliveryAlarm(clock=Clock())
    alarm.failed("first", 1)
    alarm.failed("second", 1)
    during = alarm.cause
    alarm.succeeded()

    assert ("second", None) == (during, alarm.cause)


def test_kinds_are_limited_apart(caplog: pytest.LogCaptureFixture) -> None:
    """A warning of one kind does not hold back one of another kind."""
    alarm = DeliveryAlarm(clock=Clock())
    caplog.set_level(logging.WARNING, "honeyhive_async")

    logged = [alarm.warn("a", "one"), alarm.warn("b", "two"), alarm.warn("a", "three")]

    assert ([True, True, False], 1) == (logged, alarm.suppressed("a"))
