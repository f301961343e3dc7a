"""``HoneyHiveSpanProcessor``: ended OpenTelemetry spans become HoneyHive events.

The processor keeps a small table of the spans that are open (their event
id, parent and session), so that a span knows its place in the tree when
it ends, so that ``tracing`` calls and OpenTelemetry spans can nest in each
other, and so that with ``only_genai`` a span that is not about an LLM is
sent only when an LLM span below it needs it as an ancestor.

Memory stays bounded: at most :data:`MAX_TRACKED` open spans are tracked
(beyond, a span is mapped on its own, with ids from OpenTelemetry's and no
nesting into ``tracing``), and at most :data:`MAX_BUFFERED` ended spans,
each for at most :data:`BUFFER_SECONDS`, wait to learn whether they are needed.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import TYPE_CHECKING, Any, Literal

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.trace import Span as OtelSpan

from ..tracing import Tracer
from ..tracing._bridge import (
    Node,
    Session,
    current_node,
    cut,
    describe,
    emit,
    flush,
    proxy_node,
    send_session,
    trace_session,
    warn_limited,
)
from . import _nesting
from ._ids import event_id, session_id
from ._mapping import is_genai, map_span

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import SpanContext

    from .._batching import EventBatcher

__all__ = ["BUFFER_SECONDS", "MAX_BUFFERED", "MAX_TRACKED", "HoneyHiveSpanProcessor"]

MAX_TRACKED = 100_000
"""Open spans tracked at most (a program that never ends its spans cannot grow the table)."""
MAX_BUFFERED = 10_000
"""Ended non-GenAI spans kept at most while their trace runs, in case a GenAI span needs them."""
BUFFER_SECONDS = 60.0
"""How long an ended non-GenAI span is kept for that at most."""


class _Trace:
    """One trace's open spans here, and its own session (when it has one)."""

    __slots__ = ("live", "session", "session_id", "spans", "waiting")

    def __init__(self) -> None:
        self.spans: dict[int, _Record] = {}
        self.live = 0
        self.session_id = ""  # computed when a root of its own session starts
        self.session: Session | None = None  # for tracing calls nested in the trace's spans
        self.waiting: list[_Record] = []


class _Record:
    """One span: where its event goes, and (once ended, while buffered) the span itself."""

    __slots__ = (
        "anchor",
        "ended_at",
        "event_id",
        "keep",
        "name",
        "own_root",
        "parent",
        "parent_id",
        "proxy",
        "sampled",
        "session",
        "session_id",
        "span",
        "trace",
        "tracer",
    )

    def __init__(self, trace: _Trace, event_id: str, name: str, anchor: Node | None) -> None:
        self.trace = trace
        self.event_id = event_id
        self.name = name
        self.anchor = anchor  # the tracing node current when the span started
        self.parent: _Record | None = None
        self.parent_id = ""
        self.session_id = ""
        self.session: Session | None = None  # the tracing session it joined, if any
        self.tracer: Tracer | None = None
        self.sampled = False
        self.own_root = False  # its event carries the session event along
        self.keep = False
        self.span: ReadableSpan | None = None
        self.proxy: Node | None = None
        self.ended_at = 0.0


