"""Use cases of the school calendar and structure: school years, the catalogue, classes, assignments.

Plain async handlers taking a command and a unit of work. Each validates everything before writing, so a
refused command writes nothing; each change is audited and announced on `edu.identity`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from edu_shared.contracts.identity import SchoolLevel
from edu_shared.contracts.identity_people import (
    PROVINCE_KEY,
    CatalogueSubject,
    ClassOpened,
    ClassSubjectsSet,
    HomeroomAssigned,
    SchoolYearOpened,
    SemesterDates,
    SemesterScheduled,
    SubjectCatalogued,
    TeachingAssigned,
    TeachingUnassigned,
)
from edu_shared.errors import Conflict, InvalidInput, NotFound
from identity.adapters.audit import AuditEntry
from identity.domain.org import School
from identity.domain.people import StaffStatus
from identity.domain.structure import (
    AssignmentExists,
    ClassSubject,
    HomeroomAssignment,
    SchoolClass,
    SchoolYear,
    Semester,
    Subject,
    SubjectNotOffered,
    TeachingAssignment,
    check_periods,
    check_semesters,
    check_subject_code,
    new_class,
)
from identity.domain.subjects import Assessment, curriculum_level, default_catalogue
from identity.service_layer.people import commit_or_conflict, existing_school, new_id
from identity.service_layer.uow import IdentityUnitOfWork


def _today() -> date:
    return datetime.now(UTC).date()


def _semester_dates(s: Semester) -> SemesterDates:
    return SemesterDates(number=s.number, starts_on=s.starts_on, ends_on=s.ends_on)


def catalogue_subject(s: ClassSubject | Subject) -> CatalogueSubject:
    return CatalogueSubject(
        code=s.code,
        name=s.name,
        periods_per_year=s.periods_per_year,
        assessment=s.assessment.value,
        elective=s.elective,
    )


async def _year_by_code(uow: IdentityUnitOfWork, code: str, *, field_name: str = "school_year") -> SchoolYear:
    year = await uow.structure.school_year_by_code(code)
    if year is None:
        raise NotFound(f"Chưa có năm học {code}.", field=field_name, value=code)
    return year


async def _class(uow: IdentityUnitOfWork, class_id: str) -> SchoolClass:
    cls = await uow.structure.get_class(class_id)
    if cls is None:
        raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
    return cls


# School years


@dataclass(frozen=True)
class OpenSchoolYear:
    code: str
    starts_on: date
    ends_on: date
    actor: str
    semesters: tuple[Semester, ...] = ()
    school_year_id: str | None = None


async def open_school_year(cmd: OpenSchoolYear, uow: IdentityUnitOfWork) -> SchoolYear:
    """Open a province-wide school year, with its semesters if known."""
    async with uow:
        year = SchoolYear(
            id=cmd.school_year_id or new_id(),
            code=cmd.code,
            starts_on=cmd.starts_on,
            ends_on=cmd.ends_on,
            semesters=tuple(sorted(cmd.semesters, key=lambda s: s.number)),
        )
        if await uow.structure.school_year_by_code(year.code) is not None:
            raise Conflict(f"Năm học {year.code} đã có.", field="code", value=year.code)
        await uow.structure.add_school_year(year, actor=cmd.actor)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="school_year.open",
                target_type="school_year",
                target_id=year.id,
                new_value={
                    "code": year.code,
                    "starts_on": year.starts_on.isoformat(),
                    "ends_on": year.ends_on.isoformat(),
                    "semesters": [_semester_dates(s).model_dump(mode="json") for s in year.semesters],
                },
            )
        )
        uow.emit(
            SchoolYearOpened(
                school_year_id=year.id,
                code=year.code,
                starts_on=year.starts_on,
                ends_on=year.ends_on,
                semesters=[_semester_dates(s) for s in year.semesters],
            ),
            partition_key=PROVINCE_KEY,
            subject=f"school_years/{year.id}",
        )
        await commit_or_conflict(uow, what=f"Năm học {year.code}")
        return year


@dataclass(frozen=True)
class ScheduleSemester:
    school_year_id: str
    number: int
    starts_on: date
    ends_on: date
    actor: str


async def schedule_semester(cmd: ScheduleSemester, uow: IdentityUnitOfWork) -> SchoolYear:
    """Set the dates of a semester of a school year (each semester once)."""
    async with uow:
        year = await uow.structure.get_school_year(cmd.school_year_id)
        if year is None:
            raise NotFound(
                f"Không có năm học với mã định danh {cmd.school_year_id}.",
                field="school_year_id",
                value=cmd.school_year_id,
            )
        semester = Semester(number=cmd.number, starts_on=cmd.starts_on, ends_on=cmd.ends_on)
        check_semesters(year, (*year.semesters, semester))
        await uow.structure.add_semesters(year.id, [semester])
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="semester.schedule",
                target_type="school_year",
                target_id=year.id,
                new_value=_semester_dates(semester).model_dump(mode="json"),
            )
        )
        uow.emit(
            SemesterScheduled(
                school_year_id=year.id,
                school_year=year.code,
                number=semester.number,
                starts_on=semester.starts_on,
                ends_on=semester.ends_on,
            ),
            partition_key=PROVINCE_KEY,
            subject=f"school_years/{year.id}",
        )
        await commit_or_conflict(uow, what=f"Học kỳ {semester.number} năm học {year.code}")
        return replace(year, semesters=tuple(sorted((*year.semesters, semester), key=lambda s: s.number)))


# The subject catalogue


async def seed_default_catalogue(uow: IdentityUnitOfWork, *, actor: str) -> int:
    """Load the 2018-curriculum catalogue (`identity.domain.subjects`) as the default, once; returns rows added."""
    async with uow:
        if await uow.structure.has_default_catalogue():
            return 0
        entries = [
            Subject(
                id=new_id(),
                code=e.code,
                name=e.name,
                level=e.level,
                grade=e.grade,
                periods_per_year=e.periods_per_year,
                assessment=e.assessment,
                elective=e.elective,
            )
            for e in default_catalogue()
        ]
        await uow.structure.add_subjects(entries, actor=actor)
        await uow.audit.record(
            AuditEntry(
                actor=actor, action="subject.catalogue_seed", target_type="subject", details={"rows": len(entries)}
            )
        )
        for s in entries:
            uow.emit(
                SubjectCatalogued(
                    subject_id=s.id, school_year_id=None, level=s.level, grade=s.grade, subject=catalogue_subject(s)
                ),
                partition_key=PROVINCE_KEY,
                subject=f"subjects/{s.id}",
            )
        await commit_or_conflict(uow, what="Danh mục môn học")
        return len(entries)


@dataclass(frozen=True)
class AddSubject:
    code: str
    name: str
    grade: int
    periods_per_year: int
    assessment: Assessment
    actor: str
    elective: bool = False
    school_year: str | None = None  # None: the province default catalogue


async def add_subject(cmd: AddSubject, uow: IdentityUnitOfWork) -> Subject:
    """Add a subject to the default catalogue or to one school year's (overriding the default's same code)."""
    async with uow:
        year = await _year_by_code(uow, cmd.school_year) if cmd.school_year else None
        if not 1 <= cmd.grade <= 12:
            raise InvalidInput("Khối lớp phải từ 1 đến 12.", field="grade", value=cmd.grade)
        subject = Subject(
            id=new_id(),
            code=cmd.code,
            name=" ".join(cmd.name.split()),
            level=curriculum_level(cmd.grade),
            grade=cmd.grade,
            periods_per_year=cmd.periods_per_year,
            assessment=cmd.assessment,
            elective=cmd.elective,
            school_year_id=year.id if year else None,
        )
        existing = await uow.structure.catalogue_entry(
            code=subject.code, level=subject.level, grade=subject.grade, school_year_id=subject.school_year_id
        )
        if existing is not None:
            where = f"năm học {year.code}" if year else "danh mục mặc định"
            raise Conflict(
                f"Môn '{subject.code}' khối {subject.grade} đã có trong {where}; hãy sửa môn đó.",
                field="code",
                value=subject.code,
            )
        await uow.structure.add_subjects([subject], actor=cmd.actor)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="subject.add",
                target_type="subject",
                target_id=subject.id,
                new_value=catalogue_subject(subject).model_dump(mode="json")
                | {"grade": subject.grade, "school_year": cmd.school_year},
            )
        )
        uow.emit(
            SubjectCatalogued(
                subject_id=subject.id,
                school_year_id=subject.school_year_id,
                level=subject.level,
                grade=subject.grade,
                subject=catalogue_subject(subject),
            ),
            partition_key=PROVINCE_KEY,
            subject=f"subjects/{subject.id}",
        )
        await commit_or_conflict(uow, what=f"Môn {subject.code}")
        return subject


@dataclass(frozen=True)
class CorrectSubject:
    subject_id: str
    actor: str
    name: str | None = None
    periods_per_year: int | None = None
    assessment: Assessment | None = None
    elective: bool | None = None


async def correct_subject(cmd: CorrectSubject, uow: IdentityUnitOfWork) -> Subject:
    """Correct a catalogue entry (periods, name, assessment); classes keep the periods they were given."""
    async with uow:
        old = await uow.structure.get_subject(cmd.subject_id)
        if old is None:
            raise NotFound(
                f"Không có môn học với mã định danh {cmd.subject_id}.", field="subject_id", value=cmd.subject_id
            )
        new = replace(
            old,
            name=" ".join(cmd.name.split()) if cmd.name is not None else old.name,
            periods_per_year=cmd.periods_per_year if cmd.periods_per_year is not None else old.periods_per_year,
            assessment=cmd.assessment if cmd.assessment is not None else old.assessment,
            elective=cmd.elective if cmd.elective is not None else old.elective,
        )
        if new == old:
            return old
        before, after = catalogue_subject(old).model_dump(mode="json"), catalogue_subject(new).model_dump(mode="json")
        await uow.structure.update_subject(new)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="subject.correct",
                target_type="subject",
                target_id=new.id,
                old_value={k: v for k, v in before.items() if after[k] != v},
                new_value={k: v for k, v in after.items() if before[k] != v},
            )
        )
        uow.emit(
            SubjectCatalogued(
                subject_id=new.id,
                school_year_id=new.school_year_id,
                level=new.level,
                grade=new.grade,
                subject=catalogue_subject(new),
            ),
            partition_key=PROVINCE_KEY,
            subject=f"subjects/{new.id}",
        )
        await commit_or_conflict(uow, what=f"Môn {new.code}")
        return new


# Classes


@dataclass(frozen=True)
class SubjectChoice:
    """A subject for a class by code; `periods_per_year` None keeps the catalogue's figure."""

    code: str
    periods_per_year: int | None = None


