"""Student-records HTTP API: attendance, conduct, discipline and rewards, exemptions. Thin: command in, handler."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from edu_shared.web.app import CurrentUser
from gradebook.adapters.records_repo import MarkRow
from gradebook.bootstrap import GradebookService
from gradebook.domain.attendance import AbsenceCounts, MarkEntry
from gradebook.domain.conduct import QUALITY_LABELS, ConductEntry, ConductSummary
from gradebook.domain.discipline import DisciplineRecord
from gradebook.domain.exemptions import Exemption
from gradebook.entrypoints.records_schemas import (
    AbsenceCountsRead,
    AttendanceChangeRead,
    AttendanceDayRead,
    AttendanceDayRowRead,
    AttendanceMarkRead,
    AttendanceRecordedRead,
    AttendanceRollRead,
    AttendanceRollUpdate,
    AttendanceTotalsRead,
    ConductChangeRead,
    ConductRatedRead,
    ConductRatingRead,
    ConductRowRead,
    ConductSheetRead,
    ConductUpdate,
    DisciplineCreate,
    DisciplineRead,
    ExemptionCreate,
    ExemptionRead,
    RevocationCreate,
    StudentAttendanceRead,
)
from gradebook.service_layer import records
from gradebook.service_layer.handlers import Caller

router = APIRouter()


def service_of(request: Request) -> GradebookService:
    service: GradebookService = request.app.state.service
    return service


ServiceDep = Annotated[GradebookService, Depends(service_of)]
Semester = Annotated[int, Path(ge=1, le=2, description="Học kì (1 hoặc 2)")]
STUDENT = "/classes/{class_id}/students/{student_id}"


def _caller(service: GradebookService, user: CurrentUser) -> Caller:
    return Caller(user=user, resolver=service.resolver)


def _mark_read(m: MarkRow) -> AttendanceMarkRead:
    return AttendanceMarkRead(
        date=m.on,
        session="sang" if m.session == "sang" else "chieu",
        period=m.period,
        class_id=m.class_id,
        semester=m.semester,
        status=m.status.value,
        status_label=m.status.label,
        note=m.note,
        recorded_by_name=m.recorded_by_name,
        recorded_at=m.recorded_at,
    )


def _day_read(day: records.ClassDay) -> AttendanceDayRead:
    return AttendanceDayRead(
        class_id=day.klass.id,
        class_name=day.klass.name,
        school_year=day.klass.year,
        date=day.on,
        rolls=[
            AttendanceRollRead(
                session="sang" if r.session == "sang" else "chieu",
                period=r.period,
                semester=r.semester,
                taken_by_name=r.taken_by_name,
                taken_at=r.taken_at,
            )
            for r in day.rolls
        ],
        students=[
            AttendanceDayRowRead(student_id=s.student_id, full_name=s.full_name, marks=[_mark_read(m) for m in s.marks])
            for s in day.students
        ],
    )


@router.put("/classes/{class_id}/attendance", tags=["attendance"], summary="Điểm danh một buổi (hoặc một tiết)")
async def put_attendance(
    class_id: str, body: AttendanceRollUpdate, user: CurrentUser, service: ServiceDep
) -> AttendanceRecordedRead:
    """Take or retake the roll: list the absent and late students; students not listed are present."""
    caller = _caller(service, user)
    recorded = await records.record_attendance(
        records.RecordAttendance(
            class_id=class_id,
            on=body.date,
            session=body.session,
            semester=body.semester,
            period=body.period,
            marks=[MarkEntry(student_id=m.student_id, status=m.status, note=m.note) for m in body.marks],
        ),
        service.uow(),
        caller=caller,
    )
    return AttendanceRecordedRead(
        changes=[AttendanceChangeRead(**c.model_dump()) for c in recorded.changes],
        day=_day_read(recorded.day),
    )


@router.get("/classes/{class_id}/attendance", tags=["attendance"], summary="Điểm danh của lớp trong một ngày")
async def get_attendance(
    class_id: str, user: CurrentUser, service: ServiceDep, on: Annotated[date, Query(alias="date")]
) -> AttendanceDayRead:
    """Every student of the class in class-list order with the day's marks, and which rolls were taken."""
    day = await records.class_day(service.uow(), caller=_caller(service, user), class_id=class_id, on=on)
    return _day_read(day)


