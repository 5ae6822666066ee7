"""The Kafka bus: the `EventBus` port (see `port.py`) over Apache Kafka, with aiokafka.

Producing: one idempotent producer (acks=all) per bus; `publish` hands every record to it, then waits for all
delivery reports at once, so a batch of the outbox costs one round of produce requests, not one per record.
aiokafka keeps at most one request in flight per partition, and idempotence lets the broker drop retried
duplicates, so the records of one key stay in publish order. A publish that cannot finish within
`request_timeout_ms` (broker down) raises; the producer is then replaced, so the same bus publishes again
once the broker is back.

Consuming: a `KafkaConsumer` is one member of a consumer group. It polls a batch, runs each partition's
records in offset order through `deliver` (retries, then `<topic>.dlq`), partitions side by side, and commits
a partition's position only after its handlers returned. A handler with `handle_batch` (the idempotent inbox
handler) gets a partition's run in one call, one transaction, and the one-by-one path only if that fails.
Before a rebalance takes partitions away, the member finishes and commits the batch in hand, so a partition
never has two active owners.

Topics are created on demand (publisher and consumer alike) with the configured partition count; the
`topic_prefix`, if any, is prepended to every topic and consumer group on the wire, never seen by handlers.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition  # type: ignore[import-untyped]
from aiokafka.abc import ConsumerRebalanceListener  # type: ignore[import-untyped]
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # type: ignore[import-untyped]
from aiokafka.errors import (  # type: ignore[import-untyped]
    CommitFailedError,
    IllegalStateError,
    TopicAlreadyExistsError,
    for_code,
)
from aiokafka.helpers import create_ssl_context  # type: ignore[import-untyped]
from pydantic import ValidationError

from edu_shared.bus.delivery import deliver
from edu_shared.bus.kafka_settings import KafkaSettings
from edu_shared.bus.port import EventHandler, Record, RetryPolicy, dead_letter_topic
from edu_shared.events.envelope import CloudEvent
from edu_shared.observability.tracing import producer_span

__all__ = ["KafkaBus", "KafkaConsumer", "KafkaPublishError", "KafkaSettings"]

log = logging.getLogger(__name__)

CONTENT_TYPE = ("content-type", b"application/cloudevents+json")

# Larger than aiokafka's 16 KiB default so that an outbox batch of a few hundred envelopes (~0.5 KiB each)
# leaves in a few produce requests per partition; still far below the broker's 1 MiB message.max.bytes.
_MAX_BATCH_BYTES = 256 * 1024
# How long a consumer waits in one poll: short enough that `stop` is prompt, long enough not to spin.
_POLL_TIMEOUT_MS = 250
_MAX_RESTART_BACKOFF_S = 10.0


class KafkaPublishError(RuntimeError):
    """Kafka did not acknowledge every record of a publish; none of them may be assumed stored."""


@dataclass(frozen=True)
class _Outgoing:
    """One record as it goes on the wire: physical topic, bytes and Kafka headers."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def _kafka_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, bytes]]:
    out = [(name, value.encode()) for name, value in headers if name != CONTENT_TYPE[0]]
    out.append(CONTENT_TYPE)
    return out