class HoneyHiveSpanProcessor(SpanProcessor):
    """Sends the spans of a ``TracerProvider`` to HoneyHive as events.

    Add it to your own provider (``provider.add_span_processor(...)``); it
    never touches the global one. *batcher_or_tracer* is a
    :class:`~honeyhive_async.tracing.Tracer` (its project, source,
    processors, sampling and delivery are used) or an ``EventBatcher``
    (then built inside its running event loop, with ``project`` required).
    With ``only_genai`` (the default) only spans with GenAI/LLM attributes
    and the ancestors they need are sent. The trace is the session.

    Like tracing, it never raises into the instrumented code and never
    waits: an event that cannot be queued is counted and reported.
    """

    def __init__(
        self,
        batcher_or_tracer: Tracer | EventBatcher,
        *,
        project: str | None = None,
        source: str = "dev",
        only_genai: bool = True,
    ) -> None:
        if not isinstance(only_genai, bool):
            raise TypeError(f"only_genai must be a bool, got {only_genai!r}")
        self.tracer = _tracer_for(batcher_or_tracer, project, source)
        self.only_genai = only_genai
        self.filtered = 0
        """Ended spans not sent because ``only_genai`` left them out."""
        self.failed = 0
        """Spans whose attributes could not be mapped (sent without them, logged)."""
        self.untracked = 0
        """Spans that started while :data:`MAX_TRACKED` spans were open."""
        self._lock = threading.Lock()
        self._traces: dict[int, _Trace] = {}
        self._tracked = 0
        self._buffer: collections.deque[_Record] = collections.deque()
        self._closed = False
        _nesting.register(self)

    def __repr__(self) -> str:
        return f"<HoneyHiveSpanProcessor {self.tracer!r} only_genai={self.only_genai}>"

    @property
    def dropped(self) -> int:
        """Events dropped because the queue was full or the batcher closed (the tracer's count)."""
        return self.tracer.dropped

    # -- the SpanProcessor interface -------------------------------------------------

    def on_start(self, span: OtelSpan, parent_context: Context | None = None) -> None:
        """Record where the span's event goes in the tree; never raises."""
        if self._closed:
            return
        try:
            self._start(span)
        except Exception:  # never raise into the instrumented code
            warn_limited("otel-start", "otel bridge: tracking a span failed", exc_info=True)

    def on_end(self, span: ReadableSpan) -> None:
        """Send the span's event (or keep it back, with ``only_genai``); never raises."""
        if self._closed:
            return
        try:
            self._end(span)
        except Exception:
            warn_limited("otel-end", "otel bridge: recording a span failed", exc_info=True)

    def shutdown(self) -> None:
        """Stop: later spans are ignored and held-back ones forgotten (the batcher stays open)."""
        self._closed = True
        _nesting.unregister(self)
        with self._lock:
            self._traces.clear()
            self._buffer.clear()
            self._tracked = 0

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Deliver the events so far within the timeout; whether all were delivered.

        On the batcher's own event loop it cannot wait (that would block the
        loop): it hands the events over and returns ``True``; there, ``await
        processor.tracer.flush()`` instead.
        """
        return flush(self.tracer, timeout_millis / 1000)

    # -- bookkeeping -------------------------------------------------------------------

    def _start(self, span: OtelSpan) -> None:
        context = span.get_span_context()
        parent: SpanContext | None = getattr(span, "parent", None)
        anchor = current_node()
        with self._lock:
            if self._tracked >= MAX_TRACKED:
                self.untracked += 1
                return
            trace = self._traces.get(context.trace_id)
            if trace is None:
                trace = self._traces[context.trace_id] = _Trace()
            record = _Record(
                trace, event_id(context.trace_id, context.span_id), _name(span), anchor
            )
            local = parent is not None and not parent.is_remote
            above = trace.spans.get(parent.span_id) if local and parent is not None else None
            self._place(record, trace, context.trace_id, parent, above)
            trace.spans[context.span_id] = record
            trace.live += 1
            self._tracked += 1

    def _place(
        self,
        record: _Record,
        trace: _Trace,
        trace_id: int,
        parent: SpanContext | None,
        above: _Record | None,
    ) -> None:
        """Choose the record's parent and session: the innermost of tracing and OpenTelemetry."""
        node = record.anchor
        if node is not None and (above is None or above.anchor is not node):
            # a tracing span or session is innermost: nest under it, in its session
            record.parent_id = node.event_id
            record.session = node.session
            record.session_id = node.session.event_id
            record.tracer = node.tracer
            record.sampled = node.session.sampled
        elif above is not None:
            record.parent = above
            record.parent_id = above.event_id
            record.session = above.session
            record.session_id = above.session_id
            record.tracer = above.tracer
            record.sampled = above.sampled
        else:
            if not trace.session_id:
                trace.session_id = session_id(trace_id)
            record.session_id = trace.session_id
            record.tracer = self.tracer
            record.sampled = self.tracer.samples(trace.session_id)
            if parent is None or parent.is_remote:  # a root here: the trace's session is its
                record.parent_id = trace.session_id
                record.own_root = True
            else:  # a parent this processor never saw start: its id is still known
                record.parent_id = event_id(trace_id, parent.span_id)

    def _end(self, span: ReadableSpan) -> None:
        context = span.get_span_context()
        if context is None:
            return
        out: list[tuple[_Record, ReadableSpan]] = []
        with self._lock:
            trace = self._traces.get(context.trace_id)
            record = None if trace is None else trace.spans.pop(context.span_id, None)
            if trace is None or record is None:
                untracked = True
            else:
                untracked = False
                trace.live -= 1
                self._tracked -= 1
                if not self.only_genai or record.keep or is_genai(span.attributes):
                    record.span = span
                    self._keep(record, out)
                else:
                    record.span = span
                    record.ended_at = time.monotonic()
                    self._wait(trace, record)
                if trace.live <= 0:  # no span of it is open here: what waits is not needed
                    del self._traces[context.trace_id]
                    self._forget(trace.waiting)
                self._expire(time.monotonic())
        if untracked:
            self._end_untracked(span)
        for waiting, ended in out:
            self._send(waiting, ended)

    def _keep(self, record: _Record, out: list[tuple[_Record, ReadableSpan]]) -> None:
        """Mark *record* and its ancestors as sent; ended ancestors waiting go out now."""
        node: _Record | None = record
        while node is not None and not node.keep:
            node.keep = True
            if node is not record and node.span is not None:
                out.append((node, node.span))
                node.span = None
            node = node.parent
        if record.span is not None:
            out.append((record, record.span))
            record.span = None

    def _wait(self, trace: _Trace, record: _Record) -> None:
        self._buffer.append(record)
        waiting = trace.waiting
        waiting.append(record)
        if len(waiting) > 2 * MAX_BUFFERED:  # a long trace: drop the ones already gone
            trace.waiting = [r for r in waiting if r.span is not None]

    def _forget(self, records: list[_Record]) -> None:
        for record in records:
            if record.span is not None:
                record.span = None
                self.filtered += 1
        records.clear()

    def _expire(self, now: float) -> None:
        buffer = self._buffer
        while buffer and (len(buffer) > MAX_BUFFERED or buffer[0].ended_at + BUFFER_SECONDS < now):
            record = buffer.popleft()
            if record.span is not None:
                record.span = None
                self.filtered += 1

    def _end_untracked(self, span: ReadableSpan) -> None:
        """A span this processor did not see start: placed by its OpenTelemetry ids alone."""
        if self.only_genai and not is_genai(span.attributes):
            with self._lock:
                self.filtered += 1
            return
        context = span.get_span_context()
        assert context is not None
        record = _Record(_Trace(), "", _name(span), None)
        record.event_id = event_id(context.trace_id, context.span_id)
        parent = span.parent
        self._place(record, record.trace, context.trace_id, parent, None)
        self._send(record, span)

    # -- sending -------------------------------------------------------------------------

    def _send(self, record: _Record, span: ReadableSpan) -> None:
        tracer = record.tracer
        if tracer is None or not record.sampled:
            return
        try:
            fields = map_span(span)
        except Exception as exc:  # a bug in the mapping: the span is sent with what is sure
            self.failed += 1
            reason = f"mapping span {record.name!r} failed: {cut(describe(exc), 500)}"
            warn_limited("otel-map", "otel bridge: %s; sent without its attributes", reason)
            fields = {"event_type": "chain", "inputs": {}, "config": {}}
            fields["metadata"] = {"otel": {"mapping_error": reason}}
        start, end, duration = _times(span)
        event = {
            "event_id": record.event_id,
            "event_name": _name(span),
            "session_id": record.session_id,
            "parent_id": record.parent_id,
            "start_time": start,
            "end_time": end,
            "duration": duration,
            **fields,
        }
        emit(tracer, event)
        if record.own_root:  # its trace's session: enriched by tracing calls nested in it, if any
            trace_id = event["metadata"].get("otel", {}).get("trace_id")
            metadata = {"otel": {"trace_id": trace_id}}
            send_session(tracer, record.session_id, event, record.trace.session, metadata)

    # -- nesting tracing calls under OpenTelemetry spans -------------------------------

    def parent_for(
        self, context: SpanContext, current: Node | None
    ) -> Node | Literal[False] | None:
        """The node a tracing call opens under, inside the span *context*; ``False``: not ours."""
        out: list[tuple[_Record, ReadableSpan]] = []
        with self._lock:
            trace = self._traces.get(context.trace_id)
            record = None if trace is None else trace.spans.get(context.span_id)
            if trace is None or record is None:
                return False
            if current is not None and record.anchor is not current:
                return current  # the tracing node is the innermost
            if record.tracer is None:
                return current
            self._keep(record, out)  # a tracing call below it needs it in the tree
            proxy = record.proxy
            if proxy is None:
                session = record.session
                if session is None:
                    session = trace.session
                    if session is None:
                        session = trace.session = trace_session(
                            record.tracer, record.name, record.session_id, record.sampled
                        )
                    session.sampled = record.sampled
                proxy = record.proxy = proxy_node(
                    record.tracer, session, record.name, record.event_id
                )
        for waiting, ended in out:
            self._send(waiting, ended)
        return proxy


