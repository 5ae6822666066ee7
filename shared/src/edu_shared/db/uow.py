"""The unit of work: one transaction, rolled back unless committed, whose events go to the outbox with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edu_shared.bus.port import EventHandler
from edu_shared.db.messaging import MessagingTables
from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.events.registry import EventPayload
from edu_shared.observability.tracing import current_trace_headers


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


U = TypeVar("U", bound=SqlUnitOfWork)


def idempotent_handler(
    *, group: str, uow: Callable[[], U], apply: Callable[[U, CloudEvent], Awaitable[None]]
) -> EventHandler:
    """Wrap an effect so that each event id is applied at most once per consumer group."""

    async def handle(event: CloudEvent) -> None:
        async with uow() as unit:
            if await unit.already_processed(group=group, event_id=event.id):
                return
            await apply(unit, event)
            try:
                await unit.mark_processed(group=group, event=event)
                await unit.commit()
            except IntegrityError:
                # A concurrent delivery of the same event may have won the race; that is success.
                async with uow() as check:
                    if await check.already_processed(group=group, event_id=event.id):
                        return
                raise

    return handle
