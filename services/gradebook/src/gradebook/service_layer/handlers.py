"""Use cases of score entry and corrections (locks: locking.py): async functions over a command and a unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from edu_shared.auth.permissions import Permission, ScopeResolver, authorize
from edu_shared.auth.principal import CurrentUserClaims, ScopeType
from edu_shared.contracts.gradebook import ScoreChange, ScoresRecorded
from edu_shared.errors import Conflict, InvalidInput, NotFound
from gradebook.adapters.scores_repo import ClassInfo, HistoryRow, SheetKey, SubjectInfo
from gradebook.domain.corrections import Correction, CorrectionStatus, decide, require_evidence
from gradebook.domain.locks import Cell, Lock, Upcoming, locked_error, upcoming
from gradebook.domain.results import SubjectYear, learning_for
from gradebook.domain.rules import tt22
from gradebook.domain.rules.selection import rule_set_for
from gradebook.domain.rules.tt22 import LearningResult
from gradebook.domain.sheet import (
    CellValue,
    Entry,
    SemesterResult,
    class_list_key,
    format_value,
    parse_stored,
)
from gradebook.domain.sheet_layout import SheetLayout, check_sheet_entries, layout_result, sheet_layout
from gradebook.service_layer import locking
from gradebook.service_layer.calendar import check_correction_cutoff
from gradebook.service_layer.uow import GradebookUnitOfWork


@dataclass(frozen=True)
class Caller:
    """Who acts, and how their grants are resolved against the org tree."""

    user: CurrentUserClaims
    resolver: ScopeResolver


@dataclass(frozen=True)
class RecordScores:
    class_id: str
    subject_code: str
    semester: int
    entries: Sequence[Entry]
    # The sheet version the teacher's screen was showing; None skips the check (a single cell typed on its own).
    expected_version: int | None = None


class SheetChanged(Conflict):
    """Someone else saved the sheet since the caller loaded it: nothing is written, the caller reloads."""

    slug = "sheet-changed"
    title = "Bảng điểm đã được người khác thay đổi"


@dataclass(frozen=True)
class SheetRow:
    student_id: str
    full_name: str
    values: dict[str, CellValue]
    result: SemesterResult


@dataclass(frozen=True)
class Sheet:
    school_id: str
    class_id: str
    class_name: str
    school_year: str
    subject: SubjectInfo
    semester: int
    columns: list[str]
    rows: list[SheetRow]
    locked_columns: dict[str, Lock] = field(default_factory=dict)
    version: int = 0
    scheduled_locks: list[Upcoming] = field(default_factory=list)  # not yet in force, soonest first
    layout: SheetLayout | None = None  # what each column accepts (TT22 or TT27)

    def only(self, student_id: str) -> Sheet:
        """The same sheet holding one student's row (what their parents may see)."""
        return replace(self, rows=[r for r in self.rows if r.student_id == student_id])


def _class_subject_scope(class_id: str, subject_code: str) -> tuple[ScopeType, str]:
    return (ScopeType.CLASS_SUBJECT, f"{class_id}:{subject_code}")


async def _sheet_target(uow: GradebookUnitOfWork, *, class_id: str, subject_code: str) -> tuple[ClassInfo, SubjectInfo]:
    klass = await uow.scores.class_info(class_id)
    if klass is None:
        raise NotFound(f"Không tìm thấy lớp {class_id}.", class_id=class_id)
    subject = await uow.scores.subject(class_id=class_id, subject_code=subject_code)
    if subject is None:
        raise NotFound(
            f"Lớp {klass.name} không học môn {subject_code} trong năm học {klass.year}.",
            class_id=class_id,
            subject_code=subject_code,
        )
    return klass, subject


async def class_rule_set(uow: GradebookUnitOfWork, klass: ClassInfo) -> tuple[str, int]:
    """The rule set governing the class and its grade; a class whose grade is unknown keeps the TT22 sheet."""
    grade = await uow.results.class_grade(klass.id)
    if grade is None:
        return tt22.RULE_SET, 0
    return rule_set_for(grade=grade, school_year_start=int(klass.year[:4])), grade


async def _layout(uow: GradebookUnitOfWork, klass: ClassInfo, subject: SubjectInfo, semester: int) -> SheetLayout:
    rule_set, grade = await class_rule_set(uow, klass)
    return sheet_layout(
        rule_set=rule_set,
        grade=grade,
        subject_code=subject.code,
        assessment=subject.assessment,
        periods_per_year=subject.periods_per_year,
        semester=semester,
    )


