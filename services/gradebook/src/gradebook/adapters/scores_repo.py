"""Reads and writes of score sheets, their history, locks and the roster projection they rely on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.db.bulk import insert_many
from gradebook.adapters import orm
from gradebook.domain.corrections import Correction, CorrectionStatus, EvidenceFile
from gradebook.domain.locks import Lock, LockKind, LockScope
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
# A class's cells, as class results read them: student id → (subject code, semester) → column → value.
ClassValues = dict[str, dict[tuple[str, int], dict[str, CellValue]]]


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
        for student_id, column, score, rating in rows.all():  # one fetch, not one per row
            value = _cell(score, rating)
            if value is not None:
                values[(student_id, column)] = value
        return values

    async def class_values(self, class_id: str) -> ClassValues:
        """Every cell of every sheet of the class, both semesters, in one query (class results need them all).

        The database joins each student's row of a sheet into one text ("TX1=7.5,GK=8.0" or "TX1=*Đ"): a
        school's recompute reads ~250,000 cells, and one result row per cell cost five times the CPU.
        """
        t = orm.scores
        cell = t.c.column + "=" + sa.func.coalesce(sa.cast(t.c.score, sa.String), "*" + t.c.rating)
        rows = await self.session.execute(
            sa.select(t.c.student_id, t.c.subject_code, t.c.semester, sa.func.aggregate_strings(cell, ","))
            .where(t.c.class_id == class_id)
            .group_by(t.c.student_id, t.c.subject_code, t.c.semester)
        )
        values: ClassValues = {}
        for student_id, subject_code, semester, joined in rows.all():
            row: dict[str, CellValue] = {}
            for item in joined.split(","):
                column, _, text = item.partition("=")
                # SQLite keeps 8.0 as the integer 8: back to one decimal, as the Numeric(3, 1) column reads.
                row[column] = Rating(text[1:]) if text[0] == "*" else Decimal(text).quantize(_TENTH)
            values.setdefault(student_id, {})[(subject_code, semester)] = row
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
        await self.set_values(key, school_id=school_id, values={(student_id, column): value}, by=by, at=at)

    async def set_values(
        self,
        key: SheetKey,
        *,
        school_id: str,
        values: Mapping[tuple[str, str], CellValue | None],
        by: str,
        at: datetime,
    ) -> None:
        """Write cells of one sheet, keyed by (student id, column); None clears the cell.

        One upsert for all written cells and one delete for all cleared ones, whatever their number: a teacher
        saves a whole sheet (hundreds of cells) at once, and a statement per cell was most of the time spent.
        """
        t = orm.scores
        class_id, subject_code, semester = key
        cleared = [cell for cell, value in values.items() if value is None]
        if cleared:
            await self.session.execute(
                sa.delete(t).where(
                    t.c.class_id == class_id,
                    t.c.subject_code == subject_code,
                    t.c.semester == semester,
                    sa.tuple_(t.c.student_id, t.c.column).in_(cleared),
                )
            )
        written = [
            {
                "class_id": class_id,
                "subject_code": subject_code,
                "semester": semester,
                "student_id": student_id,
                "column": column,
                "school_id": school_id,
                "score": value if isinstance(value, Decimal) else None,
                "rating": value.value if isinstance(value, Rating) else None,
                "updated_by": by,
                "updated_at": at,
            }
            for (student_id, column), value in values.items()
            if value is not None
        ]
        if written:
            await insert_many(self.session, t, written, update=_UPSERT_SET)

    async def append_history(self, rows: Sequence[dict[str, object]]) -> None:
        if rows:
            await insert_many(self.session, orm.score_history, rows)

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
        """The school's locks not lifted and not ended: in force now, or scheduled (`Lock.covers` tells which)."""
        t = orm.locks
        rows = await self.session.execute(
            sa.select(t)
            .where(
                t.c.school_id == school_id,
                t.c.unlocked_at.is_(None),
                sa.or_(t.c.ends_at.is_(None), t.c.ends_at > datetime.now(UTC)),
            )
            .order_by(t.c.locked_at)
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
                starts_at=lock.starts_at,
                ends_at=lock.ends_at,
                kind=lock.kind,
                window_id=lock.window_id,
                org_unit_id=lock.org_unit_id,
                reason=lock.reason,
                relock_of=lock.relock_of,
            )
        )

    async def lift_lock(self, lock_id: str, *, by: str, at: datetime, relock_after_save: bool = False) -> None:
        t = orm.locks
        await self.session.execute(
            sa.update(t)
            .where(t.c.id == lock_id)
            .values(unlocked_by=by, unlocked_at=at, relock_after_save=relock_after_save)
        )

    async def pending_relocks(self, *, school_id: str) -> list[tuple[Lock, str]]:
        """Locks lifted for one fix and not yet locked again, with who lifted them."""
        t = orm.locks
        rows = await self.session.execute(
            sa.select(t)
            .where(
                t.c.school_id == school_id,
                t.c.relock_after_save.is_(True),
                t.c.unlocked_at.is_not(None),
                t.c.relocked_at.is_(None),
            )
            .order_by(t.c.unlocked_at)
        )
        return [(_lock(r), r.unlocked_by) for r in rows]

    async def mark_relocked(self, lock_id: str, *, at: datetime) -> None:
        t = orm.locks
        await self.session.execute(sa.update(t).where(t.c.id == lock_id).values(relocked_at=at))

    async def window_locks(self, window_id: str) -> list[tuple[Lock, datetime | None, str | None]]:
        """The per-school locks of an inspection window and, for each, when and by whom it was lifted."""
        t = orm.locks
        rows = await self.session.execute(sa.select(t).where(t.c.window_id == window_id).order_by(t.c.school_id))
        return [(_lock(r), r.unlocked_at, r.unlocked_by) for r in rows]

    async def org_unit_name(self, org_unit_id: str) -> str | None:
        t = orm.directory.org_units
        found = await self.session.scalar(sa.select(t.c.name).where(t.c.id == org_unit_id))
        return None if found is None else str(found)

    async def schools_under(self, org_unit_id: str) -> list[str]:
        """Ids of every school under the org unit, at any depth (from the directory projection)."""
        units, schools = orm.directory.org_units, orm.directory.schools
        found, frontier = {org_unit_id}, [org_unit_id]
        while frontier:  # the tree is a few levels deep: one query per level
            children = await self.session.scalars(sa.select(units.c.id).where(units.c.parent_id.in_(frontier)))
            frontier = [c for c in children if c not in found]
            found.update(frontier)
        rows = await self.session.scalars(
            sa.select(schools.c.id).where(schools.c.org_unit_id.in_(found)).order_by(schools.c.id)
        )
        return list(rows)

    async def add_correction(self, c: Correction) -> None:
        await self.session.execute(sa.insert(orm.corrections).values(**_correction_values(c)))

    async def correction(self, correction_id: str) -> Correction | None:
        t = orm.corrections
        row = (await self.session.execute(sa.select(t).where(t.c.id == correction_id))).first()
        return None if row is None else _correction(row)

    async def evidence_files(self, correction_id: str) -> list[EvidenceFile]:
        t = orm.correction_evidence
        rows = await self.session.execute(sa.select(t).where(t.c.correction_id == correction_id).order_by(t.c.n))
        return [_evidence(r) for r in rows]

    async def add_evidence(self, f: EvidenceFile) -> None:
        await self.session.execute(
            sa.insert(orm.correction_evidence).values(
                correction_id=f.correction_id,
                n=f.n,
                key=f.key,
                sha256=f.sha256,
                content_type=f.content_type,
                size=f.size,
                filename=f.filename,
                uploaded_by=f.uploaded_by,
                uploaded_at=f.uploaded_at,
            )
        )

    async def save_decision(self, c: Correction) -> None:
        t = orm.corrections
        await self.session.execute(
            sa.update(t)
            .where(t.c.id == c.id)
            .values(status=c.status, decided_by=c.decided_by, decided_at=c.decided_at, decision_note=c.decision_note)
        )

    async def current_class(self, student_id: str) -> str | None:
        """The class the student is enrolled in now (the latest active enrolment)."""
        e = orm.enrolments
        found = await self.session.scalar(
            sa.select(e.c.class_id)
            .where(e.c.student_id == student_id, e.c.active.is_(True))
            .order_by(e.c.starts_on.desc())
            .limit(1)
        )
        return None if found is None else str(found)

    async def sheet_version(self, key: SheetKey) -> int:
        """The sheet's version: how many cell changes it has had (its history only grows)."""
        t = orm.score_history
        class_id, subject_code, semester = key
        found = await self.session.scalar(
            sa.select(sa.func.count()).where(
                t.c.class_id == class_id, t.c.subject_code == subject_code, t.c.semester == semester
            )
        )
        return int(found or 0)

    async def corrections(self, *, school_id: str, status: CorrectionStatus | None) -> list[Correction]:
        t = orm.corrections
        query = sa.select(t).where(t.c.school_id == school_id)
        if status is not None:
            query = query.where(t.c.status == status)
        rows = await self.session.execute(query.order_by(t.c.requested_at))
        return [_correction(r) for r in rows]


_TENTH = Decimal("0.1")
# Everything but the primary key is replaced when a cell is written again.
_UPSERT_SET = ("school_id", "score", "rating", "updated_by", "updated_at")


def _cell(score: Decimal | None, rating: str | None) -> CellValue | None:
    if score is not None:
        return score if isinstance(score, Decimal) else Decimal(score)
    return None if rating is None else Rating(rating)


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
        "witnesses": list(c.witnesses),
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
    m["witnesses"] = tuple(m["witnesses"] or ())
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
        starts_at=None if m["starts_at"] is None else _aware(m["starts_at"]),
        ends_at=None if m["ends_at"] is None else _aware(m["ends_at"]),
        kind=cast(LockKind, m["kind"]),
        window_id=m["window_id"],
        org_unit_id=m["org_unit_id"],
        reason=m["reason"],
        relock_of=m["relock_of"],
    )


def _evidence(row: sa.Row[object]) -> EvidenceFile:
    m = dict(row._mapping)
    m["uploaded_at"] = _aware(m["uploaded_at"])
    return EvidenceFile(**m)


def _aware(at: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
