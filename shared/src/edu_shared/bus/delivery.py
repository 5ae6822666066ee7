"""Retry-then-dead-letter delivery of one record to a handler, shared by every bus adapter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from opentelemetry import trace

from edu_shared.bus.port import EventHandler, Record, RetryPolicy, dead_letter_topic
from edu_shared.events.envelope import CloudEvent
from edu_shared.observability.metrics import events_dead_lettered, events_handled, handler_failures
from edu_shared.observability.tracing import consumer_span

log = logging.getLogger(__name__)


async def deliver(
    *,
    topic: str,
    event: CloudEvent,
    handler: EventHandler,
    retry: RetryPolicy,
    group: str,
    dead_letter: Callable[[Record], Awaitable[None]],
) -> bool:
    """Run the handler until it succeeds or the attempts are spent; returns False if dead-lettered.

    Retries happen in place so that later records of the same partition wait: per-key order is kept.
    """
    last_error: BaseException | None = None
    for attempt in range(1, retry.max_attempts + 1):
        with consumer_span(event, topic=topic, group=group) as span:
            try:
                await handler(event)
                events_handled.add(1, {"topic": topic, "group": group})
                return True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any handler failure is retried, then dead-lettered
                last_error = exc
                handler_failures.add(1, {"topic": topic, "group": group})
                span.record_exception(exc)
                span.set_status(trace.StatusCode.ERROR)
                log.warning(
                    "handler failed",
                    extra={
                        "event_id": event.id,
                        "event_type": event.type,
                        "topic": topic,
                        "group": group,
                        "attempt": attempt,
                        "error": repr(exc),
                    },
                )
        if attempt < retry.max_attempts:
            await asyncio.sleep(retry.backoff(attempt))
    headers = {
        "edu-dlq-error": repr(last_error)[:2000],
        "edu-dlq-attempts": str(retry.max_attempts),
        "edu-dlq-group": group,
        "edu-dlq-source-topic": topic,
    }
    await dead_letter(Record(topic=dead_letter_topic(topic), event=event, headers=headers))
    events_dead_lettered.add(1, {"topic": topic, "group": group})
    log.error("event dead-lettered", extra={"event_id": event.id, "topic": topic, "group": group})
    return False
