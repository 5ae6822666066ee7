"""What the Kafka adapter promises beyond the shared bus contract: topic layout, key placement, outages."""

from __future__ import annotations

import asyncio
import subprocess
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]
from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]

from edu_shared.bus.kafka import KafkaBus, KafkaPublishError, KafkaSettings
from edu_shared.bus.port import Record
from edu_shared.events.envelope import CloudEvent
from edu_shared.testing.buses import REPO
from edu_shared.testing.probe import probe

pytestmark = pytest.mark.kafka


def _settings(bootstrap: str, **overrides: object) -> KafkaSettings:
    values: dict[str, object] = {
        "bootstrap_servers": bootstrap,
        "partitions": 5,
        "session_timeout_ms": 6000,
        "heartbeat_interval_ms": 1000,
        "request_timeout_ms": 15000,
    }
    values.update(overrides)
    return KafkaSettings.model_validate(values)


@pytest.fixture
async def bus(kafka_bootstrap: str) -> AsyncIterator[KafkaBus]:
    bus = KafkaBus(_settings(kafka_bootstrap))
    await bus.start()
    try:
        yield bus
    finally:
        await bus.close()


async def _kafka_script(action: str) -> None:
    proc = await asyncio.to_thread(
        subprocess.run, ["bash", str(REPO / "scripts" / "kafka.sh"), action], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/kafka.sh {action} failed: {proc.stderr[-2000:]}")


async def _partition_count(bootstrap: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
        assert description["error_code"] == 0, description
        return len(description["partitions"])
    finally:
        await admin.close()


async def _read_all(bootstrap: str, topic: str, expected: int) -> list[tuple[int, bytes, list[tuple[str, bytes]]]]:
    """(partition, key, headers) of the first `expected` records of a topic, read outside any group."""
    partitions = [TopicPartition(topic, p) for p in range(await _partition_count(bootstrap, topic))]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        out: list[tuple[int, bytes, list[tuple[str, bytes]]]] = []
        deadline = asyncio.get_running_loop().time() + 60
        while len(out) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                out.extend((tp.partition, r.key, list(r.headers)) for r in records)
        return out
    finally:
        await consumer.stop()


async def test_topic_is_created_on_first_publish_with_the_configured_partitions(
    bus: KafkaBus, kafka_bootstrap: str, unique_name: str
) -> None:
    topic = f"kafka.create.{unique_name}"
    await bus.publish([Record(topic=topic, event=probe(1, key="school-a"))])
    assert await _partition_count(kafka_bootstrap, topic) == 5


async def test_consumer_started_before_any_publish_creates_its_topic_and_receives(
    bus: KafkaBus, kafka_bootstrap: str, unique_name: str
) -> None:
    topic = f"kafka.early.{unique_name}"
    seen: list[CloudEvent] = []

    async def collect(event: CloudEvent) -> None:
        seen.append(event)

    consumer = bus.consumer(group=f"g-{unique_name}", topics=[topic], handler=collect)
    task = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(60):
            while not consumer.owned_partitions:
                await asyncio.sleep(0.1)
        assert await _partition_count(kafka_bootstrap, topic) == 5
        await bus.publish([Record(topic=topic, event=probe(7, key="school-a"))])
        async with asyncio.timeout(60):
            while not seen:
                await asyncio.sleep(0.05)
        assert [e.data["seq"] for e in seen] == [7]
    finally:
        await consumer.stop()
        await asyncio.wait_for(task, 30)


async def test_records_with_the_same_key_land_in_the_same_partition(
    bus: KafkaBus, kafka_bootstrap: str, unique_name: str
) -> None:
    topic = f"kafka.keys.{unique_name}"
    keys = [f"school-{i}" for i in range(20)]
    await bus.publish([Record(topic=topic, event=probe(i, key=keys[i % len(keys)])) for i in range(400)])

    placed = await _read_all(kafka_bootstrap, topic, 400)

    assert len(placed) == 400
    partitions_of: dict[bytes, set[int]] = defaultdict(set)
    for partition, key, headers in placed:
        partitions_of[key].add(partition)
        assert ("content-type", b"application/cloudevents+json") in headers
    assert set(partitions_of) == {k.encode() for k in keys}
    assert all(len(p) == 1 for p in partitions_of.values()), partitions_of
    assert len({p for ps in partitions_of.values() for p in ps}) > 1, "all keys in one partition"


async def test_topic_prefix_is_applied_on_the_wire_and_hidden_from_handlers(
    kafka_bootstrap: str, unique_name: str
) -> None:
    bus = KafkaBus(_settings(kafka_bootstrap, topic_prefix=f"env{unique_name}."))
    await bus.start()
    topic = f"kafka.prefix.{unique_name}"
    seen: list[CloudEvent] = []

    async def collect(event: CloudEvent) -> None:
        seen.append(event)

    try:
        await bus.publish([Record(topic=topic, event=probe(1, key="school-a"))])
        assert await _partition_count(kafka_bootstrap, f"env{unique_name}.{topic}") == 5
        consumer = bus.consumer(group=f"g-{unique_name}", topics=[topic], handler=collect)
        task = asyncio.create_task(consumer.run())
        async with asyncio.timeout(60):
            while not seen:
                await asyncio.sleep(0.05)
        await consumer.stop()
        await asyncio.wait_for(task, 30)
        assert [e.data["seq"] for e in seen] == [1]
    finally:
        await bus.close()


async def test_publish_during_a_broker_outage_raises_in_bounded_time_and_works_after_recovery(
    kafka_bootstrap: str, unique_name: str
) -> None:
    bus = KafkaBus(_settings(kafka_bootstrap, request_timeout_ms=5000))
    await bus.start()
    topic = f"kafka.outage.{unique_name}"
    seen: list[int] = []

    async def collect(event: CloudEvent) -> None:
        seen.append(int(event.data["seq"]))

    consumer = bus.consumer(group=f"g-{unique_name}", topics=[topic], handler=collect)
    task = asyncio.create_task(consumer.run())
    try:
        await bus.publish([Record(topic=topic, event=probe(1, key="school-a"))])
        async with asyncio.timeout(60):
            while seen != [1]:
                await asyncio.sleep(0.05)

        await _kafka_script("stop")
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(KafkaPublishError):
                # Bounded by the test's own timeout too: a publish that hangs must fail this test, not block it.
                async with asyncio.timeout(60):
                    await bus.publish([Record(topic=topic, event=probe(2, key="school-a"))])
            elapsed = loop.time() - started
            assert elapsed < 5 + 5, f"publish took {elapsed:.1f} s to fail; request_timeout_ms is 5 s"
        finally:
            await _kafka_script("start")

        # The same bus instance publishes again once the broker is back, retried the way the outbox relay does:
        # a broker that has just restarted may still be loading its coordinators for a few seconds.
        async with asyncio.timeout(90):
            while True:
                try:
                    await bus.publish([Record(topic=topic, event=probe(3, key="school-a"))])
                    break
                except KafkaPublishError:
                    await asyncio.sleep(1)
        # And the consumer that lived through the outage picks the new record up.
        async with asyncio.timeout(90):
            while 3 not in seen:
                await asyncio.sleep(0.1)
        assert seen[0] == 1 and seen[-1] == 3
    finally:
        await consumer.stop()
        await asyncio.gather(task, return_exceptions=True)
        await bus.close()


async def test_topics_are_created_to_keep_every_event(kafka_bootstrap: str, unique_name: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    from edu_shared.bus.kafka import KafkaBus, KafkaSettings
    from edu_shared.testing.probe import probe

    bus = KafkaBus(KafkaSettings(bootstrap_servers=kafka_bootstrap, partitions=1))
    await bus.start()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        topic = f"retention.{unique_name}"
        await bus.publish([Record(topic=topic, event=probe(1, key="school-a"))])
        described = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        entries = {name: value for name, value, *_ in described[0].resources[0][4]}
        assert entries["retention.ms"] == "-1"
    finally:
        await admin.close()
        await bus.close()
