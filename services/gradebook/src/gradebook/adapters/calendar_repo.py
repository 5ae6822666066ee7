"""Reads and writes of school calendars and test dates, and the aggregate queries behind entry progress.

Progress of a whole school (about 45 classes × 12 subjects) is read with a handful of grouped queries, never one
query per sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gradebook.adapters import orm
from gradebook.adapters.orm_calendar import calendar_semesters, school_calendars, test_dates
from gradebook.domain.calendar import PERIODIC_COLUMNS, EntryPolicy, SchoolCalendar, SemesterDates, TestDate
from gradebook.domain.progress import Assignment, SheetKey
from gradebook.domain.sheet import Assessment


@dataclass(frozen=True)
class ClassSubjectRow:
    class_id: str
    class_name: str
    subject_code: str
    subject_name: str
    periods_per_year: int
    assessment: Assessment = "scored"


def _aware(at: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class CalendarRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def school_exists(self, school_id: str) -> bool:
        t = orm.directory.schools
        return (await self.session.scalar(sa.select(sa.func.count()).where(t.c.id == school_id))) == 1

    async def calendar(self, *, school_id: str, school_year: str) -> SchoolCalendar | None:
        t, s = school_calendars, calendar_semesters
        row = (
            await self.session.execute(sa.select(t).where(t.c.school_id == school_id, t.c.school_year == school_year))
        ).first()
        if row is None:
            return None
        semesters = await self.session.execute(
            sa.select(s.c.semester, s.c.starts_on, s.c.mid_on, s.c.ends_on, s.c.exam_starts_on)
            .where(s.c.school_id == school_id, s.c.school_year == school_year)
            .order_by(s.c.semester)
        )
        return SchoolCalendar(
            school_id=school_id,
            school_year=school_year,
            semesters=tuple(SemesterDates(*r) for r in semesters),
            policy=EntryPolicy(
                periodic_entry_days=row.periodic_entry_days,
                essay_entry_days=row.essay_entry_days,
                correction_cutoff_days=row.correction_cutoff_days,
            ),
            set_by=row.set_by,
            set_at=_aware(row.set_at),
        )

    async def save_calendar(self, calendar: SchoolCalendar) -> None:
        """Replace the school year's calendar (semesters and policy) with this one."""
        t, s = school_calendars, calendar_semesters
        key_t = (t.c.school_id == calendar.school_id) & (t.c.school_year == calendar.school_year)
        key_s = (s.c.school_id == calendar.school_id) & (s.c.school_year == calendar.school_year)
        await self.session.execute(sa.delete(s).where(key_s))
        await self.session.execute(sa.delete(t).where(key_t))
        await self.session.execute(
            sa.insert(t).values(
                school_id=calendar.school_id,
                school_year=calendar.school_year,
                periodic_entry_days=calendar.policy.periodic_entry_days,
                essay_entry_days=calendar.policy.essay_entry_days,
                correction_cutoff_days=calendar.policy.correction_cutoff_days,
                set_by=calendar.set_by,
                set_at=calendar.set_at,
            )
        )
        await self.session.execute(
            sa.insert(s),
            [
                {
                    "school_id": calendar.school_id,
                    "school_year": calendar.school_year,
                    "semester": d.semester,
                    "starts_on": d.starts_on,
                    "mid_on": d.mid_on,
                    "ends_on": d.ends_on,
                    "exam_starts_on": d.exam_starts_on,
                }
                for d in calendar.semesters
            ],
        )

    async def test_date(self, key: SheetKey, column: str) -> TestDate | None:
        t = test_dates
        class_id, subject_code, semester = key
        row = (
            await self.session.execute(
                sa.select(t).where(
                    t.c.class_id == class_id,
                    t.c.subject_code == subject_code,
                    t.c.semester == semester,
                    t.c.column == column,
                )
            )
        ).first()
        return None if row is None else _test_date(row)

    async def save_test_date(self, test: TestDate, *, school_id: str) -> None:
        t = test_dates
        await self.session.execute(
            sa.delete(t).where(
                t.c.class_id == test.class_id,
                t.c.subject_code == test.subject_code,
                t.c.semester == test.semester,
                t.c.column == test.column,
            )
        )
        await self.session.execute(
            sa.insert(t).values(
                class_id=test.class_id,
                subject_code=test.subject_code,
                semester=test.semester,
                column=test.column,
                school_id=school_id,
                held_on=test.held_on,
                essay=test.essay,
                set_by=test.set_by,
                set_at=test.set_at,
            )
        )

    async def sheet_test_dates(self, key: SheetKey) -> list[TestDate]:
        t = test_dates
        class_id, subject_code, semester = key
        rows = await self.session.execute(
            sa.select(t)
            .where(t.c.class_id == class_id, t.c.subject_code == subject_code, t.c.semester == semester)
            .order_by(t.c.column)
        )
        return [_test_date(r) for r in rows]

    # Entry progress of a school year: each query covers every class of the school at once.

    def _school_classes(self, *, school_id: str, school_year: str) -> sa.Select[tuple[str]]:
        c = orm.directory.classes
        assert c is not None
        return sa.select(c.c.id).where(c.c.school_id == school_id, c.c.year == school_year)

    async def class_subjects(self, *, school_id: str, school_year: str) -> list[ClassSubjectRow]:
        """Every subject every class of the school studies that year."""
        c, cs = orm.directory.classes, orm.class_subjects
        assert c is not None
        rows = await self.session.execute(
            sa.select(c.c.id, c.c.name, cs.c.subject_code, cs.c.name, cs.c.periods_per_year, cs.c.assessment)
            .join(cs, cs.c.class_id == c.c.id)
            .where(c.c.school_id == school_id, c.c.year == school_year)
            .order_by(c.c.grade, c.c.name, cs.c.subject_code)
        )
        return [ClassSubjectRow(*r) for r in rows]

    async def class_sizes(self, *, school_id: str, school_year: str) -> dict[str, int]:
        """Current students per class."""
        e = orm.enrolments
        rows = await self.session.execute(
            sa.select(e.c.class_id, sa.func.count(sa.distinct(e.c.student_id)))
            .where(
                e.c.active.is_(True),
                e.c.class_id.in_(self._school_classes(school_id=school_id, school_year=school_year)),
            )
            .group_by(e.c.class_id)
        )
        return {class_id: int(n) for class_id, n in rows}

    def _current_student(self, table: sa.Table) -> sa.Exists:
        e = orm.enrolments
        return sa.exists().where(
            e.c.class_id == table.c.class_id, e.c.student_id == table.c.student_id, e.c.active.is_(True)
        )

    async def entered_cells(self, *, school_id: str, school_year: str) -> dict[SheetKey, dict[str, int]]:
        """Entered cells of current students per sheet and column (cells of students who left do not count)."""
        s = orm.scores
        rows = await self.session.execute(
            sa.select(s.c.class_id, s.c.subject_code, s.c.semester, s.c.column, sa.func.count())
            .where(
                s.c.school_id == school_id,
                s.c.class_id.in_(self._school_classes(school_id=school_id, school_year=school_year)),
                self._current_student(s),
            )
            .group_by(s.c.class_id, s.c.subject_code, s.c.semester, s.c.column)
        )
        found: dict[SheetKey, dict[str, int]] = {}
        for class_id, subject_code, semester, column, n in rows:
            found.setdefault((class_id, subject_code, int(semester)), {})[column] = int(n)
        return found

    async def assignments(self, *, school_id: str, school_year: str) -> list[Assignment]:
        """Active teaching assignments of the school's classes that year."""
        t = orm.teaching
        rows = await self.session.execute(
            sa.select(t.c.class_id, t.c.subject_code, t.c.staff_id, t.c.semester).where(
                t.c.active.is_(True),
                t.c.class_id.in_(self._school_classes(school_id=school_id, school_year=school_year)),
            )
        )
        return [Assignment(*r) for r in rows]

    async def school_test_dates(self, *, school_id: str, school_year: str) -> list[TestDate]:
        t = test_dates
        rows = await self.session.execute(
            sa.select(t).where(
                t.c.school_id == school_id,
                t.c.class_id.in_(self._school_classes(school_id=school_id, school_year=school_year)),
            )
        )
        return [_test_date(r) for r in rows]

    async def first_entries(
        self, *, school_id: str, school_year: str
    ) -> dict[tuple[SheetKey, str], list[tuple[datetime, int]]]:
        """When periodic-test cells of current students were first entered, as (instant, cells) per sheet column.

        A batch stamps all its cells with one instant, so grouping by it keeps the result to about one row per batch.
        """
        h = orm.score_history
        first = (
            sa.select(
                h.c.class_id,
                h.c.subject_code,
                h.c.semester,
                h.c.column,
                sa.func.min(h.c.changed_at).label("first_at"),
            )
            .where(
                h.c.school_id == school_id,
                h.c.column.in_(PERIODIC_COLUMNS),
                h.c.class_id.in_(self._school_classes(school_id=school_id, school_year=school_year)),
                self._current_student(h),
            )
            .group_by(h.c.class_id, h.c.subject_code, h.c.semester, h.c.column, h.c.student_id)
            .subquery()
        )
        rows = await self.session.execute(
            sa.select(
                first.c.class_id,
                first.c.subject_code,
                first.c.semester,
                first.c.column,
                first.c.first_at,
                sa.func.count(),
            ).group_by(first.c.class_id, first.c.subject_code, first.c.semester, first.c.column, first.c.first_at)
        )
        found: dict[tuple[SheetKey, str], list[tuple[datetime, int]]] = {}
        for class_id, subject_code, semester, column, first_at, n in rows:
            found.setdefault(((class_id, subject_code, int(semester)), column), []).append((_aware(first_at), int(n)))
        return found


def _test_date(row: sa.Row[object]) -> TestDate:
    m = row._mapping
    held_on: date = m["held_on"]
    return TestDate(
        class_id=m["class_id"],
        subject_code=m["subject_code"],
        semester=int(m["semester"]),
        column=m["column"],
        held_on=held_on,
        essay=bool(m["essay"]),
        set_by=m["set_by"],
        set_at=_aware(m["set_at"]),
    )
