"""Use cases of student records: attendance, conduct, discipline and rewards, subject exemptions.

Every write is authorized (class records over the class, exemptions over the school), validated, audited in the
school's trail and announced on `edu.gradebook`, in one transaction. Reads of one student accept the grants
derived from that student (a parent, the student) beside the grants over the class.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from edu_shared.auth.permissions import Permission, Scope, ScopeResolver, authorize, holds
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.gradebook_records import (
    AttendanceChange,
    AttendanceRecorded,
    ConductChange,
    ConductRated,
    DisciplineRecorded,
    DisciplineRevoked,
    ExemptionGranted,
    ExemptionRevoked,
)
from edu_shared.errors import InvalidInput, NotFound
from gradebook.adapters.records_repo import MarkRow, RecordClass, Roll, RollKey
from gradebook.adapters.scores_repo import RosterStudent
from gradebook.domain import discipline as discipline_rules
from gradebook.domain import exemptions as exemption_rules
from gradebook.domain.attendance import (
    AttendanceStatus,
    AttendanceTotals,
    Mark,
    MarkEntry,
    StoredMark,
    check_marks,
    check_school_day,
    roll_changes,
    totals,
)
from gradebook.domain.conduct import (
    ConductEntry,
    ConductSummary,
    RuleSet,
    Stage,
    check_conduct,
    check_stage,
    conduct_snapshot,
    rule_set_for_grade,
)
from gradebook.domain.discipline import DisciplineRecord, check_record
from gradebook.domain.exemptions import Exemption, check_exemption, check_no_overlap
from gradebook.domain.sheet import class_list_key
from gradebook.service_layer.handlers import Caller
from gradebook.service_layer.uow import GradebookUnitOfWork
from gradebook.service_layer.year_end import check_period_open

# Vietnam keeps one offset all year (no daylight saving): "today" and "the future" are judged on school time.
SCHOOL_TIME = timezone(timedelta(hours=7))

UowFactory = Callable[[], GradebookUnitOfWork]


def school_today() -> date:
    return datetime.now(SCHOOL_TIME).date()


def _class_scope(class_id: str) -> Scope:
    return (ScopeType.CLASS, class_id)


async def _record_class(uow: GradebookUnitOfWork, class_id: str) -> RecordClass:
    klass = await uow.records.record_class(class_id)
    if klass is None:
        raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
    return klass


def _sorted(students: Sequence[RosterStudent]) -> list[RosterStudent]:
    return sorted(
        students,
        key=lambda s: class_list_key(family_name=s.family_name, middle_name=s.middle_name, given_name=s.given_name),
    )


@dataclass(frozen=True)
class _StudentOfClass:
    """Lineage of a student's scope that climbs to the class they are or were in, so grants over the class,
    the school and the units above reach the student's records, beside the student's own grants."""

    resolver: ScopeResolver
    student_id: str
    class_id: str
    enrolled: bool

    async def lineage(self, scope: Scope) -> set[Scope]:
        found = await self.resolver.lineage(scope)
        if self.enrolled and scope == (ScopeType.STUDENT, self.student_id):
            found |= await self.resolver.lineage(_class_scope(self.class_id))
        return found


async def _authorize_student_read(
    uow_factory: UowFactory, *, caller: Caller, class_id: str, student_id: str
) -> tuple[RecordClass, str]:
    """SCORES_READ over the student (their own grants, or any grant over their class); the class and name."""
    async with uow_factory() as uow:
        klass = await _record_class(uow, class_id)
        enrolled = await uow.records.ever_enrolled(class_id=class_id, student_id=student_id)
        name = await uow.records.student_name(student_id)
    resolver = _StudentOfClass(caller.resolver, student_id, class_id, enrolled)
    await authorize(caller.user, Permission.SCORES_READ, (ScopeType.STUDENT, student_id), resolver=resolver)
    if not enrolled or name is None:
        raise NotFound(f"Học sinh {student_id} không thuộc lớp {klass.name}.", field="student_id", value=student_id)
    return klass, name


# Attendance


@dataclass(frozen=True)
class RecordAttendance:
    class_id: str
    on: date
    session: str
    semester: int
    marks: Sequence[MarkEntry]
    period: int | None = None  # None: the whole session


def _status(mark: Mark | None) -> AttendanceStatus:
    return AttendanceStatus.PRESENT if mark is None else mark.status


def _mark_audit(mark: Mark | None) -> dict[str, object] | None:
    return None if mark is None else {"status": mark.status.value, "note": mark.note}


@dataclass(frozen=True)
class DayRow:
    student_id: str
    full_name: str
    marks: list[MarkRow]


@dataclass(frozen=True)
class ClassDay:
    klass: RecordClass
    on: date
    rolls: list[Roll]
    students: list[DayRow]


@dataclass(frozen=True)
class RollRecorded:
    changes: list[AttendanceChange]
    day: ClassDay  # the class's day as saved (a supervisor records rolls without reading the gradebook)


async def record_attendance(
    cmd: RecordAttendance, uow: GradebookUnitOfWork, *, caller: Caller, today: date | None = None
) -> RollRecorded:
    """Take or retake a class's roll for one day and session (or period): the listed students' marks replace the
    roll's earlier marks (students no longer listed are present); each change is audited and announced."""
    await authorize(caller.user, Permission.ATTENDANCE_RECORD, _class_scope(cmd.class_id), resolver=caller.resolver)
    async with uow:
        klass = await _record_class(uow, cmd.class_id)
        check_school_day(
            cmd.on,
            school_year=klass.year,
            today=today or school_today(),
            semester=cmd.semester,
            session=cmd.session,
            period=cmd.period,
        )
        await uow.scores.serialize_school(klass.school_id)
        other = await uow.records.semesters_on(class_id=cmd.class_id, on=cmd.on) - {cmd.semester}
        if other:
            raise InvalidInput(
                f"Ngày {cmd.on:%d/%m/%Y} của lớp {klass.name} đã được điểm danh thuộc học kì {min(other)}, "
                f"không thể ghi vào học kì {cmd.semester}.",
                field="semester",
                value=cmd.semester,
            )
        roster = {s.id: s.full_name for s in await uow.scores.class_students(cmd.class_id)}
        sent = check_marks(cmd.marks, students=roster)
        key = RollKey(cmd.class_id, cmd.on, cmd.session, cmd.period)
        # Marks of students who have since left the class stay as they were.
        current = {s: m for s, m in (await uow.records.roll_marks(key)).items() if s in roster}
        changes = roll_changes(current, sent)
        now = datetime.now(UTC)
        by, by_name = caller.user.sub, caller.user.username
        for change in changes:
            await uow.records.set_mark(
                key,
                student_id=change.student_id,
                mark=change.new,
                school_id=klass.school_id,
                school_year=klass.year,
                semester=cmd.semester,
                by=by,
                by_name=by_name,
                at=now,
            )
            uow.audit.record(
                chain=klass.school_id,
                actor_id=by,
                actor_name=by_name,
                action="attendance.recorded",
                entity="attendance",
                entity_id=f"{cmd.class_id}:{cmd.on.isoformat()}:{cmd.session}:{cmd.period or 0}:{change.student_id}",
                before=_mark_audit(change.old),
                after=_mark_audit(change.new),
            )
        await uow.records.save_roll(
            key,
            school_id=klass.school_id,
            school_year=klass.year,
            semester=cmd.semester,
            by=by,
            by_name=by_name,
            at=now,
        )
        announced = [
            AttendanceChange(
                student_id=c.student_id,
                student_name=roster[c.student_id],
                old_status=_status(c.old).value,
                new_status=_status(c.new).value,
                note=None if c.new is None else c.new.note,
            )
            for c in changes
        ]
        if announced:
            uow.emit(
                AttendanceRecorded(
                    school_id=klass.school_id,
                    class_id=klass.id,
                    class_name=klass.name,
                    school_year=klass.year,
                    semester=cmd.semester,
                    date=cmd.on,
                    session="sang" if cmd.session == "sang" else "chieu",
                    period=cmd.period,
                    recorded_by=by_name,
                    recorded_at=now,
                    changes=announced,
                ),
                partition_key=klass.school_id,
                subject=klass.id,
            )
        day = await _class_day(uow, klass, cmd.on)
        await uow.commit()
        return RollRecorded(announced, day)