async def _sheet_values(
    uow: GradebookUnitOfWork, key: SheetKey, layout: SheetLayout
) -> dict[tuple[str, str], CellValue]:
    """The sheet's stored cells as the layout writes them (a test score read back as 7.0 is the 7 written)."""
    values = await uow.scores.sheet_values(key)
    if not layout.primary:
        return values
    return {(sid, column): layout.canonical(column, v) for (sid, column), v in values.items()}


async def record_scores(cmd: RecordScores, uow: GradebookUnitOfWork, *, caller: Caller) -> list[ScoreChange]:
    """Save a batch of entries all-or-nothing: every change is checked, lock-checked, audited and announced."""
    await authorize(
        caller.user,
        Permission.SCORES_ENTER,
        _class_subject_scope(cmd.class_id, cmd.subject_code),
        resolver=caller.resolver,
    )
    async with uow:
        klass, subject = await _sheet_target(uow, class_id=cmd.class_id, subject_code=cmd.subject_code)
        await uow.scores.serialize_school(klass.school_id)
        roster = {s.id: s.full_name for s in await uow.scores.class_students(cmd.class_id)}
        layout = await _layout(uow, klass, subject, cmd.semester)
        checked = check_sheet_entries(cmd.entries, layout=layout, students=roster)
        key: SheetKey = (cmd.class_id, cmd.subject_code, cmd.semester)
        if cmd.expected_version is not None:
            await _check_version(uow, key, expected=cmd.expected_version, roster=roster)
        current = await _sheet_values(uow, key, layout)
        changes = [
            ScoreChange(
                student_id=e.student_id,
                column=e.column,
                old=format_value(current.get((e.student_id, e.column))),
                new=format_value(e.value),
            )
            for e in checked
        ]
        changes = [c for c in changes if c.old != c.new]
        if not changes:
            return []
        locks = await uow.scores.active_locks(school_id=klass.school_id)
        blocked: list[tuple[Lock, Cell, ScoreChange]] = []
        for change in changes:
            cell = Cell(klass.school_id, cmd.class_id, cmd.subject_code, cmd.semester, change.column)
            lock = next((lk for lk in locks if lk.covers(cell)), None)
            if lock is not None:
                blocked.append((lock, cell, change))
        if blocked:
            lock, cell, change = blocked[0]
            raise locked_error(
                lock,
                cell,
                student_id=change.student_id,
                student_name=roster[change.student_id],
                cells=[{"student_id": c.student_id, "column": c.column, "lock_id": lk.id} for lk, _, c in blocked],
            )
        values = {(e.student_id, e.column): e.value for e in checked}
        await _apply_changes(
            uow,
            klass=klass,
            key=key,
            changes=changes,
            values=values,
            by=caller.user.sub,
            by_name=caller.user.name or caller.user.username,
            source="entry",
        )
        # A column opened for one fix locks again with this save, in this transaction (DOMAIN §4).
        await locking.relock_after_save(
            uow, school_id=klass.school_id, key=key, columns=[c.column for c in changes], caller=caller
        )
        await uow.commit()
        return changes


async def _check_version(uow: GradebookUnitOfWork, key: SheetKey, *, expected: int, roster: Mapping[str, str]) -> None:
    version = await uow.scores.sheet_version(key)
    if version == expected:
        return
    since = (await uow.scores.history(key))[expected:] if 0 <= expected < version else []
    cells = [
        {
            "student_id": h.student_id,
            "column": h.column,
            "old": h.old_value,
            "new": h.new_value,
            "by": h.changed_by_name,
        }
        for h in since
    ]
    who = sorted({h.changed_by_name for h in since})
    raise SheetChanged(
        f"Bảng điểm đã có {version - expected} thay đổi"
        f"{' của ' + ', '.join(who) if who else ''} kể từ khi bạn mở (phiên bản {expected}, hiện tại {version}). "
        "Không có điểm nào được lưu; hãy tải lại bảng điểm rồi nhập lại.",
        field="expected_version",
        value=expected,
        current_version=version,
        changed_cells=[{**c, "student_name": roster.get(str(c["student_id"]), "")} for c in cells[:200]],
    )


