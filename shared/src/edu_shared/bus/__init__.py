"""The event bus port and its adapters (embedded durable log, Apache Kafka)."""

from edu_shared.bus.port import (
    DEAD_LETTER_SUFFIX,
    Consumer,
    EventBus,
    EventHandler,
    Record,
    RetryPolicy,
    dead_letter_topic,
)

__all__ = [
    "DEAD_LETTER_SUFFIX",
    "Consumer",
    "EventBus",
    "EventHandler",
    "Record",
    "RetryPolicy",
    "dead_letter_topic",
]
