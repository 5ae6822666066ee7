"""The platform's own metrics (OpenTelemetry instruments; exported only when OTLP is configured)."""

from __future__ import annotations

from opentelemetry import metrics

meter = metrics.get_meter("edurecords")

events_published = meter.create_counter(
    "edurecords.outbox.published", unit="{event}", description="Events the outbox relay handed to the bus"
)
events_handled = meter.create_counter(
    "edurecords.consumer.handled", unit="{event}", description="Events whose handler succeeded"
)
handler_failures = meter.create_counter(
    "edurecords.consumer.failures", unit="{attempt}", description="Failed handler attempts (retried)"
)
events_dead_lettered = meter.create_counter(
    "edurecords.consumer.dead_lettered", unit="{event}", description="Events sent to a dead-letter topic"
)
