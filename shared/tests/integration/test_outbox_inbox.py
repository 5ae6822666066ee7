"""Outbox, relay and inbox on the real databases (SQLite and PostgreSQL) and both buses.

An event is never published for a change that was not committed; a committed change never loses its event,
even while the broker is down; a redelivered event is applied once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from edu_shared.bus.port import Record
from edu_shared.db.engine import create_engine, session_factory, sqlite_url
from edu_shared.db.messaging import MessagingTables, add_messaging_tables
from edu_shared.db.relay import OutboxRelay
from edu_shared.db.uow import SqlUnitOfWork, idempotent_handler
from edu_shared.events.envelope import CloudEvent
from edu_shared.testing.buses import BusHarness
from edu_shared.testing.probe import ProbeHappened, probe
from edu_shared.testing.servers import RealServers, fresh_postgres_database

metadata = sa.MetaData()
messaging: MessagingTables = add_messaging_tables(metadata)
effects = sa.Table(
    "effects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seq", sa.Integer, nullable=False),
)


class Db:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = session_factory(engine)

    def uow(self, relay: OutboxRelay | None = None) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            sessions=self.sessions, messaging=messaging, source="/tests", on_commit=relay.notify if relay else None
        )

    async def count(self, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
        async with self.engine.connect() as conn:
            return int(await conn.scalar(sa.select(sa.func.count()).select_from(table).where(*where)) or 0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Db]:
    async def make(url: str) -> AsyncIterator[Db]:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        try:
            yield Db(engine)
        finally:
            await engine.dispose()

    if request.param == "sqlite":
        async for d in make(sqlite_url(tmp_path / "service.db")):
            yield d
    else:
        async with fresh_postgres_database(real_servers.postgres_url) as url:
            async for d in make(url):
                yield d


async def _eventually(check: object, *, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def test_committed_unit_of_work_writes_its_events_to_the_outbox(db: Db) -> None:
    async with db.uow() as uow:
        await uow.session.execute(sa.insert(effects).values(seq=1))
        uow.emit(ProbeHappened(seq=1), partition_key="school-a")
        uow.emit(ProbeHappened(seq=2), partition_key="school-a")
        await uow.commit()
    assert await db.count(effects) == 1
    async with db.engine.connect() as conn:
        rows = (await conn.execute(sa.select(messaging.outbox).order_by(messaging.outbox.c.seq))).all()
    assert [CloudEvent.model_validate_json(r.envelope).data["seq"] for r in rows] == [1, 2]
    assert all(r.topic == "edu.test" and r.partition_key == "school-a" and r.published_at is None for r in rows)


async def test_unit_of_work_left_without_commit_writes_nothing(db: Db) -> None:
    async with db.uow() as uow:
        await uow.session.execute(sa.insert(effects).values(seq=1))
        uow.emit(ProbeHappened(seq=1), partition_key="school-a")
    with pytest.raises(RuntimeError):
        async with db.uow() as uow:
            await uow.session.execute(sa.insert(effects).values(seq=2))
            uow.emit(ProbeHappened(seq=2), partition_key="school-a")
            raise RuntimeError("handler failed")
    assert await db.count(effects) == 0
    assert await db.count(messaging.outbox) == 0


async def test_relay_publishes_in_commit_order_and_marks_rows(db: Db, harness: BusHarness, unique_name: str) -> None:
    relay = OutboxRelay(engine=db.engine, messaging=messaging, bus=harness.bus, name="t", poll_interval_s=0.05)
    for i in range(30):
        async with db.uow(relay) as uow:
            uow.emit(ProbeHappened(seq=i), partition_key="school-a")
            await uow.commit()
    task = asyncio.create_task(relay.run())
    seen: list[int] = []

    async def collect(event: CloudEvent) -> None:
        seen.append(int(event.data["seq"]))

    consumer = harness.bus.consumer(group=f"g-{unique_name}", topics=["edu.test"], handler=collect)
    consumer_task = asyncio.create_task(consumer.run())
    try:
        await _eventually(lambda: _published_all(db))

        async def got_all() -> bool:
            return [s for s in seen if s >= 0][-30:] == list(range(30))

        await _eventually(got_all)
    finally:
        await relay.stop()
        await consumer.stop()
        await asyncio.gather(task, consumer_task, return_exceptions=True)


async def _published_all(db: Db) -> bool:
    return await db.count(messaging.outbox, messaging.outbox.c.published_at.is_(None)) == 0


async def test_outbox_keeps_events_while_the_broker_is_down(db: Db, harness: BusHarness, unique_name: str) -> None:
    relay = OutboxRelay(
        engine=db.engine, messaging=messaging, bus=harness.bus, name="t", poll_interval_s=0.05, max_backoff_s=0.5
    )
    await harness.outage()
    task = asyncio.create_task(relay.run())
    try:
        for i in range(5):
            async with db.uow(relay) as uow:
                uow.emit(ProbeHappened(seq=i, note=unique_name), partition_key="school-a")
                await uow.commit()
        await asyncio.sleep(2)
        assert await db.count(messaging.outbox, messaging.outbox.c.published_at.is_(None)) == 5
        await harness.recover()
        await _eventually(lambda: _published_all(db), timeout=120)
    finally:
        await relay.stop()
        await asyncio.gather(task, return_exceptions=True)

    seen: list[int] = []

    async def collect(event: CloudEvent) -> None:
        if event.data.get("note") == unique_name:
            seen.append(int(event.data["seq"]))

    consumer = harness.bus.consumer(group=f"g-{unique_name}", topics=["edu.test"], handler=collect)
    consumer_task = asyncio.create_task(consumer.run())
    try:

        async def got_all() -> bool:
            return seen == list(range(5))

        await _eventually(got_all)
    finally:
        await consumer.stop()
        await asyncio.gather(consumer_task, return_exceptions=True)


async def test_duplicate_delivery_is_applied_once(db: Db, harness: BusHarness, unique_name: str) -> None:
    async def apply(uow: SqlUnitOfWork, event: CloudEvent) -> None:
        await uow.session.execute(sa.insert(effects).values(seq=int(event.data["seq"])))

    handler = idempotent_handler(group="projection", uow=db.uow, apply=apply)
    topic = f"dup.{unique_name}"
    event = probe(42, key="school-a")
    await harness.bus.publish([Record(topic=topic, event=event), Record(topic=topic, event=event)])
    await harness.bus.publish([Record(topic=topic, event=probe(43, key="school-a"))])
    consumer = harness.bus.consumer(group=f"g-{unique_name}", topics=[topic], handler=handler)
    task = asyncio.create_task(consumer.run())
    try:

        async def both_applied() -> bool:
            return await db.count(effects) >= 2

        await _eventually(both_applied)
        await asyncio.sleep(0.5)
    finally:
        await consumer.stop()
        await asyncio.gather(task, return_exceptions=True)
    async with db.engine.connect() as conn:
        assert sorted((await conn.scalars(sa.select(effects.c.seq))).all()) == [42, 43]
    assert await db.count(messaging.inbox) == 2


async def test_concurrent_duplicates_race_to_one_effect(db: Db) -> None:
    async def apply(uow: SqlUnitOfWork, event: CloudEvent) -> None:
        await uow.session.execute(sa.insert(effects).values(seq=int(event.data["seq"])))
        await asyncio.sleep(0.05)

    handler = idempotent_handler(group="projection", uow=db.uow, apply=apply)
    event = probe(7, key="school-a")
    await asyncio.gather(*(handler(event) for _ in range(4)))
    assert await db.count(effects) == 1


class CountingBus:
    """Wraps a bus, counting what each relay hands it."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.published = 0

    async def publish(self, records: list[Record]) -> None:
        await self.inner.publish(records)  # type: ignore[attr-defined]
        self.published += len(records)


