"""Use cases of the year-end workflow: a class's results per period, submission, approval, and the summer round.

The homeroom teacher submits a period once every subject result and training result is in; the principal approves
exactly what was submitted (or returns it). Approval locks the period's cells, is audited, and announces the
results (`ClassResultsApproved`) and, at year end, every settled promotion (`StudentPromotionDecided`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.gradebook import GradebookLocked, StudentPromotionDecided
from edu_shared.contracts.gradebook_results import ClassResultsApproved, StudentResult
from edu_shared.errors import Conflict, InvalidInput, NotFound
from gradebook.adapters.scores_repo import ClassInfo
from gradebook.domain.approval import (
    PERIOD_LABELS,
    Approval,
    ApprovalStatus,
    ResultPeriod,
    check_can_submit,
    decide,
    snapshot_hash,
)
from gradebook.domain.locks import Lock
from gradebook.domain.rules import tt22, tt27
from gradebook.domain.rules.evaluation_io import LEVELS
from gradebook.domain.rules.selection import rule_set_for
from gradebook.domain.scores import parse_score
from gradebook.domain.sheet import class_list_key, parse_rating
from gradebook.domain.sheet_layout import FINAL_TEST, MIDTERM_TEST
from gradebook.domain.year_end import (
    PRIMARY_RULE_SET,
    SUPPLEMENTARY_OUTCOMES,
    SUPPLEMENTARY_STORED,
    PrimaryStudentYear,
    StudentYear,
    SubjectPlan,
    missing,
    pending_summer_round,
    primary_missing,
    primary_semester_row,
    primary_summer_round_missing,
    primary_year_row,
    semester_row,
    summer_round_missing,
    year_row,
)
from gradebook.service_layer.handlers import Caller
from gradebook.service_layer.uow import GradebookUnitOfWork

LAST_GRADES = frozenset({5, 9, 12})  # the last grade of a level: promoted means the level is completed


@dataclass(frozen=True)
class PeriodResults:
    school_id: str
    class_id: str
    class_name: str
    school_year: str
    period: ResultPeriod
    missing: list[str]
    rows: list[dict[str, Any]]
    approvals: list[Approval]


@dataclass(frozen=True)
class _ClassData:
    klass: ClassInfo
    grade: int
    subjects: list[SubjectPlan]
    students: list[StudentYear]
    approvals: list[Approval]
    primary: list[PrimaryStudentYear] | None = None  # set for a TT27 class, whose `students` is then empty


def _approved(approvals: Sequence[Approval], period: str) -> Approval | None:
    return next((a for a in reversed(approvals) if a.period == period and a.status == "approved"), None)


async def _class_data(uow: GradebookUnitOfWork, class_id: str) -> _ClassData:
    klass = await uow.scores.class_info(class_id)
    grade = await uow.results.class_grade(class_id)
    if klass is None or grade is None:
        raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
    rule_set = rule_set_for(grade=grade, school_year_start=int(klass.year[:4]))
    if rule_set == tt27.RULE_SET:
        return await _primary_class_data(uow, klass, grade)
    if rule_set != tt22.RULE_SET:
        raise InvalidInput(
            f"Lớp {klass.name} (khối {grade}, năm học {klass.year}) không đánh giá theo Thông tư 22 hay Thông tư 27; "
            "duyệt kết quả trên sổ điểm áp dụng cho các lớp đánh giá theo Thông tư 22 và Thông tư 27.",
            field="class_id",
            value=class_id,
        )
    subjects = [
        SubjectPlan(s.code, s.name, s.periods_per_year, s.assessment == "scored")
        for s in await uow.scores.class_subject_list(class_id)
    ]
    roster = sorted(
        await uow.scores.class_students(class_id),
        key=lambda s: class_list_key(family_name=s.family_name, middle_name=s.middle_name, given_name=s.given_name),
    )
    sheets = {
        (s.code, semester): await uow.scores.sheet_values((class_id, s.code, semester))
        for s in subjects
        for semester in (1, 2)
    }
    exemptions = await uow.records.exemptions_for_class(class_id)
    conduct = await uow.records.conduct_for_class(class_id)
    absences = await uow.records.attendance_totals(class_id, klass.year)
    retests = await uow.results.retests(class_id)
    summer = await uow.results.summer_training(class_id)
    scored = {s.code: s.scored for s in subjects}
    students: list[StudentYear] = []
    for st in roster:
        cells = {
            key: {column: value for (sid, column), value in values.items() if sid == st.id}
            for key, values in sheets.items()
        }
        summary = conduct.get(st.id)
        training = {
            semester: level
            for semester, level in (
                (1, summary.semester1 if summary else None),
                (2, summary.semester2 if summary else None),
            )
            if level is not None
        }
        students.append(
            StudentYear(
                student_id=st.id,
                full_name=st.full_name,
                cells=cells,
                exempt=frozenset((subject, semester) for sid, subject, semester in exemptions if sid == st.id),
                training=training,
                absent_sessions=absences[st.id].year.total if st.id in absences else 0,
                retest={
                    subject: Decimal(value) if scored.get(subject, True) else value == "Đ"
                    for (sid, subject), value in retests.items()
                    if sid == st.id
                },
                summer_training=LEVELS[summer[st.id]] if st.id in summer else None,
            )
        )
    return _ClassData(klass, grade, subjects, students, await uow.results.approvals(class_id))


async def _primary_class_data(uow: GradebookUnitOfWork, klass: ClassInfo, grade: int) -> _ClassData:
    """A TT27 class: sheet cells (test scores as whole numbers), end-of-semester ratings, summer outcomes."""
    class_id = klass.id
    subjects = [
        SubjectPlan(s.code, s.name, s.periods_per_year, s.assessment == "scored")
        for s in await uow.scores.class_subject_list(class_id)
    ]
    roster = sorted(
        await uow.scores.class_students(class_id),
        key=lambda s: class_list_key(family_name=s.family_name, middle_name=s.middle_name, given_name=s.given_name),
    )
    sheets = {
        (s.code, semester): await uow.scores.sheet_values((class_id, s.code, semester))
        for s in subjects
        for semester in (1, 2)
    }
    conduct = await uow.records.conduct_for_class(class_id)
    absences = await uow.records.attendance_totals(class_id, klass.year)
    summer = await uow.results.summer_training(class_id)
    tests = {MIDTERM_TEST, FINAL_TEST}
    pupils: list[PrimaryStudentYear] = []
    for st in roster:
        cells = {
            key: {
                column: Decimal(int(value)) if column in tests and isinstance(value, Decimal) else value
                for (sid, column), value in values.items()
                if sid == st.id
            }
            for key, values in sheets.items()
        }
        summary = conduct.get(st.id)
        ratings = {} if summary is None else summary.ratings
        pupils.append(
            PrimaryStudentYear(
                student_id=st.id,
                full_name=st.full_name,
                cells=cells,
                ratings={semester: r for semester in (1, 2) if (r := ratings.get((semester, "end"))) is not None},
                absent_sessions=absences[st.id].year.total if st.id in absences else 0,
                supplementary=None if st.id not in summer else summer[st.id] == SUPPLEMENTARY_STORED[True],
            )
        )
    return _ClassData(klass, grade, subjects, [], await uow.results.approvals(class_id), primary=pupils)


def _compute_primary(
    data: _ClassData, pupils: list[PrimaryStudentYear], period: ResultPeriod
) -> tuple[list[str], list[dict[str, Any]]]:
    grade, subjects = data.grade, data.subjects
    if period in ("hk1", "hk2"):
        semester = 1 if period == "hk1" else 2
        gaps = primary_missing(period, subjects, pupils, grade=grade)
        return gaps, [] if gaps else [primary_semester_row(semester, subjects, p, grade=grade) for p in pupils]
    gaps = primary_missing("year", subjects, pupils, grade=grade)
    if gaps:
        return gaps, []
    year_rows = [primary_year_row(subjects, p, grade=grade) for p in pupils]
    if period == "year":
        return [], year_rows
    by_id = {p.student_id: p for p in pupils}
    gaps = primary_summer_round_missing(year_rows, by_id)
    if gaps:
        return gaps, []
    owing = sorted(r["student_id"] for r in year_rows if pending_summer_round(r))
    return [], [primary_year_row(subjects, by_id[sid], grade=grade, with_summer_round=True) for sid in owing]


def _compute(data: _ClassData, period: ResultPeriod) -> tuple[list[str], list[dict[str, Any]]]:
    if data.primary is not None:
        return _compute_primary(data, data.primary, period)
    if period in ("hk1", "hk2"):
        semester = 1 if period == "hk1" else 2
        gaps = missing(period, data.subjects, data.students)
        rows = [] if gaps else [semester_row(semester, data.subjects, s) for s in data.students]
        return gaps, rows
    gaps = missing("year", data.subjects, data.students)
    if gaps:
        return gaps, []
    year_rows = [year_row(data.subjects, s) for s in data.students]
    if period == "year":
        return [], year_rows
    owing = {r["student_id"] for r in year_rows if pending_summer_round(r)}
    by_id = {s.student_id: s for s in data.students}
    gaps = summer_round_missing(year_rows, by_id)
    if gaps:
        return gaps, []
    return [], [year_row(data.subjects, by_id[sid], with_summer_round=True) for sid in sorted(owing)]


async def period_results(
    uow: GradebookUnitOfWork, *, caller: Caller, class_id: str, period: ResultPeriod
) -> PeriodResults:
    """The class's results for a period as they stand now, or what is still missing (for the homeroom teacher)."""
    await authorize(caller.user, Permission.SCORES_READ, (ScopeType.CLASS, class_id), resolver=caller.resolver)
    async with uow:
        data = await _class_data(uow, class_id)
    gaps, rows = _compute(data, period)
    k = data.klass
    return PeriodResults(k.school_id, k.id, k.name, k.year, period, gaps, rows, data.approvals)


