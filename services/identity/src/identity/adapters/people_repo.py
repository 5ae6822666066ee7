"""Reading and writing staff, students, enrollments, guardians and consents; grants derived from assignments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.auth.principal import Role, RoleGrant, ScopeType
from identity.adapters.orm_people import (
    classes,
    consents,
    enrollments,
    guardians,
    homeroom_assignments,
    school_years,
    semesters,
    staff,
    student_guardians,
    students,
    teaching_assignments,
)
from identity.domain.names import PersonName, class_list_sort_key, fold_for_search, search_terms
from identity.domain.people import (
    Consent,
    ConsentGiver,
    ConsentPurpose,
    EnrollmentStatus,
    Guardian,
    Relation,
    Sex,
    Staff,
    StaffStatus,
    StaffTitle,
    Student,
    StudentProfile,
    StudentStatus,
)
from identity.domain.structure import (
    HomeroomAssignment,
    SchoolYear,
    Semester,
    class_subject_scope,
    homeroom_window,
    teaching_window,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _name_values(name: PersonName) -> dict[str, str]:
    return {
        "family_name": name.family,
        "middle_name": name.middle,
        "given_name": name.given,
        "sort_key": class_list_sort_key(name),
        "search_name": " " + fold_for_search(name.full),
    }


def _name(row: Any) -> PersonName:
    return PersonName(family=row.family_name, middle=row.middle_name, given=row.given_name)


def _student(row: Any) -> Student:
    return Student(
        id=row.id,
        school_id=row.school_id,
        status=StudentStatus(row.status),
        profile=StudentProfile(
            name=_name(row),
            date_of_birth=row.date_of_birth,
            sex=Sex(row.sex),
            place_of_birth=row.place_of_birth,
            ethnicity=row.ethnicity,
            address=row.address,
            national_id=row.national_id,
            moet_student_id=row.moet_student_id,
        ),
    )


def _staff(row: Any) -> Staff:
    return Staff(
        id=row.id,
        school_id=row.school_id,
        name=_name(row),
        title=StaffTitle(row.title),
        subject_group=row.subject_group,
        phone=row.phone,
        email=row.email,
        date_of_birth=row.date_of_birth,
        sex=Sex(row.sex) if row.sex else None,
        status=StaffStatus(row.status),
        photo_object_key=row.photo_object_key,
        signature_object_key=row.signature_object_key,
    )


def _guardian(row: Any) -> Guardian:
    return Guardian(
        id=row.id,
        school_id=row.school_id,
        name=_name(row),
        phone=row.phone,
        email=row.email,
        occupation=row.occupation,
    )


def _consent(row: Any) -> Consent:
    return Consent(
        id=row.id,
        student_id=row.student_id,
        purpose=ConsentPurpose(row.purpose),
        given_by=ConsentGiver(row.given_by),
        guardian_id=row.guardian_id,
        granted_at=row.granted_at,
        recorded_by=row.recorded_by,
        revoked_at=row.revoked_at,
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_filter(table: sa.Table, query_text: str) -> list[sa.ColumnElement[bool]]:
    """Every word of the query starts a word of the name, diacritics ignored."""
    return [table.c.search_name.like(f"% {_like_escape(term)}%", escape="\\") for term in search_terms(query_text)]


@dataclass(frozen=True)
class StudentListing:
    """A student as a list shows them: with the class they are in now, if any."""

    student: Student
    class_id: str | None
    class_name: str | None


@dataclass(frozen=True)
class Enrollment:
    id: str
    student_id: str
    class_id: str
    school_year_id: str
    starts_on: date
    ends_on: date | None
    status: EnrollmentStatus


@dataclass(frozen=True)
class GuardianLink:
    guardian: Guardian
    relation: Relation


@dataclass(frozen=True)
class NewEnrollment:
    id: str
    student_id: str
    class_id: str
    school_year_id: str
    starts_on: date


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _binary(self, column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        # Sort keys compare by code point; PostgreSQL's locale collations would ignore the separators.
        if self.session.get_bind().dialect.name == "postgresql":
            return column.collate("C")
        return column

    # Staff

    async def add_staff(self, items: Sequence[Staff], *, actor: str) -> None:
        if not items:
            return
        now = _now()
        await self.session.execute(
            sa.insert(staff),
            [
                {
                    "id": s.id,
                    "school_id": s.school_id,
                    **_name_values(s.name),
                    "title": s.title.value,
                    "subject_group": s.subject_group,
                    "phone": s.phone,
                    "email": s.email,
                    "date_of_birth": s.date_of_birth,
                    "sex": s.sex.value if s.sex else None,
                    "photo_object_key": s.photo_object_key,
                    "signature_object_key": s.signature_object_key,
                    "status": s.status.value,
                    "created_at": now,
                    "created_by": actor,
                }
                for s in items
            ],
        )

    async def update_staff(self, member: Staff) -> None:
        await self.session.execute(
            sa.update(staff)
            .where(staff.c.id == member.id)
            .values(
                **_name_values(member.name),
                title=member.title.value,
                subject_group=member.subject_group,
                phone=member.phone,
                email=member.email,
                date_of_birth=member.date_of_birth,
                sex=member.sex.value if member.sex else None,
                photo_object_key=member.photo_object_key,
                signature_object_key=member.signature_object_key,
                status=member.status.value,
                updated_at=_now(),
            )
        )

    async def get_staff(self, staff_id: str) -> Staff | None:
        row = (await self.session.execute(sa.select(staff).where(staff.c.id == staff_id))).first()
        return _staff(row) if row else None

    async def staff_by_ids(self, staff_ids: Sequence[str]) -> dict[str, Staff]:
        if not staff_ids:
            return {}
        rows = await self.session.execute(sa.select(staff).where(staff.c.id.in_(list(set(staff_ids)))))
        return {r.id: _staff(r) for r in rows}

    async def list_staff(
        self, *, school_id: str, q: str | None = None, status: StaffStatus | None = None
    ) -> list[Staff]:
        query = (
            sa.select(staff).where(staff.c.school_id == school_id).order_by(self._binary(staff.c.sort_key), staff.c.id)
        )
        if q:
            query = query.where(*_name_filter(staff, q))
        if status is not None:
            query = query.where(staff.c.status == status.value)
        return [_staff(r) for r in await self.session.execute(query)]

    # Students

    async def add_students(self, items: Sequence[Student], *, actor: str) -> None:
        if not items:
            return
        now = _now()
        await self.session.execute(
            sa.insert(students), [{**self._student_values(s), "created_at": now, "created_by": actor} for s in items]
        )

    @staticmethod
    def _student_values(s: Student) -> dict[str, Any]:
        p = s.profile
        return {
            "id": s.id,
            "school_id": s.school_id,
            **_name_values(p.name),
            "date_of_birth": p.date_of_birth,
            "sex": p.sex.value,
            "place_of_birth": p.place_of_birth,
            "ethnicity": p.ethnicity,
            "address": p.address,
            "national_id": p.national_id,
            "moet_student_id": p.moet_student_id,
            "status": s.status.value,
        }

    async def update_student(self, student: Student, *, actor: str) -> None:
        values = self._student_values(student)
        del values["id"], values["school_id"]
        await self.session.execute(
            sa.update(students).where(students.c.id == student.id).values(**values, updated_at=_now(), updated_by=actor)
        )

    async def get_student(self, student_id: str) -> Student | None:
        row = (await self.session.execute(sa.select(students).where(students.c.id == student_id))).first()
        return _student(row) if row else None

    async def students_by_ids(self, student_ids: Sequence[str]) -> dict[str, Student]:
        if not student_ids:
            return {}
        rows = await self.session.execute(sa.select(students).where(students.c.id.in_(list(set(student_ids)))))
        return {r.id: _student(r) for r in rows}

    async def identifier_owners(
        self, *, national_ids: Sequence[str], moet_ids: Sequence[str]
    ) -> dict[tuple[str, str], str]:
        """{("national_id" | "moet_student_id", value): student id} for the values already taken."""
        taken: dict[tuple[str, str], str] = {}
        if national_ids:
            rows = await self.session.execute(
                sa.select(students.c.national_id, students.c.id).where(students.c.national_id.in_(list(national_ids)))
            )
            taken.update({("national_id", r[0]): r[1] for r in rows})
        if moet_ids:
            rows = await self.session.execute(
                sa.select(students.c.moet_student_id, students.c.id).where(
                    students.c.moet_student_id.in_(list(moet_ids))
                )
            )
            taken.update({("moet_student_id", r[0]): r[1] for r in rows})
        return taken

    async def list_students(
        self,
        *,
        school_id: str,
        q: str | None = None,
        class_id: str | None = None,
        status: StudentStatus | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[StudentListing], int]:
        """A page of the school's students in class-list order, and how many match in all."""
        current = (
            sa.select(enrollments.c.student_id, enrollments.c.class_id, classes.c.name.label("class_name"))
            .join(classes, classes.c.id == enrollments.c.class_id)
            .where(enrollments.c.status == EnrollmentStatus.ACTIVE.value)
            .subquery()
        )
        conditions: list[sa.ColumnElement[bool]] = [students.c.school_id == school_id]
        if q:
            digits = q.strip()
            if digits.isdigit() and len(digits) >= 4:
                conditions.append(
                    sa.or_(students.c.national_id.like(f"{digits}%"), students.c.moet_student_id.like(f"{digits}%"))
                )
            else:
                conditions.extend(_name_filter(students, q))
        if class_id is not None:
            conditions.append(current.c.class_id == class_id)
        if status is not None:
            conditions.append(students.c.status == status.value)
        base = sa.select(students, current.c.class_id, current.c.class_name).outerjoin(
            current, current.c.student_id == students.c.id
        )
        total = await self.session.scalar(
            sa.select(sa.func.count())
            .select_from(students)
            .outerjoin(current, current.c.student_id == students.c.id)
            .where(*conditions)
        )
        rows = await self.session.execute(
            base.where(*conditions)
            .order_by(self._binary(students.c.sort_key), students.c.date_of_birth, students.c.id)
            .limit(limit)
            .offset(offset)
        )
        listing = [StudentListing(student=_student(r), class_id=r.class_id, class_name=r.class_name) for r in rows]
        return listing, int(total or 0)

    # Enrollments

    async def active_enrollments(self, student_ids: Sequence[str]) -> dict[str, Enrollment]:
        """Each student's one active enrollment, if any."""
        if not student_ids:
            return {}
        rows = await self.session.execute(
            sa.select(enrollments).where(
                enrollments.c.student_id.in_(list(set(student_ids))),
                enrollments.c.status == EnrollmentStatus.ACTIVE.value,
            )
        )
        return {
            r.student_id: Enrollment(
                id=r.id,
                student_id=r.student_id,
                class_id=r.class_id,
                school_year_id=r.school_year_id,
                starts_on=r.starts_on,
                ends_on=r.ends_on,
                status=EnrollmentStatus(r.status),
            )
            for r in rows
        }

    async def end_enrollments(self, ends: Sequence[tuple[str, date, EnrollmentStatus]]) -> None:
        for enrollment_id, ends_on, status in ends:
            await self.session.execute(
                sa.update(enrollments)
                .where(enrollments.c.id == enrollment_id)
                .values(ends_on=ends_on, status=status.value)
            )

    async def add_enrollments(self, items: Sequence[NewEnrollment], *, actor: str) -> None:
        if not items:
            return
        now = _now()
        await self.session.execute(
            sa.insert(enrollments),
            [
                {
                    "id": e.id,
                    "student_id": e.student_id,
                    "class_id": e.class_id,
                    "school_year_id": e.school_year_id,
                    "starts_on": e.starts_on,
                    "ends_on": None,
                    "status": EnrollmentStatus.ACTIVE.value,
                    "created_at": now,
                    "created_by": actor,
                }
                for e in items
            ],
        )

    async def class_roster(self, class_id: str) -> list[Student]:
        """The class's students now, in class-list order."""
        rows = await self.session.execute(
            sa.select(students)
            .join(enrollments, enrollments.c.student_id == students.c.id)
            .where(enrollments.c.class_id == class_id, enrollments.c.status == EnrollmentStatus.ACTIVE.value)
            .order_by(self._binary(students.c.sort_key), students.c.date_of_birth, students.c.id)
        )
        return [_student(r) for r in rows]

    async def enrollment_history(self, student_id: str) -> list[tuple[Enrollment, str]]:
        """Every enrollment of a student, newest first, with the class name."""
        rows = await self.session.execute(
            sa.select(enrollments, classes.c.name.label("class_name"))
            .join(classes, classes.c.id == enrollments.c.class_id)
            .where(enrollments.c.student_id == student_id)
            .order_by(enrollments.c.starts_on.desc(), enrollments.c.created_at.desc())
        )
        return [
            (
                Enrollment(
                    id=r.id,
                    student_id=r.student_id,
                    class_id=r.class_id,
                    school_year_id=r.school_year_id,
                    starts_on=r.starts_on,
                    ends_on=r.ends_on,
                    status=EnrollmentStatus(r.status),
                ),
                r.class_name,
            )
            for r in rows
        ]

    # Guardians and consent

    async def add_guardians(self, items: Sequence[Guardian], *, actor: str) -> None:
        if not items:
            return
        now = _now()
        await self.session.execute(
            sa.insert(guardians),
            [
                {
                    "id": g.id,
                    "school_id": g.school_id,
                    "family_name": g.name.family,
                    "middle_name": g.name.middle,
                    "given_name": g.name.given,
                    "phone": g.phone,
                    "email": g.email,
                    "occupation": g.occupation,
                    "created_at": now,
                    "created_by": actor,
                }
                for g in items
            ],
        )

    async def get_guardian(self, guardian_id: str) -> Guardian | None:
        row = (await self.session.execute(sa.select(guardians).where(guardians.c.id == guardian_id))).first()
        return _guardian(row) if row else None

    async def link_guardians(self, links: Sequence[tuple[str, str, Relation]], *, actor: str) -> None:
        """(student id, guardian id, relation) rows."""
        if not links:
            return
        now = _now()
        await self.session.execute(
            sa.insert(student_guardians),
            [
                {"student_id": s, "guardian_id": g, "relation": r.value, "created_at": now, "created_by": actor}
                for s, g, r in links
            ],
        )

    async def guardians_of(self, student_id: str) -> list[GuardianLink]:
        rows = await self.session.execute(
            sa.select(guardians, student_guardians.c.relation)
            .join(student_guardians, student_guardians.c.guardian_id == guardians.c.id)
            .where(student_guardians.c.student_id == student_id)
            .order_by(student_guardians.c.created_at, guardians.c.id)
        )
        return [GuardianLink(guardian=_guardian(r), relation=Relation(r.relation)) for r in rows]

    async def add_consents(self, items: Sequence[Consent], *, evidence: str | None = None) -> None:
        if not items:
            return
        await self.session.execute(
            sa.insert(consents),
            [
                {
                    "id": c.id,
                    "student_id": c.student_id,
                    "guardian_id": c.guardian_id,
                    "given_by": c.given_by.value,
                    "purpose": c.purpose.value,
                    "granted_at": c.granted_at,
                    "recorded_by": c.recorded_by,
                    "evidence": evidence,
                    "revoked_at": c.revoked_at,
                }
                for c in items
            ],
        )

    async def consents_of(self, student_id: str) -> list[Consent]:
        rows = await self.session.execute(
            sa.select(consents).where(consents.c.student_id == student_id).order_by(consents.c.granted_at)
        )
        return [_consent(r) for r in rows]

    async def revoke_consent(self, consent_id: str, *, at: datetime, actor: str) -> None:
        await self.session.execute(
            sa.update(consents).where(consents.c.id == consent_id).values(revoked_at=at, revoked_by=actor)
        )