def _name(span: Any) -> str:
    name = getattr(span, "name", None)
    return name if isinstance(name, str) and name else "span"


def _times(span: ReadableSpan) -> tuple[float, float, float]:
    """Start, end (milliseconds since the epoch) and duration (ms), from nanoseconds."""
    start = span.start_time or 0
    end = max(span.end_time or start, start)
    return start / 1e6, end / 1e6, (end - start) / 1e6


def _tracer_for(target: object, project: str | None, source: str) -> Tracer:
    from .._batching import EventBatcher

    if isinstance(target, Tracer):
        if project is not None and project != target.project:
            raise ValueError(
                f"project: the tracer's project is {target.project!r}, got {project!r} "
                "(leave project out when passing a Tracer)"
            )
        if source not in ("dev", target.source):
            raise ValueError(
                f"source: the tracer's source is {target.source!r}, got {source!r} "
                "(leave source out when passing a Tracer)"
            )
        return target
    if isinstance(target, EventBatcher):
        if project is None:
            raise ValueError("project is required when passing an EventBatcher")
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "HoneyHiveSpanProcessor(batcher) must be built inside the event loop the "
                "batcher runs on; without a loop, pass tracing.configure(project=...)"
            ) from None
        return Tracer(target, project=project, source=source, install=False)
    raise TypeError(
        f"batcher_or_tracer must be a tracing.Tracer or an EventBatcher, got {target!r}"
    )