@dataclass(frozen=True)
class ClassSpec:
    grade: int
    name: str
    # None: every compulsory subject of the catalogue for the grade (electives must be chosen).
    subjects: tuple[SubjectChoice, ...] | None = None
    class_id: str | None = None


@dataclass(frozen=True)
class OpenClasses:
    school_id: str
    school_year: str
    classes: tuple[ClassSpec, ...]
    actor: str


async def resolve_subjects(
    uow: IdentityUnitOfWork, cls: SchoolClass, choices: tuple[SubjectChoice, ...] | None, *, field_name: str
) -> list[ClassSubject]:
    catalogue = {
        s.code: s
        for s in await uow.structure.catalogue(level=cls.level, grade=cls.grade, school_year_id=cls.school_year_id)
    }
    if choices is None:
        choices = tuple(SubjectChoice(code) for code, s in catalogue.items() if not s.elective)
    chosen: list[ClassSubject] = []
    seen: set[str] = set()
    for i, choice in enumerate(choices):
        check_subject_code(choice.code, field_name=f"{field_name}.{i}.code")
        if choice.code in seen:
            raise InvalidInput(f"Môn '{choice.code}' bị lặp lại.", field=f"{field_name}.{i}.code", value=choice.code)
        seen.add(choice.code)
        entry = catalogue.get(choice.code)
        if entry is None:
            known = ", ".join(sorted(catalogue)) or "(danh mục trống)"
            raise SubjectNotOffered(
                f"Danh mục không có môn '{choice.code}' cho khối {cls.grade}. Các môn của khối: {known}.",
                field=f"{field_name}.{i}.code",
                value=choice.code,
            )
        periods = entry.periods_per_year
        if choice.periods_per_year is not None:
            periods = check_periods(choice.periods_per_year, field_name=f"{field_name}.{i}.periods_per_year")
        chosen.append(
            ClassSubject(
                subject_id=entry.id,
                code=entry.code,
                name=entry.name,
                periods_per_year=periods,
                assessment=entry.assessment,
                elective=entry.elective,
            )
        )
    return chosen