async def assignment_grants(session: AsyncSession, *, staff_id: str, on: date) -> list[RoleGrant]:
    """The grants a staff member's assignments give on a day, to merge into their access token.

    subject_teacher over class_subject `<class id>:<subject code>` per teaching assignment, homeroom_teacher over
    class `<class id>` per homeroom assignment, each within its window (`identity.domain.structure`). A staff
    member who has left gets none.
    """
    member_status = await session.scalar(sa.select(staff.c.status).where(staff.c.id == staff_id))
    if member_status is None or member_status == StaffStatus.LEFT.value:
        return []
    year_rows = {r.id: r for r in await session.execute(sa.select(school_years))}
    years: dict[str, SchoolYear] = {}

    async def year_of(year_id: str) -> SchoolYear:
        if year_id not in years:
            row = year_rows[year_id]
            terms = await session.execute(sa.select(semesters).where(semesters.c.school_year_id == year_id))
            years[year_id] = SchoolYear(
                id=row.id,
                code=row.code,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                semesters=tuple(Semester(t.number, t.starts_on, t.ends_on) for t in terms),
            )
        return years[year_id]

    grants: list[RoleGrant] = []
    t = teaching_assignments
    for row in await session.execute(sa.select(t).where(t.c.staff_id == staff_id, t.c.revoked_at.is_(None))):
        year = await year_of(row.school_year_id)
        # A semester whose dates are not set yet: the year's window stands in for it.
        semester = year.semester(row.semester) if row.semester is not None else None
        if teaching_window(year, semester).covers(on):
            grants.append(
                RoleGrant(
                    role=Role.SUBJECT_TEACHER,
                    scope_type=ScopeType.CLASS_SUBJECT,
                    scope_id=class_subject_scope(row.class_id, row.subject_code),
                )
            )
    h = homeroom_assignments
    for row in await session.execute(sa.select(h).where(h.c.staff_id == staff_id)):
        year = await year_of(row.school_year_id)
        assignment = HomeroomAssignment(
            id=row.id,
            school_id=row.school_id,
            class_id=row.class_id,
            staff_id=row.staff_id,
            school_year_id=row.school_year_id,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
        )
        if homeroom_window(year, assignment).covers(on):
            grants.append(RoleGrant(role=Role.HOMEROOM_TEACHER, scope_type=ScopeType.CLASS, scope_id=row.class_id))
    return sorted(set(grants), key=lambda g: (g.role.value, g.scope_id))


async def guardian_grants(session: AsyncSession, *, guardian_id: str) -> list[RoleGrant]:
    """A guardian reads their own children's records, and no one else's: parent over each linked student."""
    children = await session.scalars(
        sa.select(student_guardians.c.student_id).where(student_guardians.c.guardian_id == guardian_id)
    )
    return [RoleGrant(role=Role.PARENT, scope_type=ScopeType.STUDENT, scope_id=child) for child in children]
