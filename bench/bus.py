"""Benchmark of the event path: service commit → outbox → relay → bus → consumer inbox, Kafka and embedded.

    uv run python bench/bus.py [--events N] [--skip-kafka]

Prints one table with, side by side and from the same run:
  (a) raw aiokafka produce → consume (the ceiling the Kafka path cannot beat),
  (b) the Kafka path: units of work committing on PostgreSQL → outbox → `OutboxRelay` → `KafkaBus` →
      consumer whose `idempotent_handler` writes the inbox on PostgreSQL,
  (c) the same path fed at a fixed 1,000 events/s for ~10 s (lag, not throughput),
  (d) the embedded path: SQLite service database → outbox → relay → `EmbeddedBus` → inbox on SQLite.

Latency is "committed → applied": a writer stamps `committed_at` (wall clock) in the payload as its unit of work
starts emitting, a few milliseconds before the commit, and the consumer reads the clock once the inbox
transaction that applied the event has committed (so the figures err on the slow side). Throughput is events
over first commit → last applied, after a warm-up (topics created, consumer group settled, pools open). The
Kafka and PostgreSQL servers are the ones `scripts/servers.sh up` starts (var/servers/env.sh); every run uses
fresh databases and fresh topics. The benchmark reports; it never asserts on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.bus.kafka_settings import KafkaSettings
from edu_shared.bus.port import EventBus
from edu_shared.db.engine import create_engine, session_factory, sqlite_url
from edu_shared.db.messaging import MessagingTables, add_messaging_tables
from edu_shared.db.relay import OutboxRelay
from edu_shared.db.uow import IdempotentHandler, SqlUnitOfWork, idempotent_handler
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import EventPayload

REPO = Path(__file__).resolve().parents[1]
ENV_FILE = REPO / "var" / "servers" / "env.sh"

BATCH_PER_COMMIT = 100  # events emitted by one unit of work
WRITERS = 4  # concurrent writers (units of work in flight)
KEYS = 64  # distinct partition keys (schools)
PARTITIONS = 6
FIXED_RATE = 1_000  # events/s in scenario (c)
FIXED_SECONDS = 10.0
FIXED_TICK_S = 0.02  # (c) commits every 20 ms: 20 events per commit
RELAY_BATCH = 500  # the relay's default batch
RAW_CHUNK = 500  # (a) records handed to the producer before awaiting their acknowledgements


class BenchTicked(EventPayload, event_type="vn.edurecords.bench.ticked", version=1, topic="edu.bench"):
    """A benchmark event: its number and the wall-clock time its unit of work committed."""

    n: int
    committed_at: float


@dataclass
class Outcome:
    """One row of the result table."""

    scenario: str
    setup: str
    events: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    target: str = ""
    target_ok: bool | None = None
    note: str = ""

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- environment -------------------------------------------------------------------------------------------


def load_server_env() -> None:
    """Read var/servers/env.sh (written by scripts/servers.sh up) unless the variables are already set."""
    if not ENV_FILE.exists():
        return
    for line in ENV_FILE.read_text().splitlines():
        line = line.strip()
        if line.startswith("export ") and "=" in line:
            name, _, value = line[len("export ") :].partition("=")
            os.environ.setdefault(name.strip(), value.strip().strip("'\""))


@asynccontextmanager
async def fresh_postgres(server_url: str, label: str) -> AsyncIterator[str]:
    """A new PostgreSQL database for one scenario, dropped afterwards; yields its SQLAlchemy URL."""
    import asyncpg

    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def messaging_db(engine: AsyncEngine) -> MessagingTables:
    metadata = sa.MetaData()
    tables = add_messaging_tables(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return tables


# -- the outbox → bus → inbox pipeline ---------------------------------------------------------------------


class TimedInbox:
    """The idempotent inbox handler, reading the clock right after each of its transactions committed."""

    def __init__(
        self, inner: IdempotentHandler[SqlUnitOfWork], on_applied: Callable[[Sequence[CloudEvent]], None]
    ) -> None:
        self._inner = inner
        self._on_applied = on_applied

    async def __call__(self, event: CloudEvent) -> None:
        await self._inner(event)
        self._on_applied([event])

    async def handle_batch(self, events: Sequence[CloudEvent], *, topic: str) -> None:
        await self._inner.handle_batch(events, topic=topic)
        self._on_applied(events)


class Pipeline:
    """A producing service (writers + relay) and a consuming service (inbox), joined by one bus."""

    def __init__(self, *, service: AsyncEngine, inbox: AsyncEngine, bus: EventBus, expected: int) -> None:
        self.service = service
        self.inbox = inbox
        self.bus = bus
        self.expected = expected
        self.applied: dict[int, float] = {}
        self.latencies: list[float] = []
        self.first_commit: float | None = None
        self.last_applied = 0.0
        self.done = asyncio.Event()
        self._warm_applied: set[int] = set()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.service_tables = await messaging_db(self.service)
        self.inbox_tables = await messaging_db(self.inbox)
        self.relay = OutboxRelay(
            engine=self.service, messaging=self.service_tables, bus=self.bus, name="bench", batch_size=RELAY_BATCH
        )
        service_sessions = session_factory(self.service)
        inbox_sessions = session_factory(self.inbox)
        self.unit_of_work: Callable[[], SqlUnitOfWork] = lambda: SqlUnitOfWork(
            sessions=service_sessions,
            messaging=self.service_tables,
            source="/bench/producer",
            on_commit=self.relay.notify,
        )

        async def apply(_uow: SqlUnitOfWork, _event: CloudEvent) -> None:
            """No effect beyond the inbox row: what is measured is the messaging machinery itself."""

        inbox_handler = idempotent_handler(
            group="bench",
            apply=apply,
            uow=lambda: SqlUnitOfWork(sessions=inbox_sessions, messaging=self.inbox_tables, source="/bench/consumer"),
        )
        consumer = self.bus.consumer(
            group="bench", topics=[BenchTicked.event_meta().topic], handler=TimedInbox(inbox_handler, self._applied)
        )
        self._consumer = consumer
        self._tasks = [asyncio.create_task(self.relay.run()), asyncio.create_task(consumer.run())]

    def _applied(self, events: Sequence[CloudEvent]) -> None:
        now = time.time()
        for event in events:
            n = int(event.data["n"])
            if n < 0:
                self._warm_applied.add(n)
                continue
            if n in self.applied:
                continue  # a redelivery the inbox absorbed
            self.applied[n] = now
            self.latencies.append(now - float(event.data["committed_at"]))
        self.last_applied = now
        if len(self.applied) >= self.expected:
            self.done.set()

    async def warm_up(self, count: int = 200) -> None:
        """Run a few events end to end first: topics exist, the group has settled, connections are open."""
        await self.commit(-count, count, measured=False)
        deadline = time.time() + 120
        while len(self._warm_applied) < count:
            if time.time() > deadline:
                raise TimeoutError("warm-up events never arrived")
            await asyncio.sleep(0.05)

    async def commit(self, first: int, count: int, *, measured: bool = True) -> None:
        """One unit of work emitting `count` events."""
        async with self.unit_of_work() as uow:
            stamp = time.time()
            if self.first_commit is None and measured:
                self.first_commit = stamp
            for n in range(first, first + count):
                uow.emit(BenchTicked(n=n, committed_at=stamp), partition_key=f"school-{n % KEYS}")
            await uow.commit()

    async def stop(self) -> None:
        await self.relay.stop()
        await self._consumer.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def saturate(pipeline: Pipeline, *, events: int, timeout: float) -> None:
    """Writers commit as fast as they can, `BATCH_PER_COMMIT` events per unit of work."""
    counter = iter(range(0, events, BATCH_PER_COMMIT))

    async def writer() -> None:
        for first in counter:
            await pipeline.commit(first, min(BATCH_PER_COMMIT, events - first))

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    await asyncio.wait_for(pipeline.done.wait(), timeout)


async def fixed_rate(pipeline: Pipeline, *, rate: int, seconds: float, timeout: float) -> None:
    """Commit `rate × tick` events every tick, on a drift-free schedule."""
    loop = asyncio.get_running_loop()
    per_tick = max(1, round(rate * FIXED_TICK_S))
    ticks = round(seconds / FIXED_TICK_S)
    start = loop.time()
    pending: set[asyncio.Task[None]] = set()
    for tick in range(ticks):
        await asyncio.sleep(max(0.0, start + tick * FIXED_TICK_S - loop.time()))
        task = asyncio.create_task(pipeline.commit(tick * per_tick, per_tick))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    await asyncio.wait_for(pipeline.done.wait(), timeout)


def pipeline_outcome(pipeline: Pipeline, outcome: Outcome) -> Outcome:
    outcome.events = len(pipeline.applied)
    outcome.seconds = pipeline.last_applied - (pipeline.first_commit or pipeline.last_applied)
    outcome.latencies = pipeline.latencies
    return outcome


# -- scenarios ---------------------------------------------------------------------------------------------


def kafka_settings(bootstrap: str, prefix: str) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=bootstrap, partitions=PARTITIONS, topic_prefix=prefix)


async def raw_aiokafka(bootstrap: str, events: int) -> Outcome:
    """(a) aiokafka alone: same record size, idempotent acks=all producer, manually committing consumer."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # type: ignore[import-untyped]

    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    await admin.close()
    size = len(
        CloudEvent(
            source="/bench/producer",
            type=BenchTicked.event_meta().type,
            partitionkey="school-1",
            data={"n": 1, "committed_at": time.time()},
        ).to_bytes()
    )
    padding = b"x" * max(0, size - 29)
    outcome = Outcome(
        "(a) raw aiokafka",
        f"{RAW_CHUNK} sends then await acks; {PARTITIONS} partitions; {size} B records",
        note="ceiling for (b)",
    )
    received: set[int] = set()
    done = asyncio.Event()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{topic}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
    )
    await consumer.start()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5, max_batch_size=256 * 1024
    )
    await producer.start()

    async def consume() -> None:
        while not done.is_set():
            batch = await consumer.getmany(timeout_ms=200)
            now = time.time()
            for records in batch.values():
                for r in records:
                    n = int(r.value[:12])
                    if n not in received:
                        received.add(n)
                        outcome.latencies.append(now - float(r.value[12:29]))
            if batch:
                await consumer.commit()
            if len(received) >= events:
                outcome.seconds = time.time() - started
                done.set()

    while not consumer.assignment():  # the group has settled: measure the flow, not the join
        await asyncio.sleep(0.05)
    consuming = asyncio.create_task(consume())
    started = time.time()
    for first in range(0, events, RAW_CHUNK):
        futures = []
        for n in range(first, min(events, first + RAW_CHUNK)):
            value = b"%012d%017.6f" % (n, time.time()) + padding  # number, send time, filler
            futures.append(await producer.send(topic, value=value, key=b"school-%d" % (n % KEYS)))
        await asyncio.gather(*futures)
    await asyncio.wait_for(consuming, 120)
    await producer.stop()
    await consumer.stop()
    outcome.events = len(received)
    return outcome


