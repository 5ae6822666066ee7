"""Gradebook HTTP API: score sheets (entry, reading, history), locks and corrections. Thin: command in, handler."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Path, Query, Request, Response

from edu_shared.web.app import CurrentUser
from edu_shared.web.directory_api import directory_router
from gradebook.bootstrap import GradebookService
from gradebook.domain.corrections import Correction, CorrectionStatus, EvidenceFile, check_evidence_size
from gradebook.domain.locks import Lock, Upcoming
from gradebook.domain.results import SubjectYear
from gradebook.domain.rules import tt22
from gradebook.domain.rules.tt22 import LearningResult
from gradebook.domain.sheet import Entry, format_value
from gradebook.entrypoints.schemas import (
    ClassResultsRead,
    CorrectionCreate,
    CorrectionDecision,
    CorrectionRead,
    EvidenceFileRead,
    InspectionWindowCreate,
    InspectionWindowRead,
    LearningRead,
    LockCreate,
    LockRead,
    ScheduledLockRead,
    ScoreChangeRead,
    ScoreHistoryRead,
    ScoreSheetRead,
    ScoresRecordedRead,
    ScoresUpdate,
    SheetColumnRead,
    SheetRowRead,
    StudentResultsRead,
    StudentScoresRead,
    SubjectYearRead,
)
from gradebook.service_layer import evidence, family, handlers, locking
from gradebook.service_layer.handlers import Caller, RecordScores, RequestCorrection, Sheet
from gradebook.service_layer.locking import InspectionWindow, OpenInspectionWindow, SetLock

router = directory_router()


async def service_of(request: Request) -> GradebookService:
    service: GradebookService = request.app.state.service
    return service


ServiceDep = Annotated[GradebookService, Depends(service_of)]
Semester = Annotated[int, Path(ge=1, le=2, description="Học kì (1 hoặc 2)")]
SHEET = "/classes/{class_id}/subjects/{subject_code}/semesters/{semester}"
_EVIDENCE_TYPES = ("application/pdf", "image/jpeg", "image/png")


def _caller(service: GradebookService, user: CurrentUser) -> Caller:
    return Caller(user=user, resolver=service.resolver)


def _lock_read(lock: Lock) -> LockRead:
    return LockRead(
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
        reason=lock.reason,
        relock_of=lock.relock_of,
    )


def _scheduled_read(u: Upcoming) -> ScheduledLockRead:
    return ScheduledLockRead(**_lock_read(u.lock).model_dump(), columns=u.columns)


def _sheet_read(sheet: Sheet) -> ScoreSheetRead:
    return ScoreSheetRead(
        school_id=sheet.school_id,
        class_id=sheet.class_id,
        class_name=sheet.class_name,
        school_year=sheet.school_year,
        subject_code=sheet.subject.code,
        subject_name=sheet.subject.name,
        assessment=sheet.subject.assessment,
        periods_per_year=sheet.subject.periods_per_year,
        semester=sheet.semester,
        columns=sheet.columns,
        rule_set=sheet.layout.rule_set if sheet.layout else tt22.RULE_SET,
        column_specs=[
            SheetColumnRead(code=c.code, label=c.label, accepts=c.accepts)
            for c in (sheet.layout.specs if sheet.layout else ())
        ],
        locked_columns={c: _lock_read(lk) for c, lk in sheet.locked_columns.items()},
        scheduled_locks=[_scheduled_read(u) for u in sheet.scheduled_locks],
        version=sheet.version,
        students=[
            SheetRowRead(
                student_id=r.student_id,
                full_name=r.full_name,
                values={c: format_value(r.values.get(c)) for c in sheet.columns},
                average=r.result.average,
                rating=r.result.rating.value if r.result.rating is not None else None,
                level=r.result.level.value if r.result.level is not None else None,
                test_score=r.result.test,
            )
            for r in sheet.rows
        ],
    )


@router.put(f"{SHEET}/scores", tags=["scores"], summary="Nhập điểm (theo lô, tất cả hoặc không gì cả)")
async def put_scores(
    class_id: str, subject_code: str, semester: Semester, body: ScoresUpdate, user: CurrentUser, service: ServiceDep
) -> ScoresRecordedRead:
    """Record a batch of entries; any bad entry rejects the whole batch (422), a locked cell gives 409."""
    caller = _caller(service, user)
    changes = await handlers.record_scores(
        RecordScores(
            class_id=class_id,
            subject_code=subject_code,
            semester=semester,
            entries=[Entry(student_id=e.student_id, column=e.column, value=e.value) for e in body.entries],
            expected_version=body.expected_version,
        ),
        service.uow(),
        caller=caller,
    )
    sheet = await handlers.score_sheet(
        service.uow(), caller=caller, class_id=class_id, subject_code=subject_code, semester=semester
    )
    return ScoresRecordedRead(
        changes=[ScoreChangeRead(student_id=c.student_id, column=c.column, old=c.old, new=c.new) for c in changes],
        sheet=_sheet_read(sheet),
    )


@router.get(f"{SHEET}/scores", tags=["scores"], summary="Sổ điểm của lớp, môn, học kì")
async def get_scores(
    class_id: str, subject_code: str, semester: Semester, user: CurrentUser, service: ServiceDep
) -> ScoreSheetRead:
    """The sheet in class-list order with each student's ĐTBmhk (or Đ/CĐ), null while incomplete."""
    sheet = await handlers.score_sheet(
        service.uow(), caller=_caller(service, user), class_id=class_id, subject_code=subject_code, semester=semester
    )
    return _sheet_read(sheet)


