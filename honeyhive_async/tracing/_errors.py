"""What an event keeps of an exception, and of a hook that misbehaved: text that never raises.

An error event keeps ``error`` as ``"Type: message"`` and its formatted
traceback under ``metadata[STACKTRACE]``; both are cut to
:data:`~honeyhive_async._rules.MAX_TEXT_CHARS` and have the API key scrubbed
out. They are made from the user's objects (an exception's ``__str__``, a
processor's name), which may raise anything, ``KeyboardInterrupt``
included: nothing here lets that out.

Standard library only: :mod:`traceback` is imported with the first traceback.
"""

from __future__ import annotations

from typing import Any

from .._fields import STACKTRACE
from .._rules import MAX_TEXT_CHARS
from .._utils import preview, scrub

__all__ = [
    "STACKTRACE",
    "bounded_trace",
    "cut",
    "describe",
    "name_of",
    "stacktrace",
    "type_name",
]


def cut(text: str, limit: int = MAX_TEXT_CHARS, secret: str = "") -> str:
    """*text* with *secret* scrubbed, or its first *limit* characters saying how long it was.

    Only what is kept is scrubbed: a 6 MB message costs no 6 MB search.
    """
    short = preview(text, limit, secret)
    return short if len(text) <= limit else f"{short} ({len(text)} characters)"


def type_name(value: object) -> str:
    """The name of *value*'s type (for messages about a value that cannot be shown)."""
    return str(getattr(type(value), "__name__", "object"))


def describe(error: BaseException) -> str:
    """The ``error`` text of an event that ended with *error* (uncut, unscrubbed)."""
    name = type_name(error)
    if name == "CancelledError":
        return "cancelled (CancelledError)"
    if isinstance(error, GeneratorExit):
        return "cancelled (GeneratorExit: the generator was closed before it was exhausted)"
    try:
        text = str(error)
    except BaseException:  # an exception whose text cannot be made is still recorded
        text = "<str() of the exception failed>"
    return f"{name}: {text}" if text else name


def name_of(hook: Any) -> str:
    """A user's function by name (its ``__qualname__``, else its type's), never raising."""
    try:
        name = getattr(hook, "__qualname__", None)
    except BaseException:
        name = None
    return cut(name, 200) if isinstance(name, str) else type_name(hook)


def stacktrace(error: BaseException, secret: str = "") -> str | None:
    """*error*'s formatted traceback (with its causes), bounded and scrubbed; ``None``: none.

    A cancellation has none. Where the text is longer than the bound, its
    start (the outer frames) and its end (the innermost frames and the
    exception) are kept.
    """
    if isinstance(error, GeneratorExit) or type_name(error) == "CancelledError":
        return None
    try:
        import traceback

        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    except BaseException:  # formatting never fails in practice; a traceback is not worth raising
        return None
    return bounded_trace(text, secret)


def bounded_trace(text: str, secret: str = "") -> str:
    """A traceback's *text*, key scrubbed, cut to its start and end within the bound."""
    if len(text) <= MAX_TEXT_CHARS:
        return scrub(text, secret)
    half = (MAX_TEXT_CHARS - 64) // 2
    room = half + len(secret)  # a key across a cut is still whole here, and scrubbed
    head, tail = scrub(text[:room], secret)[:half], scrub(text[-room:], secret)[-half:]
    return f"{head}\n... ({len(text) - 2 * half} characters cut) ...\n{tail}"
