"""Identity HTTP API: the student lifecycle — year rollover, promotion results, transfers, drop-out.

Everything here needs `school.manage` over the school concerned. A transfer is requested (and may be cancelled)
by the sending school, the student's school, which holds the record; it is accepted or rejected by the
receiving school. Both schools see it in their list. A change of class within the year is
`POST /classes/{id}/enrollments` with `move_from_current_class`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from edu_shared.auth.permissions import Permission
from edu_shared.auth.principal import ScopeType
from edu_shared.web.app import CurrentUser
from identity.adapters.lifecycle_repo import PromotionResult, Transfer, TransferListing
from identity.domain.lifecycle import (
    OUTCOME_NAMES,
    TRANSFER_STATUS_NAMES,
    Blocker,
    PromotionOutcome,
    StudentMove,
    TransferParty,
    TransferStatus,
    deciding_party,
)
from identity.domain.people import StudentStatus
from identity.entrypoints.api import ServiceDep
from identity.service_layer import lifecycle as handlers

router = APIRouter(tags=["lifecycle"])

MAPPING_DOC = "Tên lớp năm sau cho từng lớp năm nay, khi khác quy tắc mặc định (tăng số khối ở đầu tên: 6A1 → 7A1)"


# Wire models


class RolloverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_year: str = Field(min_length=9, max_length=9, examples=["2025-2026"])
    to_year: str = Field(min_length=9, max_length=9, examples=["2026-2027"])
    class_mapping: dict[str, str] = Field(default_factory=dict, description=MAPPING_DOC, examples=[{"6A1": "7A2"}])
    retained_mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Lớp năm sau (cùng khối) cho học sinh ở lại lớp của từng lớp; không ghi: trường tự xếp lớp",
        examples=[{"7A1": "7A1"}],
    )


class ClassMoveRead(BaseModel):
    from_class_id: str
    from_class: str
    to_class: str
    to_grade: int
    to_class_id: str | None = Field(description="None trong chạy thử: lớp sẽ được mở")
    opens: bool


class StudentMoveRead(BaseModel):
    student_id: str
    full_name: str
    from_class: str
    outcome: PromotionOutcome
    outcome_name: str
    to_class: str | None


class BlockerRead(BaseModel):
    student_id: str
    full_name: str
    class_name: str
    problem: str


class RolloverRead(BaseModel):
    school_id: str
    from_year: str
    to_year: str
    dry_run: bool
    executed: bool = Field(description="False khi chạy thử, hoặc khi không còn gì để kết chuyển")
    classes: list[ClassMoveRead]
    promoted: list[StudentMoveRead]
    retained: list[StudentMoveRead]
    graduated: list[StudentMoveRead]
    unplaced: list[StudentMoveRead]
    blockers: list[BlockerRead]


class PromotionResultInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(max_length=64)
    outcome: PromotionOutcome


class PromotionResultsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_year: str = Field(min_length=9, max_length=9, examples=["2025-2026"])
    results: list[PromotionResultInput] = Field(min_length=1, max_length=2000)


class PromotionResultRead(BaseModel):
    student_id: str
    school_year_id: str
    outcome: PromotionOutcome
    outcome_name: str
    source: str
    decided_at: datetime


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(max_length=64)
    to_school_id: str = Field(max_length=64)
    to_class_id: str | None = Field(default=None, max_length=64, description="Lớp đề nghị; trường nhận có thể chọn lại")
    reason: str = Field(max_length=500, examples=["Gia đình chuyển nơi cư trú"])


class TransferAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_class_id: str | None = Field(default=None, max_length=64)
    starts_on: date | None = Field(default=None, description="Ngày học đầu tiên ở trường mới; mặc định hôm nay")
    note: str | None = Field(default=None, max_length=500)


class TransferDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500, description="Bắt buộc khi từ chối")


class TransferRead(BaseModel):
    id: str
    student_id: str
    student_name: str | None = None
    from_school_id: str
    to_school_id: str
    to_class_id: str | None
    status: TransferStatus
    status_name: str
    reason: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    from_enrollment_id: str | None
    to_enrollment_id: str | None


class DropOutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=500, examples=["Hoàn cảnh gia đình khó khăn"])
    left_on: date | None = Field(
        default=None, description="Ngày thôi học (ngày cuối của lớp hiện tại); mặc định hôm nay"
    )


class DropOutRead(BaseModel):
    student_id: str
    school_id: str
    status: StudentStatus
    left_on: date
    reason: str


def _move_read(m: StudentMove) -> StudentMoveRead:
    return StudentMoveRead(
        student_id=m.student_id,
        full_name=m.full_name,
        from_class=m.from_class.name,
        outcome=m.outcome,
        outcome_name=OUTCOME_NAMES[m.outcome],
        to_class=m.to_class_name,
    )


def _blocker_read(b: Blocker) -> BlockerRead:
    return BlockerRead(student_id=b.student_id, full_name=b.full_name, class_name=b.class_name, problem=b.problem)


def _rollover_read(result: handlers.RolloverResult, *, dry_run: bool) -> RolloverRead:
    plan = result.plan
    return RolloverRead(
        school_id=result.school.id,
        from_year=result.from_year.code,
        to_year=result.to_year.code,
        dry_run=dry_run,
        executed=result.executed,
        classes=[
            ClassMoveRead(
                from_class_id=c.source.id,
                from_class=c.source.name,
                to_class=c.target_name,
                to_grade=c.target_grade,
                to_class_id=c.target_id or result.opened_class_ids.get(c.target_name.lower()),
                opens=c.target_id is None,
            )
            for c in plan.classes
        ],
        promoted=[_move_read(m) for m in plan.promoted],
        retained=[_move_read(m) for m in plan.retained if m.to_class_name is not None],
        graduated=[_move_read(m) for m in plan.graduated],
        unplaced=[_move_read(m) for m in plan.unplaced],
        blockers=[_blocker_read(b) for b in plan.blockers],
    )


def _transfer_read(t: Transfer, *, student_name: str | None = None) -> TransferRead:
    return TransferRead(
        id=t.id,
        student_id=t.student_id,
        student_name=student_name,
        from_school_id=t.from_school_id,
        to_school_id=t.to_school_id,
        to_class_id=t.to_class_id,
        status=t.status,
        status_name=TRANSFER_STATUS_NAMES[t.status],
        reason=t.reason,
        requested_by=t.requested_by,
        requested_at=t.requested_at,
        decided_by=t.decided_by,
        decided_at=t.decided_at,
        decision_note=t.decision_note,
        from_enrollment_id=t.from_enrollment_id,
        to_enrollment_id=t.to_enrollment_id,
    )


def _listing_read(item: TransferListing) -> TransferRead:
    return _transfer_read(item.transfer, student_name=item.student_name)


def _result_read(r: PromotionResult) -> PromotionResultRead:
    return PromotionResultRead(
        student_id=r.student_id,
        school_year_id=r.school_year_id,
        outcome=r.outcome,
        outcome_name=OUTCOME_NAMES[r.outcome],
        source=r.source.value,
        decided_at=r.decided_at,
    )


# Rollover and promotion results


@router.post("/schools/{school_id}/rollover", summary="Kết chuyển năm học (chạy thử hoặc thực hiện)")
async def rollover(
    school_id: str,
    body: RolloverRequest,
    user: CurrentUser,
    service: ServiceDep,
    dry_run: Annotated[bool, Query(description="true: chỉ xem kế hoạch, không ghi gì")] = True,
) -> RolloverRead:
    """Move the school's classes up a grade and carry students by their promotion results; re-running does nothing."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id))
    if dry_run:
        result = await handlers.plan_year_rollover(
            handlers.PlanRollover(
                school_id=school_id,
                from_year=body.from_year,
                to_year=body.to_year,
                class_mapping=body.class_mapping,
                retained_mapping=body.retained_mapping,
            ),
            service.uow(),
        )
    else:
        result = await handlers.execute_rollover(
            handlers.ExecuteRollover(
                school_id=school_id,
                from_year=body.from_year,
                to_year=body.to_year,
                class_mapping=body.class_mapping,
                retained_mapping=body.retained_mapping,
                actor=user.sub,
            ),
            service.uow(),
        )
    return _rollover_read(result, dry_run=dry_run)