async def open_classes(cmd: OpenClasses, uow: IdentityUnitOfWork) -> list[tuple[SchoolClass, list[ClassSubject]]]:
    """Open classes of a school for a year, each with its subjects; all or none."""
    async with uow:
        school = await existing_school(uow, cmd.school_id)
        year = await _year_by_code(uow, cmd.school_year)
        opened: list[tuple[SchoolClass, list[ClassSubject]]] = []
        names: set[str] = set()
        for spec in cmd.classes:
            cls = new_class(
                id=spec.class_id or new_id(),
                school_id=school.id,
                school_year_id=year.id,
                grade=spec.grade,
                name=spec.name,
                school_levels=school.levels,
            )
            if cls.name.lower() in names or await uow.structure.class_name_taken(
                school_id=school.id, school_year_id=year.id, name=cls.name
            ):
                raise Conflict(f"Trường đã có lớp {cls.name} trong năm học {year.code}.", field="name", value=spec.name)
            names.add(cls.name.lower())
            opened.append((cls, await resolve_subjects(uow, cls, spec.subjects, field_name="subjects")))
        await write_opened_classes(uow, school, [(cls, year, subjects) for cls, subjects in opened], actor=cmd.actor)
        await commit_or_conflict(uow, what="Mở lớp")
        return opened