async def kafka_path(bootstrap: str, pg_server: str, events: int, *, rate: int | None) -> Outcome:
    """(b) and (c): PostgreSQL outbox → relay → KafkaBus → consumer → PostgreSQL inbox."""
    from edu_shared.bus.kafka import KafkaBus

    if rate is None:
        outcome = Outcome(
            "(b) Kafka path, PostgreSQL",
            f"{WRITERS} writers × {BATCH_PER_COMMIT} events/commit; relay batches ≤ {RELAY_BATCH}; "
            f"{PARTITIONS} partitions",
            target="≥ 5,000 events/s",
        )
    else:
        outcome = Outcome(
            "(c) Kafka path, fixed rate",
            f"{rate}/s for {FIXED_SECONDS:g} s: "
            f"{round(rate * FIXED_TICK_S)} events/commit every {FIXED_TICK_S * 1000:g} ms",
            target="p99 lag < 1 s",
        )
    async with fresh_postgres(pg_server, "svc") as service_url, fresh_postgres(pg_server, "inbox") as inbox_url:
        service, inbox = create_engine(service_url), create_engine(inbox_url)
        bus = KafkaBus(kafka_settings(bootstrap, f"bench{uuid.uuid4().hex[:8]}."))
        await bus.start()
        try:
            expected = events if rate is None else round(FIXED_SECONDS / FIXED_TICK_S) * round(rate * FIXED_TICK_S)
            pipeline = Pipeline(service=service, inbox=inbox, bus=bus, expected=expected)
            await pipeline.start()
            await pipeline.warm_up()
            try:
                if rate is None:
                    await saturate(pipeline, events=events, timeout=180)
                else:
                    await fixed_rate(pipeline, rate=rate, seconds=FIXED_SECONDS, timeout=120)
            finally:
                await pipeline.stop()
        finally:
            await bus.close()
            await service.dispose()
            await inbox.dispose()
    pipeline_outcome(pipeline, outcome)
    if rate is None:
        outcome.target_ok = outcome.rate >= 5_000
    else:
        outcome.target_ok = outcome.quantile(0.99) < 1.0
    return outcome


