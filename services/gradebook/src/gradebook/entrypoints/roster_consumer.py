"""Consumer of identity's people events: keeps the gradebook's class rosters (subjects, students, teachers)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.contracts.identity_people import (
    ClassSubjectsSet,
    StudentDroppedOut,
    StudentEnrolled,
    StudentGraduated,
    StudentProfileChanged,
    StudentRegistered,
    StudentSnapshot,
    StudentTransferred,
    TeachingAssigned,
    TeachingUnassigned,
)
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import EventPayload, parse_payload
from gradebook.adapters import orm

ROSTER_EVENTS: tuple[type[EventPayload], ...] = (
    ClassSubjectsSet,
    StudentRegistered,
    StudentProfileChanged,
    StudentEnrolled,
    StudentGraduated,
    StudentTransferred,
    StudentDroppedOut,
    TeachingAssigned,
    TeachingUnassigned,
)
ROSTER_TYPES = frozenset(t.event_meta().type for t in ROSTER_EVENTS)


async def _upsert(
    session: AsyncSession, table: sa.Table, where: sa.ColumnElement[bool], values: dict[str, object]
) -> None:
    updated = await session.execute(sa.update(table).where(where).values(**values))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(table).values(**values))


async def _student(session: AsyncSession, *, student_id: str, school_id: str, s: StudentSnapshot) -> None:
    t = orm.students
    await _upsert(
        session,
        t,
        t.c.id == student_id,
        {
            "id": student_id,
            "school_id": school_id,
            "family_name": s.family_name,
            "middle_name": s.middle_name,
            "given_name": s.given_name,
            "full_name": s.full_name,
            "status": s.status,
        },
    )


async def _close_enrolment(session: AsyncSession, *, enrollment_id: str | None) -> None:
    if enrollment_id is not None:
        t = orm.enrolments
        await session.execute(sa.update(t).where(t.c.id == enrollment_id).values(active=False))


async def apply_roster_event(session: AsyncSession, event: CloudEvent) -> None:
    """Apply one identity event to the roster projection (other event types are ignored)."""
    if event.type not in ROSTER_TYPES:
        return
    payload = parse_payload(event.type, event.data)
    if isinstance(payload, ClassSubjectsSet):
        t = orm.class_subjects
        # The list replaces the previous one: subjects dropped from it disappear from the class's sheets.
        await session.execute(sa.delete(t).where(t.c.class_id == payload.class_id))
        if payload.subjects:
            await session.execute(
                sa.insert(t),
                [
                    {
                        "class_id": payload.class_id,
                        "subject_code": s.code,
                        "school_id": payload.school_id,
                        "school_year_id": payload.school_year_id,
                        "name": s.name,
                        "periods_per_year": s.periods_per_year,
                        "assessment": s.assessment,
                    }
                    for s in payload.subjects
                ],
            )
    elif isinstance(payload, StudentRegistered | StudentProfileChanged):
        await _student(session, student_id=payload.student_id, school_id=payload.school_id, s=payload.student)
    elif isinstance(payload, StudentEnrolled):
        t = orm.enrolments
        # One active class per student and year: a change of class closes the others.
        await session.execute(
            sa.update(t)
            .where(
                t.c.student_id == payload.student_id,
                t.c.school_year_id == payload.school_year_id,
                t.c.id != payload.enrollment_id,
            )
            .values(active=False)
        )
        await _upsert(
            session,
            t,
            t.c.id == payload.enrollment_id,
            {
                "id": payload.enrollment_id,
                "student_id": payload.student_id,
                "class_id": payload.class_id,
                "school_id": payload.school_id,
                "school_year_id": payload.school_year_id,
                "starts_on": payload.starts_on,
                "active": True,
            },
        )
    elif isinstance(payload, StudentGraduated):
        await _close_enrolment(session, enrollment_id=payload.enrollment_id)
    elif isinstance(payload, StudentDroppedOut):
        await _close_enrolment(session, enrollment_id=payload.enrollment_id)
    elif isinstance(payload, StudentTransferred):
        await _close_enrolment(session, enrollment_id=payload.from_enrollment_id)
        await _student(session, student_id=payload.student_id, school_id=payload.to_school_id, s=payload.student)
        await _upsert(
            session,
            orm.enrolments,
            orm.enrolments.c.id == payload.to_enrollment_id,
            {
                "id": payload.to_enrollment_id,
                "student_id": payload.student_id,
                "class_id": payload.to_class_id,
                "school_id": payload.to_school_id,
                "school_year_id": payload.school_year_id,
                "starts_on": payload.starts_on,
                "active": True,
            },
        )
    elif isinstance(payload, TeachingAssigned):
        t = orm.teaching
        await _upsert(
            session,
            t,
            t.c.id == payload.assignment_id,
            {
                "id": payload.assignment_id,
                "school_id": payload.school_id,
                "class_id": payload.class_id,
                "subject_code": payload.subject_code,
                "staff_id": payload.staff_id,
                "school_year_id": payload.school_year_id,
                "semester": payload.semester,
                "active": True,
            },
        )
    elif isinstance(payload, TeachingUnassigned):
        t = orm.teaching
        await session.execute(sa.update(t).where(t.c.id == payload.assignment_id).values(active=False))