@dataclass(frozen=True)
class SetClassSubjects:
    class_id: str
    subjects: tuple[SubjectChoice, ...]
    actor: str


async def set_class_subjects(cmd: SetClassSubjects, uow: IdentityUnitOfWork) -> list[ClassSubject]:
    """Replace the subjects a class studies; a subject still assigned to a teacher cannot be dropped."""
    async with uow:
        cls = await _class(uow, cmd.class_id)
        old = await uow.structure.class_subjects(cls.id)
        new = await resolve_subjects(uow, cls, cmd.subjects, field_name="subjects")
        dropped = {s.code for s in old} - {s.code for s in new}
        for assignment in await uow.structure.teaching_assignments(class_id=cls.id):
            if assignment.subject_code in dropped:
                raise Conflict(
                    f"Không bỏ được môn '{assignment.subject_code}': môn đang có phân công giảng dạy; "
                    "hãy kết thúc phân công trước.",
                    field="subjects",
                    value=assignment.subject_code,
                )
        if [(s.code, s.periods_per_year) for s in old] == [(s.code, s.periods_per_year) for s in new]:
            return old
        await uow.structure.set_class_subjects(cls.id, new)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="class.subjects_set",
                target_type="class",
                target_id=cls.id,
                school_id=cls.school_id,
                old_value={s.code: s.periods_per_year for s in old},
                new_value={s.code: s.periods_per_year for s in new},
            )
        )
        uow.emit(
            ClassSubjectsSet(
                class_id=cls.id,
                school_id=cls.school_id,
                school_year_id=cls.school_year_id,
                subjects=[catalogue_subject(s) for s in new],
            ),
            partition_key=cls.school_id,
            subject=f"classes/{cls.id}",
        )
        await commit_or_conflict(uow, what=f"Môn học của lớp {cls.name}")
        return new


# Assignments


@dataclass(frozen=True)
class TeachingSpec:
    class_id: str
    subject_code: str
    staff_id: str
    semester: int | None = None


@dataclass(frozen=True)
class AssignTeaching:
    assignments: tuple[TeachingSpec, ...]
    actor: str


async def _active_staff(uow: IdentityUnitOfWork, staff_id: str, *, school_id: str, field_name: str = "staff_id") -> str:
    member = await uow.people.get_staff(staff_id)
    if member is None or member.school_id != school_id:
        raise NotFound(f"Trường không có cán bộ với mã định danh {staff_id}.", field=field_name, value=staff_id)
    if member.status == StaffStatus.LEFT:
        raise InvalidInput(
            f"Cán bộ {member.name.full} đã nghỉ việc, không phân công được.", field=field_name, value=staff_id
        )
    return member.name.full


