"""Consumer of identity and gradebook events: keeps reporting's read models and aggregates (its own tables only).

One handler for both topics, idempotent through the inbox (group `reporting.projections`); the bus hands it runs
of events (`handle_batch`), applied in one transaction whose aggregate deltas are summed and written at commit.
Gradebook events name a class: its school, year and grade come from the class projected from identity. The two
topics are ordered only within themselves, so a consumer starting from scratch may read a class's scores before
identity's `ClassOpened`: such events are parked and applied, in order, when the class is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from edu_shared.contracts.gradebook import GradebookLocked, GradebookUnlocked, ScoresRecorded
from edu_shared.contracts.gradebook_records import AttendanceRecorded
from edu_shared.contracts.gradebook_results import ClassResultsApproved, StudentResult
from edu_shared.contracts.identity import SchoolRegistered
from edu_shared.contracts.identity_people import (
    ClassOpened,
    ClassSubjectsSet,
    StaffProfileChanged,
    StaffRegistered,
    StudentDroppedOut,
    StudentEnrolled,
    StudentGraduated,
    StudentProfileChanged,
    StudentRegistered,
    StudentSnapshot,
    StudentTransferred,
)
from edu_shared.db.uow import IdempotentHandler
from edu_shared.errors import DomainError
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import EventPayload, parse_payload
from reporting.adapters import orm
from reporting.adapters.counters import upsert, upsert_many
from reporting.domain.marks import Mark, column_kind, parse_mark, school_year_of, semester_of
from reporting.service_layer.uow import ReportingUnitOfWork

PROJECTED: tuple[type[EventPayload], ...] = (
    SchoolRegistered,
    ClassOpened,
    ClassSubjectsSet,
    StaffRegistered,
    StaffProfileChanged,
    StudentRegistered,
    StudentProfileChanged,
    StudentEnrolled,
    StudentTransferred,
    StudentDroppedOut,
    StudentGraduated,
    ScoresRecorded,
    ClassResultsApproved,
    AttendanceRecorded,
    GradebookLocked,
    GradebookUnlocked,
)
PROJECTED_TYPES = frozenset(t.event_meta().type for t in PROJECTED)


CLASS_EVENTS = (ScoresRecorded, ClassResultsApproved, AttendanceRecorded)


class ProjectionNotReady(DomainError):
    """An event refers to something identity has not told this service about yet; the bus retries it."""

    slug = "projection-not-ready"
    status = 409


async def apply_event(uow: ReportingUnitOfWork, event: CloudEvent) -> None:
    """Apply one identity or gradebook event to the projections (other event types only count as progress)."""
    uow.note_applied(event)
    if event.type not in PROJECTED_TYPES:
        return
    payload = parse_payload(event.type, event.data)
    if isinstance(payload, CLASS_EVENTS) and not await _class_known(uow, payload.class_id):
        # Identity has not announced the class yet (a fresh consumer reads both topics at once): keep the event
        # until it does; its inbox row is written now, the parking is its effect.
        await uow.session.execute(
            sa.insert(orm.parked).values(class_id=payload.class_id, envelope=event.model_dump_json())
        )
        return
    await _apply(uow, payload, event.time)
    if isinstance(payload, ClassOpened):
        await _unpark(uow, payload.class_id)


async def _class_known(uow: ReportingUnitOfWork, class_id: str) -> bool:
    try:
        await class_info(uow, class_id)
    except ProjectionNotReady:
        return False
    return True


async def _unpark(uow: ReportingUnitOfWork, class_id: str) -> None:
    """Apply, in arrival order, the events that waited for this class."""
    t = orm.parked
    rows = list(await uow.session.execute(sa.select(t).where(t.c.class_id == class_id).order_by(t.c.seq)))
    if not rows:
        return
    await uow.session.execute(sa.delete(t).where(t.c.class_id == class_id))
    for row in rows:
        event = CloudEvent.model_validate_json(row.envelope)
        await _apply(uow, parse_payload(event.type, event.data), event.time)


async def _apply(uow: ReportingUnitOfWork, payload: EventPayload, at: datetime) -> None:
    if isinstance(payload, SchoolRegistered):
        await upsert(
            uow.session,
            orm.schools,
            {
                "id": payload.school_id,
                "org_unit_id": payload.org_unit_id,
                "moet_code": payload.moet_code,
                "name": payload.name,
                "levels": ",".join(level.value for level in payload.levels),
                "updated_at": at,
            },
        )
    elif isinstance(payload, ClassOpened):
        await _class_opened(uow, payload, at)
    elif isinstance(payload, ClassSubjectsSet):
        t = orm.class_subjects
        await uow.session.execute(sa.delete(t).where(t.c.class_id == payload.class_id))
        if payload.subjects:
            await uow.session.execute(
                sa.insert(t),
                [
                    {
                        "class_id": payload.class_id,
                        "subject_code": s.code,
                        "name": s.name,
                        "periods_per_year": s.periods_per_year,
                        "assessment": s.assessment,
                    }
                    for s in payload.subjects
                ],
            )
    elif isinstance(payload, StaffRegistered | StaffProfileChanged):
        await upsert(
            uow.session,
            orm.staff,
            {
                "id": payload.staff_id,
                "school_id": payload.school_id,
                "title": payload.title,
                "subject_group": payload.subject_group or "",
                "status": payload.status,
                "updated_at": at,
            },
        )
    elif isinstance(payload, StudentRegistered | StudentProfileChanged):
        await _student(uow, payload.student_id, payload.school_id, payload.student, at)
    elif isinstance(payload, StudentEnrolled):
        await _place(uow, payload.student_id, payload.class_id, at)
    elif isinstance(payload, StudentTransferred):
        await _student(uow, payload.student_id, payload.to_school_id, payload.student, at)
        await _place(uow, payload.student_id, payload.to_class_id, at)
    elif isinstance(payload, StudentDroppedOut):
        await _dropped_out(uow, payload, at)
    elif isinstance(payload, StudentGraduated):
        await _graduated(uow, payload, at)
    elif isinstance(payload, ScoresRecorded):
        await _scores(uow, payload)
    elif isinstance(payload, ClassResultsApproved):
        await _results(uow, payload, at)
    elif isinstance(payload, AttendanceRecorded):
        for change in payload.changes:
            for status, n in ((change.old_status, -1), (change.new_status, 1)):
                if status != "present":
                    uow.counters.add(
                        orm.attendance_counts,
                        n,
                        school_year=payload.school_year,
                        semester=payload.semester,
                        school_id=payload.school_id,
                        class_id=payload.class_id,
                        status=status,
                    )
    elif isinstance(payload, GradebookLocked):
        await upsert(
            uow.session,
            orm.locks,
            {
                "id": payload.lock_id,
                "school_id": payload.school_id,
                "scope": payload.scope,
                "class_id": payload.class_id,
                "subject_code": payload.subject_code,
                "semester": payload.semester,
                "kind": payload.kind,
                "locked_at": payload.locked_at,
                "lifted_at": None,
            },
        )
    elif isinstance(payload, GradebookUnlocked):
        t = orm.locks
        await uow.session.execute(sa.update(t).where(t.c.id == payload.lock_id).values(lifted_at=payload.unlocked_at))


# --- classes and students ------------------------------------------------------------------------------------


async def _class_opened(uow: ReportingUnitOfWork, payload: ClassOpened, at: datetime) -> None:
    await upsert(
        uow.session,
        orm.classes,
        {
            "id": payload.class_id,
            "school_id": payload.school_id,
            "school_year_id": payload.school_year_id,
            "school_year": payload.school_year,
            "grade": payload.grade,
            "level": payload.level.value,
            "name": payload.name,
            "updated_at": at,
        },
    )
    uow.cache.pop(("class", payload.class_id), None)


# The run of events being applied (set by `ProjectionHandler.handle_batch`): the first lookup of a student or a
# class fetches every one the run names in one query, instead of one query per event.
_RUN: ContextVar[Sequence[CloudEvent]] = ContextVar("reporting_run", default=())


class ProjectionHandler(IdempotentHandler[ReportingUnitOfWork]):
    """The inbox-guarded handler, telling the projections which run of events they are applying."""

    async def handle_batch(self, events: Sequence[CloudEvent], *, topic: str) -> None:
        token = _RUN.set(events)
        try:
            await super().handle_batch(events, topic=topic)
        finally:
            _RUN.reset(token)


def _named_in_run(field: str, first: str) -> list[str]:
    ids = {first}
    for event in _RUN.get():
        value = event.data.get(field)
        if isinstance(value, str):
            ids.add(value)
    return sorted(ids)


async def class_info(uow: ReportingUnitOfWork, class_id: str) -> Any:
    """The projected class (school, year, grade, level); cached for the rest of the transaction."""
    key = ("class", class_id)
    if key not in uow.cache:
        t = orm.classes
        wanted = [c for c in _named_in_run("class_id", class_id) if ("class", c) not in uow.cache]
        for start in range(0, len(wanted), 1000):
            rows = await uow.session.execute(
                sa.select(t.c.id, t.c.school_id, t.c.school_year, t.c.grade, t.c.level).where(
                    t.c.id.in_(wanted[start : start + 1000])
                )
            )
            for row in rows:
                uow.cache[("class", row.id)] = row
    found = uow.cache.get(key)
    if found is None:
        raise ProjectionNotReady(f"Lớp {class_id} chưa có trong dữ liệu báo cáo.", class_id=class_id)
    return found


async def _student_row(uow: ReportingUnitOfWork, student_id: str) -> SimpleNamespace | None:
    """The student as projected so far (this transaction's changes included), None if unknown."""
    key = ("student", student_id)
    if key not in uow.cache:
        t = orm.students
        wanted = [s for s in _named_in_run("student_id", student_id) if ("student", s) not in uow.cache]
        for s in wanted:
            uow.cache[("student", s)] = None
        for start in range(0, len(wanted), 1000):
            for row in await uow.session.execute(sa.select(t).where(t.c.id.in_(wanted[start : start + 1000]))):
                uow.cache[("student", row.id)] = SimpleNamespace(**row._mapping)
    found: SimpleNamespace | None = uow.cache[key]
    return found


def _save_student(uow: ReportingUnitOfWork, row: SimpleNamespace) -> None:
    """Keep the new state for the rest of the run; written in one statement with the transaction."""
    uow.cache[("student", row.id)] = row
    uow.stage(orm.students, vars(row))


def _count_student(uow: ReportingUnitOfWork, cls: Any, *, sex: str, ethnicity: str, n: int) -> None:
    uow.counters.add(
        orm.enrolment_counts,
        n,
        school_id=cls.school_id,
        school_year=cls.school_year,
        level=cls.level,
        grade=cls.grade,
        sex=sex,
        ethnicity=ethnicity,
    )
    uow.counters.add(orm.class_sizes, n, class_id=cls.id)


async def _student(uow: ReportingUnitOfWork, student_id: str, school_id: str, s: StudentSnapshot, at: datetime) -> None:
    ethnicity = s.ethnicity or ""
    row = await _student_row(uow, student_id)
    if row is None:
        _save_student(
            uow,
            SimpleNamespace(
                id=student_id,
                school_id=school_id,
                sex=s.sex,
                ethnicity=ethnicity,
                status=s.status,
                class_id=None,
                updated_at=at,
            ),
        )
        return
    if row.class_id is not None and row.status == "active" and (row.sex, row.ethnicity) != (s.sex, ethnicity):
        cls = await class_info(uow, row.class_id)
        _count_student(uow, cls, sex=row.sex, ethnicity=row.ethnicity, n=-1)
        _count_student(uow, cls, sex=s.sex, ethnicity=ethnicity, n=1)
    row.school_id, row.sex, row.ethnicity, row.updated_at = school_id, s.sex, ethnicity, at
    _save_student(uow, row)


async def _place(uow: ReportingUnitOfWork, student_id: str, class_id: str, at: datetime) -> None:
    """Count the student in `class_id`; a change of class within the same year moves them out of the old one."""
    row = await _student_row(uow, student_id)
    if row is None:
        raise ProjectionNotReady(f"Học sinh {student_id} chưa có trong dữ liệu báo cáo.", student_id=student_id)
    if row.class_id == class_id and row.status == "active":
        return
    new = await class_info(uow, class_id)
    if row.class_id is not None and row.status == "active":
        old = await class_info(uow, row.class_id)
        # Last year's figures keep the student; only a move within the same year takes them out.
        if old.school_year == new.school_year:
            _count_student(uow, old, sex=row.sex, ethnicity=row.ethnicity, n=-1)
    _count_student(uow, new, sex=row.sex, ethnicity=row.ethnicity, n=1)
    row.class_id, row.school_id, row.status, row.updated_at = class_id, new.school_id, "active", at
    _save_student(uow, row)


async def _dropped_out(uow: ReportingUnitOfWork, payload: StudentDroppedOut, at: datetime) -> None:
    row = await _student_row(uow, payload.student_id)
    if row is None:
        raise ProjectionNotReady(
            f"Học sinh {payload.student_id} chưa có trong dữ liệu báo cáo.", student_id=payload.student_id
        )
    class_id = payload.class_id or row.class_id
    cls = await class_info(uow, class_id) if class_id is not None else None
    if row.class_id is not None and row.status == "active":
        _count_student(uow, await class_info(uow, row.class_id), sex=row.sex, ethnicity=row.ethnicity, n=-1)
    await upsert(
        uow.session,
        orm.dropouts,
        {
            "student_id": payload.student_id,
            "left_on": payload.left_on,
            "school_id": payload.school_id,
            "school_year": cls.school_year if cls is not None else school_year_of(payload.left_on),
            "level": cls.level if cls is not None else "",
            "grade": cls.grade if cls is not None else 0,
            "sex": row.sex,
            "semester": semester_of(payload.left_on),
            "reason": payload.reason[:255],
        },
    )
    row.status, row.updated_at = "dropped_out", at
    _save_student(uow, row)


async def _graduated(uow: ReportingUnitOfWork, payload: StudentGraduated, at: datetime) -> None:
    row = await _student_row(uow, payload.student_id)
    cls = await class_info(uow, payload.class_id)
    await upsert(
        uow.session,
        orm.graduations,
        {
            "student_id": payload.student_id,
            "school_year": cls.school_year,
            "school_id": payload.school_id,
            "level": payload.level.value,
            "grade": payload.grade,
            "sex": row.sex if row is not None else "",
        },
    )
    if row is not None:
        row.status, row.updated_at = "graduated", at
        _save_student(uow, row)


# --- gradebook ---------------------------------------------------------------------------------------------


async def _dialect(uow: ReportingUnitOfWork) -> str:
    key = ("dialect", "")
    if key not in uow.cache:
        uow.cache[key] = (await uow.session.connection()).dialect.name
    name: str = uow.cache[key]
    return name


def _count_cell(uow: ReportingUnitOfWork, cls: Any, p: ScoresRecorded, column: str, mark: Mark, n: int) -> None:
    kind = column_kind(column)
    bucket = mark.bucket
    common = {"school_year": cls.school_year, "subject_code": p.subject_code, "semester": p.semester}
    uow.counters.add(orm.score_hist, n, **common, school_id=cls.school_id, grade=cls.grade, kind=kind, bucket=bucket)
    uow.counters.add(orm.score_hist_province, n, **common, grade=cls.grade, kind=kind, bucket=bucket)
    uow.counters.add(orm.entry_counts, n, class_id=cls.id, subject_code=p.subject_code, semester=p.semester)


async def _scores(uow: ReportingUnitOfWork, p: ScoresRecorded) -> None:
    """Move each changed cell from its stored bucket to its new one; store the cell (the raw row)."""
    cls = await class_info(uow, p.class_id)
    t = orm.score_cells
    sheet = (t.c.class_id == p.class_id, t.c.subject_code == p.subject_code, t.c.semester == p.semester)
    students = sorted({c.student_id for c in p.changes})
    stored: dict[tuple[str, str], Mark] = {}
    for start in range(0, len(students), 1000):
        rows = await uow.session.execute(
            sa.select(t.c.student_id, t.c.column, t.c.value, t.c.rating).where(
                *sheet, t.c.student_id.in_(students[start : start + 1000])
            )
        )
        for r in rows:
            stored[(r.student_id, r.column)] = Mark(value=r.value, rating=r.rating)
    final: dict[tuple[str, str], Mark | None] = {}
    for change in p.changes:
        key = (change.student_id, change.column)
        old = final[key] if key in final else stored.get(key)
        new = parse_mark(change.new)
        if old == new:
            continue
        if old is not None:
            _count_cell(uow, cls, p, change.column, old, -1)
        if new is not None:
            _count_cell(uow, cls, p, change.column, new, 1)
        final[key] = new
    writes = [
        {
            "class_id": p.class_id,
            "subject_code": p.subject_code,
            "semester": p.semester,
            "student_id": student,
            "column": column,
            "value": mark.value,
            "rating": mark.rating,
        }
        for (student, column), mark in final.items()
        if mark is not None
    ]
    await upsert_many(uow.session, t, writes, dialect=await _dialect(uow))
    for (student, column), mark in final.items():
        if mark is None:
            await uow.session.execute(sa.delete(t).where(*sheet, t.c.student_id == student, t.c.column == column))


def _result_values(s: StudentResult, period: str) -> dict[str, str | None]:
    key = "year" if period == "retest" else period
    return {
        "learning": s.learning.get(key),
        "training": s.training.get(key),
        "result": (s.result or {}).get(key),
        "outcome": s.outcome,
        "award": s.award,
    }


def _subject_marks(s: StudentResult, period: str) -> dict[str, str]:
    key = "year" if period == "retest" else period
    marks: dict[str, str] = {}
    for subject in s.subjects:
        raw = getattr(subject, key, None)
        mark = parse_mark(raw)
        if mark is not None:
            marks[subject.code] = str(mark.value) if mark.value is not None else str(mark.rating)
    return marks


def _count_result(
    uow: ReportingUnitOfWork, cls: Any, period: str, values: dict[str, Any], marks: dict[str, str], n: int
) -> None:
    for dimension in ("learning", "training", "result", "outcome", "award"):
        value = values.get(dimension)
        if value is None and dimension != "award":
            continue
        uow.counters.add(
            orm.quality_counts,
            n,
            school_year=cls.school_year,
            period=period,
            school_id=cls.school_id,
            level=cls.level,
            grade=cls.grade,
            dimension=dimension,
            value=value or "",
        )
    for subject, raw in marks.items():
        mark = parse_mark(raw)
        if mark is None:
            continue
        uow.counters.add(
            orm.subject_result_counts,
            n,
            school_year=cls.school_year,
            period=period,
            subject_code=subject,
            school_id=cls.school_id,
            grade=cls.grade,
            bucket=mark.bucket,
        )


async def _results(uow: ReportingUnitOfWork, p: ClassResultsApproved, at: datetime) -> None:
    """A re-approval replaces the class's earlier results for the period: take the old ones out, count the new."""
    cls = await class_info(uow, p.class_id)
    t = orm.results
    earlier = {
        r.student_id: r
        for r in await uow.session.execute(sa.select(t).where(t.c.class_id == p.class_id, t.c.period == p.period))
    }
    rows = []
    for s in p.students:
        before = earlier.get(s.student_id)
        if before is not None:
            old_values = {d: getattr(before, d) for d in ("learning", "training", "result", "outcome", "award")}
            _count_result(uow, cls, p.period, old_values, dict(before.subjects), -1)
        values = _result_values(s, p.period)
        marks = _subject_marks(s, p.period)
        _count_result(uow, cls, p.period, values, marks, 1)
        rows.append(
            {
                "student_id": s.student_id,
                "class_id": p.class_id,
                "period": p.period,
                "school_id": p.school_id,
                "school_year": p.school_year,
                **values,
                "absent_sessions": s.absent_sessions,
                "subjects": marks,
                "updated_at": at,
            }
        )
    await upsert_many(uow.session, t, rows, dialect=await _dialect(uow))
