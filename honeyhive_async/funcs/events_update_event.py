"""``updateEvent``: merge metadata, feedback, metrics, outputs, config or user properties
into a stored event, or replace its duration.

An update sets the same keys to the same values however often it arrives,
so it is retried like a read.
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

__all__ = ["OPERATION", "events_update_event"]

OPERATION: Operation[models.UpdateEventRequestBody, None] = Operation(
    id="updateEvent",
    method="PUT",
    path="/events",
    request_type=models.UpdateEventRequestBody,
    response_type=None,
    retry=IDEMPOTENT,
)


async def events_update_event(
    core: HoneyHiveCore,
    request: models.UpdateEventRequestBody | Mapping[str, Any],
    /,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[None]:
    """Update the event ``request["event_id"]``; ``Ok(None)`` once the server accepted it.

    *request* is a :class:`~honeyhive_async.models.UpdateEventRequestBody` or
    a mapping with the same field names. ``retries``, ``timeout`` (seconds
    per attempt), ``server_url`` and ``max_response_bytes`` override the
    core's defaults.
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
