"""Every event of a ``getEvents`` query, page after page, not just the first page.

:func:`events_iter_events` yields the events in the server's order and
raises the page's error if one fails after its retries, so a failure is
never mistaken for the end. :func:`events_get_all_events` collects them
into a list and returns the failure as ``Err`` instead.

Paging is by offset: events stored meanwhile *ahead* of the position reached
(in the server's order; the local server's is whole sessions, the latest
first) shift later pages. For a stable read, bound the query with
``date_range`` ``lte`` in the past.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import attrs

from .. import _converter, _rules, models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._result import Err, Ok, Result
from ..errors import HoneyHiveError, RequestValidationError
from .events_get_events import OPERATION, events_get_events

__all__ = ["MAX_PAGE_SIZE", "events_get_all_events", "events_iter_events"]

MAX_PAGE_SIZE = _rules.MAX_LIMIT
"""The largest ``limit`` the service accepts per page."""


async def events_iter_events(
    core: HoneyHiveCore,
    request: models.GetEventsRequestBody | Mapping[str, Any],
    /,
    *,
    page_size: int = 1000,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> AsyncIterator[models.Event]:
    """Yield every event matching *request*, ``page_size`` (at most 7500) per request.

    Starts at ``request.page`` (default 1); stops after ``totalEvents``
    events or a short page. Raises the ``HoneyHiveError`` of an invalid
    request or of a page that failed after its retries (earlier pages were
    already yielded). The options apply to each page's request.
    """
    body = _first_page(request, page_size)
    page_number = body.page or 1
    seen = (page_number - 1) * page_size
    while True:
        result = await events_get_events(
            core,
            body,
            retries=retries,
            timeout=timeout,
            server_url=server_url,
            max_response_bytes=max_response_bytes,
        )
        if not result.ok:
            raise result.error
        page = result.value
        for event in page.events:
            yield event
        seen += len(page.events)
        if len(page.events) < page_size or seen >= page.total_events:
            return
        page_number += 1
        body = attrs.evolve(body, page=page_number)


async def events_get_all_events(
    core: HoneyHiveCore,
    request: models.GetEventsRequestBody | Mapping[str, Any],
    /,
    *,
    page_size: int = 1000,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[list[models.Event]]:
    """Every event matching *request*, all pages; ``Err`` if any page fails.

    The options are those of :func:`events_iter_events`. Holds all events
    in memory: iterate with :func:`events_iter_events` for large exports.
    """
    events = events_iter_events(
        core,
        request,
        page_size=page_size,
        retries=retries,
        timeout=timeout,
        server_url=server_url,
        max_response_bytes=max_response_bytes,
    )
    try:
        return Ok([event async for event in events])
    except HoneyHiveError as error:
        return Err(error)


def _first_page(
    request: models.GetEventsRequestBody | Mapping[str, Any], page_size: int
) -> models.GetEventsRequestBody:
    """*request* as a model whose ``limit`` is *page_size*; or the validation error."""
    if type(page_size) is not int or not 1 <= page_size <= MAX_PAGE_SIZE:
        problem = f"must be an integer from 1 to {MAX_PAGE_SIZE}, got {page_size!r}"
        raise RequestValidationError([("page_size", problem)], operation_id=OPERATION.id)
    # Checked as getEvents checks it, page number included (the rules refuse 0).
    body = _converter.structure_or_refuse(request, models.GetEventsRequestBody, OPERATION.id)
    return attrs.evolve(body, limit=page_size, page=body.page or 1)
