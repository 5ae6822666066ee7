"""Carrying a trace across the bus: W3C trace context written into the envelope, read back by consumers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

from edu_shared.events.envelope import CloudEvent

tracer = trace.get_tracer("edurecords.bus")


def current_trace_headers() -> dict[str, str]:
    """The active context as W3C headers (`traceparent`, maybe `tracestate`); empty without an active span."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def consumer_span(event: CloudEvent, *, topic: str, group: str) -> Iterator[Span]:
    """A CONSUMER span whose parent is the span that emitted the event."""
    carrier = {k: v for k, v in (("traceparent", event.traceparent), ("tracestate", event.tracestate)) if v}
    ctx = propagate.extract(carrier)
    with tracer.start_as_current_span(
        f"{topic} process",
        context=ctx,
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "edurecords",
            "messaging.destination.name": topic,
            "messaging.consumer.group.name": group,
            "messaging.message.id": event.id,
            "cloudevents.event_type": event.type,
        },
    ) as span:
        yield span


@contextmanager
def producer_span(topic: str, count: int) -> Iterator[Span]:
    with tracer.start_as_current_span(
        f"{topic} publish",
        kind=SpanKind.PRODUCER,
        attributes={"messaging.destination.name": topic, "messaging.batch.message_count": count},
    ) as span:
        yield span
