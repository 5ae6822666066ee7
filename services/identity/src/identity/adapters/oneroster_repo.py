"""Read queries over identity's own tables for the OneRoster 1.2 endpoints, mapped to OneRoster records.

What a caller sees is a `Visibility` computed from their grants for one permission: the whole province, a set
of schools (school grants and everything under org-unit grants) and a set of classes (class and class-subject
grants, which do not open the rest of the school). The mapping decisions are in `identity.domain.oneroster`.
The subtree helper (`units_and_schools_under`) also serves the audit read side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.auth.permissions import ROLE_PERMISSIONS, Permission
from edu_shared.auth.principal import CurrentUserClaims, ScopeType
from edu_shared.contracts.identity import OrgUnitKind
from identity.adapters import orm
from identity.adapters.orm_accounts import accounts
from identity.adapters.orm_people import (
    class_subjects,
    classes,
    enrollments,
    guardians,
    homeroom_assignments,
    school_years,
    semesters,
    staff,
    student_guardians,
    students,
    subjects,
    teaching_assignments,
)
from identity.domain.oneroster import (
    Record,
    ending_year,
    grade_code,
    guid_ref,
    iso_date,
    iso_datetime,
    org_type,
    user_role_for_staff,
)


@dataclass(frozen=True)
class Visibility:
    """Where a caller's grants for one permission reach."""

    everything: bool = False
    school_ids: frozenset[str] = frozenset()  # school grants, and the schools under org-unit grants
    org_unit_ids: frozenset[str] = frozenset()  # the units under org-unit grants, themselves included
    class_ids: frozenset[str] = frozenset()  # class and class-subject grants only

    @property
    def empty(self) -> bool:
        return not (self.everything or self.school_ids or self.class_ids)

    def sees_school(self, school_id: str) -> bool:
        return self.everything or school_id in self.school_ids

    def school_cond(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        return sa.true() if self.everything else column.in_(sorted(self.school_ids))


async def units_and_schools_under(session: AsyncSession, org_unit_ids: Iterable[str]) -> tuple[set[str], set[str]]:
    """The org units under the given ones (themselves included) and the schools of all of them."""
    children: dict[str | None, list[str]] = {}
    for unit_id, parent_id in await session.execute(sa.select(orm.org_units.c.id, orm.org_units.c.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    found: set[str] = set()
    todo = list(org_unit_ids)
    while todo:
        unit = todo.pop()
        if unit in found:
            continue
        found.add(unit)
        todo.extend(children.get(unit, ()))
    if not found:
        return set(), set()
    school_ids = set(
        await session.scalars(sa.select(orm.schools.c.id).where(orm.schools.c.org_unit_id.in_(sorted(found))))
    )
    return found, school_ids


async def visibility(session: AsyncSession, *, user: CurrentUserClaims, permission: Permission) -> Visibility:
    """Compute where `user`'s grants give `permission` (lineage downwards, from identity's own tables)."""
    school_ids: set[str] = set()
    unit_ids: set[str] = set()
    class_ids: set[str] = set()
    for grant in user.grants:
        if permission not in ROLE_PERMISSIONS.get(grant.role, frozenset()):
            continue
        if grant.scope_type == ScopeType.PROVINCE:
            return Visibility(everything=True)
        if grant.scope_type == ScopeType.ORG_UNIT:
            unit_ids.add(grant.scope_id)
        elif grant.scope_type == ScopeType.SCHOOL:
            school_ids.add(grant.scope_id)
        elif grant.scope_type in (ScopeType.CLASS, ScopeType.CLASS_SUBJECT):
            class_ids.add(grant.scope_id.split(":", 1)[0])
    if unit_ids:
        unit_ids, under = await units_and_schools_under(session, unit_ids)
        school_ids |= under
    return Visibility(
        school_ids=frozenset(school_ids), org_unit_ids=frozenset(unit_ids), class_ids=frozenset(class_ids)
    )


def _name_fields(row: Any) -> Record:
    return {"givenName": row.given_name, "familyName": row.family_name, "middleName": row.middle_name or ""}


class OneRosterRepository:
    """OneRoster records of the data a `Visibility` reaches; `base` is the absolute prefix for GUIDRef hrefs."""

    def __init__(self, session: AsyncSession, *, base: str) -> None:
        self.session = session
        self.base = base

    def ref(self, kind: str, sourced_id: str) -> Record:
        return guid_ref(self.base, kind, sourced_id)

    # Orgs

    async def _visible_class_schools(self, vis: Visibility) -> set[str]:
        if not vis.class_ids:
            return set()
        rows = await self.session.scalars(sa.select(classes.c.school_id).where(classes.c.id.in_(sorted(vis.class_ids))))
        return set(rows)

    async def orgs(self, vis: Visibility) -> list[Record]:
        """Units and schools: those in scope, plus the units above visible schools (their `parent` chain)."""
        unit_rows = {
            r.id: r for r in await self.session.execute(sa.select(orm.org_units).order_by(orm.org_units.c.code))
        }
        school_rows = list(await self.session.execute(sa.select(orm.schools).order_by(orm.schools.c.moet_code)))
        if vis.everything:
            seen_units, seen_schools = set(unit_rows), {r.id for r in school_rows}
        else:
            seen_schools = set(vis.school_ids) | await self._visible_class_schools(vis)
            seen_units = set(vis.org_unit_ids)
            for s in school_rows:
                if s.id in seen_schools:
                    parent: str | None = s.org_unit_id
                    while parent is not None and parent in unit_rows:
                        seen_units.add(parent)
                        parent = unit_rows[parent].parent_id
        unit_children: dict[str, list[Record]] = {}
        for u in unit_rows.values():
            if u.parent_id and u.id in seen_units:
                unit_children.setdefault(u.parent_id, []).append(self.ref("org", u.id))
        for s in school_rows:
            if s.id in seen_schools:
                unit_children.setdefault(s.org_unit_id, []).append(self.ref("org", s.id))
        out: list[Record] = []
        for u in unit_rows.values():
            if u.id in seen_units:
                out.append(
                    {
                        "sourcedId": u.id,
                        "status": "active",
                        "dateLastModified": iso_datetime(u.created_at),
                        "metadata": {"code": u.code, "kind": u.kind},
                        "name": u.name,
                        "type": org_type(OrgUnitKind(u.kind)),
                        "identifier": u.code,
                        "parent": self.ref("org", u.parent_id) if u.parent_id else None,
                        "children": unit_children.get(u.id, []),
                    }
                )
        out.extend(self._school(s) for s in school_rows if s.id in seen_schools)
        return out

    def _school(self, s: Any) -> Record:
        return {
            "sourcedId": s.id,
            "status": "active",
            "dateLastModified": iso_datetime(s.created_at),
            "metadata": {"moetCode": s.moet_code, "levels": s.levels.split(",")},
            "name": s.name,
            "type": "school",
            "identifier": s.moet_code,
            "parent": self.ref("org", s.org_unit_id),
            "children": [],
        }

    async def school(self, school_id: str) -> Record | None:
        row = (await self.session.execute(sa.select(orm.schools).where(orm.schools.c.id == school_id))).first()
        return self._school(row) if row else None

    async def org_unit_exists(self, org_unit_id: str) -> bool:
        found = await self.session.scalar(sa.select(orm.org_units.c.id).where(orm.org_units.c.id == org_unit_id))
        return found is not None

    # Academic sessions and courses (province-wide)

    async def academic_sessions(self) -> list[Record]:
        years = list(await self.session.execute(sa.select(school_years).order_by(school_years.c.starts_on)))
        terms: dict[str, list[Any]] = {}
        for t in await self.session.execute(sa.select(semesters).order_by(semesters.c.number)):
            terms.setdefault(t.school_year_id, []).append(t)
        out: list[Record] = []
        for y in years:
            modified = iso_datetime(y.created_at)
            out.append(
                {
                    "sourcedId": y.id,
                    "status": "active",
                    "dateLastModified": modified,
                    "metadata": {"code": y.code},
                    "title": f"Năm học {y.code}",
                    "type": "schoolYear",
                    "startDate": iso_date(y.starts_on),
                    "endDate": iso_date(y.ends_on),
                    "parent": None,
                    "children": [self.ref("academicSession", t.id) for t in terms.get(y.id, [])],
                    "schoolYear": ending_year(y.code),
                }
            )
            for t in terms.get(y.id, []):
                out.append(
                    {
                        "sourcedId": t.id,
                        "status": "active",
                        "dateLastModified": modified,
                        "metadata": {"number": t.number},
                        "title": f"Học kỳ {'I' * t.number} năm học {y.code}",
                        "type": "semester",
                        "startDate": iso_date(t.starts_on),
                        "endDate": iso_date(t.ends_on),
                        "parent": self.ref("academicSession", y.id),
                        "children": [],
                        "schoolYear": ending_year(y.code),
                    }
                )
        return out

    async def _department_id(self) -> str | None:
        found: str | None = await self.session.scalar(
            sa.select(orm.org_units.c.id).where(orm.org_units.c.parent_id.is_(None)).order_by(orm.org_units.c.code)
        )
        return found

    async def courses(self) -> list[Record]:
        department = await self._department_id()
        org = self.ref("org", department) if department else None
        rows = list(
            await self.session.execute(
                sa.select(subjects).order_by(subjects.c.level, subjects.c.grade, subjects.c.position, subjects.c.code)
            )
        )
        out: list[Record] = [
            {
                "sourcedId": r.id,
                "status": "active",
                "dateLastModified": iso_datetime(r.created_at),
                "metadata": {
                    "level": r.level,
                    "periodsPerYear": r.periods_per_year,
                    "assessment": r.assessment,
                    "elective": bool(r.elective),
                },
                "title": f"{r.name} {r.grade}",
                "schoolYear": self.ref("academicSession", r.school_year_id) if r.school_year_id else None,
                "courseCode": r.code,
                "grades": [grade_code(r.grade)],
                "subjects": [r.name],
                "org": org,
            }
            for r in rows
        ]
        for grade in sorted({r.grade for r in rows}):
            out.append(
                {
                    "sourcedId": homeroom_course_id(grade),
                    "status": "active",
                    "dateLastModified": None,
                    "metadata": {"homeroom": True},
                    "title": f"Lớp {grade} (chủ nhiệm)",
                    "schoolYear": None,
                    "courseCode": f"homeroom-{grade_code(grade)}",
                    "grades": [grade_code(grade)],
                    "subjects": [],
                    "org": org,
                }
            )
        return out

    # Classes

    def _class_cond(self, vis: Visibility) -> sa.ColumnElement[bool]:
        if vis.everything:
            return sa.true()
        return sa.or_(classes.c.school_id.in_(sorted(vis.school_ids)), classes.c.id.in_(sorted(vis.class_ids)))

    async def classes(
        self, vis: Visibility, *, school_id: str | None = None, class_id: str | None = None
    ) -> list[Record]:
        """Homeroom classes and their class × subject scheduled classes, in class order."""
        query = (
            sa.select(classes, school_years.c.code.label("year_code"))
            .join(school_years, school_years.c.id == classes.c.school_year_id)
            .where(self._class_cond(vis))
            .order_by(school_years.c.starts_on, classes.c.grade, sa.func.length(classes.c.name), classes.c.name)
        )
        if school_id is not None:
            query = query.where(classes.c.school_id == school_id)
        if class_id is not None:
            query = query.where(classes.c.id == class_id)
        rows = list(await self.session.execute(query))
        if not rows:
            return []
        by_class: dict[str, list[Any]] = {}
        subject_rows = await self.session.execute(
            sa.select(class_subjects, subjects.c.name)
            .join(subjects, subjects.c.id == class_subjects.c.subject_id)
            .where(class_subjects.c.class_id.in_([r.id for r in rows]))
            .order_by(class_subjects.c.position)
        )
        for s in subject_rows:
            by_class.setdefault(s.class_id, []).append(s)
        out: list[Record] = []
        for c in rows:
            common = {
                "status": "active",
                "dateLastModified": iso_datetime(c.created_at),
                "grades": [grade_code(c.grade)],
                "school": self.ref("org", c.school_id),
                "terms": [self.ref("academicSession", c.school_year_id)],
            }
            out.append(
                {
                    "sourcedId": c.id,
                    **common,
                    "metadata": {"schoolYear": c.year_code},
                    "title": c.name,
                    "classCode": c.name,
                    "classType": "homeroom",
                    "course": self.ref("course", homeroom_course_id(c.grade)),
                    "subjects": [],
                    "subjectCodes": [],
                }
            )
            for s in by_class.get(c.id, []):
                out.append(
                    {
                        "sourcedId": f"{c.id}:{s.subject_code}",
                        **common,
                        "metadata": {"schoolYear": c.year_code, "homeroomClass": c.id},
                        "title": f"{c.name} – {s.name}",
                        "classCode": f"{c.name}-{s.subject_code}",
                        "classType": "scheduled",
                        "course": self.ref("course", s.subject_id),
                        "subjects": [s.name],
                        "subjectCodes": [s.subject_code],
                    }
                )
        return out

    async def class_school(self, class_id: str) -> str | None:
        found: str | None = await self.session.scalar(
            sa.select(classes.c.school_id).where(classes.c.id == class_id.split(":", 1)[0])
        )
        return found

    # Users

    async def _usernames(self, person_ids: list[str]) -> dict[str, tuple[str, bool]]:
        if not person_ids:
            return {}
        rows = await self.session.execute(
            sa.select(accounts.c.person_id, accounts.c.username, accounts.c.disabled_at).where(
                accounts.c.person_id.in_(person_ids)
            )
        )
        return {r.person_id: (r.username, r.disabled_at is None) for r in rows}

    async def users(
        self,
        vis: Visibility,
        *,
        identifiers: Visibility,
        roles: frozenset[str] = frozenset({"student", "teacher", "administrator", "parent"}),
        class_id: str | None = None,
        subject_code: str | None = None,
    ) -> list[Record]:
        """Students, staff and guardians in scope (Vietnamese class-list order within each kind).

        `identifiers` is where the national citizen number may be shown; `class_id` restricts to one class's
        students (its roster) and teachers (homeroom and subject teachers; with `subject_code`, that subject's)."""
        out: list[Record] = []
        active = enrollments.c.status == "active"
        enrolled = (
            sa.select(enrollments.c.student_id, enrollments.c.class_id, classes.c.grade)
            .join(classes, classes.c.id == enrollments.c.class_id)
            .where(active)
        )
        if class_id is not None:
            enrolled = enrolled.where(enrollments.c.class_id == class_id)
        current = {r.student_id: r for r in await self.session.execute(enrolled)}
        student_rows: list[Any] = []
        if "student" in roles or "parent" in roles:
            query = sa.select(students).where(students.c.status == "studying").order_by(students.c.sort_key)
            if class_id is not None:
                query = query.where(students.c.id.in_(sorted(current)))
            else:
                in_classes = [sid for sid, r in current.items() if r.class_id in vis.class_ids]
                query = query.where(sa.or_(vis.school_cond(students.c.school_id), students.c.id.in_(in_classes)))
            student_rows = list(await self.session.execute(query))
        links: list[Any] = []
        if student_rows:
            links = list(
                await self.session.execute(
                    sa.select(student_guardians).where(student_guardians.c.student_id.in_([s.id for s in student_rows]))
                )
            )
        agents_of: dict[str, list[str]] = {}
        children_of: dict[str, list[str]] = {}
        for link in links:
            agents_of.setdefault(link.student_id, []).append(link.guardian_id)
            children_of.setdefault(link.guardian_id, []).append(link.student_id)
        staff_rows: list[Any] = []
        teaching_now: set[str] = set()
        if "teacher" in roles or "administrator" in roles:
            query = sa.select(staff).where(staff.c.status != "left").order_by(staff.c.sort_key)
            if class_id is not None:
                query = query.where(staff.c.id.in_(await self._class_teachers_of({class_id}, subject_code)))
            else:
                teaching = await self._class_teachers_of(vis.class_ids)
                query = query.where(sa.or_(vis.school_cond(staff.c.school_id), staff.c.id.in_(teaching)))
            staff_rows = list(await self.session.execute(query))
            teaching_now = await self._teaching_staff([m.id for m in staff_rows])
        guardian_rows: list[Any] = []
        if "parent" in roles and children_of:
            guardian_rows = list(
                await self.session.execute(
                    sa.select(guardians)
                    .where(guardians.c.id.in_(sorted(children_of)))
                    .order_by(guardians.c.family_name, guardians.c.given_name)
                )
            )
        logins = await self._usernames([r.id for r in (*student_rows, *staff_rows, *guardian_rows)])

        def base(row: Any, role: str, school_id: str, modified: Any) -> Record:
            username, enabled = logins.get(row.id, ("", False))
            return {
                "sourcedId": row.id,
                "status": "active",
                "dateLastModified": iso_datetime(modified),
                "username": username,
                "userIds": [],
                "enabledUser": "true" if enabled else "false",
                **_name_fields(row),
                "roles": [{"roleType": "primary", "role": role, "org": self.ref("org", school_id)}],
            }

        if "student" in roles:
            for s in student_rows:
                record = base(s, "student", s.school_id, s.updated_at or s.created_at)
                record["userMasterIdentifier"] = s.moet_student_id or ""
                record["metadata"] = {"moetStudentId": s.moet_student_id} if s.moet_student_id else {}
                enrolled_in = current.get(s.id)
                record["grades"] = [grade_code(enrolled_in.grade)] if enrolled_in else []
                record["agents"] = [self.ref("user", g) for g in agents_of.get(s.id, [])]
                if s.national_id and (identifiers.sees_school(s.school_id)):
                    record["identifier"] = s.national_id
                out.append(record)
        for m in staff_rows:
            primary = user_role_for_staff(m.title)
            held = {primary} | ({"teacher"} if m.id in teaching_now else set())
            if not held & roles:
                continue
            record = base(m, primary, m.school_id, m.updated_at or m.created_at)
            if primary != "teacher" and m.id in teaching_now:
                # A principal or vice principal who also teaches: teacher is their secondary role.
                record["roles"].append(
                    {"roleType": "secondary", "role": "teacher", "org": self.ref("org", m.school_id)}
                )
            record["metadata"] = {"title": m.title, **({"subjectGroup": m.subject_group} if m.subject_group else {})}
            record["agents"] = []
            if m.email:
                record["email"] = m.email
            out.append(record)
        for g in guardian_rows:
            record = base(g, "parent", g.school_id, g.updated_at or g.created_at)
            record["metadata"] = {}
            record["agents"] = [self.ref("user", sid) for sid in children_of.get(g.id, [])]
            if g.email:
                record["email"] = g.email
            if g.phone:
                record["phone"] = g.phone
            out.append(record)
        return out

    async def _teaching_staff(self, staff_ids: list[str]) -> set[str]:
        """Who among `staff_ids` has a teaching or homeroom assignment in force."""
        if not staff_ids:
            return set()
        t, h = teaching_assignments, homeroom_assignments
        teaching = await self.session.scalars(
            sa.select(t.c.staff_id).where(t.c.staff_id.in_(staff_ids), t.c.revoked_at.is_(None))
        )
        homeroom = await self.session.scalars(
            sa.select(h.c.staff_id).where(h.c.staff_id.in_(staff_ids), h.c.ends_on.is_(None))
        )
        return set(teaching) | set(homeroom)

    async def _class_teachers_of(self, class_ids: Iterable[str], subject_code: str | None = None) -> list[str]:
        ids = sorted(class_ids)
        if not ids:
            return []
        t, h = teaching_assignments, homeroom_assignments
        query = sa.select(t.c.staff_id).where(t.c.class_id.in_(ids), t.c.revoked_at.is_(None))
        if subject_code is not None:
            query = query.where(t.c.subject_code == subject_code)
            return sorted(set(await self.session.scalars(query)))
        teaching = await self.session.scalars(query)
        homeroom = await self.session.scalars(
            sa.select(h.c.staff_id).where(h.c.class_id.in_(ids), h.c.ends_on.is_(None))
        )
        return sorted(set(teaching) | set(homeroom))

    # Enrollments

    async def enrollments(self, vis: Visibility, *, class_id: str | None = None) -> list[Record]:
        """Students in homeroom and scheduled classes, homeroom and subject teachers, in force today."""
        e, t, h = enrollments, teaching_assignments, homeroom_assignments
        cond = self._class_cond(vis)
        subjects_of: dict[str, list[str]] = {}
        for cs in await self.session.execute(
            sa.select(class_subjects.c.class_id, class_subjects.c.subject_code)
            .join(classes, classes.c.id == class_subjects.c.class_id)
            .where(cond)
            .order_by(class_subjects.c.position)
        ):
            subjects_of.setdefault(cs.class_id, []).append(cs.subject_code)
        out: list[Record] = []

        def record(sourced_id: str, *, role: str, user: str, cls: str, school: str, row: Any, **extra: Any) -> Record:
            return {
                "sourcedId": sourced_id,
                "status": "active",
                "dateLastModified": iso_datetime(row.created_at),
                "metadata": {},
                "role": role,
                "primary": "true" if role == "teacher" else "false",
                "user": self.ref("user", user),
                "class": self.ref("class", cls),
                "school": self.ref("org", school),
                **extra,
            }

        query = (
            sa.select(e, classes.c.school_id)
            .join(classes, classes.c.id == e.c.class_id)
            .join(students, students.c.id == e.c.student_id)
            .where(cond, e.c.status == "active", students.c.status == "studying")
            .order_by(classes.c.name, students.c.sort_key)
        )
        if class_id is not None:
            query = query.where(e.c.class_id == class_id.split(":", 1)[0])
        for r in await self.session.execute(query):
            for sourced_id, cls in [(r.id, r.class_id)] + [
                (f"{r.id}:{code}", f"{r.class_id}:{code}") for code in subjects_of.get(r.class_id, [])
            ]:
                out.append(
                    record(
                        sourced_id,
                        role="student",
                        user=r.student_id,
                        cls=cls,
                        school=r.school_id,
                        row=r,
                        beginDate=iso_date(r.starts_on),
                        endDate=iso_date(r.ends_on),
                    )
                )
        query = (
            sa.select(h, classes.c.school_id.label("class_school"))
            .join(classes, classes.c.id == h.c.class_id)
            .where(cond, h.c.ends_on.is_(None))
        )
        if class_id is not None:
            query = query.where(h.c.class_id == class_id.split(":", 1)[0])
        for r in await self.session.execute(query):
            out.append(
                record(
                    r.id,
                    role="teacher",
                    user=r.staff_id,
                    cls=r.class_id,
                    school=r.class_school,
                    row=r,
                    beginDate=iso_date(r.starts_on),
                    endDate=None,
                )
            )
        query = (
            sa.select(t, classes.c.school_id.label("class_school"))
            .join(classes, classes.c.id == t.c.class_id)
            .where(cond, t.c.revoked_at.is_(None))
            .order_by(classes.c.name, t.c.subject_code)
        )
        if class_id is not None:
            query = query.where(t.c.class_id == class_id.split(":", 1)[0])
        for r in await self.session.execute(query):
            out.append(
                record(
                    r.id,
                    role="teacher",
                    user=r.staff_id,
                    cls=f"{r.class_id}:{r.subject_code}",
                    school=r.class_school,
                    row=r,
                    metadata={"semester": r.semester} if r.semester else {},
                )
            )
        if class_id is not None and ":" in class_id:
            out = [r for r in out if r["class"]["sourcedId"] == class_id]
        return out


def homeroom_course_id(grade: int) -> str:
    return f"homeroom-{grade_code(grade)}"
