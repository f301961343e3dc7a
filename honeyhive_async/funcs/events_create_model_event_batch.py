"""``createModelEventBatch``: record many LLM calls in one request.

Model events carry no ids, so like ``createModelEvent`` a batch is retried
only where the server cannot have stored it; a typed 500 is returned as
``PartialBatchError``.
"""

from __future__ import annotations

from .. import models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._pipeline import Operation, execute, operation
from .._result import Result
from .._retry import UNSENT_ONLY
from ..params import CreateModelEventBatchRequestBodyDict

__all__ = ["OPERATION", "events_create_model_event_batch"]

OPERATION: Operation[
    models.CreateModelEventBatchRequestBody, models.CreateModelEventBatchResponse
] = operation(
    "createModelEventBatch",
    "POST",
    "/events/model/batch",
    request_type=models.CreateModelEventBatchRequestBody,
    response_type=models.CreateModelEventBatchResponse,
    retry=UNSENT_ONLY,
    items_in="model_events",
    partial_failure=True,
)


async def events_create_model_event_batch(
    core: HoneyHiveCore,
    request: models.CreateModelEventBatchRequestBody | CreateModelEventBatchRequestBodyDict,
    /,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[models.CreateModelEventBatchResponse]:
    """Create a batch of model events, optionally all in one session.

    *request* is a
    :class:`~honeyhive_async.models.CreateModelEventBatchRequestBody` or a
    dict such as ``{"model_events": [...]}``. ``retries``, ``timeout`` (seconds per
    attempt), ``server_url`` and ``max_response_bytes`` (the most bytes of the answer to
    read) override the core's defaults.

    Returns ``Ok(CreateModelEventBatchResponse)``, which holds their ids.
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
