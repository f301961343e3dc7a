"""``createModelEvent``: record one LLM call (model, messages, response, usage, cost).

A model event carries no id on the wire, so a failure after the request may
have reached the server is returned, not retried: only a rate limit (429)
or a connection that was never made is tried again.
"""

from __future__ import annotations

from .. import models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._pipeline import Operation, execute, operation
from .._result import Result
from .._retry import UNSENT_ONLY
from ..params import CreateModelEventRequestBodyDict

__all__ = ["OPERATION", "events_create_model_event"]

OPERATION: Operation[models.CreateModelEventRequestBody, models.CreateModelEventResponse] = (
    operation(
        "createModelEvent",
        "POST",
        "/events/model",
        request_type=models.CreateModelEventRequestBody,
        response_type=models.CreateModelEventResponse,
        retry=UNSENT_ONLY,
    )
)


async def events_create_model_event(
    core: HoneyHiveCore,
    request: models.CreateModelEventRequestBody | CreateModelEventRequestBodyDict,
    /,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[models.CreateModelEventResponse]:
    """Create one model event: an LLM call with its messages, response and usage.

    *request* is a :class:`~honeyhive_async.models.CreateModelEventRequestBody`
    or a dict such as ``{"model_event": {"model": ..., "provider": ...}}``. ``retries``,
    ``timeout`` (seconds per attempt), ``server_url`` and ``max_response_bytes`` (the
    most bytes of the answer to read) override the core's defaults.

    Returns ``Ok(CreateEventResponse)``, which holds the new ``event_id``.
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