async def embedded_path(events: int) -> Outcome:
    """(d) SQLite outbox → relay → EmbeddedBus → SQLite inbox, all files in a fresh temporary directory."""
    outcome = Outcome(
        "(d) embedded path, SQLite",
        f"{WRITERS} writers × {BATCH_PER_COMMIT} events/commit; relay batches ≤ {RELAY_BATCH}; 4 partitions",
        target="≥ 2,000 events/s",
    )
    with tempfile.TemporaryDirectory(prefix="edu-bench-") as tmp:
        root = Path(tmp)
        service = create_engine(sqlite_url(root / "service.db"))
        inbox = create_engine(sqlite_url(root / "inbox.db"))
        bus = EmbeddedBus(EmbeddedBusSettings(path=root / "bus.db"))
        await bus.start()
        try:
            pipeline = Pipeline(service=service, inbox=inbox, bus=bus, expected=events)
            await pipeline.start()
            await pipeline.warm_up()
            try:
                await saturate(pipeline, events=events, timeout=180)
            finally:
                await pipeline.stop()
        finally:
            await bus.close()
            await service.dispose()
            await inbox.dispose()
    pipeline_outcome(pipeline, outcome)
    outcome.target_ok = outcome.rate >= 2_000
    return outcome


# -- report ------------------------------------------------------------------------------------------------


