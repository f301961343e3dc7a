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

try:
    from ._processor import HoneyHiveSpanProcessor
except ImportError as exc:  # pragma: no cover - only without the otel extra
    # The mapping modules are standard library only and also serve the local
    # server's OTLP ingest, which must work without the extra: importing them
    # runs this file, so the processor's absence is reported when it is used.
    _MISSING = exc

    def __getattr__(name: str) -> object:
        if name == "HoneyHiveSpanProcessor":
            raise ImportError(
                "HoneyHiveSpanProcessor needs the otel extra: pip install 'honeyhive-async[otel]'"
            ) from _MISSING
        raise AttributeError(name)


__all__ = ["HoneyHiveSpanProcessor", "NAMESPACE", "event_id", "session_id"]
