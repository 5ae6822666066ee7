"""What every bus adapter promises, whichever technology carries the events.

Semantics (both adapters pass the same contract suite in shared/tests/integration/test_bus_contract.py):
- `publish` returns only when every record is durably stored by the bus (Kafka: acks=all on an idempotent
  producer); records with the same key keep their order.
- A topic has partitions; a record goes to the partition of its key, so one school's events stay in order.
- Consumers join a group; the group's members share the partitions; one partition has one owner at a time.
- Delivery is at-least-once: a record's offset is committed only after its handler returned, i.e. after the
  handler's own transaction committed. Consumers make effects idempotent with an inbox table.
- A handler that keeps failing is retried with backoff, `RetryPolicy.max_attempts` times in all, then the
  record goes to `<topic>.dlq` with the error in its headers, and the partition moves on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from edu_shared.events.envelope import CloudEvent

DEAD_LETTER_SUFFIX = ".dlq"

EventHandler = Callable[[CloudEvent], Awaitable[None]]


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DEAD_LETTER_SUFFIX}"


@dataclass(frozen=True)
class Record:
    """One event on its way to a topic; the key is the envelope's partition key."""

    topic: str
    event: CloudEvent
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.event.partitionkey


@dataclass(frozen=True)
class RetryPolicy:
    """How a failing handler is retried before its record is dead-lettered."""

    max_attempts: int = 5
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 5.0

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after the given failed attempt (1-based): exponential, capped."""
        return float(min(self.max_backoff_s, self.initial_backoff_s * (2 ** (attempt - 1))))


class Consumer(Protocol):
    """A member of a consumer group; `run` loops until `stop` is called or the task is cancelled."""

    async def run(self) -> None: ...

    async def stop(self) -> None: ...


class EventBus(Protocol):
    """Publish records durably and create group consumers."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, records: Sequence[Record]) -> None: ...

    def consumer(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handler: EventHandler,
        retry: RetryPolicy | None = None,
    ) -> Consumer: ...
