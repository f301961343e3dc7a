"""One model call being recorded, and the wrappers that put it around a client's methods.

A wrapped method opens a ``model`` span (under the current span, or at the
root in a session of its own), calls the client's own method, and records
what came back. A stream is the client's own object, instrumented in place:
its item iterator is wrapped (so ``for``/``async for``, ``with``,
``.close()``, ``.response`` and every helper built on it behave as before)
and its event is finished exactly once, at the end of the stream, on an
error or a cancellation, on ``close()``, or when an abandoned stream is
collected, with what was read so far.

Nothing here raises into the caller: a failure while recording is logged
(at most once per 10 seconds) and the call goes on as if unwrapped.
"""

from __future__ import annotations

import abc
import functools
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

from .._model_event import request_fields, response_fields
from .._spans import Session, Span, close_span, open_span
from .._state import STATE, warn_limited

__all__ = ["Accumulator", "Call", "Route", "is_wrapped", "wrap_copies", "wrap_method"]

_MARK = "__honeyhive_wrapped__"
_RAW_HEADER = "x-stainless-raw-response"  # with_raw_response / with_streaming_response


class Accumulator:
    """What a stream has delivered so far; ``first_ns`` is when its first output came."""

    __slots__ = ("first_ns",)

    def __init__(self) -> None:
        self.first_ns = 0

    def add(self, item: Any) -> None:
        """Take one streamed item (called for every chunk: keep it cheap)."""

    def result(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The reply messages and the usage read so far."""
        return [], None


class Route(abc.ABC):
    """What one API method takes and returns, read into the parts of a model event."""

    provider = ""
    name = ""  # the event_name

    @abc.abstractmethod
    def request(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The model, hyperparameters, tools and chat history of a call's keyword arguments."""

    @abc.abstractmethod
    def response(self, result: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The reply messages and the usage of a complete (not streamed) result."""

    @abc.abstractmethod
    def accumulator(self) -> Accumulator:
        """A fresh accumulator for one stream of this method."""


class Call:
    """One recorded call: its span, its stream's accumulator, and a latch to finish once."""

    __slots__ = ("_once", "acc", "finalizer", "route", "session", "span")

    def __init__(self, route: Route, span: Span, session: Session | None) -> None:
        self.route = route
        self.span = span
        self.session = session
        self.acc: Accumulator | None = None
        self.finalizer: Any = None
        self._once = [True]  # popped by the first finish: list.pop is atomic across threads

    @classmethod
    def open(cls, route: Route, kwargs: Mapping[str, Any]) -> Call | None:
        """A call recorded as a new span, or ``None`` when nothing is to be recorded."""
        try:
            opened = open_span(route.name, "model")
            if opened is None:
                return None
            span, session = opened
            if span.recording:
                fields = request_fields(provider=route.provider, **route.request(kwargs))
                span.inputs = span.tracer.capture(fields["inputs"])
                span.config = fields["config"]
            return cls(route, span, session)
        except Exception:
            warn_limited("llm", "tracing: recording a model call failed", exc_info=True)
            return None

    def fail(self, error: BaseException) -> None:
        """The call raised *error* (it propagates unchanged)."""
        self.finish([], None, error)

    def returned(self, result: Any, streamed: bool) -> Any:
        """Record *result* (instrument it, if it is a stream); returns it, always."""
        try:
            if streamed:
                return self.instrument(result)
            outputs, usage = self.route.response(result)
            self.finish(outputs, usage, None)
        except Exception:
            warn_limited("llm", "tracing: recording a model call failed", exc_info=True)
            self.finish([], None, None)
        return result

    def instrument(self, stream: Any) -> Any:
        """Wrap *stream*'s item iterator and ``close`` in place; the same object is returned."""
        inner = getattr(stream, "_iterator", None)
        if inner is None:  # not a stream this knows: record the call, leave the object alone
            self.finish([], None, None)
            return stream
        self.acc = self.route.accumulator()
        original_close = stream.close
        if hasattr(inner, "__anext__"):
            stream._iterator = _observe_async(self, inner)

            async def aclose() -> None:
                self.end("closed")
                await original_close()

            stream.close = functools.wraps(original_close)(aclose)
        else:
            stream._iterator = _observe(self, inner)

            def close() -> None:
                self.end("closed")
                original_close()

            stream.close = functools.wraps(original_close)(close)
        # An abandoned stream (never read to the end, never closed) ends when it is collected.
        self.finalizer = weakref.finalize(stream, self.end, "abandoned")
        self.finalizer.atexit = False
        return stream

    def end(self, how: str | None) -> None:
        """The stream ended: exhausted (``None``), ``closed`` or ``abandoned``; never raises."""
        try:
            outputs, usage = self.acc.result() if self.acc is not None else ([], None)
        except Exception:
            warn_limited("llm", "tracing: reading a model stream failed", exc_info=True)
            outputs, usage = [], None
        self.finish(outputs, usage, None, how)

    def stream_failed(self, error: BaseException) -> None:
        """The stream raised *error* while it was read: record what came before it."""
        try:
            outputs, usage = self.acc.result() if self.acc is not None else ([], None)
        except Exception:
            outputs, usage = [], None
        self.finish(outputs, usage, error)

    def finish(
        self,
        outputs: list[dict[str, Any]],
        usage: Mapping[str, Any] | None,
        error: BaseException | None,
        how: str | None = None,
    ) -> None:
        """Record the outcome and end the span, the first time only; never raises."""
        try:
            self._once.pop()
        except IndexError:
            return
        span = self.span
        try:
            if self.finalizer is not None:
                self.finalizer.detach()
            if span.recording:
                acc = self.acc
                first = None if acc is None or not acc.first_ns else acc.first_ns
                fields = response_fields(
                    outputs=outputs,
                    usage=usage,
                    time_to_first_token_ms=None if first is None else (first - span.start_ns) / 1e6,
                )
                if how is not None:
                    fields["metadata"]["stream_end"] = how
                # Set, not merged: this span is never current, so nothing else enriches it.
                span.outputs = fields["outputs"] or None
                span.metadata = fields["metadata"] or None
                span.metrics = fields["metrics"] or None
        except Exception:
            warn_limited("llm", "tracing: recording a model call failed", exc_info=True)
        close_span(span, self.session, error)


def _observe(call: Call, inner: Iterator[Any]) -> Iterator[Any]:
    """The stream's items, each shown to the accumulator first."""
    add = call.acc.add  # type: ignore[union-attr]
    try:
        for item in inner:
            try:
                add(item)
            except Exception:  # a chunk of a shape this does not know: keep streaming
                warn_limited("llm", "tracing: reading a model stream failed", exc_info=True)
            yield item
    except GeneratorExit:
        call.end("abandoned")
        raise
    except BaseException as error:
        call.stream_failed(error)
        raise
    call.end(None)


async def _observe_async(call: Call, inner: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The async stream's items, each shown to the accumulator first."""
    add = call.acc.add  # type: ignore[union-attr]
    try:
        async for item in inner:
            try:
                add(item)
            except Exception:
                warn_limited("llm", "tracing: reading a model stream failed", exc_info=True)
            yield item
    except GeneratorExit:
        call.end("abandoned")
        raise
    except BaseException as error:  # CancelledError too: recorded as cancelled
        call.stream_failed(error)
        raise
    call.end(None)


def _passes_through(kwargs: Mapping[str, Any]) -> bool:
    """Whether a call goes through unrecorded: tracing is off, or it is a raw-response call."""
    if not STATE.enabled:
        return True
    headers = kwargs.get("extra_headers")
    if headers:
        try:
            return any(str(key).lower() == _RAW_HEADER for key in headers)
        except Exception:
            return True
    return False


def wrap_method(method: Callable[..., Any], route: Route, is_async: bool) -> Callable[..., Any]:
    """*method* (a client's bound method) recorded as one model event per call."""
    if is_async:

        async def acall(*args: Any, **kwargs: Any) -> Any:
            if _passes_through(kwargs):
                return await method(*args, **kwargs)
            call = Call.open(route, kwargs)
            if call is None:
                return await method(*args, **kwargs)
            try:
                result = await method(*args, **kwargs)
            except BaseException as error:
                call.fail(error)
                raise
            return call.returned(result, kwargs.get("stream") is True)

        wrapper: Callable[..., Any] = acall
    else:

        def call_(*args: Any, **kwargs: Any) -> Any:
            if _passes_through(kwargs):
                return method(*args, **kwargs)
            call = Call.open(route, kwargs)
            if call is None:
                return method(*args, **kwargs)
            try:
                result = method(*args, **kwargs)
            except BaseException as error:
                call.fail(error)
                raise
            return call.returned(result, kwargs.get("stream") is True)

        wrapper = call_
    wrapper = functools.wraps(method)(wrapper)
    setattr(wrapper, _MARK, True)
    return wrapper


def is_wrapped(method: Any) -> bool:
    """Whether *method* is already one of these wrappers (wrapping twice records once)."""
    return bool(getattr(method, _MARK, False))


def wrap_copies(client: Any, wrap: Callable[[Any], Any]) -> None:
    """Make *client*'s ``with_options()`` and ``copy()`` return wrapped clients too.

    Each makes a new client with resources of its own, which the wrapping
    of *client* does not reach.
    """
    for name in ("with_options", "copy"):
        method = getattr(client, name, None)
        if method is None or is_wrapped(method):
            continue
        setattr(client, name, _copier(method, wrap))


def _copier(method: Callable[..., Any], wrap: Callable[[Any], Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def copied(*args: Any, **kwargs: Any) -> Any:
        return wrap(method(*args, **kwargs))

    setattr(copied, _MARK, True)
    return copied
