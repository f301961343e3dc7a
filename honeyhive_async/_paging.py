"""Paging through a ``getEvents`` query: the machinery behind ``events_iter_events``.

Shared by the async functions in :mod:`honeyhive_async.funcs` and the
blocking client, which fetches each page on the background loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import attrs

from . import _rules, models
from ._core import HoneyHiveCore
from .funcs.events_get_events import OPERATION, events_get_events
from .params import GetEventsRequestBodyDict

__all__ = ["MAX_PAGE_SIZE", "iter_pages"]

MAX_PAGE_SIZE = _rules.MAX_LIMIT
"""The largest ``limit`` the service accepts per page."""


async def iter_pages(
    core: HoneyHiveCore,
    request: models.GetEventsRequestBody | GetEventsRequestBodyDict,
    page_size: int,
    options: Mapping[str, Any],
) -> AsyncIterator[list[models.Event]]:
    """The matching events a page's list at a time (never an empty one).

    *options* are the per-call options of ``events_get_events`` (``retries``,
    ``timeout``, ``server_url``, ``max_response_bytes``), used for every page.
    """
    body, wanted = _first_page(core, request, page_size)
    page_number = body.page or 1
    size = body.limit or page_size
    seen = (page_number - 1) * size
    while wanted is None or wanted > 0:
        result = await events_get_events(core, body, **options)
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
        raise OPERATION.codec.refuse([("page_size", problem)])
    body = OPERATION.codec.model(request, core.defaults)
    issues = [
        (name, "must be >= 1")
        for name, value in (("page", body.page), ("limit", body.limit))
        if value is not None and value < 1
    ]
    if issues:
        raise OPERATION.codec.refuse(issues)
    page = body.page or 1
    size = min(page_size, body.limit) if body.limit is not None and page == 1 else page_size
    return attrs.evolve(body, limit=size, page=page), body.limit
