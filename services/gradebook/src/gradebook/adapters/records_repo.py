"""Reads and writes of student records: attendance, conduct, discipline and rewards, subject exemptions.

Also the three reads the class results are built on: `attendance_totals`, `conduct_for_class` and
`exemptions_for_class` (called inside an open unit of work).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gradebook.adapters import orm
from gradebook.adapters.orm_records import (
    attendance_marks,
    attendance_rolls,
    conduct_ratings,
    discipline_records,
    subject_exemptions,
)
from gradebook.domain.attendance import AttendanceStatus, AttendanceTotals, Mark, StoredMark, totals
from gradebook.domain.conduct import (
    Conduct,
    ConductSummary,
    RuleSet,
    Stage,
    conduct_snapshot,
    parse_quality,
    parse_training,
    rule_set_for_grade,
    summarize,
)
from gradebook.domain.discipline import DisciplineRecord
from gradebook.domain.exemptions import Exemption
from gradebook.domain.rules.tt27 import QualityLevel


@dataclass(frozen=True)
class RecordClass:
    """A class as the records need it: its school, year and grade (the grade picks TT22 or TT27)."""

    id: str
    school_id: str
    name: str
    year: str
    grade: int


@dataclass(frozen=True)
class RollKey:
    class_id: str
    on: date
    session: str
    period: int | None  # None: the whole session


@dataclass(frozen=True)
class Roll:
    """That a roll was taken, and by whom last."""

    session: str
    period: int | None
    semester: int
    taken_by: str
    taken_by_name: str
    taken_at: datetime


@dataclass(frozen=True)
class MarkRow:
    class_id: str
    on: date
    session: str
    period: int | None
    student_id: str
    semester: int
    status: AttendanceStatus
    note: str | None
    recorded_by_name: str
    recorded_at: datetime


def _period(stored: int) -> int | None:
    return None if stored == 0 else stored


def _aware(at: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


ExemptionKey = tuple[str, str, int | None]  # student id, subject code, semester (None: the year)


class RecordsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record_class(self, class_id: str) -> RecordClass | None:
        t = orm.directory.classes
        assert t is not None
        row = (await self.session.execute(sa.select(t).where(t.c.id == class_id))).first()
        if row is None:
            return None
        return RecordClass(id=row.id, school_id=row.school_id, name=row.name, year=row.year, grade=int(row.grade))

    async def ever_enrolled(self, *, class_id: str, student_id: str) -> bool:
        """Whether the student is or was in the class (their records there stay readable after a move)."""
        e = orm.enrolments
        found = await self.session.scalar(
            sa.select(sa.func.count()).where(e.c.class_id == class_id, e.c.student_id == student_id)
        )
        return bool(found)

    async def student_name(self, student_id: str) -> str | None:
        s = orm.students
        name: str | None = await self.session.scalar(sa.select(s.c.full_name).where(s.c.id == student_id))
        return name

    # Attendance

    async def roll_marks(self, key: RollKey) -> dict[str, Mark]:
        t = attendance_marks
        rows = await self.session.execute(
            sa.select(t.c.student_id, t.c.status, t.c.note).where(
                t.c.class_id == key.class_id,
                t.c.on == key.on,
                t.c.session == key.session,
                t.c.period == (key.period or 0),
            )
        )
        return {r.student_id: Mark(AttendanceStatus(r.status), r.note) for r in rows}

    async def semesters_on(self, *, class_id: str, on: date) -> set[int]:
        """The semesters the day's earlier rolls of the class were filed under."""
        t = attendance_rolls
        rows = await self.session.scalars(sa.select(t.c.semester).where(t.c.class_id == class_id, t.c.on == on))
        return set(rows)

    async def set_mark(
        self,
        key: RollKey,
        *,
        student_id: str,
        mark: Mark | None,
        school_id: str,
        school_year: str,
        semester: int,
        by: str,
        by_name: str,
        at: datetime,
    ) -> None:
        t = attendance_marks
        period = key.period or 0
        await self.session.execute(
            sa.delete(t).where(
                t.c.class_id == key.class_id,
                t.c.on == key.on,
                t.c.session == key.session,
                t.c.period == period,
                t.c.student_id == student_id,
            )
        )
        if mark is None:
            return
        await self.session.execute(
            sa.insert(t).values(
                class_id=key.class_id,
                on=key.on,
                session=key.session,
                period=period,
                student_id=student_id,
                school_id=school_id,
                school_year=school_year,
                semester=semester,
                status=mark.status.value,
                note=mark.note,
                recorded_by=by,
                recorded_by_name=by_name,
                recorded_at=at,
            )
        )

    async def save_roll(
        self, key: RollKey, *, school_id: str, school_year: str, semester: int, by: str, by_name: str, at: datetime
    ) -> None:
        t = attendance_rolls
        where = (
            (t.c.class_id == key.class_id)
            & (t.c.on == key.on)
            & (t.c.session == key.session)
            & (t.c.period == (key.period or 0))
        )
        values: dict[str, Any] = {"semester": semester, "taken_by": by, "taken_by_name": by_name, "taken_at": at}
        updated = await self.session.execute(sa.update(t).where(where).values(**values))
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            await self.session.execute(
                sa.insert(t).values(
                    class_id=key.class_id,
                    on=key.on,
                    session=key.session,
                    period=key.period or 0,
                    school_id=school_id,
                    school_year=school_year,
                    **values,
                )
            )

    async def rolls(self, *, class_id: str, on: date) -> list[Roll]:
        t = attendance_rolls
        rows = await self.session.execute(
            sa.select(t).where(t.c.class_id == class_id, t.c.on == on).order_by(t.c.session.desc(), t.c.period)
        )
        return [
            Roll(
                session=r.session,
                period=_period(r.period),
                semester=r.semester,
                taken_by=r.taken_by,
                taken_by_name=r.taken_by_name,
                taken_at=_aware(r.taken_at),
            )
            for r in rows
        ]

    async def _marks(self, where: sa.ColumnElement[bool]) -> list[MarkRow]:
        t = attendance_marks
        rows = await self.session.execute(
            sa.select(t).where(where).order_by(t.c.on, t.c.session.desc(), t.c.period, t.c.student_id)
        )
        return [
            MarkRow(
                class_id=r.class_id,
                on=r.on,
                session=r.session,
                period=_period(r.period),
                student_id=r.student_id,
                semester=r.semester,
                status=AttendanceStatus(r.status),
                note=r.note,
                recorded_by_name=r.recorded_by_name,
                recorded_at=_aware(r.recorded_at),
            )
            for r in rows
        ]

    async def day_marks(self, *, class_id: str, on: date) -> list[MarkRow]:
        t = attendance_marks
        return await self._marks((t.c.class_id == class_id) & (t.c.on == on))

    async def student_marks(self, *, student_id: str, school_year: str) -> list[MarkRow]:
        """A student's marks of the year in every class they were in, oldest first."""
        t = attendance_marks
        return await self._marks((t.c.student_id == student_id) & (t.c.school_year == school_year))

    async def attendance_totals(self, class_id: str, school_year: str) -> dict[str, AttendanceTotals]:
        """Per student now in the class: absences of semester I, II and the year, in every class of that year.

        A student who changed class mid-year brings the absences of the earlier class: the 45-session rule
        counts the student's year, not the class's.
        """
        e, t = orm.enrolments, attendance_marks
        students = list(
            await self.session.scalars(sa.select(e.c.student_id).where(e.c.class_id == class_id, e.c.active.is_(True)))
        )
        if not students:
            return {}
        rows = await self.session.execute(
            sa.select(t.c.student_id, t.c.semester, t.c.period, t.c.status).where(
                t.c.student_id.in_(students), t.c.school_year == school_year
            )
        )
        marks = [StoredMark(r.student_id, r.semester, _period(r.period), AttendanceStatus(r.status)) for r in rows]
        return totals(marks, students=students)

    # Conduct

    async def conduct_ratings(
        self, class_id: str, *, semester: int | None = None, stage: Stage | None = None
    ) -> dict[tuple[str, int, Stage], Conduct]:
        t = conduct_ratings
        query = sa.select(t).where(t.c.class_id == class_id)
        if semester is not None:
            query = query.where(t.c.semester == semester)
        if stage is not None:
            query = query.where(t.c.stage == stage)
        found: dict[tuple[str, int, Stage], Conduct] = {}
        for r in await self.session.execute(query):
            found[(r.student_id, int(r.semester), cast(Stage, r.stage))] = Conduct(
                training=parse_training(r.training),
                qualities=_quality_map(r.qualities),
                competences=_quality_map(r.competences),
                comment=r.comment,
            )
        return found

    async def set_conduct(
        self,
        *,
        class_id: str,
        student_id: str,
        semester: int,
        stage: Stage,
        conduct: Conduct,
        school_id: str,
        school_year: str,
        rule_set: RuleSet,
        by: str,
        by_name: str,
        at: datetime,
    ) -> None:
        t = conduct_ratings
        await self.session.execute(
            sa.delete(t).where(
                t.c.class_id == class_id, t.c.student_id == student_id, t.c.semester == semester, t.c.stage == stage
            )
        )
        snapshot = conduct_snapshot(conduct)
        assert snapshot is not None
        await self.session.execute(
            sa.insert(t).values(
                class_id=class_id,
                student_id=student_id,
                semester=semester,
                stage=stage,
                school_id=school_id,
                school_year=school_year,
                rule_set=rule_set,
                training=snapshot["training"],
                qualities=snapshot["qualities"] or None,
                competences=snapshot["competences"] or None,
                comment=conduct.comment,
                updated_by=by,
                updated_by_name=by_name,
                updated_at=at,
            )
        )

    async def conduct_for_class(self, class_id: str) -> dict[str, ConductSummary]:
        """Per student now in the class: semester and year training results (TT22) or the TT27 ratings."""
        klass = await self.record_class(class_id)
        if klass is None:
            return {}
        rule_set = rule_set_for_grade(klass.grade)
        e = orm.enrolments
        students = list(
            await self.session.scalars(sa.select(e.c.student_id).where(e.c.class_id == class_id, e.c.active.is_(True)))
        )
        per: dict[str, dict[tuple[int, Stage], Conduct]] = defaultdict(dict)
        for (student_id, semester, stage), conduct in (await self.conduct_ratings(class_id)).items():
            per[student_id][(semester, stage)] = conduct
        return {s: summarize(rule_set, per.get(s, {})) for s in students}

    # Discipline and rewards

    async def add_discipline(self, record: DisciplineRecord) -> None:
        await self.session.execute(sa.insert(discipline_records).values(**_discipline_values(record)))

    async def discipline(self, record_id: str) -> DisciplineRecord | None:
        t = discipline_records
        row = (await self.session.execute(sa.select(t).where(t.c.id == record_id))).first()
        return None if row is None else _discipline(row)

    async def save_discipline_revocation(self, record: DisciplineRecord) -> None:
        t = discipline_records
        await self.session.execute(
            sa.update(t)
            .where(t.c.id == record.id)
            .values(
                status=record.status,
                revoked_by=record.revoked_by,
                revoked_by_name=record.revoked_by_name,
                revoked_at=record.revoked_at,
                revoke_reason=record.revoke_reason,
            )
        )

    async def discipline_list(
        self, *, student_id: str | None = None, class_id: str | None = None
    ) -> list[DisciplineRecord]:
        """Records (revoked ones too), oldest decision first."""
        t = discipline_records
        query = sa.select(t)
        if student_id is not None:
            query = query.where(t.c.student_id == student_id)
        if class_id is not None:
            query = query.where(t.c.class_id == class_id)
        rows = await self.session.execute(query.order_by(t.c.on, t.c.recorded_at))
        return [_discipline(r) for r in rows]

    # Exemptions

    async def add_exemption(self, exemption: Exemption) -> None:
        await self.session.execute(sa.insert(subject_exemptions).values(**_exemption_values(exemption)))

    async def exemption(self, exemption_id: str) -> Exemption | None:
        t = subject_exemptions
        row = (await self.session.execute(sa.select(t).where(t.c.id == exemption_id))).first()
        return None if row is None else _exemption(row)

    async def exemptions(
        self, *, class_id: str, student_id: str | None = None, subject_code: str | None = None
    ) -> list[Exemption]:
        """A class's exemptions (revoked ones too), in the order they were granted."""
        t = subject_exemptions
        query = sa.select(t).where(t.c.class_id == class_id)
        if student_id is not None:
            query = query.where(t.c.student_id == student_id)
        if subject_code is not None:
            query = query.where(t.c.subject_code == subject_code)
        rows = await self.session.execute(query.order_by(t.c.granted_at))
        return [_exemption(r) for r in rows]

    async def save_exemption_revocation(self, exemption: Exemption) -> None:
        t = subject_exemptions
        await self.session.execute(
            sa.update(t)
            .where(t.c.id == exemption.id)
            .values(
                status=exemption.status,
                revoked_by=exemption.revoked_by,
                revoked_by_name=exemption.revoked_by_name,
                revoked_at=exemption.revoked_at,
                revoke_reason=exemption.revoke_reason,
            )
        )

    async def exemptions_for_class(self, class_id: str) -> set[ExemptionKey]:
        """The active exemptions of the class: (student id, subject code, semester), semester None for the year."""
        t = subject_exemptions
        rows = await self.session.execute(
            sa.select(t.c.student_id, t.c.subject_code, t.c.semester).where(
                t.c.class_id == class_id, t.c.status == "active"
            )
        )
        return {(r.student_id, r.subject_code, None if r.semester is None else int(r.semester)) for r in rows}


