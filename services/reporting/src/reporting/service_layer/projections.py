"""The projections' lag (events and seconds behind the log) and their rebuild from the retained event log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from edu_shared.bus.port import EventBus
from edu_shared.db.uow import IdempotentHandler
from edu_shared.errors import DomainError
from reporting.adapters import orm
from reporting.adapters.event_log import log_position, read_log
from reporting.service_layer.uow import ReportingUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicLag:
    topic: str
    events_in_log: int
    events_behind: int
    seconds_behind: float
    events_applied: int
    last_event_at: datetime | None


@dataclass(frozen=True)
class ReplayResult:
    events: int
    seconds: float
    failed: int = 0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def _aware(at: datetime | None) -> datetime | None:
    if at is not None and at.tzinfo is None:  # SQLite hands back naive datetimes (stored in UTC)
        return at.replace(tzinfo=UTC)
    return at


async def lag(*, bus: EventBus, uow: ReportingUnitOfWork, topics: tuple[str, ...], group: str) -> list[TopicLag]:
    """Per topic: the log's size, how many events the projections' consumer group has still to read, and for how
    long the newest applied event has been waiting for the next (0 when caught up)."""
    t = orm.projection_state
    state = {r.topic: r for r in await uow.session.execute(sa.select(t))}
    now = datetime.now(UTC)
    found = []
    for topic in topics:
        position = await log_position(bus, topic, group=group)
        row = state.get(topic)
        last = _aware(row.last_event_at) if row is not None else None
        behind = position.behind
        seconds = (now - last).total_seconds() if behind and last is not None else 0.0
        found.append(
            TopicLag(
                topic=topic,
                events_in_log=position.end,
                events_behind=behind,
                seconds_behind=round(max(seconds, 0.0), 3),
                events_applied=int(row.events_applied) if row is not None else 0,
                last_event_at=last,
            )
        )
    return found


async def clear(uow: ReportingUnitOfWork, *, group: str) -> None:
    """Empty every projection table and the projections' inbox rows: the next pass starts from nothing."""
    for table in reversed(orm.PROJECTION_TABLES):
        await uow.session.execute(sa.delete(table))
    inbox = orm.messaging.inbox
    await uow.session.execute(sa.delete(inbox).where(inbox.c.consumer_group == group))
    await uow.commit()


async def replay(
    *,
    bus: EventBus,
    uow: Callable[[], ReportingUnitOfWork],
    handler: IdempotentHandler[ReportingUnitOfWork],
    topics: tuple[str, ...],
    group: str,
    alongside: Mapping[str, Sequence[IdempotentHandler[ReportingUnitOfWork]]] | None = None,
    chunk: int = 500,
) -> ReplayResult:
    """Rebuild the projections: clear them, then apply each topic's whole log in order, a run per transaction.

    The live consumer group is left where it is: what it delivers after the replay is either new (applied) or
    already in the inbox the replay refilled (skipped), since both share the inbox group. `alongside` handlers
    (the org directory) see the same runs; their inbox skips what they already hold.
    """
    async with uow() as unit:
        await clear(unit, group=group)
    started = time.perf_counter()
    events = failed = 0
    for topic in topics:
        async for run in read_log(bus, topic, chunk=chunk):
            events += len(run)
            for other in (alongside or {}).get(topic, ()):
                await other.handle_batch(run, topic=topic)
            try:
                await handler.handle_batch(run, topic=topic)
                continue
            except DomainError:
                pass  # one bad event: apply the run one by one so only it is left out
            for event in run:
                try:
                    await handler(event)
                except DomainError as exc:
                    failed += 1
                    log.warning("event left out of the replay", extra={"event": event.id, "error": exc.detail})
    return ReplayResult(events=events, seconds=time.perf_counter() - started, failed=failed)
