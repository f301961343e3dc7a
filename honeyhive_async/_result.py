"""``Ok`` and ``Err``: what every standalone operation returns instead of raising.

Two final classes whose ``ok`` is typed ``Literal[True]`` / ``Literal[False]``,
so a type checker narrows ``if res.ok: res.value``. Both take part in
``match`` (``case Ok(value):`` / ``case Err(error):``), and ``unwrap()``
gives the value or raises the error.
"""

from __future__ import annotations

from typing import Generic, Literal, NoReturn, TypeVar, final

from .errors import HoneyHiveError

__all__ = ["Err", "Ok", "Result"]

T = TypeVar("T", covariant=True)
E = TypeVar("E", bound=BaseException, covariant=True)


@final
class Ok(Generic[T]):
    """A successful call: ``value`` is what the operation returned."""

    __slots__ = ("value",)
    __match_args__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    @property
    def ok(self) -> Literal[True]:
        """Always ``True``."""
        return True

    @property
    def error(self) -> None:
        """Always ``None``: a success has no error."""
        return None

    def unwrap(self) -> T:
        """The value."""
        return self.value

    def __repr__(self) -> str:
        return f"Ok({self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ok) and self.value == other.value

    def __hash__(self) -> int:
        return hash((Ok, self.value))


@final
class Err(Generic[E]):
    """A failed call: ``error`` is the exception that describes it (not raised)."""

    __slots__ = ("error",)
    __match_args__ = ("error",)

    def __init__(self, error: E) -> None:
        self.error = error

    @property
    def ok(self) -> Literal[False]:
        """Always ``False``."""
        return False

    @property
    def value(self) -> None:
        """Always ``None``: a failure has no value."""
        return None

    def unwrap(self) -> NoReturn:
        """Raise the error."""
        raise self.error

    def __repr__(self) -> str:
        return f"Err({self.error!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Err) and self.error is other.error

    def __hash__(self) -> int:
        return hash((Err, id(self.error)))


Result = Ok[T] | Err[HoneyHiveError]
"""``Ok[T]`` or ``Err[HoneyHiveError]``: the outcome of one operation."""