async def _apply_changes(
    uow: GradebookUnitOfWork,
    *,
    klass: ClassInfo,
    key: SheetKey,
    changes: Sequence[ScoreChange],
    values: Mapping[tuple[str, str], CellValue | None],
    by: str,
    by_name: str,
    source: Literal["entry", "correction"],
    approved_by: str | None = None,
    correction_id: str | None = None,
    reason: str | None = None,
) -> None:
    """Write the new values, their history and audit entries and the ScoresRecorded event, in one transaction."""
    class_id, subject_code, semester = key
    now = datetime.now(UTC)
    history: list[dict[str, object]] = []
    for change in changes:
        uow.audit.record(
            chain=klass.school_id,
            actor_id=by,
            actor_name=by_name,
            action="score.corrected" if source == "correction" else "score.entered",
            entity="score",
            entity_id=f"{class_id}:{subject_code}:{semester}:{change.student_id}:{change.column}",
            before=change.old,
            after=change.new,
            reason=None if correction_id is None else f"{reason} (yêu cầu {correction_id}, duyệt: {approved_by})",
        )
        history.append(
            {
                "school_id": klass.school_id,
                "class_id": class_id,
                "subject_code": subject_code,
                "semester": semester,
                "student_id": change.student_id,
                "column": change.column,
                "old_value": change.old,
                "new_value": change.new,
                "source": source,
                "changed_by": by,
                "changed_by_name": by_name,
                "changed_at": now,
                "approved_by": approved_by,
                "correction_id": correction_id,
            }
        )
    # One statement for the whole batch, not one per cell: a saved sheet is hundreds of cells.
    await uow.scores.set_values(
        key,
        school_id=klass.school_id,
        values={(c.student_id, c.column): values[(c.student_id, c.column)] for c in changes},
        by=by,
        at=now,
    )
    await uow.scores.append_history(history)
    uow.emit(
        ScoresRecorded(
            school_id=klass.school_id,
            class_id=class_id,
            subject_code=subject_code,
            school_year=klass.year,
            semester=semester,
            source=source,
            recorded_by=by,
            recorded_at=now,
            changes=list(changes),
        ),
        partition_key=klass.school_id,
        subject=f"{class_id}:{subject_code}",
    )


async def score_sheet(
    uow: GradebookUnitOfWork, *, caller: Caller, class_id: str, subject_code: str, semester: int
) -> Sheet:
    """The sheet in class-list order, with each student's computed semester result (TT22 or TT27 layout)."""
    await authorize(
        caller.user, Permission.SCORES_READ, _class_subject_scope(class_id, subject_code), resolver=caller.resolver
    )
    async with uow:
        klass, subject = await _sheet_target(uow, class_id=class_id, subject_code=subject_code)
        students = sorted(
            await uow.scores.class_students(class_id),
            key=lambda s: class_list_key(family_name=s.family_name, middle_name=s.middle_name, given_name=s.given_name),
        )
        layout = await _layout(uow, klass, subject, semester)
        values = await _sheet_values(uow, (class_id, subject_code, semester), layout)
        sheet_columns = layout.columns
        rows: list[SheetRow] = []
        for s in students:
            row = {c: values[(s.id, c)] for c in sheet_columns if (s.id, c) in values}
            rows.append(
                SheetRow(student_id=s.id, full_name=s.full_name, values=row, result=layout_result(row, layout=layout))
            )
        locks = await uow.scores.active_locks(school_id=klass.school_id)
        locked: dict[str, Lock] = {}
        for c in sheet_columns:
            found = next(
                (lk for lk in locks if lk.covers(Cell(klass.school_id, class_id, subject_code, semester, c))), None
            )
            if found is not None:
                locked[c] = found
        sheet_cells = [Cell(klass.school_id, class_id, subject_code, semester, c) for c in sheet_columns]
        scheduled = upcoming(locks, sheet_cells, at=datetime.now(UTC))
        version = await uow.scores.sheet_version((class_id, subject_code, semester))
        return Sheet(
            version=version,
            school_id=klass.school_id,
            class_id=class_id,
            class_name=klass.name,
            school_year=klass.year,
            subject=subject,
            semester=semester,
            columns=sheet_columns,
            rows=rows,
            locked_columns=locked,
            scheduled_locks=scheduled,
            layout=layout,
        )


async def sheet_history(
    uow: GradebookUnitOfWork, *, caller: Caller, class_id: str, subject_code: str, semester: int
) -> list[HistoryRow]:
    """Every change of the sheet's cells, oldest first (lưu vết)."""
    await authorize(
        caller.user, Permission.SCORES_READ, _class_subject_scope(class_id, subject_code), resolver=caller.resolver
    )
    async with uow:
        await _sheet_target(uow, class_id=class_id, subject_code=subject_code)
        return await uow.scores.history((class_id, subject_code, semester))


