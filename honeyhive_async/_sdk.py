"""``HoneyHive``: the class facade, whose methods return values and raise errors.

It shares the standalone functions' code path: each method is the function
of the same name in :mod:`honeyhive_async.funcs` with its ``Result``
unwrapped, as the TypeScript SDK's class does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiohttp

from . import funcs, models
from ._batcher import EventBatcher
from ._closing import AsyncClosing
from ._config import RetryConfig
from ._core import BearerAuth, HoneyHiveCore
from ._result import Result

__all__ = ["Events", "HoneyHive"]

P = ParamSpec("P")
T = TypeVar("T")


def _raising(
    func: Callable[Concatenate[HoneyHiveCore, P], Awaitable[Result[T]]],
) -> Callable[Concatenate[Events, P], Coroutine[Any, Any, T]]:
    """A method running *func* on the facade's core that returns the value or raises."""

    async def method(self: Events, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return (await func(self.core, *args, **kwargs)).unwrap()

    method.__name__ = func.__name__.removeprefix("events_")
    method.__qualname__ = f"Events.{method.__name__}"
    method.__doc__ = (func.__doc__ or "").replace("``Ok(", "the value (").replace(
        "Ok(", "("
    ) + "\n\n    Raises the :mod:`~honeyhive_async.errors` error on failure."
    return method


class Events:
    """The Events operations, raising instead of returning a ``Result``."""

    __slots__ = ("core",)

    def __init__(self, core: HoneyHiveCore) -> None:
        self.core = core

    create_event = _raising(funcs.events_create_event)
    update_event = _raising(funcs.events_update_event)
    get_events = _raising(funcs.events_get_events)
    create_model_event = _raising(funcs.events_create_model_event)
    create_event_batch = _raising(funcs.events_create_event_batch)
    create_model_event_batch = _raising(funcs.events_create_model_event_batch)
    get_all_events = _raising(funcs.events_get_all_events)

    def iter_events(
        self,
        request: models.GetEventsRequestBody | Mapping[str, Any],
        /,
        *,
        page_size: int = 1000,
        retries: RetryConfig | None = None,
        timeout: float | None = None,
        server_url: str | None = None,
        max_response_bytes: int | None = None,
    ) -> AsyncIterator[models.Event]:
        """Every event matching *request*, page after page; raises a failed page's error."""
        return funcs.events_iter_events(
            self.core,
            request,
            page_size=page_size,
            retries=retries,
            timeout=timeout,
            server_url=server_url,
            max_response_bytes=max_response_bytes,
        )

    def batcher(self, **options: Any) -> EventBatcher:
        """An :class:`~honeyhive_async.EventBatcher` on this client's core (same options)."""
        return EventBatcher(self.core, **options)


class HoneyHive(AsyncClosing):
    """The HoneyHive client: ``await hh.events.create_event(request)`` and friends.

    Takes the same options as :class:`HoneyHiveCore` (or an existing
    ``core=``); close it with ``async with`` or ``await hh.aclose()``.
    """

    __slots__ = ("core", "events")

    def __init__(
        self,
        *,
        bearer_auth: BearerAuth | None = None,
        server_url: str | None = None,
        retry_config: RetryConfig | None = None,
        timeout: float | None = None,
        session: aiohttp.ClientSession | None = None,
        core: HoneyHiveCore | None = None,
        **options: Any,
    ) -> None:
        self.core = core or HoneyHiveCore(
            bearer_auth=bearer_auth,
            server_url=server_url,
            retry_config=retry_config,
            timeout=timeout,
            session=session,
            **options,
        )
        self.events = Events(self.core)

    def __repr__(self) -> str:
        return f"HoneyHive({self.core!r})"

    async def aclose(self) -> None:
        """Close the core's session. Safe to call twice."""
        await self.core.aclose()
