"""The standalone operations: ``await funcs.events_create_event(core, request)``.

Each returns a :data:`~honeyhive_async.Result` (``Ok(value)`` or
``Err(error)``) instead of raising, so calls compose in asyncio pipelines.
The one exception is ``events_iter_events``, an async iterator over every
page of a query, which raises the error of a page that failed (a short
read must not pass for the whole); ``events_get_all_events`` collects the
same pages into a ``Result``.
"""

from .events_create_event import events_create_event
from .events_create_event_batch import events_create_event_batch
from .events_create_model_event import events_create_model_event
from .events_create_model_event_batch import events_create_model_event_batch
from .events_get_events import events_get_events
from .events_iter_events import events_get_all_events, events_iter_events
from .events_update_event import events_update_event

__all__ = [
    "events_create_event",
    "events_create_event_batch",
    "events_create_model_event",
    "events_create_model_event_batch",
    "events_get_all_events",
    "events_get_events",
    "events_iter_events",
    "events_update_event",
]
