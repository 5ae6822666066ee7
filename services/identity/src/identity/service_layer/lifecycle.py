"""Use cases of the student lifecycle: year rollover, promotion results, transfers between schools, drop-out.

Each handler validates everything before writing (a refused command writes nothing), audits each change with
its old and new values, and announces it on `edu.identity` so the gradebook and the transcript follow the
student. A change of class within the year is `identity.service_layer.people.enroll_students` with
`move_from_current_class`.

Enrollment rows keep the generic `ended` status; why one closed (graduated, transferred out, dropped out) is in
`enrollment_closures`, and the student's own status says where they stand.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from edu_shared.contracts.gradebook import StudentPromotionDecided
from edu_shared.contracts.identity_people import (
    SchoolYearRolledOver,
    StudentDroppedOut,
    StudentEnrolled,
    StudentGraduated,
    StudentTransferDecided,
    StudentTransferred,
    StudentTransferRequested,
)
from edu_shared.errors import Conflict, InvalidInput, NotFound
from edu_shared.events.envelope import CloudEvent
from identity.adapters.audit import AuditEntry
from identity.adapters.lifecycle_repo import LifecycleRepository, PromotionResult, Transfer, TransferListing
from identity.adapters.people_repo import NewEnrollment
from identity.domain.lifecycle import (
    ClassRef,
    ClosureReason,
    PromotionOutcome,
    PromotionSource,
    RolloverPlan,
    TransferStatus,
    check_reason,
    check_transition,
    is_final_grade,
    plan_rollover,
)
from identity.domain.org import School
from identity.domain.people import EnrollmentStatus, Student, StudentStatus
from identity.domain.structure import ClassSubject, SchoolClass, SchoolYear, new_class
from identity.domain.subjects import curriculum_level
from identity.service_layer.people import student_snapshot
from identity.service_layer.structure import resolve_subjects, write_opened_classes
from identity.service_layer.uow import IdentityUnitOfWork

GRADEBOOK_ACTOR = "system:gradebook"


def _new_id() -> str:
    return str(uuid.uuid4())


def _today() -> date:
    return datetime.now(UTC).date()


def _repo(uow: IdentityUnitOfWork) -> LifecycleRepository:
    return LifecycleRepository(uow.session)


async def _school(uow: IdentityUnitOfWork, school_id: str, *, field_name: str = "school_id") -> School:
    school = await uow.org.get_school(school_id)
    if school is None:
        raise NotFound(f"Không có trường với mã định danh {school_id}.", field=field_name, value=school_id)
    return school


async def _year(uow: IdentityUnitOfWork, code: str, *, field_name: str) -> SchoolYear:
    year = await uow.structure.school_year_by_code(code)
    if year is None:
        raise NotFound(f"Chưa có năm học {code}.", field=field_name, value=code)
    return year


async def _student(uow: IdentityUnitOfWork, student_id: str) -> Student:
    student = await uow.people.get_student(student_id)
    if student is None:
        raise NotFound(f"Không có học sinh với mã định danh {student_id}.", field="student_id", value=student_id)
    return student


async def _commit(uow: IdentityUnitOfWork, *, what: str) -> None:
    try:
        await uow.commit()
    except IntegrityError as exc:
        await uow.rollback()
        raise Conflict(f"{what}: dữ liệu vừa bị thay đổi đồng thời. Vui lòng thử lại.") from exc


# Year rollover (kết chuyển)


@dataclass(frozen=True)
class PlanRollover:
    school_id: str
    from_year: str
    to_year: str
    class_mapping: Mapping[str, str] | None = None  # class of year N → its successor's name in year N+1
    retained_mapping: Mapping[str, str] | None = None  # class of year N → where its retained students go


@dataclass(frozen=True)
class RolloverResult:
    school: School
    from_year: SchoolYear
    to_year: SchoolYear
    plan: RolloverPlan
    executed: bool
    opened_class_ids: Mapping[str, str]  # name → id of the classes this run opened


async def _plan(uow: IdentityUnitOfWork, cmd: PlanRollover) -> tuple[School, SchoolYear, SchoolYear, RolloverPlan]:
    school = await _school(uow, cmd.school_id)
    from_year = await _year(uow, cmd.from_year, field_name="from_year")
    to_year = await _year(uow, cmd.to_year, field_name="to_year")
    if to_year.starts_on <= from_year.starts_on:
        raise InvalidInput(
            f"Năm học mới {to_year.code} phải sau năm học {from_year.code}.", field="to_year", value=cmd.to_year
        )
    sources = await uow.structure.list_classes(school_id=school.id, school_year_id=from_year.id)
    targets = await uow.structure.list_classes(school_id=school.id, school_year_id=to_year.id)
    if not sources:
        raise NotFound(
            f"Trường không có lớp nào trong năm học {from_year.code}.", field="from_year", value=cmd.from_year
        )
    rosters = await _repo(uow).rosters([c.id for c in sources])
    student_ids = [s.student_id for roster in rosters.values() for s in roster]
    results = await _repo(uow).promotion_results(school_year_id=from_year.id, student_ids=student_ids)
    plan = plan_rollover(
        source_classes=[ClassRef(c.id, c.name, c.grade) for c in sources],
        target_classes=[ClassRef(c.id, c.name, c.grade) for c in targets],
        rosters=rosters,
        outcomes={sid: r.outcome for sid, r in results.items()},
        class_mapping=cmd.class_mapping,
        retained_mapping=cmd.retained_mapping,
    )
    return school, from_year, to_year, plan


async def plan_year_rollover(cmd: PlanRollover, uow: IdentityUnitOfWork) -> RolloverResult:
    """Dry run: what a rollover would do now (classes to open, who moves up, stays, graduates, and blockers)."""
    async with uow:
        school, from_year, to_year, plan = await _plan(uow, cmd)
        return RolloverResult(school, from_year, to_year, plan, executed=False, opened_class_ids={})


@dataclass(frozen=True)
class ExecuteRollover(PlanRollover):
    actor: str = ""


async def execute_rollover(cmd: ExecuteRollover, uow: IdentityUnitOfWork) -> RolloverResult:
    """Carry a school's classes and students into the next year in one transaction; a re-run does nothing.

    Blocked students (no promotion result yet) stay in their class; a later run carries them.
    """
    async with uow:
        school, from_year, to_year, plan = await _plan(uow, cmd)
        if plan.empty:
            return RolloverResult(school, from_year, to_year, plan, executed=False, opened_class_ids={})
        repo = _repo(uow)
        opened: dict[str, str] = {}
        new_classes: list[SchoolClass] = []
        to_open: list[tuple[SchoolClass, SchoolYear, list[ClassSubject]]] = []
        rollover_details: dict[str, dict[str, Any]] = {}
        for move in plan.new_classes:
            cls = new_class(
                id=_new_id(),
                school_id=school.id,
                school_year_id=to_year.id,
                grade=move.target_grade,
                name=move.target_name,
                school_levels=school.levels,
            )
            subjects = await resolve_subjects(uow, cls, None, field_name="subjects")
            opened[cls.name.lower()] = cls.id
            new_classes.append(cls)
            to_open.append((cls, to_year, subjects))
            rollover_details[cls.id] = {"source": "rollover", "from_class_id": move.source.id}
        await write_opened_classes(uow, school, to_open, actor=cmd.actor, details=rollover_details)

        # Last year's classes close on the year's last day (or the eve of the new year, if that comes first).
        closes_on = min(from_year.ends_on, to_year.starts_on - timedelta(days=1))
        moving = plan.promoted + plan.retained + plan.graduated
        await uow.people.end_enrollments(
            [(m.enrollment_id, closes_on, EnrollmentStatus.ENDED) for m in plan.promoted + plan.retained]
            + [(m.enrollment_id, closes_on, EnrollmentStatus.GRADUATED) for m in plan.graduated]
        )
        new: list[NewEnrollment] = []
        for m in plan.promoted + plan.retained:
            if m.to_class_name is None:
                continue
            class_id = m.to_class_id or opened[m.to_class_name.lower()]
            new.append(
                NewEnrollment(
                    id=_new_id(),
                    student_id=m.student_id,
                    class_id=class_id,
                    school_year_id=to_year.id,
                    starts_on=to_year.starts_on,
                )
            )
        await uow.people.add_enrollments(new, actor=cmd.actor)
        new_by_student = {e.student_id: e for e in new}
        graduates = [m.student_id for m in plan.graduated]
        await repo.set_student_status(graduates, StudentStatus.GRADUATED, actor=cmd.actor)
        await repo.record_closures(
            [(m.enrollment_id, m.student_id, school.id) for m in plan.graduated],
            reason=ClosureReason.GRADUATED,
            closed_on=closes_on,
            actor=cmd.actor,
        )
        for m in moving:
            enrolled = new_by_student.get(m.student_id)
            await uow.audit.record(
                AuditEntry(
                    actor=cmd.actor,
                    action="student.rollover",
                    target_type="student",
                    target_id=m.student_id,
                    school_id=school.id,
                    old_value={"class_id": m.from_class.id, "enrollment_id": m.enrollment_id, "status": "active"},
                    new_value={
                        "outcome": m.outcome.value,
                        "class_id": enrolled.class_id if enrolled else None,
                        "enrollment_ended_on": closes_on.isoformat(),
                        **({"student_status": StudentStatus.GRADUATED.value} if m in plan.graduated else {}),
                    },
                    details={"from_year": from_year.code, "to_year": to_year.code},
                )
            )
            if enrolled is not None:
                uow.emit(
                    StudentEnrolled(
                        enrollment_id=enrolled.id,
                        student_id=m.student_id,
                        school_id=school.id,
                        class_id=enrolled.class_id,
                        school_year_id=to_year.id,
                        starts_on=enrolled.starts_on,
                    ),
                    partition_key=school.id,
                    subject=f"students/{m.student_id}",
                )
        for m in plan.graduated:
            uow.emit(
                StudentGraduated(
                    student_id=m.student_id,
                    school_id=school.id,
                    enrollment_id=m.enrollment_id,
                    class_id=m.from_class.id,
                    school_year_id=from_year.id,
                    grade=m.from_class.grade,
                    level=curriculum_level(m.from_class.grade),
                    ends_on=closes_on,
                ),
                partition_key=school.id,
                subject=f"students/{m.student_id}",
            )
        summary = {
            "classes_opened": len(new_classes),
            "promoted": len(plan.promoted),
            "retained": len(plan.retained),
            "graduated": len(plan.graduated),
            "unplaced": len(plan.unplaced),
            "blocked": len(plan.blockers),
        }
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="school.rollover",
                target_type="school",
                target_id=school.id,
                school_id=school.id,
                new_value={"from_year": from_year.code, "to_year": to_year.code, **summary},
                details={
                    "class_mapping": dict(cmd.class_mapping or {}),
                    "retained_mapping": dict(cmd.retained_mapping or {}),
                    "blocked_student_ids": [b.student_id for b in plan.blockers],
                },
            )
        )
        uow.emit(
            SchoolYearRolledOver(
                school_id=school.id, from_school_year_id=from_year.id, to_school_year_id=to_year.id, **summary
            ),
            partition_key=school.id,
            subject=f"schools/{school.id}",
        )
        await _commit(uow, what="Kết chuyển năm học")
        return RolloverResult(school, from_year, to_year, plan, executed=True, opened_class_ids=opened)


# Promotion results


@dataclass(frozen=True)
class PromotionInput:
    student_id: str
    outcome: PromotionOutcome


@dataclass(frozen=True)
class RecordPromotionResults:
    school_id: str
    school_year: str
    results: tuple[PromotionInput, ...]
    actor: str


def _result_record(r: PromotionResult) -> dict[str, str]:
    return {"outcome": r.outcome.value, "source": r.source.value, "decided_at": r.decided_at.isoformat()}


async def record_promotion_results(cmd: RecordPromotionResults, uow: IdentityUnitOfWork) -> list[PromotionResult]:
    """Enter students' promotion results by hand (while the gradebook does not publish them); all or none.

    An unchanged result is left alone; a changed one replaces the old, which the audit trail keeps.
    """
    async with uow:
        school = await _school(uow, cmd.school_id)
        year = await _year(uow, cmd.school_year, field_name="school_year")
        if not cmd.results:
            raise InvalidInput("Danh sách kết quả trống.", field="results", value=[])
        ids = [r.student_id for r in cmd.results]
        if len(set(ids)) != len(ids):
            raise InvalidInput("Một học sinh có hai kết quả trong danh sách.", field="results", value=ids)
        students = await uow.people.students_by_ids(ids)
        now = datetime.now(UTC)
        checked: list[PromotionResult] = []
        for i, r in enumerate(cmd.results):
            student = students.get(r.student_id)
            if student is None or student.school_id != school.id:
                raise NotFound(
                    f"Trường không có học sinh với mã định danh {r.student_id}.",
                    field=f"results.{i}.student_id",
                    value=r.student_id,
                )
            history = [e for e, _ in await uow.people.enrollment_history(student.id) if e.school_year_id == year.id]
            if not history:
                raise InvalidInput(
                    f"Học sinh {student.profile.name.full} không học lớp nào của trường trong năm học {year.code}.",
                    field=f"results.{i}.student_id",
                    value=r.student_id,
                )
            cls = await uow.structure.get_class(history[0].class_id)
            if cls is None or cls.school_id != school.id:
                raise InvalidInput(
                    f"Học sinh {student.profile.name.full} học năm {year.code} ở trường khác.",
                    field=f"results.{i}.student_id",
                    value=r.student_id,
                )
            if r.outcome == PromotionOutcome.GRADUATED and not is_final_grade(cls.grade):
                raise InvalidInput(
                    f"Học sinh lớp {cls.name} không thể 'hoàn thành cấp học' (chỉ lớp cuối cấp: 5, 9, 12).",
                    field=f"results.{i}.outcome",
                    value=r.outcome.value,
                )
            checked.append(
                PromotionResult(
                    student_id=student.id,
                    school_year_id=year.id,
                    school_id=school.id,
                    outcome=r.outcome,
                    source=PromotionSource.MANUAL,
                    decided_at=now,
                )
            )
        existing = await _repo(uow).promotion_results(school_year_id=year.id, student_ids=ids)
        for result in checked:
            old = existing.get(result.student_id)
            if old is not None and old.outcome == result.outcome:
                continue
            await _save_result(uow, result, old=old, actor=cmd.actor)
        await _commit(uow, what="Kết quả xét lên lớp")
        return checked


async def _save_result(
    uow: IdentityUnitOfWork, result: PromotionResult, *, old: PromotionResult | None, actor: str
) -> None:
    await _repo(uow).save_promotion_result(result, actor=actor, replace=old is not None)
    await uow.audit.record(
        AuditEntry(
            actor=actor,
            action="promotion.record",
            target_type="student",
            target_id=result.student_id,
            school_id=result.school_id,
            old_value=_result_record(old) if old else None,
            new_value=_result_record(result),
            details={"school_year_id": result.school_year_id, "source_event_id": result.source_event_id},
        )
    )


async def apply_promotion_decided(uow: IdentityUnitOfWork, event: CloudEvent) -> None:
    """Consumer of `edu.gradebook`: keep the newest promotion decision per student and year.

    Runs inside the idempotent handler's transaction (the inbox row commits with it). Other gradebook events,
    unknown students or years, and decisions older than the one kept are skipped.
    """
    if event.type != StudentPromotionDecided.event_meta().type:
        return
    try:
        payload = StudentPromotionDecided.model_validate(event.data)
    except ValidationError:
        return
    student = await uow.people.get_student(payload.student_id)
    year = await uow.structure.get_school_year(payload.school_year_id)
    if student is None or year is None:
        return
    existing = await _repo(uow).promotion_results(school_year_id=year.id, student_ids=[student.id])
    old = existing.get(student.id)
    decided_at = payload.decided_at if payload.decided_at.tzinfo else payload.decided_at.replace(tzinfo=UTC)
    if old is not None and (old.decided_at > decided_at or old.source_event_id == event.id):
        return
    result = PromotionResult(
        student_id=student.id,
        school_year_id=year.id,
        school_id=payload.school_id,
        outcome=PromotionOutcome(payload.outcome),
        source=PromotionSource.GRADEBOOK,
        decided_at=decided_at,
        source_event_id=event.id,
    )
    if old is not None and old.outcome == result.outcome and old.source == result.source:
        return
    await _save_result(uow, result, old=old, actor=GRADEBOOK_ACTOR)


# Transfers (chuyển trường)


@dataclass(frozen=True)
class RequestTransfer:
    student_id: str
    to_school_id: str
    reason: str
    actor: str
    to_class_id: str | None = None


async def _class_of(uow: IdentityUnitOfWork, class_id: str, *, school_id: str) -> SchoolClass:
    cls = await uow.structure.get_class(class_id)
    if cls is None or cls.school_id != school_id:
        raise NotFound(
            f"Trường tiếp nhận không có lớp với mã định danh {class_id}.", field="to_class_id", value=class_id
        )
    return cls


async def request_transfer(cmd: RequestTransfer, uow: IdentityUnitOfWork) -> Transfer:
    """The sending school asks another school of the province to take a student; nothing moves until accepted."""
    async with uow:
        student = await _student(uow, cmd.student_id)
        if student.status != StudentStatus.STUDYING:
            raise Conflict(
                f"Học sinh {student.profile.name.full} không còn đang học (trạng thái {student.status.value}).",
                field="student_id",
                value=student.id,
            )
        to_school = await _school(uow, cmd.to_school_id, field_name="to_school_id")
        if to_school.id == student.school_id:
            raise InvalidInput(
                "Trường tiếp nhận trùng với trường hiện tại; để chuyển lớp trong trường, dùng xếp lớp.",
                field="to_school_id",
                value=cmd.to_school_id,
            )
        if cmd.to_class_id is not None:
            await _class_of(uow, cmd.to_class_id, school_id=to_school.id)
        reason = check_reason(cmd.reason) or ""
        repo = _repo(uow)
        if await repo.pending_transfer_of(student.id) is not None:
            raise Conflict(
                f"Học sinh {student.profile.name.full} đã có một yêu cầu chuyển trường đang chờ.",
                field="student_id",
                value=student.id,
            )
        transfer = Transfer(
            id=_new_id(),
            student_id=student.id,
            from_school_id=student.school_id,
            to_school_id=to_school.id,
            to_class_id=cmd.to_class_id,
            status=TransferStatus.REQUESTED,
            reason=reason,
            requested_by=cmd.actor,
            requested_at=datetime.now(UTC),
        )
        await repo.add_transfer(transfer)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="transfer.request",
                target_type="student",
                target_id=student.id,
                school_id=student.school_id,
                new_value={
                    "transfer_id": transfer.id,
                    "to_school_id": to_school.id,
                    "to_class_id": cmd.to_class_id,
                    "reason": reason,
                    "status": transfer.status.value,
                },
            )
        )
        uow.emit(
            StudentTransferRequested(
                transfer_id=transfer.id,
                student_id=student.id,
                from_school_id=transfer.from_school_id,
                to_school_id=transfer.to_school_id,
                to_class_id=transfer.to_class_id,
                requested_at=transfer.requested_at,
            ),
            partition_key=transfer.to_school_id,
            subject=f"students/{student.id}",
        )
        await _commit(uow, what="Yêu cầu chuyển trường")
        return transfer


@dataclass(frozen=True)
class DecideTransfer:
    transfer_id: str
    decision: TransferStatus  # accepted | rejected | cancelled
    actor: str
    note: str | None = None
    to_class_id: str | None = None  # accept: the receiving school's class (if the request named none)
    starts_on: date | None = None  # accept: the first day at the new school


async def get_transfer(transfer_id: str, uow: IdentityUnitOfWork) -> Transfer:
    async with uow:
        transfer = await _repo(uow).get_transfer(transfer_id)
        if transfer is None:
            raise NotFound(
                f"Không có yêu cầu chuyển trường với mã {transfer_id}.", field="transfer_id", value=transfer_id
            )
        return transfer


async def decide_transfer(cmd: DecideTransfer, uow: IdentityUnitOfWork) -> Transfer:
    """Accept or reject (the receiving school) or cancel (the sending school) a pending transfer."""
    async with uow:
        repo = _repo(uow)
        transfer = await repo.get_transfer(cmd.transfer_id)
        if transfer is None:
            raise NotFound(
                f"Không có yêu cầu chuyển trường với mã {cmd.transfer_id}.",
                field="transfer_id",
                value=cmd.transfer_id,
            )
        check_transition(transfer.status, cmd.decision)
        note = check_reason(cmd.note, field_name="note", required=cmd.decision == TransferStatus.REJECTED)
        decided = replace(
            transfer, status=cmd.decision, decided_by=cmd.actor, decided_at=datetime.now(UTC), decision_note=note
        )
        if cmd.decision == TransferStatus.ACCEPTED:
            return await _accept(uow, decided, cmd)
        if not await repo.decide_transfer(decided):
            raise Conflict("Yêu cầu chuyển trường vừa được xử lý bởi người khác.", field="transfer_id")
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action=f"transfer.{'reject' if cmd.decision == TransferStatus.REJECTED else 'cancel'}",
                target_type="student",
                target_id=transfer.student_id,
                school_id=(
                    transfer.to_school_id if cmd.decision == TransferStatus.REJECTED else transfer.from_school_id
                ),
                old_value={"transfer_id": transfer.id, "status": transfer.status.value},
                new_value={"transfer_id": transfer.id, "status": decided.status.value, "note": note},
            )
        )
        assert decided.decided_at is not None
        uow.emit(
            StudentTransferDecided(
                transfer_id=transfer.id,
                student_id=transfer.student_id,
                from_school_id=transfer.from_school_id,
                to_school_id=transfer.to_school_id,
                status="rejected" if cmd.decision == TransferStatus.REJECTED else "cancelled",
                decided_at=decided.decided_at,
            ),
            partition_key=transfer.to_school_id,
            subject=f"students/{transfer.student_id}",
        )
        await _commit(uow, what="Chuyển trường")
        return decided


async def _accept(uow: IdentityUnitOfWork, decided: Transfer, cmd: DecideTransfer) -> Transfer:
    student = await _student(uow, decided.student_id)
    if student.status != StudentStatus.STUDYING or student.school_id != decided.from_school_id:
        raise Conflict(
            f"Học sinh {student.profile.name.full} không còn đang học ở trường chuyển đi.",
            field="transfer_id",
            value=decided.id,
        )
    class_id = cmd.to_class_id or decided.to_class_id
    if class_id is None:
        raise InvalidInput("Cần chọn lớp tiếp nhận học sinh (to_class_id).", field="to_class_id", value=None)
    cls = await _class_of(uow, class_id, school_id=decided.to_school_id)
    year = await uow.structure.get_school_year(cls.school_year_id)
    assert year is not None  # foreign key
    starts_on = cmd.starts_on or min(max(_today(), year.starts_on), year.ends_on)
    if not year.starts_on <= starts_on <= year.ends_on:
        raise InvalidInput(
            f"Ngày vào trường mới phải nằm trong năm học {year.code} "
            f"({year.starts_on:%d/%m/%Y}–{year.ends_on:%d/%m/%Y}).",
            field="starts_on",
            value=starts_on.isoformat(),
        )
    current = (await uow.people.active_enrollments([student.id])).get(student.id)
    ends_on: date | None = None
    if current is not None:
        current_year = await uow.structure.get_school_year(current.school_year_id)
        assert current_year is not None
        if current_year.starts_on > year.starts_on:
            raise InvalidInput(
                f"Lớp tiếp nhận thuộc năm học {year.code}, trước năm học hiện tại của học sinh ({current_year.code}).",
                field="to_class_id",
                value=class_id,
            )
        ends_on = min(current_year.ends_on, starts_on - timedelta(days=1))
        if ends_on < current.starts_on:
            raise InvalidInput(
                f"Ngày vào trường mới phải sau ngày vào lớp hiện tại ({current.starts_on:%d/%m/%Y}).",
                field="starts_on",
                value=starts_on.isoformat(),
            )
    repo = _repo(uow)
    enrollment = NewEnrollment(
        id=_new_id(), student_id=student.id, class_id=cls.id, school_year_id=year.id, starts_on=starts_on
    )
    accepted = replace(
        decided,
        to_class_id=cls.id,
        from_enrollment_id=current.id if current else None,
        to_enrollment_id=enrollment.id,
    )
    if not await repo.decide_transfer(accepted):
        raise Conflict("Yêu cầu chuyển trường vừa được xử lý bởi người khác.", field="transfer_id")
    if current is not None and ends_on is not None:
        await uow.people.end_enrollments([(current.id, ends_on, EnrollmentStatus.TRANSFERRED_OUT)])
        await repo.record_closures(
            [(current.id, student.id, decided.from_school_id)],
            reason=ClosureReason.TRANSFERRED_OUT,
            closed_on=ends_on,
            actor=cmd.actor,
            note=decided.reason,
            transfer_id=decided.id,
        )
    await repo.move_student(student.id, school_id=decided.to_school_id, actor=cmd.actor)
    await uow.people.add_enrollments([enrollment], actor=cmd.actor)
    old_value = {
        "school_id": decided.from_school_id,
        "class_id": current.class_id if current else None,
        "enrollment_id": current.id if current else None,
    }
    new_value = {
        "transfer_id": decided.id,
        "status": accepted.status.value,
        "school_id": decided.to_school_id,
        "class_id": cls.id,
        "enrollment_id": enrollment.id,
        "starts_on": starts_on.isoformat(),
        "note": accepted.decision_note,
    }
    # One entry in each school's trail: the sending school sees the student leave, the receiving one arrive.
    for school_id, action in ((decided.from_school_id, "transfer.out"), (decided.to_school_id, "transfer.accept")):
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action=action,
                target_type="student",
                target_id=student.id,
                school_id=school_id,
                old_value=old_value,
                new_value=new_value,
            )
        )
    moved = replace(student, school_id=decided.to_school_id)
    uow.emit(
        StudentTransferred(
            transfer_id=decided.id,
            student_id=student.id,
            from_school_id=decided.from_school_id,
            from_enrollment_id=current.id if current else None,
            from_class_id=current.class_id if current else None,
            to_school_id=decided.to_school_id,
            to_enrollment_id=enrollment.id,
            to_class_id=cls.id,
            school_year_id=year.id,
            starts_on=starts_on,
            student=student_snapshot(moved),
        ),
        partition_key=decided.to_school_id,
        subject=f"students/{student.id}",
    )
    uow.emit(
        StudentEnrolled(
            enrollment_id=enrollment.id,
            student_id=student.id,
            school_id=decided.to_school_id,
            class_id=cls.id,
            school_year_id=year.id,
            starts_on=starts_on,
        ),
        partition_key=decided.to_school_id,
        subject=f"students/{student.id}",
    )
    await _commit(uow, what="Tiếp nhận học sinh chuyển trường")
    return accepted


@dataclass(frozen=True)
class ListTransfers:
    school_id: str
    status: TransferStatus | None = None
    limit: int = 100
    offset: int = 0


async def list_transfers(query: ListTransfers, uow: IdentityUnitOfWork) -> list[TransferListing]:
    """Transfers from or to a school (both schools see each one), newest first."""
    async with uow:
        await _school(uow, query.school_id)
        return await _repo(uow).list_transfers(
            school_id=query.school_id, status=query.status, limit=query.limit, offset=query.offset
        )


# Drop-out (thôi học)


@dataclass(frozen=True)
class DropOut:
    student_id: str
    reason: str
    actor: str
    left_on: date | None = None  # None: today


@dataclass(frozen=True)
class DroppedOut:
    student: Student
    left_on: date
    reason: str


async def drop_out(cmd: DropOut, uow: IdentityUnitOfWork) -> DroppedOut:
    """Record that a student left school (thôi học): the enrollment closes on `left_on`, the reason is kept."""
    async with uow:
        student = await _student(uow, cmd.student_id)
        if student.status != StudentStatus.STUDYING:
            raise Conflict(
                f"Học sinh {student.profile.name.full} không còn đang học (trạng thái {student.status.value}).",
                field="student_id",
                value=student.id,
            )
        reason = check_reason(cmd.reason) or ""
        left_on = cmd.left_on or _today()
        if left_on > _today() + timedelta(days=31):
            raise InvalidInput("Ngày thôi học quá xa trong tương lai.", field="left_on", value=left_on.isoformat())
        repo = _repo(uow)
        if await repo.pending_transfer_of(student.id) is not None:
            raise Conflict(
                "Học sinh đang có yêu cầu chuyển trường chờ xử lý; hủy yêu cầu đó trước.",
                field="student_id",
                value=student.id,
            )
        current = (await uow.people.active_enrollments([student.id])).get(student.id)
        if current is not None:
            if left_on < current.starts_on:
                raise InvalidInput(
                    f"Ngày thôi học phải từ ngày vào lớp hiện tại ({current.starts_on:%d/%m/%Y}).",
                    field="left_on",
                    value=left_on.isoformat(),
                )
            await uow.people.end_enrollments([(current.id, left_on, EnrollmentStatus.DROPPED_OUT)])
            await repo.record_closures(
                [(current.id, student.id, student.school_id)],
                reason=ClosureReason.DROPPED_OUT,
                closed_on=left_on,
                actor=cmd.actor,
                note=reason,
            )
        await repo.set_student_status([student.id], StudentStatus.DROPPED_OUT, actor=cmd.actor)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="student.drop_out",
                target_type="student",
                target_id=student.id,
                school_id=student.school_id,
                old_value={
                    "status": student.status.value,
                    "class_id": current.class_id if current else None,
                    "enrollment_id": current.id if current else None,
                },
                new_value={"status": StudentStatus.DROPPED_OUT.value, "left_on": left_on.isoformat(), "reason": reason},
            )
        )
        uow.emit(
            StudentDroppedOut(
                student_id=student.id,
                school_id=student.school_id,
                enrollment_id=current.id if current else None,
                class_id=current.class_id if current else None,
                left_on=left_on,
                reason=reason,
            ),
            partition_key=student.school_id,
            subject=f"students/{student.id}",
        )
        await _commit(uow, what="Thôi học")
        return DroppedOut(student=replace(student, status=StudentStatus.DROPPED_OUT), left_on=left_on, reason=reason)