def _missing_error(period: ResultPeriod, gaps: Sequence[str]) -> Conflict:
    shown = list(gaps[:50])
    return Conflict(
        f"Chưa đủ dữ liệu để gửi duyệt kết quả {PERIOD_LABELS[period]}: còn {len(gaps)} mục (ví dụ: {shown[0]}).",
        field="period",
        value=period,
        missing=shown,
        missing_count=len(gaps),
    )


async def submit(uow: GradebookUnitOfWork, *, caller: Caller, class_id: str, period: ResultPeriod) -> Approval:
    """The homeroom teacher submits the period's results (and lists) for the principal's approval."""
    await authorize(caller.user, Permission.RESULTS_SUBMIT, (ScopeType.CLASS, class_id), resolver=caller.resolver)
    async with uow:
        data = await _class_data(uow, class_id)
        await uow.scores.serialize_school(data.klass.school_id)
        current = next((a for a in reversed(data.approvals) if a.period == period), None)
        if current is not None and current.status == "submitted":
            raise Conflict(
                f"Kết quả {PERIOD_LABELS[period]} của lớp {data.klass.name} đang chờ hiệu trưởng duyệt.",
                field="period",
                value=period,
                approval_id=current.id,
            )
        check_can_submit(
            current, approved_periods={a.period for a in data.approvals if a.status == "approved"}, period=period
        )
        gaps, rows = _compute(data, period)
        if gaps:
            raise _missing_error(period, gaps)
        approval = Approval(
            id=str(uuid.uuid4()),
            school_id=data.klass.school_id,
            class_id=class_id,
            school_year=data.klass.year,
            period=period,
            status="submitted",
            snapshot=rows,
            snapshot_hash=snapshot_hash(rows),
            submitted_by=caller.user.sub,
            submitted_by_name=caller.user.username,
            submitted_at=datetime.now(UTC),
        )
        await uow.results.add_approval(approval)
        uow.audit.record(
            chain=approval.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="results.submitted",
            entity="results",
            entity_id=f"{class_id}:{period}",
            after={"approval_id": approval.id, "snapshot_hash": approval.snapshot_hash, "students": len(rows)},
        )
        await uow.commit()
        return approval


