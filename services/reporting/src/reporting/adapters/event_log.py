"""Reading the retained event log from its beginning, and how far a consumer group is behind its end.

Both buses keep every event (Kafka topics with retention -1; the embedded log in its SQLite file), so the log is
the source the projections are rebuilt from. Reading goes partition by partition, in offset order, without a
consumer group: nothing is committed, and the live consumers are not disturbed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from edu_shared.bus.embedded import EmbeddedBus, log_t, offsets_t
from edu_shared.bus.port import EventBus
from edu_shared.events.envelope import CloudEvent


@dataclass(frozen=True)
class LogPosition:
    """Events in a topic's log, and how many of them the group has committed past."""

    topic: str
    end: int
    committed: int

    @property
    def behind(self) -> int:
        return max(0, self.end - self.committed)


async def read_log(bus: EventBus, topic: str, *, chunk: int = 500) -> AsyncIterator[list[CloudEvent]]:
    """Every event of `topic` from offset 0, in runs of at most `chunk` events of one partition."""
    if isinstance(bus, EmbeddedBus):
        async for run in _read_embedded(bus, topic, chunk):
            yield run
        return
    from edu_shared.bus.kafka import KafkaBus

    if isinstance(bus, KafkaBus):
        async for run in _read_kafka(bus, topic, chunk):
            yield run
        return
    raise TypeError(f"cannot read the log of {type(bus).__name__}")


async def _read_embedded(bus: EmbeddedBus, topic: str, chunk: int) -> AsyncIterator[list[CloudEvent]]:
    await bus.start()
    partitions = await bus.partitions_of(topic)
    for partition in range(partitions):
        offset = 0
        while True:
            async with bus.engine.connect() as conn:
                rows = (
                    await conn.execute(
                        sa.select(log_t.c.offset, log_t.c.value)
                        .where(log_t.c.topic == topic, log_t.c.partition == partition, log_t.c.offset >= offset)
                        .order_by(log_t.c.offset)
                        .limit(chunk)
                    )
                ).all()
            if not rows:
                break
            yield [CloudEvent.from_bytes(r.value) for r in rows]
            offset = rows[-1].offset + 1


async def _read_kafka(bus: object, topic: str, chunk: int) -> AsyncIterator[list[CloudEvent]]:
    from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]

    from edu_shared.bus.kafka import KafkaBus

    assert isinstance(bus, KafkaBus)
    await bus.ensure_topics([topic])
    physical = bus.physical_topic(topic)
    consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, **bus.client_options())
    await consumer.start()
    try:
        partitions = sorted(await _partitions(bus, physical))
        for partition in partitions:
            tp = TopicPartition(physical, partition)
            consumer.assign([tp])
            await consumer.seek_to_beginning(tp)
            end = (await consumer.end_offsets([tp]))[tp]
            while await consumer.position(tp) < end:
                batch = await consumer.getmany(tp, timeout_ms=1000, max_records=chunk)
                records = [r for r in batch.get(tp, []) if r.offset < end]
                if records:
                    yield [CloudEvent.from_bytes(r.value or b"") for r in records]
    finally:
        await consumer.stop()


async def _partitions(bus: Any, physical: str) -> set[int]:
    """The topic's partition numbers, from the cluster (a consumer's metadata cache may not know the topic yet)."""
    from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]

    admin = AIOKafkaAdminClient(**bus.client_options())
    await admin.start()
    try:
        [description] = await admin.describe_topics([physical])
        if description["error_code"] != 0:
            return set()
        return {int(p["partition"]) for p in description["partitions"]}
    finally:
        await admin.close()


async def log_position(bus: EventBus, topic: str, *, group: str) -> LogPosition:
    """The topic's size and the group's committed position, summed over partitions (the lag in events)."""
    if isinstance(bus, EmbeddedBus):
        await bus.start()
        async with bus.engine.connect() as conn:
            ends = (
                await conn.execute(
                    sa.select(log_t.c.partition, sa.func.max(log_t.c.offset) + 1)
                    .where(log_t.c.topic == topic)
                    .group_by(log_t.c.partition)
                )
            ).all()
            committed = await conn.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(offsets_t.c.next_offset), 0)).where(
                    offsets_t.c.group == group, offsets_t.c.topic == topic
                )
            )
        return LogPosition(topic=topic, end=sum(int(e) for _, e in ends), committed=int(committed or 0))
    from edu_shared.bus.kafka import KafkaBus

    if isinstance(bus, KafkaBus):
        return await _kafka_position(bus, topic, group)
    return LogPosition(topic=topic, end=0, committed=0)


async def _kafka_position(bus: object, topic: str, group: str) -> LogPosition:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from edu_shared.bus.kafka import KafkaBus

    assert isinstance(bus, KafkaBus)
    physical = bus.physical_topic(topic)
    consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=bus.physical_group(group), **bus.client_options())
    await consumer.start()
    try:
        partitions = [TopicPartition(physical, p) for p in sorted(await _partitions(bus, physical))]
        if not partitions:
            return LogPosition(topic=topic, end=0, committed=0)
        ends = await consumer.end_offsets(partitions)
        committed = 0
        for tp in partitions:
            committed += await consumer.committed(tp) or 0
        return LogPosition(topic=topic, end=sum(ends.values()), committed=committed)
    finally:
        await consumer.stop()
