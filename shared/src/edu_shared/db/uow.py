"""The unit of work: one transaction, rolled back unless committed, whose events go to the outbox with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Generic, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edu_shared.db.messaging import MessagingTables
from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.events.registry import EventPayload
from edu_shared.observability.tracing import consumer_span, current_trace_headers


class SqlUnitOfWork:
    """Base unit of work; a service subclasses it and opens its repositories in `_open_repositories`."""

    session: AsyncSession

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        messaging: MessagingTables,
        source: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._messaging = messaging
        self._source = source
        self._on_commit = on_commit
        self._pending: list[tuple[str, CloudEvent]] = []

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._pending = []
        self._open_repositories()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.rollback()
        await self.session.close()

    def _open_repositories(self) -> None:
        """Hook for subclasses: build repositories on `self.session`."""

    def emit(self, payload: EventPayload, *, partition_key: str, subject: str | None = None) -> CloudEvent:
        """Queue an event; it reaches the outbox only if this unit of work commits."""
        headers = current_trace_headers()
        event = new_event(
            payload,
            source=self._source,
            partition_key=partition_key,
            subject=subject,
            traceparent=headers.get("traceparent"),
            tracestate=headers.get("tracestate"),
        )
        self._pending.append((type(payload).event_meta().topic, event))
        return event

    async def commit(self) -> None:
        """Write queued events to the outbox and commit everything in one transaction."""
        if self._pending:
            await self._serialize_per_key()
            now = datetime.now(UTC)
            await self.session.execute(
                sa.insert(self._messaging.outbox),
                [
                    {
                        "event_id": e.id,
                        "topic": topic,
                        "partition_key": e.partitionkey,
                        "event_type": e.type,
                        "envelope": e.model_dump_json(exclude_none=True),
                        "created_at": now,
                    }
                    for topic, e in self._pending
                ],
            )
        await self.session.commit()
        had_events = bool(self._pending)
        self._pending = []
        if had_events and self._on_commit is not None:
            self._on_commit()

    async def _serialize_per_key(self) -> None:
        """On PostgreSQL, make outbox order equal commit order for each partition key.

        `seq` comes from a sequence at insert time; two concurrent transactions for the same school could
        otherwise commit in the opposite order of their `seq`. A transaction-scoped advisory lock per key,
        taken just before the outbox insert, serialises them. SQLite has one writer at a time already.
        """
        connection = await self.session.connection()
        if connection.dialect.name != "postgresql":
            return
        # All the keys' locks in one round trip (a batch of events touches many schools). Every transaction
        # takes them in the same order, ascending lock id, so two of them never wait on each other in a cycle.
        keys = sorted({f"outbox:{event.partitionkey}" for _, event in self._pending})
        await self.session.execute(
            sa.text(
                "SELECT count(pg_advisory_xact_lock(lock_id)) FROM ("
                " SELECT DISTINCT hashtextextended(key, 0) AS lock_id FROM unnest(CAST(:keys AS text[])) AS key"
                " ORDER BY lock_id) AS ordered"
            ),
            {"keys": keys},
        )

    async def rollback(self) -> None:
        self._pending = []
        await self.session.rollback()

    async def already_processed(self, *, group: str, event_id: str) -> bool:
        inbox = self._messaging.inbox
        found = await self.session.scalar(
            sa.select(sa.literal(1)).where(inbox.c.consumer_group == group, inbox.c.event_id == event_id)
        )
        return found is not None

    async def mark_processed(self, *, group: str, event: CloudEvent) -> None:
        """Record the event in the inbox, in this transaction, beside its effect."""
        await self.session.execute(
            sa.insert(self._messaging.inbox).values(
                consumer_group=group, event_id=event.id, event_type=event.type, processed_at=datetime.now(UTC)
            )
        )

    async def processed_ids(self, *, group: str, event_ids: Sequence[str]) -> set[str]:
        """Which of these event ids the group has already applied (one query for a whole run)."""
        inbox = self._messaging.inbox
        found = await self.session.scalars(
            sa.select(inbox.c.event_id).where(inbox.c.consumer_group == group, inbox.c.event_id.in_(event_ids))
        )
        return set(found)

    async def mark_all_processed(self, *, group: str, events: Sequence[CloudEvent]) -> None:
        """Record several events in the inbox, in this transaction, in one statement."""
        now = datetime.now(UTC)
        await self.session.execute(
            sa.insert(self._messaging.inbox),
            [{"consumer_group": group, "event_id": e.id, "event_type": e.type, "processed_at": now} for e in events],
        )


U = TypeVar("U", bound=SqlUnitOfWork)


class IdempotentHandler(Generic[U]):
    """An `EventHandler` that applies each event id at most once per consumer group.

    Called with one event, it applies it and writes its inbox row in one transaction. Bus adapters that find
    `handle_batch` hand it a run of one partition's events instead, applied in order in a single transaction:
    at high rates one commit per run instead of one per event. If the run fails they fall back to one event
    at a time, with the usual retries and dead-lettering, so a bad event never takes its neighbours along.
    """

    def __init__(self, *, group: str, uow: Callable[[], U], apply: Callable[[U, CloudEvent], Awaitable[None]]) -> None:
        self.group = group
        self._uow = uow
        self._apply = apply

    async def __call__(self, event: CloudEvent) -> None:
        group = self.group
        async with self._uow() as unit:
            if await unit.already_processed(group=group, event_id=event.id):
                return
            await self._apply(unit, event)
            try:
                await unit.mark_processed(group=group, event=event)
                await unit.commit()
            except IntegrityError:
                # A concurrent delivery of the same event may have won the race; that is success.
                async with self._uow() as check:
                    if await check.already_processed(group=group, event_id=event.id):
                        return
                raise

    async def handle_batch(self, events: Sequence[CloudEvent], *, topic: str) -> None:
        """Apply the events not yet in the inbox, in order, and their inbox rows: all or nothing."""
        if not events:
            return
        async with self._uow() as unit:
            seen = await unit.processed_ids(group=self.group, event_ids=[e.id for e in events])
            fresh: list[CloudEvent] = []
            for event in events:
                if event.id in seen:
                    continue
                seen.add(event.id)  # the same event twice in one run (a producer retry) is applied once
                with consumer_span(event, topic=topic, group=self.group):
                    await self._apply(unit, event)
                fresh.append(event)
            if not fresh:
                return
            await unit.mark_all_processed(group=self.group, events=fresh)
            # An IntegrityError here (a concurrent delivery won a race) propagates: the adapter then falls back
            # to one event at a time, where that race is recognised as success.
            await unit.commit()


def idempotent_handler(
    *, group: str, uow: Callable[[], U], apply: Callable[[U, CloudEvent], Awaitable[None]]
) -> IdempotentHandler[U]:
    """Wrap an effect so that each event id is applied at most once per consumer group."""
    return IdempotentHandler(group=group, uow=uow, apply=apply)
