"""Year-end HTTP API: a class's results per period, submission and approval, retest and summer-training entry."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from edu_shared.contracts.gradebook_results import StudentResult
from edu_shared.web.app import CurrentUser
from gradebook.domain.approval import Approval, ApprovalStatus, ResultPeriod
from gradebook.domain.sheet_layout import SheetLayout
from gradebook.entrypoints.api import ServiceDep, _caller
from gradebook.service_layer import plans, year_end
from gradebook.service_layer.year_end import RetestEntry, SummerTrainingEntry

router = APIRouter(tags=["results"])
Period = Annotated[
    ResultPeriod, Path(description="hk1, hk2, year (cả năm) hoặc retest (sau kiểm tra lại, rèn luyện hè)")
]


class ApprovalRead(BaseModel):
    id: str
    school_id: str
    class_id: str
    school_year: str
    period: ResultPeriod
    status: ApprovalStatus
    snapshot_hash: str
    students: int
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    note: str | None


class PeriodResultsRead(BaseModel):
    school_id: str
    class_id: str
    class_name: str
    school_year: str
    period: ResultPeriod
    complete: bool
    missing: list[str] = Field(description="Những gì còn thiếu trước khi gửi duyệt")
    students: list[StudentResult]
    approvals: list[ApprovalRead]


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=1000)


class RetestEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(min_length=1, max_length=64)
    subject_code: str = Field(min_length=1, max_length=64)
    value: Decimal | str | int = Field(examples=["6,5", "Đ"])


class RetestsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[RetestEntryCreate] = Field(min_length=1, max_length=500)


class SummerTrainingEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(min_length=1, max_length=64)
    level: Literal["Tốt", "Khá", "Đạt", "Chưa đạt"]


class SummerTrainingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[SummerTrainingEntryCreate] = Field(min_length=1, max_length=500)


class EntriesSaved(BaseModel):
    saved: int


def _approval_read(a: Approval) -> ApprovalRead:
    return ApprovalRead(
        id=a.id,
        school_id=a.school_id,
        class_id=a.class_id,
        school_year=a.school_year,
        period=a.period,
        status=a.status,
        snapshot_hash=a.snapshot_hash,
        students=len(a.snapshot),
        submitted_by=a.submitted_by_name,
        submitted_at=a.submitted_at,
        decided_by=a.decided_by,
        decided_at=a.decided_at,
        note=a.note,
    )


def _students(rows: list[dict[str, Any]]) -> list[StudentResult]:
    return [StudentResult.model_validate(r) for r in rows]


@router.get("/classes/{class_id}/results/{period}", summary="Kết quả của lớp theo kì (xem trước khi gửi duyệt)")
async def get_period_results(
    class_id: str, period: Period, user: CurrentUser, service: ServiceDep
) -> PeriodResultsRead:
    """Each student's results for the period with the reason for each level, or what is still missing."""
    found = await year_end.period_results(
        service.uow(), caller=_caller(service, user), class_id=class_id, period=period
    )
    return PeriodResultsRead(
        school_id=found.school_id,
        class_id=found.class_id,
        class_name=found.class_name,
        school_year=found.school_year,
        period=found.period,
        complete=not found.missing,
        missing=found.missing[:200],
        students=_students(found.rows),
        approvals=[_approval_read(a) for a in found.approvals if a.period == period],
    )


@router.post(
    "/classes/{class_id}/results/{period}/submit", status_code=201, summary="Giáo viên chủ nhiệm gửi duyệt kết quả"
)
async def submit_results(class_id: str, period: Period, user: CurrentUser, service: ServiceDep) -> ApprovalRead:
    """Submit the period's results and lists (promotion, retest, summer training, awards) as they stand now."""
    approval = await year_end.submit(service.uow(), caller=_caller(service, user), class_id=class_id, period=period)
    return _approval_read(approval)


@router.get("/result-approvals", summary="Hồ sơ duyệt kết quả của trường")
async def list_approvals(
    user: CurrentUser,
    service: ServiceDep,
    school_id: Annotated[str, Query(min_length=1, max_length=64)],
    status: ApprovalStatus | None = None,
) -> list[ApprovalRead]:
    """The school's submissions, oldest first; `status=submitted` is the principal's queue."""
    found = await year_end.school_queue(
        service.uow(), caller=_caller(service, user), school_id=school_id, status=status
    )
    return [_approval_read(a) for a in found]