async def class_day(uow: GradebookUnitOfWork, *, caller: Caller, class_id: str, on: date) -> ClassDay:
    """A class's attendance of one day: the rolls taken and every student's marks, in class-list order."""
    # Whoever takes the roll (a supervisor, giám thị) reads the day they took; the class's readers read it too.
    if not await holds(caller.user, Permission.ATTENDANCE_RECORD, _class_scope(class_id), resolver=caller.resolver):
        await authorize(caller.user, Permission.SCORES_READ, _class_scope(class_id), resolver=caller.resolver)
    async with uow:
        return await _class_day(uow, await _record_class(uow, class_id), on)


async def _class_day(uow: GradebookUnitOfWork, klass: RecordClass, on: date) -> ClassDay:
    students = _sorted(await uow.scores.class_students(klass.id))
    marks = await uow.records.day_marks(class_id=klass.id, on=on)
    rolls = await uow.records.rolls(class_id=klass.id, on=on)
    per: dict[str, list[MarkRow]] = {}
    for m in marks:
        per.setdefault(m.student_id, []).append(m)
    rows = [DayRow(s.id, s.full_name, per.get(s.id, [])) for s in students]
    return ClassDay(klass=klass, on=on, rolls=rolls, students=rows)


@dataclass(frozen=True)
class StudentAttendance:
    student_id: str
    full_name: str
    school_year: str
    marks: list[MarkRow]
    totals: AttendanceTotals


