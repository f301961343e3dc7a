"""Events acknowledged with 200 survive ``kill -9`` of a server with a file database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from ._support import Api, cli_server, make_event

_CLIENTS = 4
_ACKED_BEFORE_KILL = 400


async def _ingest(url: str, client: int, acked: list[str], stop: asyncio.Event) -> None:
    """Create events until the server dies, recording every id answered with 200."""
    headers = {"Authorization": "Bearer k"}
    async with aiohttp.ClientSession(url, headers=headers) as session:
        api = Api(session)
        for round_ in range(100_000):
            if stop.is_set():
                return
            ids = [f"c{client}-r{round_}-{i}" for i in range(5)]
            try:
                if round_ % 2:
                    status, _ = await api.post(
                        "/events/batch", {"events": [make_event(event_id=i) for i in ids]}
                    )
                else:
                    ids = ids[:1]
                    status, _ = await api.post("/events", {"event": make_event(event_id=ids[0])})
            except aiohttp.ClientError:
                return
            if status == 200:
                acked.extend(ids)


async def _stored_ids(url: str) -> set[str]:
    async with aiohttp.ClientSession(url, headers={"Authorization": "Bearer k"}) as session:
        status, body = await Api(session).export(limit=7500, projections=["event_id"])
    assert status == 200
    assert body["totalEvents"] == len(body["events"]) < 7500
    return {event["event_id"] for event in body["events"]}


@pytest.mark.slow
async def test_acknowledged_events_survive_sigkill(tmp_path: Path) -> None:
    """SIGKILL mid-ingestion loses no event that was acknowledged with 200."""
    db = str(tmp_path / "events.db")
    acked: list[str] = []
    stop = asyncio.Event()
    async with cli_server("--db", db, "--api-key", "k") as srv:
        clients = [asyncio.create_task(_ingest(srv.url, n, acked, stop)) for n in range(_CLIENTS)]
        for _ in range(1000):
            if len(acked) >= _ACKED_BEFORE_KILL:
                break
            await asyncio.sleep(0.01)
        srv.process.kill()
        await srv.process.wait()
        stop.set()
        await asyncio.gather(*clients)

    async with cli_server("--db", db, "--api-key", "k") as srv:
        stored = await _stored_ids(srv.url)

    assert len(acked) >= _ACKED_BEFORE_KILL
    assert set() == set(acked) - stored
