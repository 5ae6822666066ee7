"""The embedded bus: a durable, partitioned, append-only log in one SQLite file.

It gives the one-machine mode the same semantics Kafka gives the distributed one (see `port.py`): records
survive a restart, a key always maps to the same partition, consumer groups share partitions through
leases, offsets are committed after handlers return. Several processes may share the file (WAL mode);
within one process consumers are woken at once on publish, across processes they poll.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from edu_shared.bus.delivery import deliver
from edu_shared.bus.port import EventHandler, Record, RetryPolicy
from edu_shared.db.engine import create_sqlite_engine
from edu_shared.events.envelope import CloudEvent
from edu_shared.observability.tracing import producer_span

log = logging.getLogger(__name__)

_md = sa.MetaData()
topics_t = sa.Table(
    "bus_topics",
    _md,
    sa.Column("topic", sa.String(255), primary_key=True),
    sa.Column("partitions", sa.Integer, nullable=False),
)
log_t = sa.Table(
    "bus_log",
    _md,
    sa.Column("topic", sa.String(255), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("offset", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("headers", sa.Text, nullable=False),
    sa.Column("appended_at", sa.Float, nullable=False),
)
offsets_t = sa.Table(
    "bus_group_offsets",
    _md,
    sa.Column("group", sa.String(255), primary_key=True),
    sa.Column("topic", sa.String(255), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("next_offset", sa.Integer, nullable=False),
)
members_t = sa.Table(
    "bus_members",
    _md,
    sa.Column("group", sa.String(255), primary_key=True),
    sa.Column("member", sa.String(64), primary_key=True),
    sa.Column("seen_at", sa.Float, nullable=False),
)
leases_t = sa.Table(
    "bus_leases",
    _md,
    sa.Column("group", sa.String(255), primary_key=True),
    sa.Column("topic", sa.String(255), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)


def partition_for(key: str, partitions: int) -> int:
    """Stable key → partition mapping (CRC-32), the same in every process and after restarts."""
    return zlib.crc32(key.encode()) % partitions


@dataclass(frozen=True)
class EmbeddedBusSettings:
    path: Path
    partitions: int = 4
    poll_interval_s: float = 0.2
    session_timeout_s: float = 10.0
    rebalance_interval_s: float = 1.0
    batch_size: int = 500


class EmbeddedBus:
    """`EventBus` over a SQLite log file."""

    def __init__(self, settings: EmbeddedBusSettings) -> None:
        self.settings = settings
        self._engine: AsyncEngine | None = None
        self._wake = asyncio.Event()
        self._start_lock = asyncio.Lock()

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("EmbeddedBus.start() was not awaited")
        return self._engine

    async def start(self) -> None:
        async with self._start_lock:
            if self._engine is not None:
                return
            engine = create_sqlite_engine(self.settings.path, immediate=True, synchronous="FULL")
            async with engine.begin() as conn:
                await conn.run_sync(_md.create_all)
            self._engine = engine

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    async def wait_for_records(self, timeout: float) -> None:
        wake = self._wake
        try:
            await asyncio.wait_for(wake.wait(), timeout)
        except TimeoutError:
            pass

    async def _partitions(self, conn: AsyncConnection, topic: str) -> int:
        count = await conn.scalar(sa.select(topics_t.c.partitions).where(topics_t.c.topic == topic))
        if count is None:
            count = self.settings.partitions
            await conn.execute(sa.insert(topics_t).values(topic=topic, partitions=count).prefix_with("OR IGNORE"))
        return int(count)

    async def partitions_of(self, topic: str) -> int:
        async with self.engine.begin() as conn:
            return await self._partitions(conn, topic)

    async def publish(self, records: Sequence[Record]) -> None:
        """Append all records in one transaction; durable (synchronous=FULL) when this returns."""
        if not records:
            return
        now = time.time()
        by_topic: dict[str, int] = {}
        with producer_span(records[0].topic, len(records)):
            async with self.engine.begin() as conn:
                next_offsets: dict[tuple[str, int], int] = {}
                rows = []
                for record in records:
                    if record.topic not in by_topic:
                        by_topic[record.topic] = await self._partitions(conn, record.topic)
                    partition = partition_for(record.key, by_topic[record.topic])
                    slot = (record.topic, partition)
                    if slot not in next_offsets:
                        current = await conn.scalar(
                            sa.select(sa.func.max(log_t.c.offset)).where(
                                log_t.c.topic == record.topic, log_t.c.partition == partition
                            )
                        )
                        next_offsets[slot] = -1 if current is None else int(current)
                    next_offsets[slot] += 1
                    rows.append(
                        {
                            "topic": record.topic,
                            "partition": partition,
                            "offset": next_offsets[slot],
                            "key": record.key,
                            "value": record.event.to_bytes(),
                            "headers": json.dumps(dict(record.headers)),
                            "appended_at": now,
                        }
                    )
                await conn.execute(sa.insert(log_t), rows)
        self._notify()

    def consumer(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handler: EventHandler,
        retry: RetryPolicy | None = None,
    ) -> EmbeddedConsumer:
        return EmbeddedConsumer(
            bus=self, group=group, topics=list(topics), handler=handler, retry=retry or RetryPolicy()
        )

    async def read_topic(self, topic: str) -> list[tuple[Record, int]]:
        """Every record of a topic with its partition, in offset order (for tests and tools)."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                sa.select(log_t).where(log_t.c.topic == topic).order_by(log_t.c.partition, log_t.c.offset)
            )
            return [
                (
                    Record(topic=r.topic, event=CloudEvent.from_bytes(r.value), headers=json.loads(r.headers)),
                    r.partition,
                )
                for r in result
            ]


