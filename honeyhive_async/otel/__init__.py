"""OpenTelemetry bridge: spans of OpenTelemetry instrumentors become HoneyHive events.

Needs the ``otel`` extra (``pip install 'honeyhive-async[otel]'``); nothing
else in the package imports OpenTelemetry. Add the processor to your own
``TracerProvider``::

    provider = TracerProvider()
    provider.add_span_processor(HoneyHiveSpanProcessor(tracer))
    OpenAIInstrumentor().instrument(tracer_provider=provider)

Spans written with the GenAI semantic conventions, OpenInference or
OpenLLMetry attributes become ``model``, ``tool`` and ``chain`` events with
their model, messages, parameters and tokens; the trace is the session.
See ``docs/otel.md``.
"""

from ._ids import NAMESPACE, event_id, session_id
from ._processor import HoneyHiveSpanProcessor

__all__ = ["HoneyHiveSpanProcessor", "NAMESPACE", "event_id", "session_id"]
