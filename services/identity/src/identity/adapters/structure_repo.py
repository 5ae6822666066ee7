"""Reading and writing school years, the subject catalogue, classes and assignments; scope lineage in identity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edu_shared.auth.permissions import Scope
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.identity import SchoolLevel
from edu_shared.directory import DirectoryResolver, DirectoryTables
from identity.adapters import orm
from identity.adapters.orm_people import (
    class_subjects,
    classes,
    enrollments,
    homeroom_assignments,
    school_years,
    semesters,
    students,
    subjects,
    teaching_assignments,
)
from identity.domain.structure import (
    ClassSubject,
    HomeroomAssignment,
    SchoolClass,
    SchoolYear,
    Semester,
    Subject,
    TeachingAssignment,
)
from identity.domain.subjects import Assessment


def _now() -> datetime:
    return datetime.now(UTC)


def _subject(row: Any) -> Subject:
    return Subject(
        id=row.id,
        code=row.code,
        name=row.name,
        level=SchoolLevel(row.level),
        grade=row.grade,
        periods_per_year=row.periods_per_year,
        assessment=Assessment(row.assessment),
        elective=bool(row.elective),
        school_year_id=row.school_year_id,
    )


def _class(row: Any) -> SchoolClass:
    return SchoolClass(
        id=row.id, school_id=row.school_id, school_year_id=row.school_year_id, grade=row.grade, name=row.name
    )


def _teaching(row: Any) -> TeachingAssignment:
    return TeachingAssignment(
        id=row.id,
        school_id=row.school_id,
        class_id=row.class_id,
        subject_code=row.subject_code,
        staff_id=row.staff_id,
        school_year_id=row.school_year_id,
        semester=row.semester,
    )


def _homeroom(row: Any) -> HomeroomAssignment:
    return HomeroomAssignment(
        id=row.id,
        school_id=row.school_id,
        class_id=row.class_id,
        staff_id=row.staff_id,
        school_year_id=row.school_year_id,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
    )


class StructureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # School years and semesters

    async def add_school_year(self, year: SchoolYear, *, actor: str) -> None:
        await self.session.execute(
            sa.insert(school_years).values(
                id=year.id,
                code=year.code,
                starts_on=year.starts_on,
                ends_on=year.ends_on,
                created_at=_now(),
                created_by=actor,
            )
        )
        if year.semesters:
            await self.add_semesters(year.id, year.semesters)

    async def add_semesters(self, school_year_id: str, items: Sequence[Semester]) -> None:
        await self.session.execute(
            sa.insert(semesters),
            [
                {
                    "id": f"{school_year_id}:{s.number}",
                    "school_year_id": school_year_id,
                    "number": s.number,
                    "starts_on": s.starts_on,
                    "ends_on": s.ends_on,
                }
                for s in items
            ],
        )

    async def _years(self, where: Any = None) -> list[SchoolYear]:
        query = sa.select(school_years).order_by(school_years.c.starts_on.desc())
        if where is not None:
            query = query.where(where)
        rows = list(await self.session.execute(query))
        if not rows:
            return []
        terms: dict[str, list[Semester]] = {}
        sem_rows = await self.session.execute(
            sa.select(semesters)
            .where(semesters.c.school_year_id.in_([r.id for r in rows]))
            .order_by(semesters.c.number)
        )
        for s in sem_rows:
            terms.setdefault(s.school_year_id, []).append(Semester(s.number, s.starts_on, s.ends_on))
        return [
            SchoolYear(
                id=r.id, code=r.code, starts_on=r.starts_on, ends_on=r.ends_on, semesters=tuple(terms.get(r.id, ()))
            )
            for r in rows
        ]

    async def list_school_years(self) -> list[SchoolYear]:
        return await self._years()

    async def get_school_year(self, school_year_id: str) -> SchoolYear | None:
        found = await self._years(school_years.c.id == school_year_id)
        return found[0] if found else None

    async def school_year_by_code(self, code: str) -> SchoolYear | None:
        found = await self._years(school_years.c.code == code)
        return found[0] if found else None

    # The subject catalogue

    async def add_subjects(self, items: Sequence[Subject], *, actor: str) -> None:
        if not items:
            return
        now = _now()
        await self.session.execute(
            sa.insert(subjects),
            [
                {
                    "id": s.id,
                    "code": s.code,
                    "name": s.name,
                    "level": s.level.value,
                    "grade": s.grade,
                    "periods_per_year": s.periods_per_year,
                    "assessment": s.assessment.value,
                    "elective": s.elective,
                    "position": position,
                    "school_year_id": s.school_year_id,
                    "created_at": now,
                    "created_by": actor,
                }
                for position, s in enumerate(items)
            ],
        )

    async def update_subject(self, subject: Subject) -> None:
        await self.session.execute(
            sa.update(subjects)
            .where(subjects.c.id == subject.id)
            .values(
                name=subject.name,
                periods_per_year=subject.periods_per_year,
                assessment=subject.assessment.value,
                elective=subject.elective,
            )
        )

    async def get_subject(self, subject_id: str) -> Subject | None:
        row = (await self.session.execute(sa.select(subjects).where(subjects.c.id == subject_id))).first()
        return _subject(row) if row else None

    async def catalogue_entry(
        self, *, code: str, level: SchoolLevel, grade: int, school_year_id: str | None
    ) -> Subject | None:
        """The entry stored for exactly this catalogue (default when `school_year_id` is None)."""
        year_cond = (
            subjects.c.school_year_id.is_(None)
            if school_year_id is None
            else subjects.c.school_year_id == school_year_id
        )
        row = (
            await self.session.execute(
                sa.select(subjects).where(
                    subjects.c.code == code, subjects.c.level == level.value, subjects.c.grade == grade, year_cond
                )
            )
        ).first()
        return _subject(row) if row else None

    async def has_default_catalogue(self) -> bool:
        found = await self.session.scalar(sa.select(subjects.c.id).where(subjects.c.school_year_id.is_(None)).limit(1))
        return found is not None

    async def catalogue(
        self, *, level: SchoolLevel | None = None, grade: int | None = None, school_year_id: str | None = None
    ) -> list[Subject]:
        """The catalogue in force: the default entries, replaced (by code) by the year's own where it has some."""
        query = sa.select(subjects).order_by(subjects.c.grade, subjects.c.position, subjects.c.code)
        if level is not None:
            query = query.where(subjects.c.level == level.value)
        if grade is not None:
            query = query.where(subjects.c.grade == grade)
        if school_year_id is None:
            query = query.where(subjects.c.school_year_id.is_(None))
        else:
            query = query.where(
                sa.or_(subjects.c.school_year_id.is_(None), subjects.c.school_year_id == school_year_id)
            )
        chosen: dict[tuple[str, int, str], Subject] = {}
        for row in await self.session.execute(query):
            key = (row.level, row.grade, row.code)
            if key not in chosen or row.school_year_id is not None:
                chosen[key] = _subject(row)
        return list(chosen.values())

    # Classes and their subjects

    async def add_class(self, cls: SchoolClass, *, actor: str) -> None:
        await self.session.execute(
            sa.insert(classes).values(
                id=cls.id,
                school_id=cls.school_id,
                school_year_id=cls.school_year_id,
                grade=cls.grade,
                name=cls.name,
                created_at=_now(),
                created_by=actor,
            )
        )

    async def get_class(self, class_id: str) -> SchoolClass | None:
        row = (await self.session.execute(sa.select(classes).where(classes.c.id == class_id))).first()
        return _class(row) if row else None

    async def class_name_taken(self, *, school_id: str, school_year_id: str, name: str) -> bool:
        found = await self.session.scalar(
            sa.select(classes.c.id).where(
                classes.c.school_id == school_id,
                classes.c.school_year_id == school_year_id,
                sa.func.lower(classes.c.name) == name.lower(),
            )
        )
        return found is not None

    async def list_classes(self, *, school_id: str, school_year_id: str | None = None) -> list[SchoolClass]:
        query = (
            sa.select(classes)
            .where(classes.c.school_id == school_id)
            .order_by(classes.c.grade, sa.func.length(classes.c.name), classes.c.name)
        )
        if school_year_id is not None:
            query = query.where(classes.c.school_year_id == school_year_id)
        return [_class(r) for r in await self.session.execute(query)]

    async def student_counts(self, class_ids: Sequence[str]) -> dict[str, int]:
        if not class_ids:
            return {}
        rows = await self.session.execute(
            sa.select(enrollments.c.class_id, sa.func.count())
            .where(enrollments.c.class_id.in_(class_ids), enrollments.c.status == "active")
            .group_by(enrollments.c.class_id)
        )
        return {r[0]: int(r[1]) for r in rows}

    async def class_subjects(self, class_id: str) -> list[ClassSubject]:
        rows = await self.session.execute(
            sa.select(class_subjects, subjects.c.name, subjects.c.assessment, subjects.c.elective)
            .join(subjects, subjects.c.id == class_subjects.c.subject_id)
            .where(class_subjects.c.class_id == class_id)
            .order_by(class_subjects.c.position)
        )
        return [
            ClassSubject(
                subject_id=r.subject_id,
                code=r.subject_code,
                name=r.name,
                periods_per_year=r.periods_per_year,
                assessment=Assessment(r.assessment),
                elective=bool(r.elective),
            )
            for r in rows
        ]

    async def set_class_subjects(self, class_id: str, items: Sequence[ClassSubject]) -> None:
        await self.session.execute(sa.delete(class_subjects).where(class_subjects.c.class_id == class_id))
        await self.add_class_subjects({class_id: items})

    async def add_class_subjects(self, by_class: dict[str, Sequence[ClassSubject]]) -> None:
        rows = [
            {
                "class_id": class_id,
                "subject_code": s.code,
                "subject_id": s.subject_id,
                "periods_per_year": s.periods_per_year,
                "position": position,
            }
            for class_id, items in by_class.items()
            for position, s in enumerate(items)
        ]
        if rows:
            await self.session.execute(sa.insert(class_subjects), rows)

    # Assignments

    async def add_teaching_assignments(self, items: Sequence[TeachingAssignment], *, actor: str) -> None:
        if not items:
            return
        now = _now()
        await self.session.execute(
            sa.insert(teaching_assignments),
            [
                {
                    "id": a.id,
                    "school_id": a.school_id,
                    "class_id": a.class_id,
                    "subject_code": a.subject_code,
                    "staff_id": a.staff_id,
                    "school_year_id": a.school_year_id,
                    "semester": a.semester,
                    "created_at": now,
                    "created_by": actor,
                }
                for a in items
            ],
        )

    async def teaching_assignments(
        self, *, class_id: str | None = None, staff_id: str | None = None, subject_code: str | None = None
    ) -> list[TeachingAssignment]:
        """Assignments in force (not revoked)."""
        t = teaching_assignments
        query = sa.select(t).where(t.c.revoked_at.is_(None)).order_by(t.c.subject_code, t.c.semester, t.c.created_at)
        if class_id is not None:
            query = query.where(t.c.class_id == class_id)
        if staff_id is not None:
            query = query.where(t.c.staff_id == staff_id)
        if subject_code is not None:
            query = query.where(t.c.subject_code == subject_code)
        return [_teaching(r) for r in await self.session.execute(query)]

    async def get_teaching_assignment(self, assignment_id: str) -> TeachingAssignment | None:
        t = teaching_assignments
        row = (
            await self.session.execute(sa.select(t).where(t.c.id == assignment_id, t.c.revoked_at.is_(None)))
        ).first()
        return _teaching(row) if row else None

    async def revoke_teaching_assignment(self, assignment_id: str, *, actor: str, at: datetime) -> None:
        t = teaching_assignments
        await self.session.execute(sa.update(t).where(t.c.id == assignment_id).values(revoked_at=at, revoked_by=actor))

    async def homerooms(self, class_id: str) -> list[HomeroomAssignment]:
        """The class's homeroom history, newest first."""
        h = homeroom_assignments
        rows = await self.session.execute(
            sa.select(h).where(h.c.class_id == class_id).order_by(h.c.starts_on.desc(), h.c.created_at.desc())
        )
        return [_homeroom(r) for r in rows]

    async def current_homerooms(self, class_ids: Sequence[str]) -> dict[str, HomeroomAssignment]:
        if not class_ids:
            return {}
        h = homeroom_assignments
        rows = await self.session.execute(
            sa.select(h).where(h.c.class_id.in_(class_ids), h.c.ends_on.is_(None)).order_by(h.c.starts_on)
        )
        return {r.class_id: _homeroom(r) for r in rows}

    async def end_homeroom(self, assignment_id: str, *, ends_on: date) -> None:
        h = homeroom_assignments
        await self.session.execute(sa.update(h).where(h.c.id == assignment_id).values(ends_on=ends_on))

    async def add_homerooms(self, items: Sequence[HomeroomAssignment], *, actor: str) -> None:
        if not items:
            return
        now = _now()
        await self.session.execute(
            sa.insert(homeroom_assignments),
            [
                {
                    "id": a.id,
                    "school_id": a.school_id,
                    "class_id": a.class_id,
                    "staff_id": a.staff_id,
                    "school_year_id": a.school_year_id,
                    "starts_on": a.starts_on,
                    "ends_on": a.ends_on,
                    "created_at": now,
                    "created_by": actor,
                }
                for a in items
            ],
        )


