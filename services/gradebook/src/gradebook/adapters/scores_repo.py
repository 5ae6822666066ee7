"""Reads and writes of score sheets, their history, locks and the roster projection they rely on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gradebook.adapters import orm
from gradebook.domain.corrections import Correction, CorrectionStatus
from gradebook.domain.locks import Lock, LockScope
from gradebook.domain.sheet import Assessment, CellValue, Rating


@dataclass(frozen=True)
class ClassInfo:
    id: str
    school_id: str
    name: str
    year: str


@dataclass(frozen=True)
class SubjectInfo:
    code: str
    name: str
    periods_per_year: int
    assessment: Assessment


@dataclass(frozen=True)
class RosterStudent:
    id: str
    family_name: str
    middle_name: str
    given_name: str
    full_name: str


@dataclass(frozen=True)
class HistoryRow:
    student_id: str
    column: str
    old_value: str | None
    new_value: str | None
    source: str
    changed_by: str
    changed_by_name: str
    changed_at: datetime
    approved_by: str | None
    correction_id: str | None


SheetKey = tuple[str, str, int]  # class id, subject code, semester


class ScoreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def serialize_school(self, school_id: str) -> None:
        """Hold the school's score-writing lock until commit (PostgreSQL; SQLite has one writer anyway).

        Score writes and new locks of a school take it, so a batch never reads the cells or the locks it checks
        while another transaction is changing them: no lost history row, no score slipping past a fresh lock.
        """
        connection = await self.session.connection()
        if connection.dialect.name == "postgresql":
            await self.session.execute(
                sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"gradebook:{school_id}"}
            )

    async def class_info(self, class_id: str) -> ClassInfo | None:
        t = orm.directory.classes
        assert t is not None
        row = (await self.session.execute(sa.select(t).where(t.c.id == class_id))).first()
        if row is None:
            return None
        return ClassInfo(id=row.id, school_id=row.school_id, name=row.name, year=row.year)

    async def subject(self, *, class_id: str, subject_code: str) -> SubjectInfo | None:
        t = orm.class_subjects
        row = (
            await self.session.execute(sa.select(t).where(t.c.class_id == class_id, t.c.subject_code == subject_code))
        ).first()
        if row is None:
            return None
        return SubjectInfo(
            code=row.subject_code,
            name=row.name,
            periods_per_year=row.periods_per_year,
            assessment=cast(Assessment, row.assessment),
        )

    async def class_subject_list(self, class_id: str) -> list[SubjectInfo]:
        """Every subject the class studies, in catalogue code order."""
        t = orm.class_subjects
        rows = await self.session.execute(sa.select(t).where(t.c.class_id == class_id).order_by(t.c.subject_code))
        return [
            SubjectInfo(
                code=r.subject_code,
                name=r.name,
                periods_per_year=r.periods_per_year,
                assessment=cast(Assessment, r.assessment),
            )
            for r in rows
        ]

    async def class_students(self, class_id: str) -> list[RosterStudent]:
        """Students with an active enrolment in the class (unsorted: the class-list order is a domain rule)."""
        s, e = orm.students, orm.enrolments
        rows = await self.session.execute(
            sa.select(s.c.id, s.c.family_name, s.c.middle_name, s.c.given_name, s.c.full_name)
            .join(e, e.c.student_id == s.c.id)
            .where(e.c.class_id == class_id, e.c.active.is_(True))
        )
        return [RosterStudent(*r) for r in rows]

    async def sheet_values(self, key: SheetKey) -> dict[tuple[str, str], CellValue]:
        t = orm.scores
        class_id, subject_code, semester = key
        rows = await self.session.execute(
            sa.select(t.c.student_id, t.c.column, t.c.score, t.c.rating).where(
                t.c.class_id == class_id, t.c.subject_code == subject_code, t.c.semester == semester
            )
        )
        values: dict[tuple[str, str], CellValue] = {}
        for student_id, column, score, rating in rows:
            if score is not None:
                values[(student_id, column)] = Decimal(score)
            elif rating is not None:
                values[(student_id, column)] = Rating(rating)
        return values

    async def set_value(
        self,
        key: SheetKey,
        *,
        school_id: str,
        student_id: str,
        column: str,
        value: CellValue | None,
        by: str,
        at: datetime,
    ) -> None:
        t = orm.scores
        class_id, subject_code, semester = key
        where = (
            (t.c.class_id == class_id)
            & (t.c.subject_code == subject_code)
            & (t.c.semester == semester)
            & (t.c.student_id == student_id)
            & (t.c.column == column)
        )
        await self.session.execute(sa.delete(t).where(where))
        if value is None:
            return
        await self.session.execute(
            sa.insert(t).values(
                class_id=class_id,
                subject_code=subject_code,
                semester=semester,
                student_id=student_id,
                column=column,
                school_id=school_id,
                score=value if isinstance(value, Decimal) else None,
                rating=value.value if isinstance(value, Rating) else None,
                updated_by=by,
                updated_at=at,
            )
        )

    async def append_history(self, rows: Sequence[dict[str, object]]) -> None:
        if rows:
            await self.session.execute(sa.insert(orm.score_history), list(rows))

    async def history(self, key: SheetKey) -> list[HistoryRow]:
        t = orm.score_history
        class_id, subject_code, semester = key
        rows = await self.session.execute(
            sa.select(
                t.c.student_id,
                t.c.column,
                t.c.old_value,
                t.c.new_value,
                t.c.source,
                t.c.changed_by,
                t.c.changed_by_name,
                t.c.changed_at,
                t.c.approved_by,
                t.c.correction_id,
            )
            .where(t.c.class_id == class_id, t.c.subject_code == subject_code, t.c.semester == semester)
            .order_by(t.c.id)
        )
        return [HistoryRow(**r._mapping) for r in rows]

    async def active_locks(self, *, school_id: str) -> list[Lock]:
        t = orm.locks
        rows = await self.session.execute(
            sa.select(t).where(t.c.school_id == school_id, t.c.unlocked_at.is_(None)).order_by(t.c.locked_at)
        )
        return [_lock(r) for r in rows]

    async def lock(self, lock_id: str) -> tuple[Lock, datetime | None, str | None] | None:
        """The lock and, if lifted, when and by whom."""
        t = orm.locks
        row = (await self.session.execute(sa.select(t).where(t.c.id == lock_id))).first()
        if row is None:
            return None
        return _lock(row), row.unlocked_at, row.unlocked_by

    async def add_lock(self, lock: Lock) -> None:
        await self.session.execute(
            sa.insert(orm.locks).values(
                id=lock.id,
                school_id=lock.school_id,
                scope=lock.scope,
                class_id=lock.class_id,
                subject_code=lock.subject_code,
                semester=lock.semester,
                column=lock.column,
                locked_by=lock.locked_by,
                locked_at=lock.locked_at,
            )
        )

    async def lift_lock(self, lock_id: str, *, by: str, at: datetime) -> None:
        t = orm.locks
        await self.session.execute(sa.update(t).where(t.c.id == lock_id).values(unlocked_by=by, unlocked_at=at))

    async def add_correction(self, c: Correction) -> None:
        await self.session.execute(sa.insert(orm.corrections).values(**_correction_values(c)))

    async def correction(self, correction_id: str) -> Correction | None:
        t = orm.corrections
        row = (await self.session.execute(sa.select(t).where(t.c.id == correction_id))).first()
        return None if row is None else _correction(row)

    async def save_decision(self, c: Correction) -> None:
        t = orm.corrections
        await self.session.execute(
            sa.update(t)
            .where(t.c.id == c.id)
            .values(status=c.status, decided_by=c.decided_by, decided_at=c.decided_at, decision_note=c.decision_note)
        )

    async def corrections(self, *, school_id: str, status: CorrectionStatus | None) -> list[Correction]:
        t = orm.corrections
        query = sa.select(t).where(t.c.school_id == school_id)
        if status is not None:
            query = query.where(t.c.status == status)
        rows = await self.session.execute(query.order_by(t.c.requested_at))
        return [_correction(r) for r in rows]


def _correction_values(c: Correction) -> dict[str, object]:
    return {
        "id": c.id,
        "school_id": c.school_id,
        "class_id": c.class_id,
        "subject_code": c.subject_code,
        "semester": c.semester,
        "student_id": c.student_id,
        "column": c.column,
        "old_value": c.old_value,
        "new_value": c.new_value,
        "reason": c.reason,
        "evidence": c.evidence,
        "status": c.status,
        "requested_by": c.requested_by,
        "requested_by_name": c.requested_by_name,
        "requested_at": c.requested_at,
        "decided_by": c.decided_by,
        "decided_at": c.decided_at,
        "decision_note": c.decision_note,
    }


def _correction(row: sa.Row[object]) -> Correction:
    m = dict(row._mapping)
    m["requested_at"] = _aware(m["requested_at"])
    if m["decided_at"] is not None:
        m["decided_at"] = _aware(m["decided_at"])
    return Correction(**m)


def _lock(row: sa.Row[object]) -> Lock:
    m = row._mapping
    return Lock(
        id=m["id"],
        school_id=m["school_id"],
        scope=cast(LockScope, m["scope"]),
        class_id=m["class_id"],
        subject_code=m["subject_code"],
        semester=m["semester"],
        column=m["column"],
        locked_by=m["locked_by"],
        locked_at=_aware(m["locked_at"]),
    )


def _aware(at: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
