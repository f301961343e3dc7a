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

from collections.abc import AsyncIterator

from .. import models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._paging import MAX_PAGE_SIZE, iter_pages
from .._result import Err, Ok, Result
from ..errors import HoneyHiveError
from ..params import GetEventsRequestBodyDict

__all__ = ["MAX_PAGE_SIZE", "events_get_all_events", "events_iter_events"]


async def events_iter_events(
    core: HoneyHiveCore,
    request: models.GetEventsRequestBody | GetEventsRequestBodyDict,
    /,
    *,
    page_size: int = 1000,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> AsyncIterator[models.Event]:
    """Yield every event matching *request*, ``page_size`` (at most 7500) per request.

    The request's ``limit``, when set, is the most events to yield in all
    (not a page size). Starts at ``request.page`` (pages of ``page_size``;
    default 1); stops after ``totalEvents`` events, a short page, or
    ``limit``. Raises the ``HoneyHiveError`` of an invalid request or of a
    page that failed after its retries (earlier pages were already
    yielded). The options apply to each page's request.
    """
    options = {
        "retries": retries,
        "timeout": timeout,
        "server_url": server_url,
        "max_response_bytes": max_response_bytes,
    }
    pages = iter_pages(core, request, page_size, options)
    async for events in pages:
        for event in events:
            yield event


async def events_get_all_events(
    core: HoneyHiveCore,
    request: models.GetEventsRequestBody | GetEventsRequestBodyDict,
    /,
    *,
    page_size: int = 1000,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> Result[list[models.Event]]:
    """Every event matching *request*, all pages: at most its ``limit``, if it has one.

    The options are those of :func:`events_iter_events`; a page that fails
    after its retries ends the call with its error. Holds all events in
    memory: iterate with :func:`events_iter_events` for large exports.

    Returns ``Ok(list[Event])``.
    """
    options = {
        "retries": retries,
        "timeout": timeout,
        "server_url": server_url,
        "max_response_bytes": max_response_bytes,
    }
    pages = iter_pages(core, request, page_size, options)
    try:
        return Ok([event async for events in pages for event in events])
    except HoneyHiveError as error:
        return Err(error)
