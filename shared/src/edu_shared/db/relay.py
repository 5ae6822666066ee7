"""The outbox relay: publishes committed events to the bus in commit order, never losing one.

A row is stamped `published_at` only after the bus acknowledged it; if the bus is down the rows wait and the
relay retries with backoff. On PostgreSQL one relay per service database is elected with an advisory lock,
so several replicas of a service never publish the same rows out of order. (SQLite is single-process.)
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from edu_shared.bus.port import EventBus, Record
from edu_shared.db.messaging import MessagingTables
from edu_shared.events.envelope import CloudEvent
from edu_shared.observability.metrics import events_published

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        messaging: MessagingTables,
        bus: EventBus,
        name: str,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        max_backoff_s: float = 5.0,
        keep_published: timedelta = timedelta(days=7),
    ) -> None:
        self._engine = engine
        self._outbox = messaging.outbox
        self._bus = bus
        self._name = name
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._max_backoff_s = max_backoff_s
        self._leader_check_s = 5.0
        self._keep_published = keep_published
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        # Rows published whose `published_at` stamp is still being written (see `_publish_batch`).
        self._unstamped: set[int] = set()
        self._stamping: asyncio.Task[None] | None = None

    def notify(self) -> None:
        """Called after a commit that wrote outbox rows: publish now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows and stamp them; returns how many were published."""
        published = await self._publish_batch()
        await self._finish_stamping()
        return published

    async def _publish_batch(self) -> int:
        """Publish the next batch in `seq` order; its stamp is written in the background.

        Stamping (an UPDATE of every row of the batch) is the relay's own bookkeeping, not part of delivery,
        and under load its slowest step, so the run loop overlaps it with reading and publishing the next
        batch. Rows published but not stamped yet are remembered here and left out when reading.
        """
        outbox = self._outbox
        query = (
            sa.select(outbox.c.seq, outbox.c.topic, outbox.c.envelope)
            .where(outbox.c.published_at.is_(None))
            # Ordered like ix_outbox_unpublished (published_at, seq), PostgreSQL reads just one batch from that
            # index; ordered by seq alone it walked the primary key through every row already published.
            .order_by(outbox.c.published_at, outbox.c.seq)
            .limit(self._batch_size)
        )
        if self._unstamped:
            query = query.where(outbox.c.seq.not_in(sorted(self._unstamped)))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            await conn.rollback()
        if not rows:
            return 0
        await self._bus.publish([Record(topic=r.topic, event=CloudEvent.from_bytes(r.envelope)) for r in rows])
        events_published.add(len(rows), {"relay": self._name})
        seqs = [r.seq for r in rows]
        self._unstamped.update(seqs)
        previous, self._stamping = self._stamping, asyncio.create_task(self._stamp(seqs))
        if previous is not None:
            await previous  # at most two stamps in flight; a failed one surfaces here and the loop backs off
        return len(rows)

    async def _stamp(self, seqs: list[int]) -> None:
        outbox = self._outbox
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    sa.update(outbox).where(outbox.c.seq.in_(seqs)).values(published_at=datetime.now(UTC))
                )
        finally:
            # Stamped or not (database trouble), the table tells from now on: rows left unstamped are published
            # again later, a duplicate that the consumers' inboxes absorb.
            self._unstamped.difference_update(seqs)

    async def _finish_stamping(self) -> None:
        stamping, self._stamping = self._stamping, None
        if stamping is not None:
            await stamping

    async def purge_published(self, *, older_than: timedelta) -> int:
        """Delete rows published longer ago than `older_than` (the bus keeps the events; this is a buffer)."""
        cutoff = datetime.now(UTC) - older_than
        outbox = self._outbox
        async with self._engine.begin() as conn:
            result = await conn.execute(
                sa.delete(outbox).where(outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff)
            )
        return int(result.rowcount or 0)

    async def run(self) -> None:
        """Loop until stopped: hold leadership (PostgreSQL), publish, back off while the bus is unreachable."""
        while not self._stopping.is_set():
            try:
                async with self._engine.connect() as leader_conn:
                    if await self._become_leader(leader_conn):
                        try:
                            await self._publish_while_leader(leader_conn)
                        finally:
                            await self._resign(leader_conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: leadership is lost with the connection
                log.warning(
                    "outbox relay lost its database connection; restarting",
                    extra={"relay": self._name, "error": repr(exc)},
                )
                await self._sleep(self._max_backoff_s)

    async def _publish_while_leader(self, leader_conn: AsyncConnection) -> None:
        try:
            await self._publish_loop(leader_conn)
        finally:
            try:
                await self._finish_stamping()
            except Exception as exc:  # leaving anyway; unstamped rows are published again by the next leader
                log.warning(
                    "outbox relay could not stamp its last batch", extra={"relay": self._name, "error": repr(exc)}
                )

    async def _publish_loop(self, leader_conn: AsyncConnection) -> None:
        backoff = self._poll_interval_s
        loop = asyncio.get_running_loop()
        next_leader_check = loop.time() + self._leader_check_s
        next_purge = loop.time()
        while not self._stopping.is_set():
            if loop.time() >= next_purge:
                await self.purge_published(older_than=self._keep_published)
                next_purge = loop.time() + 3600
            if leader_conn.dialect.name == "postgresql" and loop.time() >= next_leader_check:
                # The advisory lock lives as long as this connection; a dead connection raises here.
                await leader_conn.execute(sa.text("SELECT 1"))
                await leader_conn.commit()
                next_leader_check = loop.time() + self._leader_check_s
            self._wake.clear()
            try:
                published = await self._publish_batch()
                if published < self._batch_size:
                    await self._finish_stamping()  # about to idle: leave the table up to date
                backoff = self._poll_interval_s
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # bus or database unavailable: keep the rows, retry later
                log.warning(
                    "outbox relay could not publish; will retry",
                    extra={"relay": self._name, "error": repr(exc), "retry_in_s": backoff},
                )
                await self._sleep(backoff)
                backoff = min(self._max_backoff_s, backoff * 2)
                continue
            if published < self._batch_size:
                await self._sleep(self._poll_interval_s)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    def _lock_name(self) -> str:
        return f"relay:{self._name}"

    async def _become_leader(self, conn: AsyncConnection) -> bool:
        """Wait for the relay lock of this service's database; False if stopped while waiting."""
        if conn.dialect.name != "postgresql":
            return not self._stopping.is_set()
        while not self._stopping.is_set():
            got = await conn.scalar(sa.text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": self._lock_name()})
            await conn.commit()
            if got:
                return True
            await self._sleep(self._poll_interval_s * 4)
        return False

    async def _resign(self, conn: AsyncConnection) -> None:
        """Release the lock explicitly: the pooled connection outlives this relay and would keep it."""
        if conn.dialect.name != "postgresql" or conn.closed or conn.invalidated:
            return
        try:
            await conn.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": self._lock_name()})
            await conn.commit()
        except Exception:  # a broken connection is discarded by the pool, and the lock with it
            await conn.invalidate()
