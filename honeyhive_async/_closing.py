"""``async with`` for objects that close with ``await obj.aclose()``."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import TypeVar

__all__ = ["AsyncClosing"]

S = TypeVar("S", bound="AsyncClosing")


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