@router.get(f"{STUDENT}/attendance", tags=["attendance"], summary="Chuyên cần của một học sinh trong năm học")
async def get_student_attendance(
    class_id: str, student_id: str, user: CurrentUser, service: ServiceDep
) -> StudentAttendanceRead:
    """The student's marks of the year and the absence totals per semester and year (the 45-session rule)."""
    found = await records.student_attendance(
        service.uow, caller=_caller(service, user), class_id=class_id, student_id=student_id
    )

    def counts(c: AbsenceCounts) -> AbsenceCountsRead:
        return AbsenceCountsRead(
            excused=c.excused,
            unexcused=c.unexcused,
            total=c.total,
            late=c.late,
            excused_periods=c.excused_periods,
            unexcused_periods=c.unexcused_periods,
        )

    return StudentAttendanceRead(
        student_id=found.student_id,
        full_name=found.full_name,
        school_year=found.school_year,
        marks=[_mark_read(m) for m in found.marks],
        totals=AttendanceTotalsRead(
            semester1=counts(found.totals.semester1),
            semester2=counts(found.totals.semester2),
            year=counts(found.totals.year),
        ),
    )


def _conduct_row(student_id: str, full_name: str, summary: ConductSummary) -> ConductRowRead:
    return ConductRowRead(
        student_id=student_id,
        full_name=full_name,
        semester1=None if summary.semester1 is None else summary.semester1.label,
        semester2=None if summary.semester2 is None else summary.semester2.label,
        year=None if summary.year is None else summary.year.label,
        ratings=[
            ConductRatingRead(
                semester=semester,
                stage=stage,
                training=None if c.training is None else c.training.label,
                qualities={k: QUALITY_LABELS[v] for k, v in c.qualities.items()},
                competences={k: QUALITY_LABELS[v] for k, v in c.competences.items()},
                comment=c.comment,
            )
            for (semester, stage), c in sorted(summary.ratings.items(), key=lambda kv: (kv[0][0], kv[0][1] != "mid"))
        ],
    )


def _sheet_read(sheet: records.ConductSheet) -> ConductSheetRead:
    return ConductSheetRead(
        class_id=sheet.klass.id,
        class_name=sheet.klass.name,
        school_year=sheet.klass.year,
        grade=sheet.klass.grade,
        rule_set=sheet.rule_set,
        students=[_conduct_row(r.student_id, r.full_name, r.summary) for r in sheet.students],
    )


@router.put(
    "/classes/{class_id}/conduct/semesters/{semester}",
    tags=["conduct"],
    summary="Đánh giá rèn luyện (TT22) hoặc phẩm chất, năng lực (TT27) của lớp",
)
async def put_conduct(
    class_id: str, semester: Semester, body: ConductUpdate, user: CurrentUser, service: ServiceDep
) -> ConductRatedRead:
    """The homeroom teacher's ratings for the semester; all entries are checked together, all or nothing."""
    caller = _caller(service, user)
    changes = await records.rate_conduct(
        records.RateConduct(
            class_id=class_id,
            semester=semester,
            stage=body.stage,
            entries=[
                ConductEntry(
                    student_id=e.student_id,
                    training=e.training,
                    qualities=e.qualities,
                    competences=e.competences,
                    comment=e.comment,
                )
                for e in body.entries
            ],
        ),
        service.uow(),
        caller=caller,
    )
    sheet = await records.conduct_sheet(service.uow(), caller=caller, class_id=class_id)
    return ConductRatedRead(
        changes=[ConductChangeRead(**c.model_dump()) for c in changes],
        sheet=_sheet_read(sheet),
    )


@router.get("/classes/{class_id}/conduct", tags=["conduct"], summary="Kết quả rèn luyện của lớp")
async def get_conduct(class_id: str, user: CurrentUser, service: ServiceDep) -> ConductSheetRead:
    """Per student: semester and year training results (TT22), or the TT27 qualities and competences."""
    sheet = await records.conduct_sheet(service.uow(), caller=_caller(service, user), class_id=class_id)
    return _sheet_read(sheet)


def _discipline_read(r: DisciplineRecord) -> DisciplineRead:
    return DisciplineRead(
        id=r.id,
        school_id=r.school_id,
        class_id=r.class_id,
        school_year=r.school_year,
        student_id=r.student_id,
        kind=r.kind,
        level=r.level,
        level_label=r.level_label,
        date=r.on,
        decision_number=r.decision_number,
        content=r.content,
        status=r.status,
        recorded_by_name=r.recorded_by_name,
        recorded_at=r.recorded_at,
        revoked_by_name=r.revoked_by_name,
        revoked_at=r.revoked_at,
        revoke_reason=r.revoke_reason,
    )


