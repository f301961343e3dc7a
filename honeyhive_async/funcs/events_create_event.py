"""``createEvent``: record one event (a model call, a tool call, or a chain step).

An event without ``event_id`` gets a UUID4 before it is sent, so every retry
carries the same id and the server keeps one event; the id is in the
response, and in ``error.request_event_ids`` when the call fails.
"""

from __future__ import annotations

from .. import models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._pipeline import execute, operation
from .._result import Result
from .._retry import IDEMPOTENT
from ..params import CreateEventRequestBodyDict

__all__ = ["OPERATION", "events_create_event"]

OPERATION = operation(
    "createEvent",
    "POST",
    "/events",
    request_type=models.CreateEventRequestBody,
    response_type=models.CreateEventResponse,
    retry=IDEMPOTENT,
    events_in="event",
)


async def events_create_event(
    core: HoneyHiveCore,
    request: models.CreateEventRequestBody | CreateEventRequestBodyDict,
    /,
    *,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[models.CreateEventResponse]:
    """Create one event (a model call, a tool call, a chain step or a session).

    *request* is a :class:`~honeyhive_async.models.CreateEventRequestBody` or
    a dict of the same shape, e.g. ``{"event": {"event_name": ..., ...}}``; ``project``
    and ``source`` default to the core's. ``retries``, ``timeout`` (seconds per
    attempt), ``server_url`` and ``max_response_bytes`` (the most bytes of the answer to
    read) override the core's defaults for this call.

    Returns ``Ok(CreateEventResponse)``, which holds the event's ``event_id``.
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
