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

import attrs

from .. import _converter, _rules, models
from .._config import RetryConfig
from .._core import HoneyHiveCore
from .._normalize import prepare_request
from .._result import Err, Ok, Result
from ..errors import HoneyHiveError, RequestValidationError
from ..params import GetEventsRequestBodyDict
from .events_get_events import OPERATION, events_get_events

__all__ = ["MAX_PAGE_SIZE", "events_get_all_events", "events_iter_events"]

MAX_PAGE_SIZE = _rules.MAX_LIMIT
"""The largest ``limit`` the service accepts per page."""


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
    pages = _iter_pages(
        core,
        request,
        page_size=page_size,
        retries=retries,
        timeout=timeout,
        server_url=server_url,
        max_response_bytes=max_response_bytes,
    )
    async for events in pages:
        for event in events:
            yield event


async def _iter_pages(
    core: HoneyHiveCore,
    request: models.GetEventsRequestBody | GetEventsRequestBodyDict,
    /,
    *,
    page_size: int = 1000,
    retries: RetryConfig | None = None,
    timeout: float | None = None,
    server_url: str | None = None,
    max_response_bytes: int | None = None,
) -> AsyncIterator[list[models.Event]]:
    """The events of :func:`events_iter_events`, a page's list at a time (never an empty one)."""
    body, wanted = _first_page(core, request, page_size)
    page_number = body.page or 1
    size = body.limit or page_size
    seen = (page_number - 1) * size
    while wanted is None or wanted > 0:
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
        events = page.events if wanted is None else page.events[:wanted]
        if events:
            yield events
        seen += len(page.events)
        if wanted is not None:
            wanted -= len(events)
        if len(page.events) < size or seen >= page.total_events:
            return
        page_number += 1
        body = attrs.evolve(body, page=page_number)


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
    pages = _iter_pages(
        core,
        request,
        page_size=page_size,
        retries=retries,
        timeout=timeout,
        server_url=server_url,
        max_response_bytes=max_response_bytes,
    )
    try:
        return Ok([event async for events in pages for event in events])
    except HoneyHiveError as error:
        return Err(error)


def _first_page(
    core: HoneyHiveCore,
    request: models.GetEventsRequestBody | GetEventsRequestBodyDict,
    page_size: int,
) -> tuple[models.GetEventsRequestBody, int | None]:
    """The first page's request and the most events to yield (``None``: all); or the error.

    Pages have ``page_size`` events; a query for fewer events than that from
    its first page asks for only those.
    """
    if type(page_size) is not int or not 1 <= page_size <= MAX_PAGE_SIZE:
        problem = f"must be an integer from 1 to {MAX_PAGE_SIZE}, got {page_size!r}"
        raise RequestValidationError([("page_size", problem)], operation_id=OPERATION.id)
    request = prepare_request(core.defaults, OPERATION.request_type, request, OPERATION.id)
    body = (
        request
        if isinstance(request, models.GetEventsRequestBody)
        else _converter.structure_or_refuse(request, models.GetEventsRequestBody, OPERATION.id)
    )
    issues = [
        (name, "must be >= 1")
        for name, value in (("page", body.page), ("limit", body.limit))
        if value is not None and value < 1
    ]
    if issues:
        raise RequestValidationError(issues, operation_id=OPERATION.id)
    page = body.page or 1
    size = min(page_size, body.limit) if body.limit is not None and page == 1 else page_size
    return attrs.evolve(body, limit=size, page=page), body.limit