async def student_attendance(
    uow_factory: UowFactory, *, caller: Caller, class_id: str, student_id: str
) -> StudentAttendance:
    """A student's marks of the class's school year (every class they were in) and their totals."""
    klass, name = await _authorize_student_read(uow_factory, caller=caller, class_id=class_id, student_id=student_id)
    async with uow_factory() as uow:
        marks = await uow.records.student_marks(student_id=student_id, school_year=klass.year)
    counted = totals((StoredMark(m.student_id, m.semester, m.period, m.status) for m in marks), students=[student_id])
    return StudentAttendance(student_id, name, klass.year, marks, counted[student_id])


# Conduct


@dataclass(frozen=True)
class RateConduct:
    class_id: str
    semester: int
    entries: Sequence[ConductEntry]
    stage: str = "end"


async def rate_conduct(cmd: RateConduct, uow: GradebookUnitOfWork, *, caller: Caller) -> list[ConductChange]:
    """The homeroom teacher rates training (TT22) or qualities and competences (TT27) of a class for a semester;
    every changed rating is audited and announced."""
    await authorize(caller.user, Permission.CONDUCT_RATE, _class_scope(cmd.class_id), resolver=caller.resolver)
    async with uow:
        klass = await _record_class(uow, cmd.class_id)
        if cmd.semester not in (1, 2):
            raise InvalidInput(
                f"Học kì {cmd.semester} không hợp lệ: chỉ có học kì 1 hoặc 2.", field="semester", value=cmd.semester
            )
        await check_period_open(uow, class_id=cmd.class_id, class_name=klass.name, semester=cmd.semester)
        rule_set: RuleSet = rule_set_for_grade(klass.grade)
        stage: Stage = check_stage(cmd.stage, rule_set=rule_set)
        roster = {s.id: s.full_name for s in await uow.scores.class_students(cmd.class_id)}
        checked = check_conduct(cmd.entries, rule_set=rule_set, students=roster)
        current = await uow.records.conduct_ratings(cmd.class_id, semester=cmd.semester, stage=stage)
        now = datetime.now(UTC)
        by, by_name = caller.user.sub, caller.user.username
        changes: list[ConductChange] = []
        for student_id, conduct in checked.items():
            old = conduct_snapshot(current.get((student_id, cmd.semester, stage)))
            new = conduct_snapshot(conduct)
            if old == new or new is None:
                continue
            await uow.records.set_conduct(
                class_id=cmd.class_id,
                student_id=student_id,
                semester=cmd.semester,
                stage=stage,
                conduct=conduct,
                school_id=klass.school_id,
                school_year=klass.year,
                rule_set=rule_set,
                by=by,
                by_name=by_name,
                at=now,
            )
            uow.audit.record(
                chain=klass.school_id,
                actor_id=by,
                actor_name=by_name,
                action="conduct.rated",
                entity="conduct",
                entity_id=f"{cmd.class_id}:{cmd.semester}:{stage}:{student_id}",
                before=old,
                after=new,
            )
            qualities = new["qualities"]
            competences = new["competences"]
            assert isinstance(qualities, dict) and isinstance(competences, dict)
            changes.append(
                ConductChange(
                    student_id=student_id,
                    student_name=roster[student_id],
                    training=conduct.training.label if conduct.training is not None else None,
                    previous_training=None if old is None else _text(old.get("training")),
                    qualities=qualities,
                    competences=competences,
                    comment=conduct.comment,
                )
            )
        if changes:
            uow.emit(
                ConductRated(
                    school_id=klass.school_id,
                    class_id=klass.id,
                    class_name=klass.name,
                    school_year=klass.year,
                    semester=cmd.semester,
                    stage=stage,
                    rule_set=rule_set,
                    rated_by=by_name,
                    rated_at=now,
                    changes=changes,
                ),
                partition_key=klass.school_id,
                subject=klass.id,
            )
        await uow.commit()
        return changes


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ConductRow:
    student_id: str
    full_name: str
    summary: ConductSummary