@router.post("/result-approvals/{approval_id}/approve", summary="Hiệu trưởng phê duyệt kết quả")
async def approve_results(approval_id: str, body: DecisionBody, user: CurrentUser, service: ServiceDep) -> ApprovalRead:
    """Approve exactly what was submitted: the period locks and the results are announced."""
    decided = await year_end.decide_approval(
        service.uow(), caller=_caller(service, user), approval_id=approval_id, approve=True, note=body.note
    )
    return _approval_read(decided)


@router.post("/result-approvals/{approval_id}/return", summary="Hiệu trưởng trả lại kết quả để kiểm tra")
async def return_results(approval_id: str, body: DecisionBody, user: CurrentUser, service: ServiceDep) -> ApprovalRead:
    """Send the submission back to the homeroom teacher with the reason (`note` is required)."""
    decided = await year_end.decide_approval(
        service.uow(), caller=_caller(service, user), approval_id=approval_id, approve=False, note=body.note
    )
    return _approval_read(decided)


@router.put("/classes/{class_id}/retests", summary="Nhập kết quả kiểm tra lại")
async def put_retests(class_id: str, body: RetestsUpdate, user: CurrentUser, service: ServiceDep) -> EntriesSaved:
    """Retest results of the students on the approved retest list (the subject's teacher)."""
    saved = await year_end.record_retests(
        service.uow(),
        caller=_caller(service, user),
        class_id=class_id,
        entries=[RetestEntry(e.student_id, e.subject_code, e.value) for e in body.entries],
    )
    return EntriesSaved(saved=saved)


@router.put("/classes/{class_id}/summer-training", summary="Nhập kết quả rèn luyện hè")
async def put_summer_training(
    class_id: str, body: SummerTrainingUpdate, user: CurrentUser, service: ServiceDep
) -> EntriesSaved:
    """Summer-training results of the students who owed it (the homeroom teacher)."""
    saved = await year_end.record_summer_training(
        service.uow(),
        caller=_caller(service, user),
        class_id=class_id,
        entries=[SummerTrainingEntry(e.student_id, e.level) for e in body.entries],
    )
    return EntriesSaved(saved=saved)


class PlanColumnRead(BaseModel):
    code: str
    label: str
    accepts: Literal["score", "rating", "level", "test"]


class SubjectPlanRead(BaseModel):
    code: str
    name: str
    periods_per_year: int
    assessment: Literal["scored", "comment"]
    semester1: list[PlanColumnRead]
    semester2: list[PlanColumnRead]


class AssessmentPlanRead(BaseModel):
    class_id: str
    class_name: str
    grade: int
    school_year: str
    rule_set: str = Field(examples=["TT22/2021", "TT27/2020", "TT58/2011"])
    subjects: list[SubjectPlanRead]


@router.get("/classes/{class_id}/assessment-plan", summary="Kế hoạch đánh giá của lớp (theo quy chế áp dụng)")
async def get_assessment_plan(class_id: str, user: CurrentUser, service: ServiceDep) -> AssessmentPlanRead:
    """The rule set chosen by grade and school year and, per subject and semester, the assessments it requires."""
    plan = await plans.assessment_plan(service.uow(), caller=_caller(service, user), class_id=class_id)

    def cols(layout: SheetLayout) -> list[PlanColumnRead]:
        return [PlanColumnRead(code=s.code, label=s.label, accepts=s.accepts) for s in layout.specs]

    return AssessmentPlanRead(
        class_id=plan.class_id,
        class_name=plan.class_name,
        grade=plan.grade,
        school_year=plan.school_year,
        rule_set=plan.rule_set,
        subjects=[
            SubjectPlanRead(
                code=p.subject.code,
                name=p.subject.name,
                periods_per_year=p.subject.periods_per_year,
                assessment=p.subject.assessment,
                semester1=cols(p.semesters[1]),
                semester2=cols(p.semesters[2]),
            )
            for p in plan.subjects
        ],
    )
