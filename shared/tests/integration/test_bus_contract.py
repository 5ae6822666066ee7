"""The bus contract: every adapter (embedded log, Kafka) must pass these same tests."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

from edu_shared.bus.port import Consumer, EventBus, Record, RetryPolicy, dead_letter_topic
from edu_shared.events.envelope import CloudEvent
from edu_shared.testing.buses import BusHarness
from edu_shared.testing.probe import probe

FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff_s=0.01, max_backoff_s=0.05)


async def _eventually(check: Callable[[], bool], *, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Collector:
    """A handler that remembers what it saw, in order."""

    def __init__(self) -> None:
        self.events: list[CloudEvent] = []

    async def __call__(self, event: CloudEvent) -> None:
        self.events.append(event)

    def seqs(self) -> list[int]:
        return [int(e.data["seq"]) for e in self.events]


def _start(consumer: Consumer) -> asyncio.Task[None]:
    return asyncio.create_task(consumer.run())


async def _stop(consumer: Consumer, task: asyncio.Task[None]) -> None:
    await consumer.stop()
    try:
        await asyncio.wait_for(task, 30)
    except (asyncio.CancelledError, TimeoutError):
        task.cancel()


async def _publish(bus: EventBus, topic: str, events: list[CloudEvent]) -> None:
    await bus.publish([Record(topic=topic, event=e) for e in events])


async def test_events_of_one_key_arrive_in_publish_order(harness: BusHarness, unique_name: str) -> None:
    topic = f"contract.order.{unique_name}"
    keys = [f"school-{i}" for i in range(5)]
    events = [probe(i, key=keys[i % len(keys)]) for i in range(200)]
    for start in range(0, 200, 50):
        await _publish(harness.bus, topic, events[start : start + 50])
    seen = Collector()
    consumer = harness.bus.consumer(group=f"g-{unique_name}", topics=[topic], handler=seen)
    task = _start(consumer)
    await _eventually(lambda: len(seen.events) >= 200, what="200 events")
    await _stop(consumer, task)
    per_key: dict[str, list[int]] = defaultdict(list)
    for e in seen.events:
        per_key[e.partitionkey].append(int(e.data["seq"]))
    assert sorted(seen.seqs()) == list(range(200))
    for key, seqs in per_key.items():
        assert seqs == sorted(seqs), f"events of {key} out of order"


async def test_event_whose_handler_was_killed_before_commit_is_delivered_again(
    harness: BusHarness, unique_name: str
) -> None:
    topic = f"contract.kill.{unique_name}"
    group = f"g-{unique_name}"
    await _publish(harness.bus, topic, [probe(1, key="school-a")])
    entered = asyncio.Event()

    async def hang(event: CloudEvent) -> None:
        entered.set()
        await asyncio.sleep(3600)

    doomed = harness.new_bus()
    await doomed.start()
    victim = doomed.consumer(group=group, topics=[topic], handler=hang)
    victim_task = _start(victim)
    await asyncio.wait_for(entered.wait(), 60)
    victim_task.cancel()  # a crash in the middle of the handler: nothing was committed
    await asyncio.gather(victim_task, return_exceptions=True)
    await doomed.close()

    seen = Collector()
    survivor = harness.bus.consumer(group=group, topics=[topic], handler=seen)
    task = _start(survivor)
    await _eventually(lambda: seen.seqs() == [1], what="redelivery to the surviving member")
    await _stop(survivor, task)


async def test_two_members_of_a_group_share_the_partitions(harness: BusHarness, unique_name: str) -> None:
    topic = f"contract.share.{unique_name}"
    group = f"g-{unique_name}"
    first, second = Collector(), Collector()
    bus_b = harness.new_bus()
    await bus_b.start()
    a = harness.bus.consumer(group=group, topics=[topic], handler=first)
    b = bus_b.consumer(group=group, topics=[topic], handler=second)
    # Make the topic exist before members join, then feed warm-up events over many keys until both members
    # have received some: the group has settled and each member owns partitions.
    await _publish(harness.bus, topic, [probe(-1, key="warm-up")])
    tasks = [_start(a), _start(b)]
    deadline = asyncio.get_running_loop().time() + 90
    round_ = 0
    while not (first.events and second.events):
        assert asyncio.get_running_loop().time() < deadline, "the group never gave both members partitions"
        await _publish(harness.bus, topic, [probe(-1, key=f"warm-{round_}-{i}") for i in range(20)])
        round_ += 1
        await asyncio.sleep(0.5)
    await asyncio.sleep(1)
    first.events.clear()
    second.events.clear()
    events = [probe(i, key=f"school-{i}") for i in range(100)]
    await _publish(harness.bus, topic, events)

    def measured(c: Collector) -> list[CloudEvent]:  # late warm-up stragglers (seq -1) are not measured
        return [e for e in c.events if int(e.data["seq"]) >= 0]

    await _eventually(lambda: len(measured(first)) + len(measured(second)) >= 100, what="100 events")
    await _stop(a, tasks[0])
    await _stop(b, tasks[1])
    assert measured(first) and measured(second), "one member got nothing: partitions were not shared"
    keys_a = {e.partitionkey for e in measured(first)}
    keys_b = {e.partitionkey for e in measured(second)}
    assert not keys_a & keys_b, "a key was consumed by both members"
    assert sorted(int(e.data["seq"]) for e in measured(first) + measured(second)) == list(range(100))


async def test_poison_event_goes_to_dead_letter_topic_after_the_retries(harness: BusHarness, unique_name: str) -> None:
    topic = f"contract.poison.{unique_name}"
    attempts: dict[int, int] = defaultdict(int)
    good = Collector()

    async def picky(event: CloudEvent) -> None:
        seq = int(event.data["seq"])
        attempts[seq] += 1
        if seq == 2:
            raise ValueError("cannot apply event 2")
        await good(event)

    await _publish(harness.bus, topic, [probe(i, key="school-a") for i in range(1, 5)])
    consumer = harness.bus.consumer(group=f"g-{unique_name}", topics=[topic], handler=picky, retry=FAST_RETRY)
    task = _start(consumer)
    await _eventually(lambda: good.seqs() == [1, 3, 4], what="the healthy events")
    await _stop(consumer, task)
    assert attempts[2] == FAST_RETRY.max_attempts

    dead = Collector()
    dlq = harness.bus.consumer(group=f"dlq-{unique_name}", topics=[dead_letter_topic(topic)], handler=dead)
    dlq_task = _start(dlq)
    await _eventually(lambda: dead.seqs() == [2], what="the poison event in the dead-letter topic")
    await _stop(dlq, dlq_task)


async def test_published_events_survive_a_bus_restart(harness: BusHarness, unique_name: str) -> None:
    topic = f"contract.durable.{unique_name}"
    await _publish(harness.bus, topic, [probe(i, key="school-a") for i in range(10)])
    await harness.bus.close()
    reopened = harness.new_bus()
    await reopened.start()
    seen = Collector()
    consumer = reopened.consumer(group=f"g-{unique_name}", topics=[topic], handler=seen)
    task = _start(consumer)
    await _eventually(lambda: seen.seqs() == list(range(10)), what="events after restart")
    await _stop(consumer, task)


async def test_committed_position_is_kept_for_the_group(harness: BusHarness, unique_name: str) -> None:
    topic = f"contract.position.{unique_name}"
    group = f"g-{unique_name}"
    await _publish(harness.bus, topic, [probe(i, key="school-a") for i in range(3)])
    first = Collector()
    consumer = harness.bus.consumer(group=group, topics=[topic], handler=first)
    task = _start(consumer)
    await _eventually(lambda: len(first.events) == 3, what="first three")
    await _stop(consumer, task)
    await _publish(harness.bus, topic, [probe(i, key="school-a") for i in range(3, 5)])
    second = Collector()
    consumer = harness.bus.consumer(group=group, topics=[topic], handler=second)
    task = _start(consumer)
    await _eventually(lambda: len(second.events) >= 2, what="the two new events")
    await asyncio.sleep(0.5)
    await _stop(consumer, task)
    assert second.seqs() == [3, 4]