@dataclass(frozen=True)
class ConductSheet:
    klass: RecordClass
    rule_set: RuleSet
    students: list[ConductRow]


async def conduct_sheet(uow: GradebookUnitOfWork, *, caller: Caller, class_id: str) -> ConductSheet:
    """The class's conduct: per student the semester and year training results (TT22) or the TT27 ratings."""
    await authorize(caller.user, Permission.SCORES_READ, _class_scope(class_id), resolver=caller.resolver)
    async with uow:
        klass = await _record_class(uow, class_id)
        students = _sorted(await uow.scores.class_students(class_id))
        summaries = await uow.records.conduct_for_class(class_id)
    rule_set = rule_set_for_grade(klass.grade)
    rows = [ConductRow(s.id, s.full_name, summaries.get(s.id) or ConductSummary(rule_set=rule_set)) for s in students]
    return ConductSheet(klass=klass, rule_set=rule_set, students=rows)


# Discipline and rewards


@dataclass(frozen=True)
class RecordDiscipline:
    class_id: str
    student_id: str
    kind: str
    level: str
    on: date
    content: str
    decision_number: str | None = None


def _discipline_audit(r: DisciplineRecord) -> dict[str, object]:
    return {
        "student_id": r.student_id,
        "kind": r.kind,
        "level": r.level,
        "date": r.on.isoformat(),
        "decision_number": r.decision_number,
        "content": r.content,
        "status": r.status,
    }


async def record_discipline(
    cmd: RecordDiscipline, uow: GradebookUnitOfWork, *, caller: Caller, today: date | None = None
) -> DisciplineRecord:
    """Record a discipline or reward decision about a student of the class (audited, announced)."""
    await authorize(caller.user, Permission.DISCIPLINE_RECORD, _class_scope(cmd.class_id), resolver=caller.resolver)
    async with uow:
        klass = await _record_class(uow, cmd.class_id)
        roster = {s.id: s.full_name for s in await uow.scores.class_students(cmd.class_id)}
        if cmd.student_id not in roster:
            raise InvalidInput(
                f"Học sinh {cmd.student_id} không thuộc danh sách lớp {klass.name}.",
                field="student_id",
                value=cmd.student_id,
            )
        kind = check_record(
            kind=cmd.kind,
            level=cmd.level,
            on=cmd.on,
            content=cmd.content,
            decision_number=cmd.decision_number,
            school_year=klass.year,
            today=today or school_today(),
        )
        record = DisciplineRecord(
            id=str(uuid.uuid4()),
            school_id=klass.school_id,
            class_id=klass.id,
            school_year=klass.year,
            student_id=cmd.student_id,
            kind=kind,
            level=cmd.level,
            on=cmd.on,
            decision_number=(cmd.decision_number or "").strip() or None,
            content=cmd.content.strip(),
            recorded_by=caller.user.sub,
            recorded_by_name=caller.user.username,
            recorded_at=datetime.now(UTC),
        )
        await uow.records.add_discipline(record)
        uow.audit.record(
            chain=klass.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action=f"{kind}.recorded",
            entity="discipline",
            entity_id=record.id,
            after=_discipline_audit(record),
        )
        uow.emit(
            DisciplineRecorded(
                record_id=record.id,
                school_id=klass.school_id,
                class_id=klass.id,
                class_name=klass.name,
                school_year=klass.year,
                student_id=record.student_id,
                student_name=roster[record.student_id],
                kind=kind,
                level=record.level,
                level_label=record.level_label,
                date=record.on,
                decision_number=record.decision_number,
                content=record.content,
                recorded_by=record.recorded_by_name,
                recorded_at=record.recorded_at,
            ),
            partition_key=klass.school_id,
            subject=record.student_id,
        )
        await uow.commit()
        return record


