"""``with`` and ``async with`` for objects that close with ``close()`` / ``await aclose()``."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import TypeVar

__all__ = ["AsyncClosing", "AsyncResource", "Closing"]

S = TypeVar("S", bound="AsyncClosing")
R = TypeVar("R", bound="AsyncResource")
C = TypeVar("C", bound="Closing")


class AsyncClosing(abc.ABC):
    """Base: ``async with obj:`` returns *obj* and ends with ``await obj.aclose()``."""

    __slots__ = ()

    @abc.abstractmethod
    async def aclose(self) -> object:
        """Release what the object holds (what it returns is the subclass's business)."""

    async def __aenter__(self: S) -> S:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncResource(AsyncClosing):
    """Base: ``async with obj:`` first awaits ``obj.aopen()`` (a server starts, a store opens)."""

    __slots__ = ()

    @abc.abstractmethod
    async def aopen(self) -> None:
        """Acquire what the object needs before use."""

    async def __aenter__(self: R) -> R:
        await self.aopen()
        return self


class Closing(abc.ABC):
    """Base: ``with obj:`` returns *obj* and ends with ``obj.close()`` (the blocking clients)."""

    __slots__ = ()

    @abc.abstractmethod
    def close(self) -> object:
        """Release what the object holds (what it returns is the subclass's business)."""

    def __enter__(self: C) -> C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