@router.get(f"{SHEET}/history", tags=["scores"], summary="Lưu vết thay đổi điểm")
async def get_score_history(
    class_id: str, subject_code: str, semester: Semester, user: CurrentUser, service: ServiceDep
) -> list[ScoreHistoryRead]:
    """Every change of the sheet's cells (who, when, old and new value, entry or correction), oldest first."""
    rows = await handlers.sheet_history(
        service.uow(), caller=_caller(service, user), class_id=class_id, subject_code=subject_code, semester=semester
    )
    return [
        ScoreHistoryRead(
            student_id=r.student_id,
            column=r.column,
            old_value=r.old_value,
            new_value=r.new_value,
            source=r.source,
            changed_by=r.changed_by,
            changed_by_name=r.changed_by_name,
            changed_at=r.changed_at,
            approved_by=r.approved_by,
            correction_id=r.correction_id,
        )
        for r in rows
    ]


@router.post("/locks", tags=["locks"], status_code=201, summary="Khóa sổ điểm (ngay hoặc hẹn giờ)")
async def post_lock(body: LockCreate, user: CurrentUser, service: ServiceDep) -> LockRead:
    """Lock a column, a class's subject, a class or the whole school, now or from `starts_at` until `ends_at`."""
    lock = await locking.set_lock(
        SetLock(
            scope=body.scope,
            school_id=body.school_id,
            class_id=body.class_id,
            subject_code=body.subject_code,
            semester=body.semester,
            column=body.column,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
        ),
        service.uow,
        caller=_caller(service, user),
    )
    return _lock_read(lock)


@router.get("/locks", tags=["locks"], summary="Các khóa đang có hiệu lực hoặc đã hẹn giờ của trường")
async def get_locks(
    user: CurrentUser, service: ServiceDep, school_id: Annotated[str, Query(min_length=1)]
) -> list[LockRead]:
    """The school's locks in force or scheduled, inspection windows included (who set them, why, until when)."""
    locks = await locking.school_locks(service.uow(), caller=_caller(service, user), school_id=school_id)
    return [_lock_read(lk) for lk in locks]


@router.delete("/locks/{lock_id}", tags=["locks"], summary="Mở khóa sổ điểm")
async def delete_lock(
    lock_id: str,
    user: CurrentUser,
    service: ServiceDep,
    relock_after_save: Annotated[
        bool, Query(description="Mở tạm cho một lần sửa: lần lưu đầu tiên vào phần bị khóa sẽ khóa lại ngay")
    ] = False,
) -> LockRead:
    """Lift a lock (it stays on record with who lifted it and when), or open it for one fix only."""
    lock, at, by = await locking.lift_lock(
        lock_id, service.uow, caller=_caller(service, user), relock_after_save=relock_after_save
    )
    return _lock_read(lock).model_copy(
        update={"unlocked_at": at, "unlocked_by": by, "relock_after_save": relock_after_save}
    )


def _window_read(w: InspectionWindow) -> InspectionWindowRead:
    return InspectionWindowRead(**asdict(w))


@router.post(
    "/inspection-windows", tags=["locks"], status_code=201, summary="Mở đợt kiểm tra (khóa sổ các trường trong đơn vị)"
)
async def post_inspection_window(
    body: InspectionWindowCreate, user: CurrentUser, service: ServiceDep
) -> InspectionWindowRead:
    """Sở or unit admins make every gradebook of the schools under an org unit read-only for the window."""
    window = await locking.open_inspection_window(
        OpenInspectionWindow(
            org_unit_id=body.org_unit_id, starts_at=body.starts_at, ends_at=body.ends_at, reason=body.reason
        ),
        service.uow,
        caller=_caller(service, user),
    )
    return _window_read(window)


