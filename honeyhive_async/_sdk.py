"""``HoneyHive``: the class facade, whose methods return values and raise errors.

It shares the standalone functions' code path: each method is the function
of the same name in :mod:`honeyhive_async.funcs` with its ``Result``
unwrapped, as the TypeScript SDK's class does. The methods are made from
the functions (:func:`facade_method`), so that their parameters, types and
documentation have one home; ``help()`` and editors show them as the
function's, without the core.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiohttp

from . import funcs, models
from ._batching._batcher import EventBatcher
from ._config import RetryConfig
from ._core import BearerAuth, HoneyHiveCore
from ._result import Result
from ._utils import AsyncClosing
from .params import GetEventsRequestBodyDict

__all__ = ["Events", "HoneyHive", "core_for", "facade_method"]

P = ParamSpec("P")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_OK = re.compile(r"``Ok\(([^`]*)\)``")


def facade_method(
    func: Callable[..., Awaitable[Result[Any]]], method: F, *, blocking: bool = False
) -> F:
    """*method* dressed as *func* without its core: name, signature and documentation.

    The signature is the function's from its second parameter on, returning
    the ``Ok`` value's type; the documentation says that errors are raised
    (and, for the blocking client, that the call waits).
    """
    method.__name__ = func.__name__.removeprefix("events_")
    method.__qualname__ = f"{'SyncEvents' if blocking else 'Events'}.{method.__name__}"
    method.__module__ = __name__ if not blocking else "honeyhive_async._sync._client"
    signature = inspect.signature(func, eval_str=True)
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    parameters = [self, *list(signature.parameters.values())[1:]]
    returns = typing.get_args(typing.get_args(signature.return_annotation)[0])[0]
    returns = None if returns is type(None) else returns
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=returns
    )
    doc = _OK.sub(lambda m: "``None``" if m[1] == "None" else f"the ``{m[1]}``", func.__doc__ or "")
    raises = (
        f"Raises the :mod:`~honeyhive_async.errors` error that "
        f":func:`~honeyhive_async.funcs.{func.__name__}` returns as ``Err``."
    )
    if blocking:
        raises += " Blocks until done; must not be called inside a running event loop."
    method.__doc__ = f"{inspect.cleandoc(doc)}\n\n{raises}"
    return method


def _raising(
    func: Callable[Concatenate[HoneyHiveCore, P], Awaitable[Result[T]]],
) -> Callable[Concatenate[Events, P], Coroutine[Any, Any, T]]:
    """A method running *func* on the facade's core that returns the value or raises."""

    async def method(self: Events, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return (await func(self.core, *args, **kwargs)).unwrap()

    return facade_method(func, method)


def core_for(
    owner: str, core: HoneyHiveCore | None, options: Mapping[str, Any]
) -> tuple[HoneyHiveCore, bool]:
    """The core a client uses and whether it owns it (and closes it).

    A given *core* is used as it is, so *options* (those not ``None``) must be
    empty: they would be silently ignored. Otherwise a core is made of them.
    """
    given = sorted(name for name, value in options.items() if value is not None)
    if core is None:
        return HoneyHiveCore(**{k: v for k, v in options.items() if v is not None}), True
    if not isinstance(core, HoneyHiveCore):
        raise TypeError(f"core must be a HoneyHiveCore, got {type(core).__name__}")
    if given:
        raise TypeError(
            f"{owner}(core=...) takes no other options, got {', '.join(given)}: "
            "set them on the core (or leave out core=)"
        )
    return core, False


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
        request: models.GetEventsRequestBody | GetEventsRequestBodyDict,
        /,
        *,
        page_size: int = 1000,
        retries: RetryConfig | None = None,
        timeout: float | None = None,
        server_url: str | None = None,
        max_response_bytes: int | None = None,
    ) -> AsyncIterator[models.Event]:
        """Every event matching *request*, page after page (``limit``: the most in all).

        As :func:`~honeyhive_async.funcs.events_iter_events`: raises a
        failed page's error, after the pages before it.
        """
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

    Takes the same options as :class:`HoneyHiveCore`, or an existing
    ``core=`` (and then no other option), which it uses and never closes;
    close it with ``async with`` or ``await hh.aclose()``. For code without
    an event loop, :class:`~honeyhive_async.HoneyHiveSync` offers the same.
    """

    __slots__ = ("_owns_core", "core", "events")

    def __init__(
        self,
        *,
        bearer_auth: BearerAuth | None = None,
        server_url: str | None = None,
        retry_config: RetryConfig | None = None,
        timeout: float | None = None,
        session: aiohttp.ClientSession | None = None,
        project: str | None = None,
        source: str | None = None,
        core: HoneyHiveCore | None = None,
        **options: Any,
    ) -> None:
        self.core, self._owns_core = core_for(
            "HoneyHive",
            core,
            {
                "bearer_auth": bearer_auth,
                "server_url": server_url,
                "retry_config": retry_config,
                "timeout": timeout,
                "session": session,
                "project": project,
                "source": source,
                **options,
            },
        )
        self.events = Events(self.core)

    def __repr__(self) -> str:
        return f"HoneyHive({self.core!r})"

    async def aclose(self) -> None:
        """Close the core's session, unless the core was given. Safe to call twice."""
        if self._owns_core:
            await self.core.aclose()