async def decide_approval(
    uow: GradebookUnitOfWork, *, caller: Caller, approval_id: str, approve: bool, note: str | None
) -> Approval:
    """The principal approves what was submitted (locking the period, announcing results) or returns it."""
    async with uow:
        found = await uow.results.approval(approval_id)
    if found is None:
        raise NotFound(f"Không tìm thấy hồ sơ duyệt kết quả {approval_id}.", field="approval_id", value=approval_id)
    await authorize(
        caller.user, Permission.RESULTS_APPROVE, (ScopeType.SCHOOL, found.school_id), resolver=caller.resolver
    )
    if not approve and not (note or "").strip():
        raise InvalidInput("Trả lại kết quả cần ghi rõ lí do (note).", field="note", value=note)
    async with uow:
        await uow.scores.serialize_school(found.school_id)
        current = await uow.results.approval(approval_id)
        assert current is not None  # never deleted
        data = await _class_data(uow, current.class_id)
        _, rows = _compute(data, current.period)
        now = datetime.now(UTC)
        decided = decide(
            current, approve=approve, by=caller.user.username, at=now, note=note, current_hash=snapshot_hash(rows)
        )
        await uow.results.save_decision(decided)
        uow.audit.record(
            chain=decided.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="results.approved" if approve else "results.returned",
            entity="results",
            entity_id=f"{decided.class_id}:{decided.period}",
            before={"status": current.status},
            after={"status": decided.status, "snapshot_hash": decided.snapshot_hash},
            reason=note,
        )
        if approve:
            await _lock_period(uow, decided, by=caller.user.username, by_id=caller.user.sub, at=now)
            year_id = await uow.results.class_school_year_id(decided.class_id)
            _announce(uow, decided, data.grade, school_year_id=year_id or decided.school_year, approved_at=now)
        await uow.commit()
        return decided


