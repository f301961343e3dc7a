"""``getEvents``: one page of the events of a project that match filters."""

from __future__ import annotations

from .. import models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._pipeline import execute, operation
from .._result import Result
from .._retry import IDEMPOTENT
from ..params import GetEventsRequestBodyDict

__all__ = ["OPERATION", "events_get_events"]

OPERATION = operation(
    "getEvents",
    "POST",
    "/events/export",
    request_type=models.GetEventsRequestBody,
    response_type=models.GetEventsResponse,
    retry=IDEMPOTENT,
)


async def events_get_events(
    core: HoneyHiveCore,
    request: models.GetEventsRequestBody | GetEventsRequestBodyDict,
    /,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[models.GetEventsResponse]:
    """Query one page of the events of a project that match filters.

    *request* is a :class:`~honeyhive_async.models.GetEventsRequestBody` or a
    dict such as ``{"project": "p", "filters": [...], "date_range": {"gte": ..., "lte":
    ...}, "limit": 100, "page": 2}``; ``project`` defaults to the core's. ``retries``,
    ``timeout`` (seconds per attempt), ``server_url`` and ``max_response_bytes`` (the
    most bytes of the answer to read) override the core's defaults.

    Returns ``Ok(GetEventsResponse)``, which holds ``events`` and ``total_events``.
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
