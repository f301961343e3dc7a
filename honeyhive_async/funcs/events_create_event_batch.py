"""``createEventBatch``: record many events in one request, optionally in one session.

Events without ``event_id`` get a UUID4 before sending, so a retried batch
stores each event once. A typed 500 (some events stored, some refused) is
returned as ``PartialBatchError`` and never retried as a whole.
"""

from __future__ import annotations

from .. import models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._pipeline import Operation, execute, operation
from .._result import Result
from .._retry import IDEMPOTENT
from ..params import CreateEventBatchRequestBodyDict

__all__ = ["OPERATION", "events_create_event_batch"]

OPERATION: Operation[models.CreateEventBatchRequestBody, models.CreateEventBatchResponse] = (
    operation(
        "createEventBatch",
        "POST",
        "/events/batch",
        request_type=models.CreateEventBatchRequestBody,
        response_type=models.CreateEventBatchResponse,
        retry=IDEMPOTENT,
        events_in="events",
        items_in="events",
        partial_failure=True,
    )
)


async def events_create_event_batch(
    core: HoneyHiveCore,
    request: models.CreateEventBatchRequestBody | CreateEventBatchRequestBodyDict,
    /,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[models.CreateEventBatchResponse]:
    """Create a batch of events, optionally all in one session.

    *request* is a :class:`~honeyhive_async.models.CreateEventBatchRequestBody`
    or a dict such as ``{"events": [...], "is_single_session": True}``. ``retries``,
    ``timeout`` (seconds per attempt), ``server_url`` and ``max_response_bytes`` (the
    most bytes of the answer to read) override the core's defaults.

    Returns ``Ok(CreateEventBatchResponse)``, which holds the events' ids in order.
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