@router.post(
    "/classes/{class_id}/discipline", tags=["discipline"], status_code=201, summary="Ghi nhận khen thưởng, kỉ luật"
)
async def post_discipline(
    class_id: str, body: DisciplineCreate, user: CurrentUser, service: ServiceDep
) -> DisciplineRead:
    """Record a reward or discipline decision about a student of the class."""
    record = await records.record_discipline(
        records.RecordDiscipline(
            class_id=class_id,
            student_id=body.student_id,
            kind=body.kind,
            level=body.level,
            on=body.date,
            content=body.content,
            decision_number=body.decision_number,
        ),
        service.uow(),
        caller=_caller(service, user),
    )
    return _discipline_read(record)


@router.get("/classes/{class_id}/discipline", tags=["discipline"], summary="Khen thưởng, kỉ luật của lớp")
async def get_class_discipline(class_id: str, user: CurrentUser, service: ServiceDep) -> list[DisciplineRead]:
    """Every record filed under the class (revoked ones too, marked), oldest first."""
    found = await records.class_discipline(service.uow(), caller=_caller(service, user), class_id=class_id)
    return [_discipline_read(r) for r in found]


@router.get(f"{STUDENT}/discipline", tags=["discipline"], summary="Khen thưởng, kỉ luật của một học sinh")
async def get_student_discipline(
    class_id: str, student_id: str, user: CurrentUser, service: ServiceDep
) -> list[DisciplineRead]:
    """The student's records in every class (revoked ones too, marked), oldest first."""
    found = await records.student_discipline(
        service.uow, caller=_caller(service, user), class_id=class_id, student_id=student_id
    )
    return [_discipline_read(r) for r in found]


@router.post("/discipline/{record_id}/revoke", tags=["discipline"], summary="Hủy bỏ quyết định khen thưởng, kỉ luật")
async def revoke_discipline(
    record_id: str, body: RevocationCreate, user: CurrentUser, service: ServiceDep
) -> DisciplineRead:
    """The record stays, marked revoked with who, when and why."""
    revoked = await records.revoke_discipline(record_id, service.uow, caller=_caller(service, user), reason=body.reason)
    return _discipline_read(revoked)


def _exemption_read(x: Exemption) -> ExemptionRead:
    return ExemptionRead(
        id=x.id,
        school_id=x.school_id,
        class_id=x.class_id,
        school_year=x.school_year,
        student_id=x.student_id,
        subject_code=x.subject_code,
        semester=x.semester,
        reason=x.reason,
        decision_ref=x.decision_ref,
        status=x.status,
        granted_by_name=x.granted_by_name,
        granted_at=x.granted_at,
        revoked_by_name=x.revoked_by_name,
        revoked_at=x.revoked_at,
        revoke_reason=x.revoke_reason,
    )


@router.post("/classes/{class_id}/exemptions", tags=["exemptions"], status_code=201, summary="Miễn học môn")
async def post_exemption(class_id: str, body: ExemptionCreate, user: CurrentUser, service: ServiceDep) -> ExemptionRead:
    """Exempt a student from a subject for a semester or the year (principal or school admin board)."""
    exemption = await records.grant_exemption(
        records.GrantExemption(
            class_id=class_id,
            student_id=body.student_id,
            subject_code=body.subject_code,
            semester=body.semester,
            reason=body.reason,
            decision_ref=body.decision_ref,
        ),
        service.uow,
        caller=_caller(service, user),
    )
    return _exemption_read(exemption)


@router.get("/classes/{class_id}/exemptions", tags=["exemptions"], summary="Danh sách miễn học của lớp")
async def get_exemptions(class_id: str, user: CurrentUser, service: ServiceDep) -> list[ExemptionRead]:
    """The class's exemptions (revoked ones too, marked), in the order they were granted."""
    found = await records.class_exemptions(service.uow(), caller=_caller(service, user), class_id=class_id)
    return [_exemption_read(x) for x in found]


@router.post("/exemptions/{exemption_id}/revoke", tags=["exemptions"], summary="Hủy bỏ miễn học")
async def revoke_exemption(
    exemption_id: str, body: RevocationCreate, user: CurrentUser, service: ServiceDep
) -> ExemptionRead:
    """The subject counts again; the exemption stays on record, marked revoked."""
    revoked = await records.revoke_exemption(
        exemption_id, service.uow, caller=_caller(service, user), reason=body.reason
    )
    return _exemption_read(revoked)