@router.delete("/inspection-windows/{window_id}", tags=["locks"], summary="Kết thúc sớm đợt kiểm tra")
async def delete_inspection_window(window_id: str, user: CurrentUser, service: ServiceDep) -> InspectionWindowRead:
    """End the window for every school it covers (GRADEBOOK_INSPECT over its org unit; a principal cannot)."""
    window = await locking.close_inspection_window(window_id, service.uow, caller=_caller(service, user))
    return _window_read(window)


def _correction_read(c: Correction) -> CorrectionRead:
    return CorrectionRead(**{**asdict(c), "witnesses": list(c.witnesses)})


@router.post("/corrections", tags=["corrections"], status_code=201, summary="Gửi yêu cầu sửa điểm sau khóa sổ")
async def post_correction(body: CorrectionCreate, user: CurrentUser, service: ServiceDep) -> CorrectionRead:
    """The subject teacher asks to change a locked cell; nothing changes until the principal approves."""
    correction = await handlers.request_correction(
        RequestCorrection(
            class_id=body.class_id,
            subject_code=body.subject_code,
            semester=body.semester,
            student_id=body.student_id,
            column=body.column,
            value=body.value,
            reason=body.reason,
            evidence=body.evidence,
            witnesses=tuple(body.witnesses),
        ),
        service.uow,
        caller=_caller(service, user),
    )
    return _correction_read(correction)


@router.get("/corrections", tags=["corrections"], summary="Danh sách yêu cầu sửa điểm của trường")
async def get_corrections(
    user: CurrentUser,
    service: ServiceDep,
    school_id: Annotated[str, Query(min_length=1)],
    status: CorrectionStatus | None = None,
) -> list[CorrectionRead]:
    """A school's correction requests, oldest first; `status=pending` is the principal's queue."""
    found = await handlers.list_corrections(
        service.uow(), caller=_caller(service, user), school_id=school_id, status=status
    )
    return [_correction_read(c) for c in found]


@router.post("/corrections/{correction_id}/approve", tags=["corrections"], summary="Phê duyệt sửa điểm")
async def approve_correction(
    correction_id: str, body: CorrectionDecision, user: CurrentUser, service: ServiceDep
) -> CorrectionRead:
    """Apply the requested change (even though the cell is locked), recording the approver in the history."""
    decided = await handlers.decide_correction(
        correction_id, service.uow, approve=True, note=body.note, caller=_caller(service, user)
    )
    return _correction_read(decided)


@router.post("/corrections/{correction_id}/reject", tags=["corrections"], summary="Từ chối sửa điểm")
async def reject_correction(
    correction_id: str, body: CorrectionDecision, user: CurrentUser, service: ServiceDep
) -> CorrectionRead:
    """Refuse the request; the cell keeps its value and the request stays on record."""
    decided = await handlers.decide_correction(
        correction_id, service.uow, approve=False, note=body.note, caller=_caller(service, user)
    )
    return _correction_read(decided)


def _evidence_read(f: EvidenceFile) -> EvidenceFileRead:
    return EvidenceFileRead(
        correction_id=f.correction_id,
        n=f.n,
        sha256=f.sha256,
        content_type=f.content_type,
        size=f.size,
        filename=f.filename,
        uploaded_by=f.uploaded_by,
        uploaded_at=f.uploaded_at,
    )