@pytest.mark.postgres
async def test_only_one_relay_per_database_publishes_and_a_standby_takes_over(
    real_servers: RealServers, tmp_path: Path
) -> None:
    from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings

    bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
    await bus.start()
    async with fresh_postgres_database(real_servers.postgres_url) as url:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        db = Db(engine)
        buses = [CountingBus(bus), CountingBus(bus)]
        relays = [
            OutboxRelay(engine=engine, messaging=messaging, bus=b, name="svc", poll_interval_s=0.05)  # type: ignore[arg-type]
            for b in buses
        ]
        first = asyncio.create_task(relays[0].run())
        await asyncio.sleep(0.5)
        second = asyncio.create_task(relays[1].run())
        try:
            for i in range(10):
                async with db.uow() as uow:
                    uow.emit(ProbeHappened(seq=i), partition_key="school-a")
                    await uow.commit()
            await _eventually(lambda: _published_all(db))
            assert (buses[0].published, buses[1].published) == (10, 0)
            await relays[0].stop()
            await asyncio.gather(first, return_exceptions=True)
            for i in range(10, 15):
                async with db.uow() as uow:
                    uow.emit(ProbeHappened(seq=i), partition_key="school-a")
                    await uow.commit()
            await _eventually(lambda: _published_all(db))
            assert buses[1].published == 5
        finally:
            for relay in relays:
                await relay.stop()
            await asyncio.gather(first, second, return_exceptions=True)
            await engine.dispose()
            await bus.close()


async def test_published_rows_are_purged_after_the_retention_and_unpublished_never(db: Db, tmp_path: Path) -> None:
    from datetime import timedelta

    from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings

    bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
    await bus.start()
    relay = OutboxRelay(engine=db.engine, messaging=messaging, bus=bus, name="t")
    try:
        for i in range(3):
            async with db.uow() as uow:
                uow.emit(ProbeHappened(seq=i), partition_key="school-a")
                await uow.commit()
        assert await relay.publish_pending() == 3
        async with db.uow() as uow:
            uow.emit(ProbeHappened(seq=3), partition_key="school-a")
            await uow.commit()
        assert await relay.purge_published(older_than=timedelta(days=7)) == 0
        assert await relay.purge_published(older_than=timedelta(seconds=-1)) == 3
        assert await db.count(messaging.outbox) == 1  # the unpublished one stays
    finally:
        await bus.close()