class EmbeddedConsumer:
    """A group member: owns the partitions its leases give it and reads them in offset order."""

    def __init__(
        self, *, bus: EmbeddedBus, group: str, topics: list[str], handler: EventHandler, retry: RetryPolicy
    ) -> None:
        self.bus = bus
        self.group = group
        self.topics = topics
        self.handler = handler
        self.retry = retry
        self.member = uuid.uuid4().hex
        self._owned: list[tuple[str, int]] = []
        self._stopping = asyncio.Event()
        self._next_rebalance = 0.0

    @property
    def owned_partitions(self) -> list[tuple[str, int]]:
        return list(self._owned)

    async def stop(self) -> None:
        """Leave the group cleanly: release leases so other members take over at once."""
        self._stopping.set()
        async with self.bus.engine.begin() as conn:
            await conn.execute(
                sa.delete(leases_t).where(leases_t.c.group == self.group, leases_t.c.owner == self.member)
            )
            await conn.execute(
                sa.delete(members_t).where(members_t.c.group == self.group, members_t.c.member == self.member)
            )
        self._owned = []

    async def run(self) -> None:
        await self.bus.start()
        s = self.bus.settings
        while not self._stopping.is_set():
            if time.monotonic() >= self._next_rebalance:
                await self._rebalance()
                self._next_rebalance = time.monotonic() + s.rebalance_interval_s
            progressed = False
            for topic, partition in list(self._owned):
                if self._stopping.is_set():
                    break
                progressed |= await self._poll_partition(topic, partition)
            if not progressed:
                await self.bus.wait_for_records(s.poll_interval_s)

    async def _rebalance(self) -> None:
        """Heartbeat, compute this member's share of the partitions, take free leases, drop surplus ones."""
        s = self.bus.settings
        now = time.time()
        async with self.bus.engine.begin() as conn:
            await conn.execute(
                sa.insert(members_t).values(group=self.group, member=self.member, seen_at=now).prefix_with("OR REPLACE")
            )
            await conn.execute(
                sa.delete(members_t).where(
                    members_t.c.group == self.group, members_t.c.seen_at < now - s.session_timeout_s
                )
            )
            members = sorted(
                (await conn.scalars(sa.select(members_t.c.member).where(members_t.c.group == self.group))).all()
            )
            slots = [(t, p) for t in sorted(self.topics) for p in range(await self.bus._partitions(conn, t))]
            mine = {slot for i, slot in enumerate(slots) if members[i % len(members)] == self.member}
            owned: list[tuple[str, int]] = []
            for topic, partition in slots:
                key = (leases_t.c.group == self.group, leases_t.c.topic == topic, leases_t.c.partition == partition)
                if (topic, partition) not in mine:
                    await conn.execute(sa.delete(leases_t).where(*key, leases_t.c.owner == self.member))
                    continue
                lease = (await conn.execute(sa.select(leases_t).where(*key))).first()
                expires = now + s.session_timeout_s
                if lease is None:
                    await conn.execute(
                        sa.insert(leases_t).values(
                            group=self.group, topic=topic, partition=partition, owner=self.member, expires_at=expires
                        )
                    )
                elif lease.owner == self.member or lease.expires_at < now or lease.owner not in members:
                    await conn.execute(sa.update(leases_t).where(*key).values(owner=self.member, expires_at=expires))
                else:
                    continue
                owned.append((topic, partition))
        self._owned = owned

    async def _poll_partition(self, topic: str, partition: int) -> bool:
        async with self.bus.engine.begin() as conn:
            start = await conn.scalar(
                sa.select(offsets_t.c.next_offset).where(
                    offsets_t.c.group == self.group, offsets_t.c.topic == topic, offsets_t.c.partition == partition
                )
            )
            start = int(start or 0)
            rows = (
                await conn.execute(
                    sa.select(log_t.c.offset, log_t.c.value)
                    .where(log_t.c.topic == topic, log_t.c.partition == partition, log_t.c.offset >= start)
                    .order_by(log_t.c.offset)
                    .limit(self.bus.settings.batch_size)
                )
            ).all()
        if not rows:
            return False
        last = start - 1
        try:
            events = [CloudEvent.from_bytes(row.value) for row in rows]
            if await self._deliver_run(topic, events):
                last = rows[-1].offset
            else:
                for row, event in zip(rows, events, strict=True):
                    await deliver(
                        topic=topic,
                        event=event,
                        handler=self.handler,
                        retry=self.retry,
                        group=self.group,
                        dead_letter=self._dead_letter,
                    )
                    last = row.offset
                    if self._stopping.is_set():
                        break
        finally:
            if last >= start and not _cancelling():
                await self._commit(topic, partition, last + 1)
        return True

    async def _deliver_run(self, topic: str, events: list[CloudEvent]) -> bool:
        """Give the whole run to a handler that takes runs (`handle_batch`, e.g. the idempotent inbox handler).

        One call, one transaction for the run; False when the run has to go one event at a time instead: the
        handler takes single events only, or the run failed as a whole (then the one-by-one path finds the
        culprit, retries it and dead-letters it without its neighbours).
        """
        handle_batch = getattr(self.handler, "handle_batch", None)
        if handle_batch is None or len(events) < 2:
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

    async def _dead_letter(self, record: Record) -> None:
        await self.bus.publish([record])

    async def _commit(self, topic: str, partition: int, next_offset: int) -> None:
        """Store the group's position, only while this member still holds the partition's lease."""
        async with self.bus.engine.begin() as conn:
            held = await conn.scalar(
                sa.select(leases_t.c.owner).where(
                    leases_t.c.group == self.group, leases_t.c.topic == topic, leases_t.c.partition == partition
                )
            )
            if held != self.member:
                log.warning(
                    "lease lost before commit; records will be redelivered",
                    extra={"group": self.group, "topic": topic, "partition": partition},
                )
                self._owned = [slot for slot in self._owned if slot != (topic, partition)]
                return
            await conn.execute(
                sa.insert(offsets_t)
                .values(group=self.group, topic=topic, partition=partition, next_offset=next_offset)
                .prefix_with("OR REPLACE")
            )


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
