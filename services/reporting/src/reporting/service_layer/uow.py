"""Reporting's unit of work: one transaction; aggregate deltas are written with it, just before the commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

import sqlalchemy as sa

from edu_shared.db.uow import SqlUnitOfWork
from edu_shared.events.envelope import CloudEvent
from reporting.adapters import orm
from reporting.adapters.counters import CounterBuffer, upsert_many


def topic_of(event_type: str) -> str:
    """`vn.edurecords.gradebook.scores.recorded` → `edu.gradebook`: every service publishes on its own topic."""
    parts = event_type.split(".")
    return f"edu.{parts[2]}" if len(parts) > 2 else event_type


class ReportingUnitOfWork(SqlUnitOfWork):
    """One transaction over the reporting database; events reach the outbox on commit."""

    counters: CounterBuffer
    # Rows looked up while applying a run of events (a class's school and grade), valid for this transaction.
    cache: dict[tuple[str, str], Any]
    # Per topic: events applied in this transaction and the newest event time among them (the lag metric).
    progress: dict[str, tuple[int, datetime]]

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._reset()
        return self

    def _reset(self) -> None:
        self.counters = CounterBuffer()
        self.cache = {}
        self.progress = {}
        self._staged: dict[sa.Table, dict[tuple[Any, ...], dict[str, Any]]] = {}

    def stage(self, table: sa.Table, row: dict[str, Any]) -> None:
        """Upsert a whole row at commit (the last staged state of each key wins): one statement per table."""
        key = tuple(row[c.name] for c in table.primary_key.columns)
        self._staged.setdefault(table, {})[key] = dict(row)

    def note_applied(self, event: CloudEvent) -> None:
        """Count an event towards its topic's progress (written with the transaction)."""
        topic = topic_of(event.type)
        n, last = self.progress.get(topic, (0, event.time))
        self.progress[topic] = (n + 1, max(last, event.time))

    async def commit(self) -> None:
        """Write the pending aggregate deltas and progress, then commit (outbox included) in one transaction."""
        if self._staged:
            dialect = (await self.session.connection()).dialect.name
            for table, rows in self._staged.items():
                await upsert_many(self.session, table, list(rows.values()), dialect=dialect)
            self._staged = {}
        if self.counters:
            await self.counters.flush(self.session)
        for topic, (n, last) in self.progress.items():
            await self._advance(topic, n, last)
        self.progress = {}
        await super().commit()

    async def _advance(self, topic: str, n: int, last: datetime) -> None:
        t = orm.projection_state
        now = datetime.now(UTC)
        row = (await self.session.execute(sa.select(t.c.last_event_at).where(t.c.topic == topic))).first()
        if row is None:
            await self.session.execute(
                sa.insert(t).values(topic=topic, events_applied=n, last_event_at=last, updated_at=now)
            )
            return
        previous = row.last_event_at
        if previous is not None and previous.tzinfo is None:  # SQLite hands back naive datetimes
            previous = previous.replace(tzinfo=UTC)
        await self.session.execute(
            sa.update(t)
            .where(t.c.topic == topic)
            .values(
                events_applied=t.c.events_applied + n,
                last_event_at=max(last, previous) if previous is not None else last,
                updated_at=now,
            )
        )

    async def rollback(self) -> None:
        self._reset()
        await super().rollback()