@router.post(
    "/schools/{school_id}/promotion-results",
    status_code=status.HTTP_201_CREATED,
    summary="Nhập kết quả xét lên lớp",
)
async def record_promotion_results(
    school_id: str, body: PromotionResultsCreate, user: CurrentUser, service: ServiceDep
) -> list[PromotionResultRead]:
    """Enter promotion results by hand while the gradebook does not publish them (a changed result is audited)."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id))
    results = await handlers.record_promotion_results(
        handlers.RecordPromotionResults(
            school_id=school_id,
            school_year=body.school_year,
            results=tuple(handlers.PromotionInput(r.student_id, r.outcome) for r in body.results),
            actor=user.sub,
        ),
        service.uow(),
    )
    return [_result_read(r) for r in results]


# Transfers


@router.post("/transfers", status_code=status.HTTP_201_CREATED, summary="Đề nghị chuyển trường")
async def request_transfer(body: TransferCreate, user: CurrentUser, service: ServiceDep) -> TransferRead:
    """The student's school asks another school of the province to take the student."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.STUDENT, body.student_id))
    transfer = await handlers.request_transfer(
        handlers.RequestTransfer(
            student_id=body.student_id,
            to_school_id=body.to_school_id,
            to_class_id=body.to_class_id,
            reason=body.reason,
            actor=user.sub,
        ),
        service.uow(),
    )
    return _transfer_read(transfer)


