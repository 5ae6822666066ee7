"""Writing and reading identity's audit trail (lưu vết): append-only, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters import orm


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    outcome: str = "success"  # success | failure | denied
    target_type: str | None = None
    target_id: str | None = None
    school_id: str | None = None
    org_unit_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    old_value: Any = None
    new_value: Any = None
    details: dict[str, Any] = field(default_factory=dict)


class AuditRepository:
    """Entries are buffered and written in one statement when the unit of work commits (or before a query).

    A bulk import records thousands of entries; one multi-row insert instead of one round trip each keeps the
    trail complete without making the import wait on it.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._pending: list[dict[str, Any]] = []

    async def record(self, entry: AuditEntry) -> None:
        """Append an entry; it commits (or not) with the change it describes."""
        self._pending.append(
            {
                "at": datetime.now(UTC),
                "actor": entry.actor,
                "action": entry.action,
                "outcome": entry.outcome,
                "target_type": entry.target_type,
                "target_id": entry.target_id,
                "school_id": entry.school_id,
                "org_unit_id": entry.org_unit_id,
                "ip": entry.ip,
                "user_agent": (entry.user_agent or "")[:512] or None,
                "old_value": entry.old_value,
                "new_value": entry.new_value,
                "details": entry.details or None,
            }
        )

    async def flush(self) -> None:
        """Write the buffered entries in the current transaction."""
        if self._pending:
            rows, self._pending = self._pending, []
            await self.session.execute(sa.insert(orm.audit_log), rows)

    def discard(self) -> None:
        self._pending = []

    async def query(
        self,
        *,
        school_ids: list[str] | None = None,
        action: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Entries newest first; `school_ids` None means the whole province (caller checked the scope)."""
        await self.flush()
        t = orm.audit_log
        query = sa.select(t).order_by(t.c.seq.desc()).limit(limit).offset(offset)
        if school_ids is not None:
            query = query.where(t.c.school_id.in_(school_ids))
        if action:
            query = query.where(t.c.action == action)
        if actor:
            query = query.where(t.c.actor == actor)
        if since:
            query = query.where(t.c.at >= since)
        if until:
            query = query.where(t.c.at < until)
        return [dict(r._mapping) for r in await self.session.execute(query)]