class KafkaBus:
    """`EventBus` over Apache Kafka; safe to share between the outbox relay and any number of consumers."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        self._admin: AIOKafkaAdminClient | None = None
        self._admin_lock = asyncio.Lock()
        self._known_topics: set[str] = set()
        self._retiring: set[asyncio.Task[None]] = set()
        self._closed = False

    # -- naming ------------------------------------------------------------------------------------------

    def physical_topic(self, topic: str) -> str:
        """The topic's name on the cluster (with the configured prefix)."""
        return f"{self.settings.topic_prefix}{topic}"

    def physical_group(self, group: str) -> str:
        return f"{self.settings.topic_prefix}{group}"

    @property
    def _timeout_s(self) -> float:
        return self.settings.request_timeout_ms / 1000

    # -- connections -------------------------------------------------------------------------------------

    def client_options(self) -> dict[str, object]:
        """Connection and security options shared by producer, consumers and admin client."""
        s = self.settings
        options: dict[str, object] = {
            "bootstrap_servers": s.bootstrap_servers,
            "request_timeout_ms": s.request_timeout_ms,
            "security_protocol": s.security_protocol,
        }
        if s.security_protocol in ("SSL", "SASL_SSL"):
            context: ssl.SSLContext = create_ssl_context()
            options["ssl_context"] = context
        if s.security_protocol.startswith("SASL"):
            options["sasl_mechanism"] = s.sasl_mechanism or "PLAIN"
            options["sasl_plain_username"] = s.sasl_username
            options["sasl_plain_password"] = s.sasl_password.get_secret_value() if s.sasl_password else None
        return options

    async def start(self) -> None:
        """Connect the producer now, so a misconfigured or unreachable cluster shows at startup."""
        self._closed = False
        await self._get_producer()

    async def close(self) -> None:
        """Flush and stop the producer and the admin client; consumers are stopped by their owners."""
        self._closed = True
        async with self._producer_lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            self._retire(producer)
        async with self._admin_lock:
            admin, self._admin = self._admin, None
        if admin is not None:
            await _quietly(admin.close(), timeout=self._timeout_s, what="admin client close")
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)

    async def _get_producer(self) -> AIOKafkaProducer:
        if self._closed:
            raise RuntimeError("KafkaBus is closed")
        async with self._producer_lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    client_id=self.settings.client_id,
                    enable_idempotence=True,
                    acks="all",
                    linger_ms=self.settings.linger_ms,
                    max_batch_size=_MAX_BATCH_BYTES,
                    **self.client_options(),
                )
                try:
                    async with asyncio.timeout(self._timeout_s):
                        await producer.start()
                except BaseException:
                    await _quietly(producer.stop(), timeout=self._timeout_s, what="producer stop")
                    raise
                self._producer = producer
            return self._producer

    async def _discard_producer(self, producer: AIOKafkaProducer) -> None:
        """Replace a producer that failed: a fresh one gets a new producer id and fresh connections."""
        async with self._producer_lock:
            if self._producer is producer:
                self._producer = None
        self._retire(producer)

    def _retire(self, producer: AIOKafkaProducer) -> None:
        # Stopping flushes what is still queued, which with the broker gone lasts until the batches expire;
        # it runs aside so that the caller's publish fails (and the relay backs off) without waiting for it.
        task = asyncio.get_running_loop().create_task(
            _quietly(producer.stop(), timeout=2 * self._timeout_s, what="producer stop")
        )
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _get_admin(self) -> AIOKafkaAdminClient:
        async with self._admin_lock:
            if self._admin is None:
                admin = AIOKafkaAdminClient(client_id=f"{self.settings.client_id}-admin", **self.client_options())
                try:
                    async with asyncio.timeout(self._timeout_s):
                        await admin.start()
                except BaseException:
                    await _quietly(admin.close(), timeout=self._timeout_s, what="admin client close")
                    raise
                self._admin = admin
            return self._admin

    # -- topics ------------------------------------------------------------------------------------------

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        """Create the (logical) topics that do not exist yet, with the configured partitions."""
        await self._ensure_physical({self.physical_topic(t) for t in topics})

    async def _ensure_physical(self, names: set[str]) -> None:
        missing = sorted(names - self._known_topics)
        if not missing:
            return
        admin = await self._get_admin()
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await admin.create_topics(
                    [
                        NewTopic(
                            name,
                            self.settings.partitions,
                            self.settings.replication_factor,
                            topic_configs={"retention.ms": str(self.settings.retention_ms)},
                        )
                        for name in missing
                    ],
                    timeout_ms=self.settings.request_timeout_ms,
                )
        except BaseException:
            await self._discard_admin(admin)
            raise
        for name, code, message in _topic_errors(response):
            error = for_code(code)
            if code != 0 and error is not TopicAlreadyExistsError:
                raise KafkaPublishError(f"cannot create topic {name!r}: {error.__name__} {message or ''}")
            self._known_topics.add(name)

    async def _discard_admin(self, admin: AIOKafkaAdminClient) -> None:
        async with self._admin_lock:
            if self._admin is admin:
                self._admin = None
        await _quietly(admin.close(), timeout=self._timeout_s, what="admin client close")

    # -- publishing --------------------------------------------------------------------------------------

    async def publish(self, records: Sequence[Record]) -> None:
        """Send every record, then wait for all acknowledgements; raise if any record was not stored."""
        if not records:
            return
        outgoing = [
            _Outgoing(
                topic=self.physical_topic(r.topic),
                key=r.key.encode(),
                value=r.event.to_bytes(),
                headers=_kafka_headers(r.headers.items()),
            )
            for r in records
        ]
        with producer_span(records[0].topic, len(records)):
            await self._produce(outgoing)

    async def _produce(self, outgoing: Sequence[_Outgoing]) -> None:
        producer: AIOKafkaProducer | None = None
        try:
            # One ceiling for the whole publish (topic creation, connecting, metadata waits, a full
            # accumulator, acknowledgements) so that a dead broker never makes the caller hang.
            async with asyncio.timeout(self._timeout_s):
                await self._ensure_physical({o.topic for o in outgoing})
                producer = await self._get_producer()
                # Sends are queued in call order, so the records of one partition are batched in publish order.
                futures = [await producer.send(o.topic, value=o.value, key=o.key, headers=o.headers) for o in outgoing]
                results = await asyncio.gather(*futures, return_exceptions=True)
        except KafkaPublishError:
            raise
        except TimeoutError as exc:
            if producer is not None:
                await self._discard_producer(producer)
            raise KafkaPublishError(
                f"Kafka did not acknowledge {len(outgoing)} records within {self._timeout_s:g} s"
            ) from exc
        except Exception as exc:
            if producer is not None:
                await self._discard_producer(producer)
            raise KafkaPublishError(f"publishing {len(outgoing)} records failed: {exc!r}") from exc
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            await self._discard_producer(producer)
            raise KafkaPublishError(
                f"{len(failures)} of {len(outgoing)} records were not acknowledged: {failures[0]!r}"
            ) from failures[0]

    async def dead_letter_raw(self, *, topic: str, record: ConsumerRecord, error: str, group: str) -> None:
        """Park an undecodable record (not a CloudEvent) in the dead-letter topic, bytes untouched."""
        headers = [(k, v) for k, v in (record.headers or ()) if not k.startswith("edu-dlq-")]
        headers += [
            ("edu-dlq-error", error[:2000].encode()),
            ("edu-dlq-attempts", b"0"),
            ("edu-dlq-group", group.encode()),
            ("edu-dlq-source-topic", topic.encode()),
        ]
        await self._produce(
            [
                _Outgoing(
                    topic=self.physical_topic(dead_letter_topic(topic)),
                    key=record.key,
                    value=record.value or b"",
                    headers=headers,
                )
            ]
        )

    # -- consuming ---------------------------------------------------------------------------------------

    def consumer(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handler: EventHandler,
        retry: RetryPolicy | None = None,
    ) -> KafkaConsumer:
        return KafkaConsumer(bus=self, group=group, topics=list(topics), handler=handler, retry=retry or RetryPolicy())

    def new_aiokafka_consumer(self, group: str) -> AIOKafkaConsumer:
        s = self.settings
        return AIOKafkaConsumer(
            client_id=f"{s.client_id}-{group}",
            group_id=self.physical_group(group),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=s.session_timeout_ms,
            heartbeat_interval_ms=s.heartbeat_interval_ms,
            max_poll_records=s.max_poll_records,
            **self.client_options(),
        )


