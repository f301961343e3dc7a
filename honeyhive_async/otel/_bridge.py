"""What the local server's OTLP ingest takes from this package: the span mapping and the ids.

The server turns spans it receives over OTLP/HTTP into events exactly as
the span processor does: :func:`map_values` over plain :class:`SpanValues`
(with :class:`SpanEvent` events), the deterministic :func:`event_id` and
:func:`session_id`, and :data:`ROUTING`, the HoneyHive tracer attributes
that say where an event goes. Standard library only: it works without the
``otel`` extra. The server uses nothing else of this package.
"""

from ._honeyhive import ROUTING
from ._ids import event_id, session_id
from ._mapping import SpanEvent, SpanValues, map_values

__all__ = ["ROUTING", "SpanEvent", "SpanValues", "event_id", "map_values", "session_id"]
