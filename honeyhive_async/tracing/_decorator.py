"""``@trace``: record each call of a function (sync, async, generator or async generator).

The wrapper keeps the function's signature, name, docstring and type, and
its kind: a coroutine function stays one, so does a generator function. Its
only cost outside tracing is one check; inside, it opens a span, captures the
bound arguments, and records the outcome. Nothing it does raises into the
traced code: an exception of the function propagates unchanged (the same
object, the same traceback), after being recorded as the event's ``error``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

from ._spans import SPAN_TYPES, Session, Span, SpanType, close_span, open_span
from ._state import CURRENT, warn_limited

__all__ = ["trace"]

F = TypeVar("F", bound=Callable[..., Any])
Binder = Callable[[tuple[Any, ...], dict[str, Any]], dict[str, Any]]

_CO_VARARGS, _CO_VARKEYWORDS = 0x04, 0x08
_CO_GENERATOR, _CO_COROUTINE, _CO_ASYNC_GENERATOR = 0x20, 0x80, 0x200
_MAX_ITEMS = 10_000  # items of a stream kept for its outputs


class _Options:
    __slots__ = (
        "capture_inputs",
        "capture_output",
        "config",
        "event_name",
        "event_type",
        "metadata",
    )

    def __init__(
        self,
        event_name: str | None,
        event_type: str,
        capture_inputs: bool,
        capture_output: bool | Callable[[Any], Any],
        metadata: Mapping[str, Any] | None,
        config: Mapping[str, Any] | None,
    ) -> None:
        if event_name is not None and not isinstance(event_name, str):
            raise TypeError(f"event_name must be a str, got {event_name!r}")
        if event_type not in SPAN_TYPES:
            raise ValueError(f"event_type must be one of {SPAN_TYPES}, got {event_type!r}")
        if not isinstance(capture_output, bool) and not callable(capture_output):
            raise TypeError(f"capture_output must be a bool or a function, got {capture_output!r}")
        for name, value in (("metadata", metadata), ("config", config)):
            if value is not None and not isinstance(value, Mapping):
                raise TypeError(f"{name} must be a mapping, got {value!r}")
        self.event_name = event_name
        self.event_type = event_type
        self.capture_inputs = bool(capture_inputs)
        self.capture_output = capture_output
        self.metadata = None if metadata is None else dict(metadata)
        self.config = None if config is None else dict(config)


@overload
def trace(func: F, /) -> F: ...
@overload
def trace(
    *,
    event_name: str | None = None,
    event_type: SpanType = "chain",
    capture_inputs: bool = True,
    capture_output: bool | Callable[[Any], Any] = True,
    metadata: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
) -> Callable[[F], F]: ...


def trace(
    func: Any = None,
    /,
    *,
    event_name: str | None = None,
    event_type: SpanType = "chain",
    capture_inputs: bool = True,
    capture_output: bool | Callable[[Any], Any] = True,
    metadata: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
) -> Any:
    """Record every call of the decorated function as an event; use bare or with options.

    - ``event_name``: defaults to the function's qualified name.
    - ``event_type``: ``chain`` (default), ``tool`` or ``model``.
    - ``capture_inputs``: record the bound arguments by name (``self``/``cls`` left out).
    - ``capture_output``: record ``{"result": value}``; a function maps the
      value first (a dict it returns is the outputs as they are). For
      generators the value is the list of the items they yielded.
    - ``metadata``, ``config``: recorded with every call.
    """
    options = _Options(event_name, event_type, capture_inputs, capture_output, metadata, config)
    if func is None:
        return lambda f: _decorate(f, options)
    return _decorate(func, options)


def _decorate(func: Any, options: _Options) -> Any:
    if isinstance(func, (classmethod, staticmethod)):
        return type(func)(_decorate(func.__func__, options))
    if not callable(func) or isinstance(func, type):
        raise TypeError(f"@trace decorates functions and methods, got {func!r}")
    name = options.event_name or getattr(func, "__qualname__", None) or repr(func)
    bind = _binder(func)
    flags = getattr(getattr(func, "__code__", None), "co_flags", 0)
    if flags & _CO_ASYNC_GENERATOR:
        return _async_generator(func, name, options, bind)
    if flags & _CO_GENERATOR:
        return _generator(func, name, options, bind)
    if flags & _CO_COROUTINE or _is_coroutine_function(func):
        return _coroutine(func, name, options, bind)
    return _function(func, name, options, bind)


def _is_coroutine_function(func: Any) -> bool:
    """For callables without a code object (partials, callable objects), ask inspect."""
    if hasattr(func, "__code__"):
        return False
    import inspect

    return inspect.iscoroutinefunction(func)


def _binder(func: Any) -> Binder:
    """A fast ``(args, kwargs) -> {parameter: value}`` for *func*, ``self``/``cls`` left out."""
    code = getattr(func, "__code__", None)
    if code is None or hasattr(func, "__wrapped__"):
        return _inspect_binder(func)
    count = code.co_argcount
    names = code.co_varnames[:count]
    index = count + code.co_kwonlyargcount
    star = code.co_varnames[index] if code.co_flags & _CO_VARARGS else None
    double = None
    if code.co_flags & _CO_VARKEYWORDS:
        double = code.co_varnames[index + (star is not None)]
    # The parameters a keyword argument can bind to (not the positional-only ones).
    keywords = frozenset(code.co_varnames[code.co_posonlyargcount : index])
    skip = names[0] if names and names[0] in ("self", "cls") else None

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        bound = dict(zip(names, args, strict=False))
        if star is not None and len(args) > count:
            bound[star] = args[count:]
        if kwargs:
            if double is None:
                bound.update(kwargs)
            else:
                extra = {k: v for k, v in kwargs.items() if k not in keywords}
                bound.update((k, v) for k, v in kwargs.items() if k in keywords)
                if extra:
                    bound[double] = extra
        if skip is not None:
            bound.pop(skip, None)
        return bound

    return bind


def _inspect_binder(func: Any) -> Binder:
    import inspect

    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # a builtin without a signature
        return lambda args, kwargs: {"args": args, **kwargs}
    first = next(iter(signature.parameters), None)
    skip = first if first in ("self", "cls") else None

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        try:
            bound = dict(signature.bind_partial(*args, **kwargs).arguments)
        except TypeError:  # the call itself will fail; record what was passed
            return {"args": args, **kwargs}
        if skip is not None:
            bound.pop(skip, None)
        return bound

    return bind


def _start(span: Span, options: _Options, bind: Binder, args: Any, kwargs: Any) -> None:
    if not span.session.sampled:
        return
    try:
        if options.capture_inputs:
            span.inputs = span.tracer.capture(bind(args, kwargs))
        if options.config is not None:
            span.config = dict(options.config)
        if options.metadata is not None:
            span.metadata = dict(options.metadata)
    except BaseException:  # tracing never raises into the traced code, not even KeyboardInterrupt
        warn_limited("capture", "tracing: capturing the inputs of %r failed", span, exc_info=True)


def _output(span: Span, options: _Options, value: Any) -> None:
    capture = options.capture_output
    if capture is False or not span.session.sampled:
        return
    try:
        if capture is True:
            outputs = {"result": value}
        else:
            mapped = capture(value)
            outputs = mapped if isinstance(mapped, dict) else {"result": mapped}
        span.outputs = {**outputs, **span.outputs} if span.outputs else outputs
    except BaseException:  # capture_output is the user's hook, not the traced code
        warn_limited("capture", "tracing: capturing the output of %r failed", span, exc_info=True)


def _function(func: Any, name: str, options: _Options, bind: Binder) -> Any:
    event_type = options.event_type

    @functools.wraps(func)
    def traced(*args: Any, **kwargs: Any) -> Any:
        opened = open_span(name, event_type)
        if opened is None:
            return func(*args, **kwargs)
        span, session = opened
        _start(span, options, bind, args, kwargs)
        token = CURRENT.set(span)
        try:
            result = func(*args, **kwargs)
        except BaseException as error:
            CURRENT.reset(token)
            close_span(span, session, error)
            raise
        CURRENT.reset(token)
        _output(span, options, result)
        close_span(span, session, None)
        return result

    return traced


def _coroutine(func: Any, name: str, options: _Options, bind: Binder) -> Any:
    event_type = options.event_type

    @functools.wraps(func)
    async def traced(*args: Any, **kwargs: Any) -> Any:
        opened = open_span(name, event_type)
        if opened is None:
            return await func(*args, **kwargs)
        span, session = opened
        _start(span, options, bind, args, kwargs)
        token = CURRENT.set(span)
        try:
            result = await func(*args, **kwargs)
        except BaseException as error:
            CURRENT.reset(token)
            close_span(span, session, error)
            raise
        CURRENT.reset(token)
        _output(span, options, result)
        close_span(span, session, None)
        return result

    return traced


class _Stream:
    """What a traced generator has yielded so far, and when the first item came."""

    __slots__ = ("first_ns", "items", "more")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.more = 0
        self.first_ns = 0

    def add(self, item: Any) -> None:
        if not self.first_ns:
            self.first_ns = time.perf_counter_ns()
        if len(self.items) < _MAX_ITEMS:
            self.items.append(item)
        else:
            self.more += 1

    def close(self, span: Span, session: Session | None, options: _Options, error: Any) -> None:
        if self.first_ns:
            ms = (self.first_ns - span.start_ns) / 1e6
            span.enrich(metrics={"time_to_first_item_ms": ms})
        if self.more:
            span.enrich(metadata={"items_not_recorded": self.more})
        _output(span, options, self.items)  # also after an error: the items so far
        close_span(span, session, error)


def _generator(func: Any, name: str, options: _Options, bind: Binder) -> Any:
    event_type = options.event_type

    @functools.wraps(func)
    def traced(*args: Any, **kwargs: Any) -> Any:
        opened = open_span(name, event_type)
        if opened is None:
            return (yield from func(*args, **kwargs))
        span, session = opened
        _start(span, options, bind, args, kwargs)
        stream, error = _Stream(), None
        try:
            token = CURRENT.set(span)
            try:
                inner = func(*args, **kwargs)
                step, value = inner.send, None
            finally:
                CURRENT.reset(token)
            while True:
                token = CURRENT.set(span)
                try:
                    item = step(value)
                except StopIteration as stop:
                    return stop.value
                finally:
                    CURRENT.reset(token)
                stream.add(item)
                try:
                    value = yield item
                    step = inner.send
                except GeneratorExit:
                    token = CURRENT.set(span)
                    try:
                        inner.close()
                    finally:
                        CURRENT.reset(token)
                    raise
                except BaseException as thrown:
                    step, value = inner.throw, thrown
        except BaseException as exc:
            error = exc
            raise
        finally:
            stream.close(span, session, options, error)

    return traced


def _async_generator(func: Any, name: str, options: _Options, bind: Binder) -> Any:
    event_type = options.event_type

    @functools.wraps(func)
    async def traced(*args: Any, **kwargs: Any) -> Any:
        opened = open_span(name, event_type)
        inner = func(*args, **kwargs)
        if opened is None:
            span = session = None
        else:
            span, session = opened
            _start(span, options, bind, args, kwargs)
        stream, error = _Stream(), None
        step, value = inner.asend, None
        try:
            while True:
                token = None if span is None else CURRENT.set(span)
                try:
                    item = await step(value)
                except StopAsyncIteration:
                    return
                finally:
                    if token is not None:
                        CURRENT.reset(token)
                if span is not None:
                    stream.add(item)
                try:
                    value = yield item
                    step = inner.asend
                except GeneratorExit:
                    await inner.aclose()
                    raise
                except BaseException as thrown:
                    step, value = inner.athrow, thrown
        except BaseException as exc:
            error = exc
            raise
        finally:
            if span is not None:
                stream.close(span, session, options, error)

    return traced