class IdentityScopeResolver:
    """Scope lineage over identity's own tables, classes and students included.

    A class climbs to its school, a class-subject to its class, a student to the classes they are enrolled in
    now and to their school; from the school on, the org tree as `DirectoryResolver` walks it.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        # Identity writes these tables itself and never hears of its changes as events: no cached lineages here.
        self._directory = DirectoryResolver(
            sessions, DirectoryTables(org_units=orm.org_units, schools=orm.schools, classes=classes), ttl_s=0
        )

    async def lineage(self, scope: Scope) -> set[Scope]:
        if scope[0] != ScopeType.STUDENT:
            return await self._directory.lineage(scope)
        found: set[Scope] = {scope}
        async with self._sessions() as session:
            school_id = await session.scalar(sa.select(students.c.school_id).where(students.c.id == scope[1]))
            class_ids = list(
                await session.scalars(
                    sa.select(enrollments.c.class_id).where(
                        enrollments.c.student_id == scope[1], enrollments.c.status == "active"
                    )
                )
            )
        for class_id in class_ids:
            found |= await self._directory.lineage((ScopeType.CLASS, class_id))
        if school_id is not None:
            found |= await self._directory.lineage((ScopeType.SCHOOL, school_id))
        return found

    async def school_of(self, scope: Scope) -> str | None:
        """The school a scope belongs to (for the audit trail of a denial)."""
        kind, ident = scope
        if kind == ScopeType.SCHOOL:
            return ident
        async with self._sessions() as session:
            if kind == ScopeType.STUDENT:
                found: str | None = await session.scalar(sa.select(students.c.school_id).where(students.c.id == ident))
                return found
            if kind in (ScopeType.CLASS, ScopeType.CLASS_SUBJECT):
                class_id = ident.split(":", 1)[0]
                found = await session.scalar(sa.select(classes.c.school_id).where(classes.c.id == class_id))
                return found
        return None