def table(outcomes: list[Outcome]) -> str:
    headers = ["scenario", "load", "events", "events/s", "p50 ms", "p99 ms", "target", "met"]
    rows = []
    for o in outcomes:
        met = "" if o.target_ok is None else ("yes" if o.target_ok else "NO")
        rows.append(
            [
                o.scenario,
                o.setup,
                f"{o.events:,}",
                f"{o.rate:,.0f}",
                f"{o.quantile(0.5) * 1000:,.0f}",
                f"{o.quantile(0.99) * 1000:,.0f}",
                o.target or o.note,
                met,
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000, help="events per throughput scenario")
    parser.add_argument("--skip-kafka", action="store_true", help="run only the embedded path")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    load_server_env()

    outcomes: list[Outcome] = []
    started = time.time()
    cpu_start = time.process_time()
    # Other work on the machine (the broker, PostgreSQL, anything else) shares the CPUs: printed beside the figures.
    load_start = os.getloadavg()[0]
    if not args.skip_kafka:
        bootstrap = os.environ.get("EDU_TEST_KAFKA_BOOTSTRAP")
        pg_server = os.environ.get("EDU_TEST_POSTGRES_URL")
        if not bootstrap or not pg_server:
            print(
                "Kafka/PostgreSQL not configured: run `bash scripts/servers.sh up` (or pass --skip-kafka)",
                file=sys.stderr,
            )
            return 2
        steps: list[tuple[str, Callable[[], Awaitable[Outcome]]]] = [
            ("raw aiokafka", lambda: raw_aiokafka(bootstrap, args.events)),
            ("Kafka path", lambda: kafka_path(bootstrap, pg_server, args.events, rate=None)),
            ("Kafka path at a fixed rate", lambda: kafka_path(bootstrap, pg_server, 0, rate=FIXED_RATE)),
        ]
    else:
        steps = []
    steps.append(("embedded path", lambda: embedded_path(args.events)))
    for label, step in steps:
        print(f"running {label} …", file=sys.stderr, flush=True)
        outcomes.append(await step())
    load_end = os.getloadavg()[0]
    print()
    print(
        f"Bus benchmark: {args.events:,} events per throughput run; latency = committed → applied in the inbox; "
        f"{os.cpu_count()} CPUs, load average {load_start:.1f} → {load_end:.1f}; "
        f"bench process CPU {time.process_time() - cpu_start:.0f} s of {time.time() - started:.0f} s"
    )
    print(table(outcomes))
    return 0 if all(o.events for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
