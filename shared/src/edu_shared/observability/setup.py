"""One call per process sets up traces, metrics and JSON logs; exporters only when an endpoint is configured."""

from __future__ import annotations

import logging
import sys

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from pydantic import BaseModel
from pythonjsonlogger.json import JsonFormatter

_configured = False


class ObservabilitySettings(BaseModel):
    """`otlp_endpoint` None (the default) keeps everything in-process: no exporter, no network."""

    otlp_endpoint: str | None = None
    log_level: str = "INFO"
    json_logs: bool = True


class _TraceIdFilter(logging.Filter):
    """Stamp every log record with the active trace and span ids, so logs join traces."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = f"{ctx.trace_id:032x}" if ctx.is_valid else None
        record.span_id = f"{ctx.span_id:016x}" if ctx.is_valid else None
        return True


def configure_observability(*, service_name: str, settings: ObservabilitySettings) -> None:
    """Install the tracer and meter providers and the JSON log handler (once per process)."""
    global _configured
    if _configured:
        return
    _configured = True
    resource = Resource.create({"service.name": service_name, "service.namespace": "edurecords"})
    tracer_provider = TracerProvider(resource=resource)
    readers = []
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otlp_endpoint.rstrip("/")
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics")))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_TraceIdFilter())
    if settings.json_logs:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # aiokafka logs an ERROR every ~100 ms per client while a broker is down; our relay and consumers already
    # report outages once per retry with context, so only its critical messages are kept.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
