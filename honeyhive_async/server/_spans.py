"""Decoded OTLP spans -> the events to store, and the sessions they belong to.

Spans become events through the OpenTelemetry bridge's mapping
(``map_values`` from :mod:`honeyhive_async.otel._bridge`, which also reads
HoneyHive's ``honeyhive_*`` attributes); their ids are the bridge's
(uuid5 of the trace and span ids) unless the tracer named them
(``honeyhive_event_id``). A span's session is its ``honeyhive.session_id``
(else the trace's); a root span's parent is its session; project and
source come from the span or its resource, else from its stored session.
The mapping is standard-library code: the OpenTelemetry SDK is not needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._rules import MAX_DEPTH
from .._utils import nests_within
from ..otel._bridge import ROUTING, event_id, map_values, session_id
from ._events import Event, build_event, build_session, now_ms
from ._ingest import DEFAULT_PROJECT
from ._otlp import Span
from ._validate import Invalid

__all__ = ["by_session", "session_for", "span_events"]

_DEFAULT_SOURCE = "otel"
_TOO_DEEP = f"hold values nested deeper than {MAX_DEPTH} levels"


def _first(attributes: Mapping[str, Any], names: Iterable[str]) -> str | None:
    for name in names:
        value = attributes.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def span_events(spans: list[Span]) -> list[Event]:
    """The events of decoded spans, in their order (ids and parents resolved among them)."""
    own_ids = {}
    for span in spans:
        values = span.values
        named = _first(values.attributes, ROUTING["event_id"])
        if named and values.trace_id is not None and values.span_id is not None:
            own_ids[(values.trace_id, values.span_id)] = named
    now = now_ms()
    return [_event(span, own_ids, now) for span in spans]


def _event(span: Span, own_ids: Mapping[tuple[int, int], str], now: int) -> Event:
    values = span.values
    trace, span_id = values.trace_id or 0, values.span_id or 0
    attributes = {**span.resource, **values.attributes}
    session = _first(attributes, ROUTING["session_id"]) or session_id(trace)
    if values.parent_span_id is None:
        parent = session
    else:
        key = (trace, values.parent_span_id)
        parent = own_ids.get(key) or event_id(*key)
    try:
        fields = map_values(values)
    except RecursionError:
        raise Invalid((*span.path, "attributes"), _TOO_DEEP) from None
    start, end = values.start_time / 1e6, span.end_time / 1e6
    raw: dict[str, Any] = {
        "event_name": span.name or "span",
        **fields,
        "project": _first(attributes, ROUTING["project"]) or "",
        "source": _first(attributes, ROUTING["source"]) or "",
        "event_id": own_ids.get((trace, span_id)) or event_id(trace, span_id),
        "session_id": session,
        "parent_id": parent,
        "start_time": start,
        "end_time": end,
        "duration": end - start,
    }
    if values.start_time == 0:
        raw.pop("start_time")
        raw["duration"] = 0
        raw.pop("end_time")
    event = build_event(_clean(raw), now=now)
    if not nests_within(event, MAX_DEPTH):
        raise Invalid((*span.path, "attributes"), _TOO_DEEP)
    return event


def by_session(events: list[Event]) -> dict[str, list[Event]]:
    """*events* grouped by their session, in order."""
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(event["session_id"], []).append(event)
    return groups


def session_for(
    session: str, events: list[Event], stored: Mapping[str, Any] | None, spans: list[Span]
) -> Event:
    """The session event for *events* (stored: its new children only); fills in their
    project and source, from *stored*, the session stored already, when they name none."""
    project = (stored or {}).get("project_id") or next(
        (e["project"] for e in events if e["project"]), DEFAULT_PROJECT
    )
    source = (stored or {}).get("source") or next(
        (e["source"] for e in events if e["source"]), _DEFAULT_SOURCE
    )
    for event in events:
        event["project"] = event["project"] or project
        event["source"] = event["source"] or source
    roots = [e for e in events if e["parent_id"] == session]
    names = (_first(s.values.attributes, ROUTING["session_name"]) for s in spans)
    name = next((n for n in names if n), None) or (roots[0]["event_name"] if roots else None)
    return build_session({"session_name": name, "source": source}, session, events)


def _clean(value: Any) -> Any:
    """*value* with text that is not valid Unicode mended and numbers that are not finite as text.

    Attribute values that hold JSON are parsed by the mapping, which may
    find ``NaN`` or a lone surrogate escape in them: neither can be stored.
    """
    if isinstance(value, str):
        if value.isascii():
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    return value
