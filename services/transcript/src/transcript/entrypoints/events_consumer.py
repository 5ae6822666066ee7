"""Consumer of identity and gradebook events: keeps the transcript's projections and rebuilds affected drafts."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.contracts.gradebook_records import ExemptionGranted, ExemptionRevoked, SubjectCommentsRecorded
from edu_shared.contracts.gradebook_results import ClassResultsApproved
from edu_shared.contracts.identity import SchoolRegistered
from edu_shared.contracts.identity_people import (
    ClassOpened,
    ClassSubjectsSet,
    GuardianLinked,
    HomeroomAssigned,
    StaffProfileChanged,
    StaffRegistered,
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
from transcript.adapters import orm_transcripts as t
from transcript.adapters.transcripts_repo import PRINCIPAL_TITLE
from transcript.service_layer.drafts import rebuild_drafts
from transcript.service_layer.uow import TranscriptUnitOfWork

TRANSCRIPT_EVENTS: tuple[type[EventPayload], ...] = (
    SchoolRegistered,
    ClassOpened,
    ClassSubjectsSet,
    StaffRegistered,
    StaffProfileChanged,
    StudentRegistered,
    StudentProfileChanged,
    GuardianLinked,
    StudentEnrolled,
    StudentGraduated,
    StudentTransferred,
    StudentDroppedOut,
    HomeroomAssigned,
    TeachingAssigned,
    TeachingUnassigned,
    ClassResultsApproved,
    SubjectCommentsRecorded,
    ExemptionGranted,
    ExemptionRevoked,
)
TRANSCRIPT_TYPES = frozenset(e.event_meta().type for e in TRANSCRIPT_EVENTS)


async def _upsert(
    session: AsyncSession, table: sa.Table, where: sa.ColumnElement[bool], values: dict[str, object]
) -> None:
    updated = await session.execute(sa.update(table).where(where).values(**values))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(table).values(**values))


async def _student(session: AsyncSession, student_id: str, school_id: str, s: StudentSnapshot) -> None:
    await _upsert(
        session,
        t.students,
        t.students.c.id == student_id,
        {"id": student_id, "school_id": school_id, **{k: v for k, v in s.model_dump().items() if k in t.students.c}},
    )


async def _enrol(
    session: AsyncSession, *, enrollment_id: str, student_id: str, class_id: str, school_id: str, starts_on: object
) -> None:
    await _upsert(
        session,
        t.enrolments,
        t.enrolments.c.id == enrollment_id,
        {
            "id": enrollment_id,
            "student_id": student_id,
            "class_id": class_id,
            "school_id": school_id,
            "starts_on": starts_on,
            "active": True,
        },
    )


async def _close(session: AsyncSession, enrollment_id: str | None) -> None:
    if enrollment_id is not None:
        await session.execute(sa.update(t.enrolments).where(t.enrolments.c.id == enrollment_id).values(active=False))


async def _project(uow: TranscriptUnitOfWork, payload: EventPayload) -> set[str]:
    """Apply the event to the projections; the students whose transcripts it may change."""
    s, repo = uow.session, uow.transcripts
    if isinstance(payload, SchoolRegistered):
        await _upsert(
            s, t.schools, t.schools.c.id == payload.school_id, {"id": payload.school_id, "name": payload.name}
        )
        return await repo.students_of_school(payload.school_id)
    if isinstance(payload, ClassOpened):
        values = {
            "id": payload.class_id,
            "school_id": payload.school_id,
            "school_year_id": payload.school_year_id,
            "school_year": payload.school_year,
            "grade": payload.grade,
            "name": payload.name,
        }
        await _upsert(s, t.classes, t.classes.c.id == payload.class_id, values)
        return await repo.students_of_classes([payload.class_id])
    if isinstance(payload, ClassSubjectsSet):
        await s.execute(sa.delete(t.class_subjects).where(t.class_subjects.c.class_id == payload.class_id))
        if payload.subjects:
            await s.execute(
                sa.insert(t.class_subjects),
                [
                    {"class_id": payload.class_id, "subject_code": x.code, "name": x.name, "position": i}
                    for i, x in enumerate(payload.subjects)
                ],
            )
        return await repo.students_of_classes([payload.class_id])
    if isinstance(payload, StaffRegistered | StaffProfileChanged):
        values = {
            "id": payload.staff_id,
            "school_id": payload.school_id,
            "full_name": payload.full_name,
            "title": payload.title,
            "status": payload.status,
        }
        previous = await s.scalar(sa.select(t.staff.c.title).where(t.staff.c.id == payload.staff_id))
        await _upsert(s, t.staff, t.staff.c.id == payload.staff_id, values)
        if PRINCIPAL_TITLE in (payload.title, previous):
            # The principal's name is on every page of the school's transcripts.
            return await repo.students_of_school(payload.school_id)
        return await repo.students_of_classes(await repo.classes_of_staff(payload.staff_id))
    if isinstance(payload, StudentRegistered | StudentProfileChanged):
        await _student(s, payload.student_id, payload.school_id, payload.student)
        return {payload.student_id}
    if isinstance(payload, GuardianLinked):
        values = {
            "student_id": payload.student_id,
            "guardian_id": payload.guardian_id,
            "relation": payload.relation,
            "full_name": payload.full_name,
            "occupation": payload.occupation,
        }
        where = sa.and_(
            t.guardians.c.student_id == payload.student_id, t.guardians.c.guardian_id == payload.guardian_id
        )
        await _upsert(s, t.guardians, where, values)
        return {payload.student_id}
    if isinstance(payload, StudentEnrolled):
        # One active class per student and year: a change of class closes the others of that year.
        same_year = sa.select(t.classes.c.id).where(
            t.classes.c.school_year_id
            == sa.select(t.classes.c.school_year_id).where(t.classes.c.id == payload.class_id).scalar_subquery()
        )
        await s.execute(
            sa.update(t.enrolments)
            .where(
                t.enrolments.c.student_id == payload.student_id,
                t.enrolments.c.id != payload.enrollment_id,
                t.enrolments.c.class_id.in_(same_year),
            )
            .values(active=False)
        )
        await _enrol(
            s,
            enrollment_id=payload.enrollment_id,
            student_id=payload.student_id,
            class_id=payload.class_id,
            school_id=payload.school_id,
            starts_on=payload.starts_on,
        )
        return {payload.student_id}
    if isinstance(payload, StudentGraduated):
        await _close(s, payload.enrollment_id)
        return {payload.student_id}
    if isinstance(payload, StudentDroppedOut):
        await _close(s, payload.enrollment_id)
        return {payload.student_id}
    if isinstance(payload, StudentTransferred):
        await _close(s, payload.from_enrollment_id)
        await _student(s, payload.student_id, payload.to_school_id, payload.student)
        await _enrol(
            s,
            enrollment_id=payload.to_enrollment_id,
            student_id=payload.student_id,
            class_id=payload.to_class_id,
            school_id=payload.to_school_id,
            starts_on=payload.starts_on,
        )
        return {payload.student_id}
    if isinstance(payload, HomeroomAssigned):
        current = await s.scalar(sa.select(t.homerooms.c.starts_on).where(t.homerooms.c.class_id == payload.class_id))
        if current is not None and current > payload.starts_on:
            return set()  # an older assignment arriving late does not replace the current one
        values = {"class_id": payload.class_id, "staff_id": payload.staff_id, "starts_on": payload.starts_on}
        await _upsert(s, t.homerooms, t.homerooms.c.class_id == payload.class_id, values)
        return await repo.students_of_classes([payload.class_id])
    if isinstance(payload, TeachingAssigned):
        values = {
            "id": payload.assignment_id,
            "class_id": payload.class_id,
            "subject_code": payload.subject_code,
            "staff_id": payload.staff_id,
            "semester": payload.semester,
            "active": True,
        }
        await _upsert(s, t.teaching, t.teaching.c.id == payload.assignment_id, values)
        return await repo.students_of_classes([payload.class_id])
    if isinstance(payload, TeachingUnassigned):
        await s.execute(sa.update(t.teaching).where(t.teaching.c.id == payload.assignment_id).values(active=False))
        return await repo.students_of_classes([payload.class_id])
    if isinstance(payload, ClassResultsApproved):
        for result in payload.students:
            where = sa.and_(
                t.results.c.student_id == result.student_id,
                t.results.c.class_id == payload.class_id,
                t.results.c.period == payload.period,
            )
            values = {
                "student_id": result.student_id,
                "class_id": payload.class_id,
                "period": payload.period,
                "approval_id": payload.approval_id,
                "approved_at": payload.approved_at,
                "result": result.model_dump_json(),
            }
            await _upsert(s, t.results, where, values)
        return {r.student_id for r in payload.students}
    if isinstance(payload, SubjectCommentsRecorded):
        for change in payload.changes:
            where = sa.and_(
                t.comments.c.student_id == change.student_id,
                t.comments.c.class_id == payload.class_id,
                t.comments.c.subject_code == payload.subject_code,
                t.comments.c.semester == payload.semester,
            )
            await s.execute(sa.delete(t.comments).where(where))
            if change.new:
                await s.execute(
                    sa.insert(t.comments).values(
                        student_id=change.student_id,
                        class_id=payload.class_id,
                        subject_code=payload.subject_code,
                        semester=payload.semester,
                        text=change.new,
                    )
                )
        return {c.student_id for c in payload.changes}
    if isinstance(payload, ExemptionGranted):
        values = {
            "id": payload.exemption_id,
            "student_id": payload.student_id,
            "class_id": payload.class_id,
            "subject_code": payload.subject_code,
            "semester": payload.semester,
            "active": True,
        }
        await _upsert(s, t.exemptions, t.exemptions.c.id == payload.exemption_id, values)
        return {payload.student_id}
    if isinstance(payload, ExemptionRevoked):
        await s.execute(sa.update(t.exemptions).where(t.exemptions.c.id == payload.exemption_id).values(active=False))
        return {payload.student_id}
    return set()


async def apply_transcript_event(uow: TranscriptUnitOfWork, event: CloudEvent) -> None:
    """Apply one identity or gradebook event and rebuild the drafts it touches (other types are ignored)."""
    if event.type not in TRANSCRIPT_TYPES:
        return
    students = await _project(uow, parse_payload(event.type, event.data))
    if students:
        await rebuild_drafts(uow, students, now=datetime.now(UTC))
