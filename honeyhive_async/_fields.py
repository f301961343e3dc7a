"""The fields of a HoneyHive event, by wire name, declared once for the whole package.

Which fields a stored event has and of what kind, which are the user-data
objects, which of them ``updateEvent`` merges key by key, which a session
carries (``session_properties``), which an update can set and which
``tracing.enrich`` can set. Tracing's, the OpenTelemetry bridge's and the
local server's lists, the client's field checks and the server's OpenAPI
schemas derive from these. Constants only, with no import at all: tracing
(standard library only) reads it too.

The typed declarations stay where a reader and a type checker look for
them, and ``tests/test_fields.py`` holds each against this module, so a copy
that was missed fails a test. To add a field that users can set, update and
enrich (an object, say), edit these files:

1. ``honeyhive_async/_fields.py`` (here): :data:`FIELD_KINDS` and each
   group it belongs to (:data:`OBJECT_FIELDS`, :data:`MERGED_FIELDS`,
   :data:`UPDATE_FIELDS`, :data:`SESSION_FIELDS`, :data:`ENRICH_FIELDS`).
2. ``honeyhive_async/models.py``: ``CreateEventRequest``, ``Event``,
   ``UpdateEventRequestBody``, ``SessionPropertiesBatch``.
3. ``honeyhive_async/params.py``: the ``TypedDict`` of each of those requests.
4. ``honeyhive_async/tracing/_spans.py``: a keyword of ``Node.enrich``,
   ``enrich`` and ``enrich_session`` (and of the tuple of values each
   passes), and its starting value in ``Node.__init__`` (the slot follows).
5. ``honeyhive_async/server/_fields.py``: its column (kind, schema, default).
6. ``honeyhive_async/server/_layout.py``: the :func:`add_field` migration
   that adds the column to older database files.

Then the docs that list the fields (``docs/tracing.md``, ``docs/server.md``).

Everything else (tracing's spans and processors, the bridge's session
event, the server's merges, session building and OpenAPI schemas, the
client's filter checks) follows from the lists here.
"""

FIELD_KINDS: dict[str, str] = {
    "project_id": "text",
    "source": "text",
    "event_name": "text",
    "event_type": "text",
    "event_id": "text",
    "session_id": "text",
    "parent_id": "text",
    "children_ids": "json",
    "config": "json",
    "inputs": "json",
    "outputs": "json",
    "error": "text",
    "start_time": "number",
    "end_time": "number",
    "duration": "number",
    "metadata": "json",
    "feedback": "json",
    "metrics": "json",
    "user_properties": "json",
}
"""Every top-level field of a stored event (as ``getEvents`` returns it), in order, and
its kind: ``text``, ``number`` or ``json`` (which filters may reach into by dotted path)."""

EVENT_FIELDS: tuple[str, ...] = tuple(FIELD_KINDS)
"""Every top-level field of a stored event, in the order events list them."""

SENT_AS: dict[str, str] = {"project_id": "project"}
"""Fields a create request names differently from a stored event (the project's name)."""

CREATE_FIELDS: tuple[str, ...] = tuple(SENT_AS.get(name, name) for name in EVENT_FIELDS)
"""The fields of one event in a create request, in the same order."""

OBJECT_FIELDS: tuple[str, ...] = (
    "inputs",
    "outputs",
    "config",
    "metadata",
    "metrics",
    "feedback",
    "user_properties",
)
"""The user-data objects of an event: free-form JSON objects, passed through untouched."""

MERGED_FIELDS: tuple[str, ...] = (
    "metadata",
    "feedback",
    "metrics",
    "outputs",
    "config",
    "user_properties",
)
"""The objects ``updateEvent`` merges key by key (shallow) into the stored event."""

UPDATE_FIELDS: tuple[str, ...] = (*MERGED_FIELDS, "duration")
"""What an update can set besides its ``event_id``: the merged objects; ``duration`` is replaced."""

SESSION_FIELDS: tuple[str, ...] = (
    "session_name",
    "source",
    "session_id",
    "config",
    "inputs",
    "outputs",
    "error",
    "user_properties",
    "metrics",
    "feedback",
    "metadata",
)
"""The session properties of a single-session batch: what a session carries."""

SESSION_OBJECTS: tuple[str, ...] = tuple(name for name in OBJECT_FIELDS if name in SESSION_FIELDS)
"""The objects a session carries, merged key by key when a session event is sent again."""

ENRICH_FIELDS: tuple[str, ...] = (
    "inputs",
    "outputs",
    "metadata",
    "metrics",
    "feedback",
    "config",
    "user_properties",
)
"""What ``enrich``, ``enrich_session`` and ``Span.enrich`` merge in, in their keywords' order."""

STACKTRACE = "stacktrace"
"""The ``metadata`` key under which an error event keeps its formatted traceback.

``error`` stays ``"Type: message"``; tracing's spans and the OpenTelemetry
bridge's (from the span's ``exception`` event) put the traceback here.
"""