@dataclass(frozen=True)
class RequestCorrection:
    class_id: str
    subject_code: str
    semester: int
    student_id: str
    column: str
    value: Decimal | str | int | None
    reason: str
    evidence: str | None = None
    witnesses: tuple[str, ...] = ()


async def request_correction(
    cmd: RequestCorrection, uow_factory: Callable[[], GradebookUnitOfWork], *, caller: Caller
) -> Correction:
    """A teacher asks to change a locked cell (old value, new value, reason, evidence); the principal decides."""
    await authorize(
        caller.user,
        Permission.SCORES_ENTER,
        _class_subject_scope(cmd.class_id, cmd.subject_code),
        resolver=caller.resolver,
    )
    async with uow_factory() as uow:
        klass, subject = await _sheet_target(uow, class_id=cmd.class_id, subject_code=cmd.subject_code)
        await check_correction_cutoff(uow, school_id=klass.school_id, school_year=klass.year, semester=cmd.semester)
        roster = {s.id: s.full_name for s in await uow.scores.class_students(cmd.class_id)}
        layout = await _layout(uow, klass, subject, cmd.semester)
        (checked,) = check_sheet_entries(
            [Entry(student_id=cmd.student_id, column=cmd.column, value=cmd.value)], layout=layout, students=roster
        )
        current = await _sheet_values(uow, (cmd.class_id, cmd.subject_code, cmd.semester), layout)
        old = format_value(current.get((cmd.student_id, cmd.column)))
        new = format_value(checked.value)
        if old == new:
            raise InvalidInput(
                f"Cột {cmd.column} của học sinh {roster[cmd.student_id]} đã là {old or 'trống'}: không có gì để sửa.",
                student_id=cmd.student_id,
                column=cmd.column,
            )
        cell = Cell(klass.school_id, cmd.class_id, cmd.subject_code, cmd.semester, cmd.column)
        if not any(lk.covers(cell) for lk in await uow.scores.active_locks(school_id=klass.school_id)):
            raise Conflict(
                f"Cột {cmd.column} chưa khóa: giáo viên nhập hoặc sửa điểm trực tiếp, không cần yêu cầu sửa điểm.",
                column=cmd.column,
            )
        correction = Correction(
            id=str(uuid.uuid4()),
            school_id=klass.school_id,
            class_id=cmd.class_id,
            subject_code=cmd.subject_code,
            semester=cmd.semester,
            student_id=cmd.student_id,
            column=cmd.column,
            old_value=old,
            new_value=new,
            reason=cmd.reason,
            evidence=cmd.evidence,
            witnesses=cmd.witnesses,
            status="pending",
            requested_by=caller.user.sub,
            requested_by_name=caller.user.name or caller.user.username,
            requested_at=datetime.now(UTC),
        )
        await uow.scores.add_correction(correction)
        uow.audit.record(
            chain=klass.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="correction.requested",
            entity="correction",
            entity_id=correction.id,
            before=old,
            after=new,
            reason=cmd.reason,
        )
        await uow.commit()
        return correction


async def decide_correction(
    correction_id: str,
    uow_factory: Callable[[], GradebookUnitOfWork],
    *,
    approve: bool,
    note: str | None,
    caller: Caller,
) -> Correction:
    """The principal approves (the change is applied, lock or not, with the approver recorded) or rejects."""
    async with uow_factory() as uow:
        found = await uow.scores.correction(correction_id)
    if found is None:
        raise NotFound(f"Không tìm thấy yêu cầu sửa điểm {correction_id}.", correction_id=correction_id)
    await authorize(
        caller.user, Permission.CORRECTION_APPROVE, (ScopeType.SCHOOL, found.school_id), resolver=caller.resolver
    )
    async with uow_factory() as uow:
        await uow.scores.serialize_school(found.school_id)
        correction = await uow.scores.correction(correction_id)
        assert correction is not None  # never deleted
        klass, subject = await _sheet_target(uow, class_id=correction.class_id, subject_code=correction.subject_code)
        key: SheetKey = (correction.class_id, correction.subject_code, correction.semester)
        layout = await _layout(uow, klass, subject, correction.semester)
        current = format_value((await _sheet_values(uow, key, layout)).get((correction.student_id, correction.column)))
        decided = decide(
            correction, approve=approve, by=caller.user.username, at=datetime.now(UTC), note=note, current=current
        )
        if approve:
            require_evidence(correction, files=len(await uow.scores.evidence_files(correction.id)))
        await uow.scores.save_decision(decided)
        uow.audit.record(
            chain=correction.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="correction.approved" if approve else "correction.rejected",
            entity="correction",
            entity_id=correction.id,
            before={"status": correction.status},
            after={"status": decided.status, "old": correction.old_value, "new": correction.new_value},
            reason=note,
        )
        if approve:
            change = ScoreChange(
                student_id=correction.student_id,
                column=correction.column,
                old=correction.old_value,
                new=correction.new_value,
            )
            await _apply_changes(
                uow,
                klass=klass,
                key=key,
                changes=[change],
                values={(change.student_id, change.column): _stored(correction.new_value, layout, correction.column)},
                by=correction.requested_by,
                by_name=correction.requested_by_name,
                source="correction",
                approved_by=caller.user.username,
                correction_id=correction.id,
                reason=correction.reason,
            )
        await uow.commit()
        return decided