async def _lock_period(uow: GradebookUnitOfWork, approval: Approval, *, by: str, by_id: str, at: datetime) -> None:
    """Approval closes the period: a semester's cells of the class, or the whole class at year end."""
    if approval.period == "retest":
        return
    semester = {"hk1": 1, "hk2": 2}.get(approval.period)
    lock = Lock(
        id=str(uuid.uuid4()),
        school_id=approval.school_id,
        scope="class",
        class_id=approval.class_id,
        subject_code=None,
        semester=semester,
        column=None,
        locked_by=by,
        locked_at=at,
    )
    await uow.scores.add_lock(lock)
    uow.audit.record(
        chain=approval.school_id,
        actor_id=by_id,
        actor_name=by,
        action="lock.set",
        entity="lock",
        entity_id=lock.id,
        after={"scope": "class", "class_id": approval.class_id, "semester": semester, "reason": "results.approved"},
    )
    uow.emit(
        GradebookLocked(
            lock_id=lock.id,
            school_id=lock.school_id,
            scope=lock.scope,
            class_id=lock.class_id,
            semester=lock.semester,
            locked_by=by,
            locked_at=at,
        ),
        partition_key=lock.school_id,
    )


def _announce(
    uow: GradebookUnitOfWork, approval: Approval, grade: int, *, school_year_id: str, approved_at: datetime
) -> None:
    uow.emit(
        ClassResultsApproved(
            approval_id=approval.id,
            school_id=approval.school_id,
            class_id=approval.class_id,
            school_year=approval.school_year,
            period=approval.period,
            submitted_by=approval.submitted_by_name,
            approved_by=approval.decided_by or "",
            approved_at=approved_at,
            snapshot_hash=approval.snapshot_hash,
            students=[StudentResult.model_validate(row) for row in approval.snapshot],
        ),
        partition_key=approval.school_id,
        subject=f"{approval.class_id}:{approval.period}",
    )
    if approval.period not in ("year", "retest"):
        return
    for row in approval.snapshot:
        if row["outcome"] not in ("len_lop", "o_lai_lop"):
            continue  # still owes a retest or summer training: decided in the summer round
        outcome = "retained" if row["outcome"] == "o_lai_lop" else "graduated" if grade in LAST_GRADES else "promoted"
        uow.emit(
            StudentPromotionDecided(
                student_id=row["student_id"],
                school_id=approval.school_id,
                school_year_id=school_year_id,
                outcome=outcome,
                decided_at=approved_at,
            ),
            partition_key=approval.school_id,
            subject=row["student_id"],
        )


