"""``createEvent``: record one event (a model call, a tool call, or a chain step).

An event without ``event_id`` gets a UUID4 before it is sent, so every retry
carries the same id and the server keeps one event; the id is in the
response, and in ``error.request_event_ids`` when the call fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._pipeline import Operation, execute
from .._result import Result
from .._retry import IDEMPOTENT

__all__ = ["OPERATION", "events_create_event"]

OPERATION = Operation(
    id="createEvent",
    method="POST",
    path="/events",
    request_type=models.CreateEventRequestBody,
    response_type=models.CreateEventResponse,
    retry=IDEMPOTENT,
    event_ids_in="event",
)


async def events_create_event(
    core: HoneyHiveCore,
    request: models.CreateEventRequestBody | Mapping[str, Any],
    /,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[models.CreateEventResponse]:
    """Create one event; ``Ok(CreateEventResponse)`` holds its ``event_id``.

    *request* is a :class:`~honeyhive_async.models.CreateEventRequestBody` or
    a mapping with the same field names, e.g. ``{"event": {"project": ...}}``.
    ``retries``, ``timeout`` (seconds per attempt), ``server_url`` and
    ``max_response_bytes`` override the core's defaults for this call.
    """
    return await execute(
        core,
        OPERATION,
        request,
        retries=retries,
        timeout=timeout,
        server_url=server_url,
        max_response_bytes=max_response_bytes,
    )