def _quality_map(stored: object) -> dict[str, QualityLevel]:
    if not isinstance(stored, dict):
        return {}
    found: dict[str, QualityLevel] = {}
    for code, label in stored.items():
        level = parse_quality(label)
        if level is not None:
            found[str(code)] = level
    return found


def _discipline_values(r: DisciplineRecord) -> dict[str, object]:
    return {
        "id": r.id,
        "school_id": r.school_id,
        "class_id": r.class_id,
        "school_year": r.school_year,
        "student_id": r.student_id,
        "kind": r.kind,
        "level": r.level,
        "on": r.on,
        "decision_number": r.decision_number,
        "content": r.content,
        "status": r.status,
        "recorded_by": r.recorded_by,
        "recorded_by_name": r.recorded_by_name,
        "recorded_at": r.recorded_at,
        "revoked_by": r.revoked_by,
        "revoked_by_name": r.revoked_by_name,
        "revoked_at": r.revoked_at,
        "revoke_reason": r.revoke_reason,
    }


def _discipline(row: sa.Row[Any]) -> DisciplineRecord:
    m = dict(row._mapping)
    m["recorded_at"] = _aware(m["recorded_at"])
    if m["revoked_at"] is not None:
        m["revoked_at"] = _aware(m["revoked_at"])
    return DisciplineRecord(**m)


def _exemption_values(x: Exemption) -> dict[str, object]:
    return {
        "id": x.id,
        "school_id": x.school_id,
        "class_id": x.class_id,
        "school_year": x.school_year,
        "student_id": x.student_id,
        "subject_code": x.subject_code,
        "semester": x.semester,
        "reason": x.reason,
        "decision_ref": x.decision_ref,
        "status": x.status,
        "granted_by": x.granted_by,
        "granted_by_name": x.granted_by_name,
        "granted_at": x.granted_at,
        "revoked_by": x.revoked_by,
        "revoked_by_name": x.revoked_by_name,
        "revoked_at": x.revoked_at,
        "revoke_reason": x.revoke_reason,
    }


def _exemption(row: sa.Row[Any]) -> Exemption:
    m = dict(row._mapping)
    m["granted_at"] = _aware(m["granted_at"])
    if m["revoked_at"] is not None:
        m["revoked_at"] = _aware(m["revoked_at"])
    return Exemption(**m)
