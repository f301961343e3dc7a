"""Checked by mypy --strict, never run: the public API's types hold.

``if res.ok:`` narrows a ``Result`` to ``Ok`` (so ``res.value`` is the
value type) and the ``else`` branch to ``Err`` (so ``res.error`` is the
error); ``match`` narrows the same way; the facade returns plain values.
"""

from __future__ import annotations

from typing_extensions import assert_type

from honeyhive_async import Err, HoneyHive, HoneyHiveCore, Ok, errors, funcs, models, params

EVENT: params.CreateEventRequestDict = {"event_name": "n", "event_type": "tool", "duration": 1}


async def standalone(core: HoneyHiveCore) -> str:
    res = await funcs.events_create_event(core, {"event": EVENT})
    if res.ok:
        assert_type(res.value, models.CreateEventResponse)
        return res.value.event_id
    assert_type(res.error, errors.HoneyHiveError)
    return str(res.error)


async def matching(core: HoneyHiveCore) -> int:
    res = await funcs.events_get_events(core, models.GetEventsRequestBody(project="p", filters=[]))
    match res:
        case Ok(value):
            assert_type(value, models.GetEventsResponse)
            return value.total_events
        case Err(error):
            assert_type(error, errors.HoneyHiveError)
            return -1


async def unwrapped(core: HoneyHiveCore) -> None:
    batch = (await funcs.events_create_event_batch(core, {"events": []})).unwrap()
    assert_type(batch.event_ids, list[str])
    updated = await funcs.events_update_event(core, {"event_id": "e"})
    assert_type(updated.unwrap(), None)


async def facade(hh: HoneyHive) -> None:
    created = await hh.events.create_model_event(
        {
            "model_event": {
                "model": "gpt-4o",
                "provider": "openai",
                "messages": [],
                "response": {},
                "duration": 1,
                "usage": {},
            }
        }
    )
    assert_type(created, models.CreateEventResponse)
    page = await hh.events.get_events({"project": "p", "filters": []}, timeout=5.0)
    assert_type(page.events, list[models.Event])


async def unchecked(core: HoneyHiveCore) -> str:
    res = await funcs.events_create_event(core, {"event": EVENT})
    # Without the check the value may be None: the ignore is needed (strict mypy
    # reports unused ignores, so this line fails if narrowing stopped mattering).
    return res.value.event_id  # type: ignore[union-attr]


def lazily_loaded(report_of: object) -> None:
    # The package loads these on first use; type checkers still see the real classes.
    from honeyhive_async import DeliveryReport, RetryConfig, UndeliveredEvent

    assert_type(RetryConfig().max_attempts, int)
    if isinstance(report_of, DeliveryReport):
        assert_type(report_of.undelivered[0], UndeliveredEvent)
    # An unknown name stays an error (the ignore fails if it stops being needed).
    from honeyhive_async import HoneyHiveClient  # type: ignore[attr-defined]  # noqa: F401
