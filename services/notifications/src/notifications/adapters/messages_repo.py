"""The message table: queueing (idempotent by key), claiming due messages, recording outcomes, inbox and reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters import orm
from notifications.domain.delivery import Status

m = orm.messages


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True)
class MessageRow:
    id: str
    source_id: str
    school_id: str | None
    recipient_kind: str
    recipient_id: str
    student_id: str | None
    kind: str
    channel: str
    address: str
    title: str
    body: str
    sms_text: str | None
    template_data: str
    segments: int
    cost_vnd: int
    urgent: bool
    status: str
    attempts: int
    fallback: str
    provider_ref: str | None
    created_at: datetime
    read_at: datetime | None


def _owner(recipient_id: str, staff: bool) -> sa.ColumnElement[bool]:
    """One inbox: a staff member's messages and a family's never mix, whatever their ids look like."""
    kind = m.c.recipient_kind == "staff" if staff else m.c.recipient_kind != "staff"
    return sa.and_(m.c.recipient_id == recipient_id, kind)


def _row(r: Any) -> MessageRow:
    x = r._mapping
    return MessageRow(
        id=x["id"],
        source_id=x["source_id"],
        school_id=x["school_id"],
        recipient_kind=x["recipient_kind"],
        recipient_id=x["recipient_id"],
        student_id=x["student_id"],
        kind=x["kind"],
        channel=x["channel"],
        address=x["address"],
        title=x["title"],
        body=x["body"],
        sms_text=x["sms_text"],
        template_data=x["template_data"],
        segments=x["segments"],
        cost_vnd=x["cost_vnd"],
        urgent=bool(x["urgent"]),
        status=x["status"],
        attempts=x["attempts"],
        fallback=x["fallback"],
        provider_ref=x["provider_ref"],
        created_at=as_utc(x["created_at"]),
        read_at=as_utc(x["read_at"]) if x["read_at"] is not None else None,
    )


@dataclass(frozen=True)
class ReportLine:
    channel: str
    status: str
    messages: int
    segments: int
    cost_vnd: int


_KEYS = sa.select(m.c.idempotency_key).where(m.c.idempotency_key.in_(sa.bindparam("keys", expanding=True)))


class MessagesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def existing_keys(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            found |= set(await self._s.scalars(_KEYS, {"keys": list(keys[i : i + 500])}))
        return found

    async def add(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self._s.execute(sa.insert(m), list(rows))

    async def month_spent(self, school_id: str, *, month_start: datetime) -> int:
        """What the school's messages this month cost or will cost (everything but failures)."""
        spent = await self._s.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(m.c.cost_vnd), 0)).where(
                m.c.school_id == school_id, m.c.created_at >= month_start, m.c.status != Status.FAILED.value
            )
        )
        return int(spent or 0)

    async def claim_due(self, *, now: datetime, limit: int, lease: timedelta) -> list[MessageRow]:
        """Take up to `limit` due messages (and ones whose sender died mid-send), marking them as being sent."""
        due = sa.or_(
            sa.and_(m.c.status == Status.QUEUED.value, m.c.not_before <= now),
            m.c.status == Status.SENDING.value,  # a lease that ran out: the process sending it died
        )
        query = sa.select(m).where(due, m.c.next_attempt_at <= now).order_by(m.c.next_attempt_at).limit(limit)
        connection = await self._s.connection()
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = [_row(r) for r in await self._s.execute(query)]
        if rows:
            await self._s.execute(
                sa.update(m)
                .where(m.c.id == sa.bindparam("_id"))
                .values(status=Status.SENDING.value, attempts=sa.bindparam("_attempts"), next_attempt_at=now + lease),
                [{"_id": r.id, "_attempts": r.attempts + 1} for r in rows],
            )
        return [MessageRow(**{**r.__dict__, "attempts": r.attempts + 1, "status": Status.SENDING.value}) for r in rows]

    async def update_many(self, updates: Sequence[dict[str, Any]]) -> None:
        """Each dict: `_id` and the columns to set (all dicts of one call set the same columns)."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for u in updates:
            groups.setdefault(tuple(sorted(k for k in u if k != "_id")), []).append(u)
        for columns, items in groups.items():
            stmt = (
                sa.update(m).where(m.c.id == sa.bindparam("_id")).values({c: sa.bindparam(f"v_{c}") for c in columns})
            )
            await self._s.execute(stmt, [{"_id": u["_id"], **{f"v_{c}": u[c] for c in columns}} for u in items])

    async def get(self, message_id: str) -> MessageRow | None:
        row = (await self._s.execute(sa.select(m).where(m.c.id == message_id))).first()
        return _row(row) if row is not None else None

    async def inbox(self, *, guardian_id: str, limit: int, unread_only: bool, staff: bool = False) -> list[MessageRow]:
        query = sa.select(m).where(
            _owner(guardian_id, staff), m.c.channel == "inapp", m.c.status == Status.DELIVERED.value
        )
        if unread_only:
            query = query.where(m.c.read_at.is_(None))
        return [_row(r) for r in await self._s.execute(query.order_by(m.c.created_at.desc(), m.c.id).limit(limit))]

    async def unread_count(self, *, guardian_id: str, staff: bool = False) -> int:
        count = await self._s.scalar(
            sa.select(sa.func.count()).where(
                _owner(guardian_id, staff),
                m.c.channel == "inapp",
                m.c.status == Status.DELIVERED.value,
                m.c.read_at.is_(None),
            )
        )
        return int(count or 0)

    async def mark_read(self, *, guardian_id: str, message_id: str, at: datetime, staff: bool = False) -> bool:
        found = await self._s.execute(
            sa.update(m)
            .where(m.c.id == message_id, _owner(guardian_id, staff), m.c.channel == "inapp")
            .values(read_at=sa.func.coalesce(m.c.read_at, at))
        )
        return bool(found.rowcount)  # type: ignore[attr-defined]

    async def report(self, *, school_id: str, start: datetime, end: datetime) -> list[ReportLine]:
        rows = await self._s.execute(
            sa.select(
                m.c.channel,
                m.c.status,
                sa.func.count().label("n"),
                sa.func.coalesce(sa.func.sum(m.c.segments), 0).label("segments"),
                sa.func.coalesce(sa.func.sum(m.c.cost_vnd), 0).label("cost"),
            )
            .where(m.c.school_id == school_id, m.c.created_at >= start, m.c.created_at < end)
            .group_by(m.c.channel, m.c.status)
            .order_by(m.c.channel, m.c.status)
        )
        return [ReportLine(r.channel, r.status, int(r.n), int(r.segments), int(r.cost)) for r in rows]
