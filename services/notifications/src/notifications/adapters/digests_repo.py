"""Score lines held for parents' daily digests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters import orm

t = orm.pending_scores


@dataclass(frozen=True)
class HeldLine:
    id: int
    school_id: str
    guardian_id: str
    student_id: str
    line: str


class DigestsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def hold(self, *, event_id: str, school_id: str, lines: Mapping[str, Sequence[str]], now: datetime) -> None:
        """Keep each student's lines for each of the student's guardians (consent is checked when the digest goes)."""
        links = orm.guardian_links
        rows = await self._s.execute(
            sa.select(links.c.student_id, links.c.guardian_id).where(links.c.student_id.in_(list(lines)))
        )
        values = [
            {
                "source_event_id": event_id,
                "school_id": school_id,
                "guardian_id": r.guardian_id,
                "student_id": r.student_id,
                "line": line,
                "created_at": now,
            }
            for r in rows
            for line in dict.fromkeys(lines[r.student_id])
        ]
        if values:
            await self._s.execute(sa.insert(t), values)

    async def open_lines(self, *, limit: int) -> list[HeldLine]:
        rows = await self._s.execute(
            sa.select(t.c.id, t.c.school_id, t.c.guardian_id, t.c.student_id, t.c.line)
            .where(t.c.digest_message_id.is_(None))
            .order_by(t.c.id)
            .limit(limit)
        )
        return [HeldLine(r.id, r.school_id, r.guardian_id, r.student_id, r.line) for r in rows]

    async def close(self, ids: Sequence[int], *, digest: str) -> None:
        await self._s.execute(sa.update(t).where(t.c.id.in_(ids)).values(digest_message_id=digest))