async def assign_teaching(cmd: AssignTeaching, uow: IdentityUnitOfWork) -> list[TeachingAssignment]:
    """Phân công giảng dạy: staff × class × subject, for the year or one semester; all or none."""
    async with uow:
        created: list[TeachingAssignment] = []
        for spec in cmd.assignments:
            cls = await _class(uow, spec.class_id)
            offered = {s.code for s in await uow.structure.class_subjects(cls.id)}
            if spec.subject_code not in offered:
                raise SubjectNotOffered(
                    f"Lớp {cls.name} không học môn '{spec.subject_code}'.",
                    field="subject_code",
                    value=spec.subject_code,
                )
            await _active_staff(uow, spec.staff_id, school_id=cls.school_id)
            assignment = TeachingAssignment(
                id=new_id(),
                school_id=cls.school_id,
                class_id=cls.id,
                subject_code=spec.subject_code,
                staff_id=spec.staff_id,
                school_year_id=cls.school_year_id,
                semester=spec.semester,
            )
            existing = await uow.structure.teaching_assignments(class_id=cls.id, staff_id=spec.staff_id)
            for a in [*existing, *created]:
                same = a.class_id == cls.id and a.staff_id == spec.staff_id and a.subject_code == spec.subject_code
                if same and (a.semester is None or spec.semester is None or a.semester == spec.semester):
                    raise AssignmentExists(
                        f"Cán bộ đã được phân công dạy môn '{spec.subject_code}' lớp {cls.name}"
                        + (f" học kỳ {a.semester}." if a.semester else " cả năm."),
                        field="staff_id",
                        value=spec.staff_id,
                    )
            created.append(assignment)
        await write_teaching_assignments(uow, created, actor=cmd.actor)
        await commit_or_conflict(uow, what="Phân công giảng dạy")
        return created


@dataclass(frozen=True)
class EndTeaching:
    assignment_id: str
    actor: str


async def end_teaching(cmd: EndTeaching, uow: IdentityUnitOfWork) -> TeachingAssignment:
    """End a teaching assignment; the record stays (who taught what is history)."""
    async with uow:
        a = await uow.structure.get_teaching_assignment(cmd.assignment_id)
        if a is None:
            raise NotFound(
                f"Không có phân công giảng dạy đang hiệu lực với mã {cmd.assignment_id}.",
                field="assignment_id",
                value=cmd.assignment_id,
            )
        at = datetime.now(UTC)
        await uow.structure.revoke_teaching_assignment(a.id, actor=cmd.actor, at=at)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="teaching.end",
                target_type="class_subject",
                target_id=f"{a.class_id}:{a.subject_code}",
                school_id=a.school_id,
                old_value={"staff_id": a.staff_id, "semester": a.semester, "assignment_id": a.id},
            )
        )
        uow.emit(
            TeachingUnassigned(
                assignment_id=a.id,
                school_id=a.school_id,
                class_id=a.class_id,
                subject_code=a.subject_code,
                staff_id=a.staff_id,
                ended_at=at,
            ),
            partition_key=a.school_id,
            subject=f"classes/{a.class_id}",
        )
        await commit_or_conflict(uow, what="Kết thúc phân công")
        return a


@dataclass(frozen=True)
class AssignHomeroom:
    class_id: str
    staff_id: str
    actor: str
    starts_on: date | None = None  # None: today, or the first day of the year if it has not started


async def assign_homeroom(cmd: AssignHomeroom, uow: IdentityUnitOfWork) -> HomeroomAssignment:
    """Phân công chủ nhiệm: the class's homeroom teacher from a date, ending the previous one the day before."""
    async with uow:
        cls = await _class(uow, cmd.class_id)
        year = await uow.structure.get_school_year(cls.school_year_id)
        assert year is not None  # a class always belongs to a stored year (foreign key)
        await _active_staff(uow, cmd.staff_id, school_id=cls.school_id)
        starts_on = cmd.starts_on or min(max(_today(), year.starts_on), year.ends_on)
        if not year.starts_on <= starts_on <= year.ends_on:
            raise InvalidInput(
                f"Ngày bắt đầu chủ nhiệm phải nằm trong năm học {year.code}.",
                field="starts_on",
                value=starts_on.isoformat(),
            )
        history = await uow.structure.homerooms(cls.id)
        current = next((h for h in history if h.ends_on is None), None)
        if current is not None and current.staff_id == cmd.staff_id:
            return current
        if current is not None:
            if starts_on <= current.starts_on:
                raise InvalidInput(
                    f"Giáo viên chủ nhiệm hiện tại bắt đầu từ {current.starts_on:%d/%m/%Y}; người mới phải bắt đầu "
                    "sau ngày đó.",
                    field="starts_on",
                    value=starts_on.isoformat(),
                )
            await uow.structure.end_homeroom(current.id, ends_on=starts_on - timedelta(days=1))
        assignment = HomeroomAssignment(
            id=new_id(),
            school_id=cls.school_id,
            class_id=cls.id,
            staff_id=cmd.staff_id,
            school_year_id=cls.school_year_id,
            starts_on=starts_on,
        )
        await uow.structure.add_homerooms([assignment], actor=cmd.actor)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="homeroom.assign",
                target_type="class",
                target_id=cls.id,
                school_id=cls.school_id,
                old_value={"staff_id": current.staff_id} if current else None,
                new_value={"staff_id": cmd.staff_id, "starts_on": starts_on.isoformat()},
            )
        )
        uow.emit(
            HomeroomAssigned(
                assignment_id=assignment.id,
                school_id=cls.school_id,
                class_id=cls.id,
                staff_id=cmd.staff_id,
                school_year_id=cls.school_year_id,
                starts_on=starts_on,
                previous_staff_id=current.staff_id if current else None,
            ),
            partition_key=cls.school_id,
            subject=f"classes/{cls.id}",
        )
        await commit_or_conflict(uow, what=f"Chủ nhiệm lớp {cls.name}")
        return assignment