@dataclass(frozen=True)
class RetestEntry:
    student_id: str
    subject_code: str
    value: Decimal | str | int


@dataclass(frozen=True)
class SummerTrainingEntry:
    student_id: str
    level: str


def _owed(approvals: Sequence[Approval], class_name: str) -> dict[str, dict[str, Any]]:
    """The approved year rows of the students who owe a retest or summer training, by student id."""
    if _approved(approvals, "retest") is not None:
        raise Conflict(
            f"Kết quả sau kiểm tra lại của lớp {class_name} đã được phê duyệt; không sửa được nữa.",
            field="period",
            value="retest",
        )
    year = _approved(approvals, "year")
    if year is None:
        raise Conflict(
            f"Kết quả cả năm của lớp {class_name} chưa được phê duyệt: chưa có danh sách kiểm tra lại, rèn luyện hè.",
            field="period",
            value="year",
        )
    return {row["student_id"]: row for row in year.snapshot if pending_summer_round(row)}


async def record_retests(
    uow: GradebookUnitOfWork, *, caller: Caller, class_id: str, entries: Sequence[RetestEntry]
) -> int:
    """The subject teacher enters retest results of the students on the approved retest list (audited)."""
    for subject in sorted({e.subject_code for e in entries}):
        await authorize(
            caller.user,
            Permission.SCORES_ENTER,
            (ScopeType.CLASS_SUBJECT, f"{class_id}:{subject}"),
            resolver=caller.resolver,
        )
    async with uow:
        klass = await uow.scores.class_info(class_id)
        if klass is None:
            raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
        await uow.scores.serialize_school(klass.school_id)
        owed = _owed(await uow.results.approvals(class_id), klass.name)
        subjects = {s.code: s for s in await uow.scores.class_subject_list(class_id)}
        current = await uow.results.retests(class_id)
        now = datetime.now(UTC)
        for index, e in enumerate(entries):
            row = owed.get(e.student_id)
            if row is None or e.subject_code not in row["retest_subjects"]:
                raise InvalidInput(
                    f"Học sinh {row['full_name'] if row else e.student_id} không có tên trong danh sách kiểm tra lại "
                    f"môn {e.subject_code}.",
                    field=f"entries[{index}]",
                    value={"student_id": e.student_id, "subject_code": e.subject_code},
                )
            if subjects[e.subject_code].assessment == "scored":
                value = str(parse_score(e.value, student=row["full_name"], column="Kiểm tra lại"))
            else:
                value = parse_rating(e.value, student=row["full_name"], column="Kiểm tra lại").value
            old = current.get((e.student_id, e.subject_code))
            if old == value:
                continue
            await uow.results.set_retest(
                class_id=class_id,
                school_id=klass.school_id,
                student_id=e.student_id,
                subject_code=e.subject_code,
                value=value,
                by=caller.user.username,
                at=now,
            )
            uow.audit.record(
                chain=klass.school_id,
                actor_id=caller.user.sub,
                actor_name=caller.user.username,
                action="retest.recorded",
                entity="retest",
                entity_id=f"{class_id}:{e.subject_code}:{e.student_id}",
                before=old,
                after=value,
            )
        await uow.commit()
        return len(entries)