def _stored(text: str | None, layout: SheetLayout, column: str) -> CellValue | None:
    """A value's canonical text back to a cell value of the layout's column."""
    spec = layout.spec(column)
    if text is None or spec is None or not layout.primary:
        return parse_stored(text, layout.assessment)
    return parse_stored(text, "scored" if spec.accepts == "test" else "comment")


async def list_corrections(
    uow: GradebookUnitOfWork, *, caller: Caller, school_id: str, status: CorrectionStatus | None
) -> list[Correction]:
    """A school's correction requests, oldest first (for the principal's approval queue)."""
    await authorize(caller.user, Permission.CORRECTION_APPROVE, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    async with uow:
        return await uow.scores.corrections(school_id=school_id, status=status)


@dataclass(frozen=True)
class StudentResults:
    student_id: str
    full_name: str
    subjects: list[SubjectYear]
    learning: dict[str, LearningResult | None]  # "semester1", "semester2", "year"


@dataclass(frozen=True)
class ClassResults:
    class_id: str
    class_name: str
    school_year: str
    subjects: list[SubjectInfo]
    students: list[StudentResults]


async def class_results(uow: GradebookUnitOfWork, *, caller: Caller, class_id: str) -> ClassResults:
    """Every student's subject results for both semesters and the year, and the learning results (TT22)."""
    await authorize(caller.user, Permission.SCORES_READ, (ScopeType.CLASS, class_id), resolver=caller.resolver)
    async with uow:
        klass = await uow.scores.class_info(class_id)
        if klass is None:
            raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
        subjects = await uow.scores.class_subject_list(class_id)
        students = sorted(
            await uow.scores.class_students(class_id),
            key=lambda s: class_list_key(family_name=s.family_name, middle_name=s.middle_name, given_name=s.given_name),
        )
        # One query for all the class's sheets (not one per subject and semester): a school recomputes in < 1 s.
        per_student = await uow.scores.class_values(class_id)
        rule_set, grade = await class_rule_set(uow, klass)
    layouts = {
        (subject.code, semester): sheet_layout(
            rule_set=rule_set,
            grade=grade,
            subject_code=subject.code,
            assessment=subject.assessment,
            periods_per_year=subject.periods_per_year,
            semester=semester,
        )
        for subject in subjects
        for semester in (1, 2)
    }
    empty: dict[str, CellValue] = {}
    results: list[StudentResults] = []
    for student in students:
        cells = per_student.get(student.id, {})
        years: list[SubjectYear] = []
        for subject in subjects:
            # A cell outside the sheet's columns (periods changed since) never counts: the result reads only
            # the columns the layout asks for. A TT27 class has levels, not TT22 learning results (left None).
            semesters = [
                layout_result(cells.get((subject.code, semester), empty), layout=layouts[(subject.code, semester)])
                for semester in (1, 2)
            ]
            years.append(SubjectYear(subject.code, subject.assessment == "scored", semesters[0], semesters[1]))
        results.append(
            StudentResults(
                student_id=student.id,
                full_name=student.full_name,
                subjects=years,
                learning={
                    "semester1": learning_for(years, 1),
                    "semester2": learning_for(years, 2),
                    "year": learning_for(years, None),
                },
            )
        )
    return ClassResults(class_id, klass.name, klass.year, subjects, results)