def catalogue_level(level: SchoolLevel | None, grade: int | None) -> SchoolLevel | None:
    """The level a catalogue query means: the given one, else the grade's curriculum."""
    if level is not None or grade is None:
        return level
    return curriculum_level(grade)


async def write_opened_classes(
    uow: IdentityUnitOfWork,
    school: School,
    opened: Sequence[tuple[SchoolClass, SchoolYear, Sequence[ClassSubject]]],
    *,
    actor: str,
    details: Mapping[str, dict[str, Any]] | None = None,
) -> None:
    """Store new classes with their subjects, audit each and tell the other services (ClassOpened, ClassSubjectsSet).

    The one write step behind opening classes by hand, by import and by year rollover; `details` adds per-class
    audit context (e.g. the class a rolled-over one came from), keyed by class id.
    """
    for cls, _, _ in opened:
        await uow.structure.add_class(cls, actor=actor)
    await uow.structure.add_class_subjects({cls.id: list(subjects) for cls, _, subjects in opened})
    for cls, year, subjects in opened:
        await uow.audit.record(
            AuditEntry(
                actor=actor,
                action="class.open",
                target_type="class",
                target_id=cls.id,
                school_id=school.id,
                new_value={
                    "school_year": year.code,
                    "grade": cls.grade,
                    "name": cls.name,
                    "subjects": [s.code for s in subjects],
                },
                details=dict((details or {}).get(cls.id, {})),
            )
        )
        uow.emit(
            ClassOpened(
                class_id=cls.id,
                school_id=school.id,
                school_year_id=year.id,
                school_year=year.code,
                grade=cls.grade,
                level=cls.level,
                name=cls.name,
            ),
            partition_key=school.id,
            subject=f"classes/{cls.id}",
        )
        uow.emit(
            ClassSubjectsSet(
                class_id=cls.id,
                school_id=school.id,
                school_year_id=year.id,
                subjects=[catalogue_subject(s) for s in subjects],
            ),
            partition_key=school.id,
            subject=f"classes/{cls.id}",
        )


async def write_teaching_assignments(
    uow: IdentityUnitOfWork, created: Sequence[TeachingAssignment], *, actor: str
) -> None:
    """Store teaching assignments, audit each and publish TeachingAssigned (by hand or by import)."""
    await uow.structure.add_teaching_assignments(list(created), actor=actor)
    for a in created:
        await uow.audit.record(
            AuditEntry(
                actor=actor,
                action="teaching.assign",
                target_type="class_subject",
                target_id=f"{a.class_id}:{a.subject_code}",
                school_id=a.school_id,
                new_value={"staff_id": a.staff_id, "semester": a.semester, "assignment_id": a.id},
            )
        )
        uow.emit(
            TeachingAssigned(
                assignment_id=a.id,
                school_id=a.school_id,
                class_id=a.class_id,
                subject_code=a.subject_code,
                staff_id=a.staff_id,
                school_year_id=a.school_year_id,
                semester=a.semester,
            ),
            partition_key=a.school_id,
            subject=f"classes/{a.class_id}",
        )