async def record_summer_training(
    uow: GradebookUnitOfWork, *, caller: Caller, class_id: str, entries: Sequence[SummerTrainingEntry]
) -> int:
    """The homeroom teacher enters the summer-training results of the students who owed it (audited)."""
    await authorize(caller.user, Permission.CONDUCT_RATE, (ScopeType.CLASS, class_id), resolver=caller.resolver)
    async with uow:
        klass = await uow.scores.class_info(class_id)
        if klass is None:
            raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
        await uow.scores.serialize_school(klass.school_id)
        owed = _owed(await uow.results.approvals(class_id), klass.name)
        current = await uow.results.summer_training(class_id)
        now = datetime.now(UTC)
        for index, e in enumerate(entries):
            row = owed.get(e.student_id)
            if row is not None and row.get("rule_set") == PRIMARY_RULE_SET:
                # A primary pupil's summer entry is the supplementary evaluation's outcome (ADR 0017).
                if e.level not in SUPPLEMENTARY_OUTCOMES:
                    raise InvalidInput(
                        f"Kết quả đánh giá bổ sung '{e.level}' của học sinh {row['full_name']} không hợp lệ: chỉ nhận "
                        "Đạt (hoàn thành chương trình lớp học) hoặc Chưa đạt.",
                        field=f"entries[{index}].level",
                        value=e.level,
                    )
                stored = SUPPLEMENTARY_STORED[SUPPLEMENTARY_OUTCOMES[e.level]]
                if current.get(e.student_id) != stored:
                    await uow.results.set_summer_training(
                        class_id=class_id,
                        school_id=klass.school_id,
                        student_id=e.student_id,
                        level=stored,
                        by=caller.user.username,
                        at=now,
                    )
                    uow.audit.record(
                        chain=klass.school_id,
                        actor_id=caller.user.sub,
                        actor_name=caller.user.username,
                        action="supplementary_evaluation.recorded",
                        entity="summer_training",
                        entity_id=f"{class_id}:{e.student_id}",
                        before=current.get(e.student_id),
                        after=stored,
                    )
                continue
            if row is None or row["training"]["year"] != tt22.Level.CHUA_DAT.label:
                raise InvalidInput(
                    f"Học sinh {row['full_name'] if row else e.student_id} không thuộc diện rèn luyện hè.",
                    field=f"entries[{index}].student_id",
                    value=e.student_id,
                )
            if e.level not in LEVELS:
                raise InvalidInput(
                    f"Kết quả rèn luyện hè '{e.level}' không hợp lệ: chỉ nhận {', '.join(LEVELS)}.",
                    field=f"entries[{index}].level",
                    value=e.level,
                )
            old = current.get(e.student_id)
            if old == e.level:
                continue
            await uow.results.set_summer_training(
                class_id=class_id,
                school_id=klass.school_id,
                student_id=e.student_id,
                level=e.level,
                by=caller.user.username,
                at=now,
            )
            uow.audit.record(
                chain=klass.school_id,
                actor_id=caller.user.sub,
                actor_name=caller.user.username,
                action="summer_training.recorded",
                entity="summer_training",
                entity_id=f"{class_id}:{e.student_id}",
                before=old,
                after=e.level,
            )
        await uow.commit()
        return len(entries)


async def school_queue(
    uow: GradebookUnitOfWork, *, caller: Caller, school_id: str, status: ApprovalStatus | None
) -> list[Approval]:
    """The school's result submissions (the principal's approval queue)."""
    await authorize(caller.user, Permission.RESULTS_APPROVE, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    async with uow:
        return await uow.results.school_approvals(school_id, status=status)


async def check_period_open(uow: GradebookUnitOfWork, *, class_id: str, class_name: str, semester: int | None) -> None:
    """Refuse to change a semester's records (conduct, exemptions) once its results are approved.

    `semester` None means the change touches the whole year (both semesters).
    """
    approvals = await uow.results.approvals(class_id)
    periods = ["hk1", "hk2", "year"] if semester is None else [f"hk{semester}", "year"]
    closed = next((a for p in periods if (a := _approved(approvals, p)) is not None), None)
    if closed is not None:
        raise Conflict(
            f"Kết quả {PERIOD_LABELS[closed.period]} của lớp {class_name} đã được hiệu trưởng phê duyệt ngày "
            f"{closed.decided_at:%d/%m/%Y}; không thay đổi được dữ liệu của kì này.",
            field="semester",
            value=semester,
            approval_id=closed.id,
        )