class KafkaConsumer:
    """One member of a consumer group; `run` until `stop` (graceful) or cancellation (a crash)."""

    def __init__(
        self, *, bus: KafkaBus, group: str, topics: list[str], handler: EventHandler, retry: RetryPolicy
    ) -> None:
        self.bus = bus
        self.group = group
        self.topics = topics
        self.handler = handler
        self.retry = retry
        self._logical = {bus.physical_topic(t): t for t in topics}
        self._stopping = asyncio.Event()
        self._done = asyncio.Event()
        self._running = False
        # Held while a polled batch is handled and committed; a rebalance waits for it before giving
        # partitions away, so the new owner starts after our last commit.
        self._batch_lock = asyncio.Lock()
        self._retry_at: float = 0.0
        self._consumer: AIOKafkaConsumer | None = None

    @property
    def owned_partitions(self) -> list[tuple[str, int]]:
        consumer = self._consumer
        if consumer is None:
            return []
        return sorted((self._logical.get(tp.topic, tp.topic), tp.partition) for tp in consumer.assignment())

    async def stop(self) -> None:
        """Finish the record in hand, commit, leave the group."""
        self._stopping.set()
        if not self._running:
            return
        try:
            await asyncio.wait_for(self._done.wait(), 2 * self.bus.settings.request_timeout_ms / 1000)
        except TimeoutError:
            log.warning("kafka consumer did not stop in time", extra={"group": self.group})

    async def run(self) -> None:
        """Consume until stopped; on errors (broker gone, group trouble) rejoin with a fresh consumer."""
        self._running = True
        self._done.clear()
        backoff = 0.5
        try:
            while not self._stopping.is_set():
                try:
                    await self._session()
                    backoff = 0.5
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the cluster or the group failed us: start over from committed offsets
                    log.warning(
                        "kafka consumer failed; restarting",
                        extra={"group": self.group, "error": repr(exc), "retry_in_s": backoff},
                    )
                    await self._pause(backoff)
                    backoff = min(_MAX_RESTART_BACKOFF_S, backoff * 2)
        finally:
            self._running = False
            self._done.set()

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    async def _session(self) -> None:
        # Subscribing to a topic that does not exist yet would leave the member with no partitions until
        # the next metadata refresh (or let the broker auto-create it with its own partition count).
        await self.bus.ensure_topics(self.topics)
        consumer = self.bus.new_aiokafka_consumer(self.group)
        self._consumer = consumer
        try:
            await consumer.start()
            consumer.subscribe(topics=sorted(self._logical), listener=_FinishBatchOnRevoke(self))
            while not self._stopping.is_set():
                batch: dict[TopicPartition, list[ConsumerRecord]] = await consumer.getmany(timeout_ms=_POLL_TIMEOUT_MS)
                if batch:
                    await self._handle_batch(consumer, batch)
                delay = self._retry_at - asyncio.get_running_loop().time()
                if delay > 0:
                    await self._pause(delay)
        finally:
            self._consumer = None
            # Also after a cancellation (a crash mid-handler): leaving the group hands the partitions to the
            # other members at once, from the last committed offsets.
            await _quietly(consumer.stop(), timeout=self.bus.settings.request_timeout_ms / 1000, what="consumer stop")

    async def _handle_batch(
        self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[ConsumerRecord]]
    ) -> None:
        async with self._batch_lock:
            # A rebalance may have run between the poll and here; revoked partitions belong to someone else.
            assigned = consumer.assignment()
            work = [(tp, records) for tp, records in batch.items() if records and tp in assigned]
            done = await asyncio.gather(*(self._handle_partition(consumer, tp, records) for tp, records in work))
            # One commit request for every partition of the batch, sent only once all their handlers returned.
            offsets = {
                tp: next_offset for (tp, _), next_offset in zip(work, done, strict=True) if next_offset is not None
            }
            if offsets:
                await self._commit(consumer, offsets)

    async def _handle_partition(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[ConsumerRecord]
    ) -> int | None:
        """Deliver a partition's records in offset order; the offset to commit once the handlers returned."""
        topic = self._logical[tp.topic]
        next_offset: int | None = None
        try:
            if await self._deliver_run(topic, records):
                next_offset = records[-1].offset + 1
            else:
                for record in records:
                    await self._deliver(topic, record)
                    next_offset = record.offset + 1
                    if self._stopping.is_set():
                        break
        except asyncio.CancelledError:
            raise  # a crash: whatever was not committed is delivered again to whoever owns the partition
        except Exception as exc:  # dead-lettering failed (bus down): come back to this record later
            resume_at = next_offset if next_offset is not None else records[0].offset
            log.warning(
                "could not deliver or dead-letter a record; will retry it",
                extra={
                    "group": self.group,
                    "topic": topic,
                    "partition": tp.partition,
                    "offset": resume_at,
                    "error": repr(exc),
                },
            )
            try:
                consumer.seek(tp, resume_at)
            except IllegalStateError:
                pass  # revoked meanwhile: the next owner resumes from the committed offset anyway
            self._retry_at = asyncio.get_running_loop().time() + self.retry.max_backoff_s
        return next_offset

    async def _deliver_run(self, topic: str, records: list[ConsumerRecord]) -> bool:
        """Give the whole run to a handler that takes runs (`handle_batch`, e.g. the idempotent inbox handler).

        One call, one transaction for the run; False when the run has to go one record at a time instead:
        the handler takes single events only, a record is undecodable, or the run failed as a whole (then
        the one-by-one path finds the culprit, retries it and dead-letters it without its neighbours).
        """
        handle_batch = getattr(self.handler, "handle_batch", None)
        if handle_batch is None or len(records) < 2:
            return False
        try:
            events = [CloudEvent.from_bytes(record.value or b"") for record in records]
        except ValidationError:
            return False
        try:
            await handle_batch(events, topic=topic)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # nothing of the run was applied; deliver it one by one
            log.info(
                "run of events failed as a whole; delivering them one by one",
                extra={"group": self.group, "topic": topic, "events": len(events), "error": repr(exc)},
            )
            return False
        return True

    async def _deliver(self, topic: str, record: ConsumerRecord) -> None:
        try:
            event = CloudEvent.from_bytes(record.value or b"")
        except ValidationError as exc:
            log.error(
                "undecodable record dead-lettered", extra={"group": self.group, "topic": topic, "offset": record.offset}
            )
            await self.bus.dead_letter_raw(topic=topic, record=record, error=repr(exc), group=self.group)
            return
        await deliver(
            topic=topic,
            event=event,
            handler=self.handler,
            retry=self.retry,
            group=self.group,
            dead_letter=self._dead_letter,
        )

    async def _dead_letter(self, record: Record) -> None:
        await self.bus.publish([record])

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # The partitions moved to another member during a rebalance: it resumes from the previous
            # commit, so these records are delivered again there (at-least-once; the inbox absorbs it).
            log.warning(
                "commit failed after a rebalance; records will be redelivered",
                extra={
                    "group": self.group,
                    "offsets": {f"{tp.topic}:{tp.partition}": offset for tp, offset in offsets.items()},
                    "error": repr(exc),
                },
            )


class _FinishBatchOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets the batch in hand finish and commit before the partitions go to another member."""

    def __init__(self, owner: KafkaConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self._owner._batch_lock:
            pass

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info(
            "partitions assigned",
            extra={"group": self._owner.group, "partitions": sorted(f"{tp.topic}:{tp.partition}" for tp in assigned)},
        )


def _topic_errors(response: object) -> list[tuple[str, int, str | None]]:
    """(topic, error code, message) of a CreateTopics response, whatever its version."""
    out: list[tuple[str, int, str | None]] = []
    for entry in getattr(response, "topic_errors", ()):
        name, code, *rest = entry
        out.append((str(name), int(code), str(rest[0]) if rest and rest[0] else None))
    return out


async def _quietly(awaitable: Awaitable[object], *, timeout: float, what: str) -> None:
    """Await a shutdown step, bounded; a failure is logged, never raised (the caller is cleaning up)."""
    try:
        await asyncio.wait_for(awaitable, timeout)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # nothing more to do than tell
        log.warning("kafka shutdown step failed", extra={"step": what, "error": repr(exc)})