async def revoke_discipline(
    record_id: str, uow_factory: UowFactory, *, caller: Caller, reason: str
) -> DisciplineRecord:
    """Revoke a discipline or reward decision: the record stays, stamped with who, when and why."""
    async with uow_factory() as uow:
        found = await uow.records.discipline(record_id)
    if found is None:
        raise NotFound(
            f"Không tìm thấy quyết định khen thưởng, kỉ luật {record_id}.", field="record_id", value=record_id
        )
    await authorize(caller.user, Permission.DISCIPLINE_RECORD, _class_scope(found.class_id), resolver=caller.resolver)
    async with uow_factory() as uow:
        current = await uow.records.discipline(record_id)
        assert current is not None  # never deleted
        revoked = discipline_rules.revoke(
            current, by=caller.user.sub, by_name=caller.user.username, at=datetime.now(UTC), reason=reason
        )
        await uow.records.save_discipline_revocation(revoked)
        assert revoked.revoked_at is not None and revoked.revoke_reason is not None
        uow.audit.record(
            chain=current.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action=f"{current.kind}.revoked",
            entity="discipline",
            entity_id=current.id,
            before=_discipline_audit(current),
            after=_discipline_audit(revoked),
            reason=revoked.revoke_reason,
        )
        uow.emit(
            DisciplineRevoked(
                record_id=current.id,
                school_id=current.school_id,
                class_id=current.class_id,
                school_year=current.school_year,
                student_id=current.student_id,
                student_name=await uow.records.student_name(current.student_id) or current.student_id,
                kind=current.kind,
                reason=revoked.revoke_reason,
                revoked_by=caller.user.username,
                revoked_at=revoked.revoked_at,
            ),
            partition_key=current.school_id,
            subject=current.student_id,
        )
        await uow.commit()
        return revoked


async def student_discipline(
    uow_factory: UowFactory, *, caller: Caller, class_id: str, student_id: str
) -> list[DisciplineRecord]:
    """A student's discipline and reward records (revoked ones too, marked), oldest first."""
    await _authorize_student_read(uow_factory, caller=caller, class_id=class_id, student_id=student_id)
    async with uow_factory() as uow:
        return await uow.records.discipline_list(student_id=student_id)


async def class_discipline(uow: GradebookUnitOfWork, *, caller: Caller, class_id: str) -> list[DisciplineRecord]:
    """Every discipline and reward record filed under the class, oldest first."""
    await authorize(caller.user, Permission.SCORES_READ, _class_scope(class_id), resolver=caller.resolver)
    async with uow:
        await _record_class(uow, class_id)
        return await uow.records.discipline_list(class_id=class_id)


# Exemptions


@dataclass(frozen=True)
class GrantExemption:
    class_id: str
    student_id: str
    subject_code: str
    semester: int | None  # None: the whole year
    reason: str
    decision_ref: str


def _exemption_audit(x: Exemption) -> dict[str, object]:
    return {
        "student_id": x.student_id,
        "subject_code": x.subject_code,
        "semester": x.semester,
        "reason": x.reason,
        "decision_ref": x.decision_ref,
        "status": x.status,
    }