@router.get("/transfers", summary="Danh sách chuyển trường của một trường")
async def list_transfers(
    user: CurrentUser,
    service: ServiceDep,
    school_id: Annotated[str, Query(max_length=64, description="Trường chuyển đi hoặc trường tiếp nhận")],
    transfer_status: Annotated[TransferStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TransferRead]:
    """Transfers out of and into the school, newest first."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id))
    items = await handlers.list_transfers(
        handlers.ListTransfers(school_id=school_id, status=transfer_status, limit=limit, offset=offset), service.uow()
    )
    return [_listing_read(i) for i in items]


async def _decide(
    transfer_id: str,
    decision: TransferStatus,
    user: CurrentUser,
    service: ServiceDep,
    *,
    note: str | None,
    to_class_id: str | None = None,
    starts_on: date | None = None,
) -> TransferRead:
    transfer = await handlers.get_transfer(transfer_id, service.uow())
    # Authorize before the request's state is told: a school outside the transfer learns nothing of it.
    party = deciding_party(decision)
    school_id = transfer.to_school_id if party == TransferParty.RECEIVING else transfer.from_school_id
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id))
    decided = await handlers.decide_transfer(
        handlers.DecideTransfer(
            transfer_id=transfer_id,
            decision=decision,
            actor=user.sub,
            note=note,
            to_class_id=to_class_id,
            starts_on=starts_on,
        ),
        service.uow(),
    )
    return _transfer_read(decided)


@router.post("/transfers/{transfer_id}/accept", summary="Tiếp nhận học sinh chuyển đến")
async def accept_transfer(
    transfer_id: str, body: TransferAccept, user: CurrentUser, service: ServiceDep
) -> TransferRead:
    """The receiving school takes the student into a class; the old enrollment closes, the history stays."""
    return await _decide(
        transfer_id,
        TransferStatus.ACCEPTED,
        user,
        service,
        note=body.note,
        to_class_id=body.to_class_id,
        starts_on=body.starts_on,
    )


@router.post("/transfers/{transfer_id}/reject", summary="Từ chối tiếp nhận")
async def reject_transfer(
    transfer_id: str, body: TransferDecision, user: CurrentUser, service: ServiceDep
) -> TransferRead:
    """The receiving school declines the request, with a reason; the student stays where they are."""
    return await _decide(transfer_id, TransferStatus.REJECTED, user, service, note=body.note)


@router.post("/transfers/{transfer_id}/cancel", summary="Hủy đề nghị chuyển trường")
async def cancel_transfer(
    transfer_id: str, body: TransferDecision, user: CurrentUser, service: ServiceDep
) -> TransferRead:
    """The sending school withdraws a request not yet decided."""
    return await _decide(transfer_id, TransferStatus.CANCELLED, user, service, note=body.note)


# Drop-out


@router.post("/students/{student_id}/drop-out", summary="Cho học sinh thôi học")
async def drop_out(student_id: str, body: DropOutCreate, user: CurrentUser, service: ServiceDep) -> DropOutRead:
    """Record that a student left school (thôi học), with the reason and the date."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.STUDENT, student_id))
    done = await handlers.drop_out(
        handlers.DropOut(student_id=student_id, reason=body.reason, left_on=body.left_on, actor=user.sub),
        service.uow(),
    )
    return DropOutRead(
        student_id=done.student.id,
        school_id=done.student.school_id,
        status=done.student.status,
        left_on=done.left_on,
        reason=done.reason,
    )
