"""Tracing, metrics and JSON logs for every service (OpenTelemetry; exporting off unless configured)."""

from edu_shared.observability.setup import ObservabilitySettings, configure_observability

__all__ = ["ObservabilitySettings", "configure_observability"]
