"""Reading and writing the year-end workflow's tables: approvals, retest results, summer training."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gradebook.adapters import orm
from gradebook.adapters.orm_results import result_approvals, retest_results, summer_training
from gradebook.domain.approval import Approval, ApprovalStatus, ResultPeriod


def _aware(at: datetime | None) -> datetime | None:
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=UTC)  # SQLite gives naive datetimes back; every stored time is UTC


def _approval(row: sa.Row[Any]) -> Approval:
    m = row._mapping
    return Approval(
        id=m["id"],
        school_id=m["school_id"],
        class_id=m["class_id"],
        school_year=m["school_year"],
        period=cast(ResultPeriod, m["period"]),
        status=cast(ApprovalStatus, m["status"]),
        snapshot=list(m["snapshot"]),
        snapshot_hash=m["snapshot_hash"],
        submitted_by=m["submitted_by"],
        submitted_by_name=m["submitted_by_name"],
        submitted_at=cast(datetime, _aware(m["submitted_at"])),
        decided_by=m["decided_by"],
        decided_at=_aware(m["decided_at"]),
        note=m["note"],
    )


class ResultsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def class_grade(self, class_id: str) -> int | None:
        t = orm.directory.classes
        assert t is not None
        return cast(int | None, await self.session.scalar(sa.select(t.c.grade).where(t.c.id == class_id)))

    async def class_grades(self, school_id: str) -> dict[str, int]:
        """Class id → grade, for every class of the school."""
        t = orm.directory.classes
        assert t is not None
        rows = await self.session.execute(sa.select(t.c.id, t.c.grade).where(t.c.school_id == school_id))
        return {r.id: int(r.grade) for r in rows}

    async def class_school_year_id(self, class_id: str) -> str | None:
        """Identity's id of the class's school year (events about promotions name it)."""
        t = orm.class_subjects
        return cast(
            str | None,
            await self.session.scalar(sa.select(t.c.school_year_id).where(t.c.class_id == class_id).limit(1)),
        )

    async def approvals(self, class_id: str) -> list[Approval]:
        """Every submission of the class, oldest first."""
        t = result_approvals
        rows = await self.session.execute(sa.select(t).where(t.c.class_id == class_id).order_by(t.c.submitted_at))
        return [_approval(r) for r in rows]

    async def school_approvals(self, school_id: str, *, status: ApprovalStatus | None) -> list[Approval]:
        """A school's submissions, oldest first (the principal's queue with status `submitted`)."""
        t = result_approvals
        query = sa.select(t).where(t.c.school_id == school_id)
        if status is not None:
            query = query.where(t.c.status == status)
        return [_approval(r) for r in await self.session.execute(query.order_by(t.c.submitted_at))]

    async def approval(self, approval_id: str) -> Approval | None:
        row = (
            await self.session.execute(sa.select(result_approvals).where(result_approvals.c.id == approval_id))
        ).first()
        return None if row is None else _approval(row)

    async def add_approval(self, a: Approval) -> None:
        await self.session.execute(
            sa.insert(result_approvals).values(
                id=a.id,
                school_id=a.school_id,
                class_id=a.class_id,
                school_year=a.school_year,
                period=a.period,
                status=a.status,
                snapshot=a.snapshot,
                snapshot_hash=a.snapshot_hash,
                submitted_by=a.submitted_by,
                submitted_by_name=a.submitted_by_name,
                submitted_at=a.submitted_at,
            )
        )

    async def save_decision(self, a: Approval) -> None:
        await self.session.execute(
            sa.update(result_approvals)
            .where(result_approvals.c.id == a.id)
            .values(status=a.status, decided_by=a.decided_by, decided_at=a.decided_at, note=a.note)
        )

    async def retests(self, class_id: str) -> dict[tuple[str, str], str]:
        """(student, subject) → retest value as stored ("6.5", "Đ")."""
        t = retest_results
        rows = await self.session.execute(
            sa.select(t.c.student_id, t.c.subject_code, t.c.value).where(t.c.class_id == class_id)
        )
        return {(r.student_id, r.subject_code): r.value for r in rows}

    async def set_retest(
        self, *, class_id: str, school_id: str, student_id: str, subject_code: str, value: str, by: str, at: datetime
    ) -> None:
        t = retest_results
        await self.session.execute(
            sa.delete(t).where(t.c.class_id == class_id, t.c.student_id == student_id, t.c.subject_code == subject_code)
        )
        await self.session.execute(
            sa.insert(t).values(
                class_id=class_id,
                student_id=student_id,
                subject_code=subject_code,
                school_id=school_id,
                value=value,
                entered_by=by,
                entered_at=at,
            )
        )

    async def summer_training(self, class_id: str) -> dict[str, str]:
        t = summer_training
        rows = await self.session.execute(sa.select(t.c.student_id, t.c.level).where(t.c.class_id == class_id))
        return {r.student_id: r.level for r in rows}

    async def set_summer_training(
        self, *, class_id: str, school_id: str, student_id: str, level: str, by: str, at: datetime
    ) -> None:
        t = summer_training
        await self.session.execute(sa.delete(t).where(t.c.class_id == class_id, t.c.student_id == student_id))
        await self.session.execute(
            sa.insert(t).values(
                class_id=class_id, student_id=student_id, school_id=school_id, level=level, entered_by=by, entered_at=at
            )
        )
