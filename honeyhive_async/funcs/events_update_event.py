"""``updateEvent``: merge metadata, feedback, metrics, outputs, config or user properties
into a stored event, or replace its duration.

An update sets the same keys to the same values however often it arrives,
so it is retried like a read.
"""

from __future__ import annotations

from .. import models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._pipeline import Operation, execute, operation
from .._result import Result
from .._retry import IDEMPOTENT
from ..params import UpdateEventRequestBodyDict

__all__ = ["OPERATION", "events_update_event"]

OPERATION: Operation[models.UpdateEventRequestBody, None] = operation(
    "updateEvent",
    "PUT",
    "/events",
    request_type=models.UpdateEventRequestBody,
    response_type=None,
    retry=IDEMPOTENT,
)


async def events_update_event(
    core: HoneyHiveCore,
    request: models.UpdateEventRequestBody | UpdateEventRequestBodyDict,
    /,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[None]:
    """Update the event ``request["event_id"]``: merge fields into it, or replace its duration.

    *request* is a :class:`~honeyhive_async.models.UpdateEventRequestBody` or
    a dict of the same shape. ``retries``, ``timeout`` (seconds per attempt),
    ``server_url`` and ``max_response_bytes`` (the most bytes of the answer to read)
    override the core's defaults.

    Returns ``Ok(None)`` once the server accepted it.
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
