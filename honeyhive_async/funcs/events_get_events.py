"""``getEvents``: one page of the events of a project that match filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._pipeline import Operation, execute
from .._result import Result
from .._retry import IDEMPOTENT

__all__ = ["OPERATION", "events_get_events"]

OPERATION = Operation(
    id="getEvents",
    method="POST",
    path="/events/export",
    request_type=models.GetEventsRequestBody,
    response_type=models.GetEventsResponse,
    retry=IDEMPOTENT,
)


async def events_get_events(
    core: HoneyHiveCore,
    request: models.GetEventsRequestBody | Mapping[str, Any],
    /,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[models.GetEventsResponse]:
    """Query events; ``Ok(GetEventsResponse)`` holds ``events`` and ``total_events``.

    *request* is a :class:`~honeyhive_async.models.GetEventsRequestBody` or a
    mapping such as ``{"project": "p", "filters": [...], "date_range":
    {"gte": ..., "lte": ...}, "limit": 100, "page": 2}``. ``retries``,
    ``timeout`` (seconds per attempt), ``server_url`` and ``max_response_bytes``
    (the most bytes of the answer to read) override the core's
    defaults.
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