async def grant_exemption(cmd: GrantExemption, uow_factory: UowFactory, *, caller: Caller) -> Exemption:
    """Exempt a student of the class from a subject for a semester or the year (EXEMPTION_MANAGE over the school)."""
    async with uow_factory() as uow:
        klass = await _record_class(uow, cmd.class_id)
    # Checked between transactions: the resolver reads the directory in its own session (one SQLite writer).
    await authorize(
        caller.user, Permission.EXEMPTION_MANAGE, (ScopeType.SCHOOL, klass.school_id), resolver=caller.resolver
    )
    check_exemption(semester=cmd.semester, reason=cmd.reason, decision_ref=cmd.decision_ref)
    async with uow_factory() as uow:
        await uow.scores.serialize_school(klass.school_id)
        await check_period_open(uow, class_id=klass.id, class_name=klass.name, semester=cmd.semester)
        roster = {s.id: s.full_name for s in await uow.scores.class_students(cmd.class_id)}
        if cmd.student_id not in roster:
            raise InvalidInput(
                f"Học sinh {cmd.student_id} không thuộc danh sách lớp {klass.name}.",
                field="student_id",
                value=cmd.student_id,
            )
        subject = await uow.scores.subject(class_id=cmd.class_id, subject_code=cmd.subject_code)
        if subject is None:
            raise InvalidInput(
                f"Lớp {klass.name} không học môn {cmd.subject_code} trong năm học {klass.year}.",
                field="subject_code",
                value=cmd.subject_code,
            )
        existing = await uow.records.exemptions(
            class_id=cmd.class_id, student_id=cmd.student_id, subject_code=cmd.subject_code
        )
        check_no_overlap(
            existing, student_name=roster[cmd.student_id], subject_name=subject.name, semester=cmd.semester
        )
        exemption = Exemption(
            id=str(uuid.uuid4()),
            school_id=klass.school_id,
            class_id=klass.id,
            school_year=klass.year,
            student_id=cmd.student_id,
            subject_code=cmd.subject_code,
            semester=cmd.semester,
            reason=cmd.reason.strip(),
            decision_ref=cmd.decision_ref.strip(),
            granted_by=caller.user.sub,
            granted_by_name=caller.user.username,
            granted_at=datetime.now(UTC),
        )
        await uow.records.add_exemption(exemption)
        uow.audit.record(
            chain=klass.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="exemption.granted",
            entity="exemption",
            entity_id=exemption.id,
            after=_exemption_audit(exemption),
            reason=exemption.reason,
        )
        uow.emit(
            ExemptionGranted(
                exemption_id=exemption.id,
                school_id=klass.school_id,
                class_id=klass.id,
                class_name=klass.name,
                school_year=klass.year,
                student_id=exemption.student_id,
                student_name=roster[exemption.student_id],
                subject_code=subject.code,
                subject_name=subject.name,
                semester=exemption.semester,
                reason=exemption.reason,
                decision_ref=exemption.decision_ref,
                granted_by=exemption.granted_by_name,
                granted_at=exemption.granted_at,
            ),
            partition_key=klass.school_id,
            subject=exemption.student_id,
        )
        await uow.commit()
        return exemption


async def revoke_exemption(exemption_id: str, uow_factory: UowFactory, *, caller: Caller, reason: str) -> Exemption:
    """Revoke an exemption (the subject counts again); the exemption stays on record, stamped."""
    async with uow_factory() as uow:
        found = await uow.records.exemption(exemption_id)
    if found is None:
        raise NotFound(f"Không tìm thấy quyết định miễn học {exemption_id}.", field="exemption_id", value=exemption_id)
    await authorize(
        caller.user, Permission.EXEMPTION_MANAGE, (ScopeType.SCHOOL, found.school_id), resolver=caller.resolver
    )
    async with uow_factory() as uow:
        current = await uow.records.exemption(exemption_id)
        assert current is not None  # never deleted
        await check_period_open(uow, class_id=current.class_id, class_name=current.class_id, semester=current.semester)
        revoked = exemption_rules.revoke(
            current, by=caller.user.sub, by_name=caller.user.username, at=datetime.now(UTC), reason=reason
        )
        assert revoked.revoked_at is not None and revoked.revoke_reason is not None
        await uow.records.save_exemption_revocation(revoked)
        uow.audit.record(
            chain=current.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="exemption.revoked",
            entity="exemption",
            entity_id=current.id,
            before=_exemption_audit(current),
            after=_exemption_audit(revoked),
            reason=revoked.revoke_reason,
        )
        uow.emit(
            ExemptionRevoked(
                exemption_id=current.id,
                school_id=current.school_id,
                class_id=current.class_id,
                school_year=current.school_year,
                student_id=current.student_id,
                subject_code=current.subject_code,
                semester=current.semester,
                reason=revoked.revoke_reason,
                revoked_by=caller.user.username,
                revoked_at=revoked.revoked_at,
            ),
            partition_key=current.school_id,
            subject=current.student_id,
        )
        await uow.commit()
        return revoked


async def class_exemptions(uow: GradebookUnitOfWork, *, caller: Caller, class_id: str) -> list[Exemption]:
    """The class's exemptions (revoked ones too, marked), in the order they were granted."""
    await authorize(caller.user, Permission.SCORES_READ, _class_scope(class_id), resolver=caller.resolver)
    async with uow:
        await _record_class(uow, class_id)
        return await uow.records.exemptions(class_id=class_id)