async def _body_within_limit(request: Request) -> bytes:
    """The raw body, refused as soon as it passes the evidence size limit (never buffered beyond it)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        check_evidence_size(size)
        chunks.append(chunk)
    return b"".join(chunks)


_EVIDENCE_BODY = {
    "requestBody": {
        "required": True,
        "description": "Nội dung tệp (bản quét PDF hoặc ảnh JPEG/PNG, tối đa 10 MB); định dạng đọc từ nội dung tệp.",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _EVIDENCE_TYPES},
    }
}


@router.post(
    "/corrections/{correction_id}/evidence",
    tags=["corrections"],
    status_code=201,
    summary="Tải lên minh chứng cho yêu cầu sửa điểm",
    openapi_extra=_EVIDENCE_BODY,
)
async def post_evidence(
    correction_id: str,
    request: Request,
    user: CurrentUser,
    service: ServiceDep,
    filename: Annotated[str | None, Query(max_length=255, description="Tên tệp hiển thị")] = None,
) -> EvidenceFileRead:
    """The requester uploads the scanned test paper or a photo (raw body) while the request is pending."""
    data = await _body_within_limit(request)
    stored = await evidence.attach_evidence(
        evidence.AttachEvidence(
            correction_id=correction_id,
            data=data,
            filename=filename,
            declared_type=request.headers.get("content-type"),
        ),
        service.uow,
        store=service.evidence_store,
        retention=service.evidence_retention,
        caller=_caller(service, user),
    )
    return _evidence_read(stored)


@router.get("/corrections/{correction_id}/evidence", tags=["corrections"], summary="Danh sách minh chứng")
async def get_evidence_list(correction_id: str, user: CurrentUser, service: ServiceDep) -> list[EvidenceFileRead]:
    """The request's evidence files in upload order (requester, principal, inspectors)."""
    files = await evidence.list_evidence(service.uow, correction_id=correction_id, caller=_caller(service, user))
    return [_evidence_read(f) for f in files]


@router.get(
    "/corrections/{correction_id}/evidence/{n}",
    tags=["corrections"],
    summary="Tải về một tệp minh chứng",
    response_class=Response,
    responses={200: {"content": {t: {} for t in _EVIDENCE_TYPES}}},
)
async def get_evidence_file(
    correction_id: str, n: Annotated[int, Path(ge=1)], user: CurrentUser, service: ServiceDep
) -> Response:
    """The file as uploaded (its sha256 checked), for the requester, the principal and inspectors."""
    found, data = await evidence.read_evidence(
        service.uow, correction_id=correction_id, n=n, store=service.evidence_store, caller=_caller(service, user)
    )
    return Response(
        content=data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{found.sha256}"',
            "Cache-Control": "private, no-store",
        },
    )


def _learning(result: LearningResult | None) -> LearningRead | None:
    if result is None:
        return None
    return LearningRead(
        level=result.level.label,
        unadjusted=result.unadjusted.label,
        adjusted_for=result.adjusted_for,
    )


def _year_cell(subject: SubjectYear, period: int | None) -> str | None:
    """A score (even 0.0) or a rating (a TT27 level: T/H/C, the year's being the end-of-year one), as text."""
    if period is None:
        average, rating = subject.year_average, subject.year_rating or subject.semester2.level
    else:
        result = subject.semester1 if period == 1 else subject.semester2
        average, rating = result.average, result.rating or result.level
    return format_value(average if average is not None else rating)


@router.get("/classes/{class_id}/results", tags=["results"], summary="Kết quả học tập của lớp (học kì và cả năm)")
async def get_class_results(class_id: str, user: CurrentUser, service: ServiceDep) -> ClassResultsRead:
    """Per student: each subject's semester and year results and the learning result (TT22), for the homeroom
    teacher and the school's leaders; a subject teacher reads their own sheets instead."""
    results = await handlers.class_results(service.uow(), caller=_caller(service, user), class_id=class_id)
    return ClassResultsRead(
        class_id=results.class_id,
        class_name=results.class_name,
        school_year=results.school_year,
        subjects=[s.code for s in results.subjects],
        students=[
            StudentResultsRead(
                student_id=st.student_id,
                full_name=st.full_name,
                subjects=[
                    SubjectYearRead(
                        code=s.code, semester1=_year_cell(s, 1), semester2=_year_cell(s, 2), year=_year_cell(s, None)
                    )
                    for s in st.subjects
                ],
                learning={period: _learning(result) for period, result in st.learning.items()},
            )
            for st in results.students
        ],
    )


@router.get("/students/{student_id}/scores", tags=["scores"], summary="Điểm các môn của một học sinh (phụ huynh)")
async def get_student_scores(
    student_id: str,
    user: CurrentUser,
    service: ServiceDep,
    semester: Annotated[int, Query(ge=1, le=2, description="Học kì (1 hoặc 2)")] = 1,
) -> StudentScoresRead:
    """The student's current class and, per subject, the semester's scores and result: for parents and the student
    (their own grants) as for anyone who may read the class."""
    found = await family.student_sheets(
        service.uow, caller=_caller(service, user), student_id=student_id, semester=semester
    )
    sheets = [_sheet_read(sheet) for sheet in found.sheets]
    return StudentScoresRead(
        student_id=found.student_id,
        full_name=found.full_name,
        class_id=found.class_id,
        class_name=sheets[0].class_name if sheets else "",
        school_year=found.school_year,
        semester=semester,
        subjects=sheets,
    )
