"""Checked by mypy --strict, never run: request dicts are checked key by key.

Each ``type: ignore[...]`` below is needed (strict mypy reports an unused
one), so these lines fail if a misspelt or missing key ever stopped being
an error. A request variable annotated with its ``TypedDict`` has the key
named (``typeddict-unknown-key``); a dict written in the call is an
``arg-type`` error, since the parameter takes the model too (mypy picks a
``TypedDict`` out of a union only when the keys fit), while the same call
spelt right passes. The facades keep the functions' parameters and types.
"""

from __future__ import annotations

from datetime import datetime, timezone

from typing_extensions import assert_type

from honeyhive_async import (
    DeliveryReport,
    HoneyHive,
    HoneyHiveCore,
    HoneyHiveSync,
    funcs,
    models,
    params,
)

EVENT: params.CreateEventRequestDict = {
    "event_name": "retrieve",
    "event_type": "tool",
    "duration": 12.5,
    "start_time": datetime.now(timezone.utc),
    "inputs": {"q": "hi"},
}
MISSPELT: params.CreateEventRequestDict = {
    "event_name": "retrieve",
    "event_type": "tool",
    "duration": 12.5,
    "projectt": "p",  # type: ignore[typeddict-unknown-key]
}
NESTED: params.CreateEventBatchRequestBodyDict = {
    "events": [{**EVENT, "evnt_name": "x"}],  # type: ignore[typeddict-unknown-key]
}
QUERY: params.GetEventsRequestBodyDict = {
    "filters": [{"field": "metadata.cost", "operator": "greater than", "value": 0.01}],
    "date_range": {"gte": datetime(2024, 4, 1, tzinfo=timezone.utc)},
    "limt": 10,  # type: ignore[typeddict-unknown-key]
}
UPDATE: params.UpdateEventRequestBodyDict = {
    "event_id": "e",
    "metrcs": {"m": 1},  # type: ignore[typeddict-unknown-key]
}
MISSING: params.UpdateEventRequestBodyDict = {"metrics": {}}  # type: ignore[typeddict-item]
BAD_OPERATOR: params.EventFilterDict = {
    "field": "x",
    "operator": "bigger",  # type: ignore[typeddict-item]
}


async def standalone(core: HoneyHiveCore) -> None:
    await funcs.events_create_event(core, {"event": EVENT})
    await funcs.events_create_event(core, {"evnt": EVENT})  # type: ignore[arg-type]
    await funcs.events_create_event(core, {"event": {**EVENT, "projectt": "p"}})  # type: ignore[arg-type]
    await funcs.events_get_events(core, {"filters": [], "limit": 10})
    await funcs.events_get_events(core, {"filters": [], "limt": 10})  # type: ignore[arg-type]
    await funcs.events_update_event(core, {"event_id": "e", "metrics": {}})
    await funcs.events_update_event(core, {"event_id": "e", "metrcs": {}})  # type: ignore[arg-type]


async def facade(hh: HoneyHive) -> None:
    created = await hh.events.create_event({"event": EVENT})
    assert_type(created, models.CreateEventResponse)
    await hh.events.create_event({"evnt": EVENT})  # type: ignore[arg-type]
    await hh.events.create_event({"event": EVENT}, timeoutt=1)  # type: ignore[call-arg]
    assert_type(await hh.events.get_all_events(QUERY), list[models.Event])


def blocking(hh: HoneyHiveSync) -> None:
    created = hh.events.create_event({"event": EVENT})
    assert_type(created, models.CreateEventResponse)
    page = hh.events.get_events({"filters": [], "limit": 10})
    assert_type(page.total_events, int)
    assert_type(hh.events.update_event({"event_id": "e"}), None)
    hh.events.create_event({"evnt": EVENT})  # type: ignore[arg-type]
    hh.events.get_events({"filters": []}, timeout="5")  # type: ignore[arg-type]
    for event in hh.events.iter_events({"filters": []}):
        assert_type(event, models.Event)
    assert_type(hh.events.get_all_events({"filters": []}), list[models.Event])
    with hh.events.batcher(max_batch_events=10) as batcher:
        assert_type(batcher.add(EVENT), str | None)
        assert_type(
            batcher.add(
                models.CreateModelEvent(
                    project="p",
                    model="m",
                    provider="x",
                    messages=[],
                    response={},
                    duration=1,
                    usage={},
                )
            ),
            None,
        )
    assert_type(batcher.final_report, DeliveryReport | None)
    assert_type(batcher.close(), DeliveryReport)
