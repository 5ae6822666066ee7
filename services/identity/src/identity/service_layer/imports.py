"""Use cases of bulk import: check a spreadsheet of students or staff (dry run), or import it in one transaction.

The whole file is validated before anything is written: every bad row is reported (row, column, value, reason).
By default one bad row refuses the whole file; with `valid_rows_only`, asked for explicitly, the good rows are
written and the bad ones reported. Either way the import is one unit of work: it commits whole or not at all,
writing the same audit entries and events as the single-record handlers, plus one audit entry for the import.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

from edu_shared.contracts.identity_people import (
    ClassOpened,
    ClassSubjectsSet,
    GuardianLinked,
    StaffRegistered,
    StudentRegistered,
)
from edu_shared.errors import InvalidInput
from identity.adapters.audit import AuditEntry
from identity.adapters.spreadsheets import read_table
from identity.domain.imports import (
    CLASS_SHEET,
    STAFF_SHEET,
    STUDENT_SHEET,
    Checked,
    ClassRow,
    GuardianRow,
    ImportKind,
    ImportMode,
    RowError,
    StaffRow,
    StudentRow,
    check_class_rows,
    check_staff_rows,
    check_student_rows,
)
from identity.domain.names import fold_for_search
from identity.domain.org import School
from identity.domain.people import Guardian, Staff, Student
from identity.domain.structure import ClassSubject, SchoolClass, SchoolYear, new_class
from identity.service_layer.people import (
    apply_enrollments,
    commit_or_conflict,
    existing_school,
    max_student_age,
    new_id,
    plan_enrollments,
    staff_record,
    student_snapshot,
)
from identity.service_layer.structure import catalogue_subject, resolve_subjects
from identity.service_layer.uow import IdentityUnitOfWork


@dataclass(frozen=True)
class ImportFile:
    school_id: str
    kind: ImportKind
    data: bytes
    filename: str
    actor: str
    mode: ImportMode = ImportMode.ALL_OR_NOTHING
    dry_run: bool = False


@dataclass
class ImportReport:
    kind: ImportKind
    total_rows: int
    valid_rows: int
    imported: int
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False


class ImportRejected(InvalidInput):
    """The file has bad rows and the import is all or nothing: nothing was written."""

    slug = "import-rejected"
    title = "Tệp nhập có dòng không hợp lệ"


def _today() -> date:
    return datetime.now(UTC).date()


def _sorted(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: e.row)


async def import_file(cmd: ImportFile, uow: IdentityUnitOfWork) -> ImportReport:
    """Check a file and, unless a dry run, import it: all or nothing, or only the valid rows when asked."""
    table = read_table(cmd.data, filename=cmd.filename)
    async with uow:
        school = await existing_school(uow, cmd.school_id)
        if cmd.kind == ImportKind.STUDENTS:
            students = check_student_rows(table, today=_today(), max_age=max_student_age(school))
            classes = await _check_students_against_records(uow, school, students)
            report = _report(cmd, students)
            if report.imported:
                await _write_students(uow, school, students.rows, classes, actor=cmd.actor)
        elif cmd.kind == ImportKind.CLASSES:
            class_rows = check_class_rows(table, school_levels=school.levels)
            opened = await _check_classes_against_records(uow, school, class_rows)
            report = _report(cmd, class_rows)
            if report.imported:
                await _write_classes(uow, school, [opened[r.row] for r in class_rows.rows], actor=cmd.actor)
        else:
            staff = check_staff_rows(table, today=_today())
            await _check_staff_against_records(uow, school, staff)
            report = _report(cmd, staff)
            if report.imported:
                await _write_staff(uow, school, staff.rows, actor=cmd.actor)
        if cmd.dry_run:
            return report
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action=f"import.{cmd.kind.value}",
                outcome="success" if report.imported or not report.errors else "failure",
                target_type="school",
                target_id=school.id,
                school_id=school.id,
                details={
                    "file_name": cmd.filename,
                    "sha256": hashlib.sha256(cmd.data).hexdigest(),
                    "mode": cmd.mode.value,
                    "total_rows": report.total_rows,
                    "valid_rows": report.valid_rows,
                    "imported": report.imported,
                    "error_rows": len({e.row for e in report.errors}),
                },
            )
        )
        if report.errors and cmd.mode == ImportMode.ALL_OR_NOTHING:
            # The refusal is audited on its own; nothing of the file is written.
            await uow.commit()
            raise ImportRejected(
                f"Tệp {cmd.filename} có {len({e.row for e in report.errors})} dòng không hợp lệ; "
                "chưa nhập dòng nào. Sửa các lỗi rồi gửi lại, hoặc chọn chỉ nhập các dòng hợp lệ.",
                field="file",
                value=cmd.filename,
                total_rows=report.total_rows,
                valid_rows=report.valid_rows,
                imported=0,
                errors=[asdict(e) for e in report.errors],
            )
        await commit_or_conflict(uow, what=f"Nhập tệp {cmd.filename}")
        return report


def _report(cmd: ImportFile, checked: Checked[StudentRow] | Checked[StaffRow] | Checked[ClassRow]) -> ImportReport:
    checked.drop_rows(checked.bad_rows)
    write = not cmd.dry_run and (not checked.errors or cmd.mode == ImportMode.VALID_ROWS_ONLY)
    return ImportReport(
        kind=cmd.kind,
        total_rows=checked.total_rows,
        valid_rows=len(checked.rows),
        imported=len(checked.rows) if write else 0,
        errors=_sorted(checked.errors),
        dry_run=cmd.dry_run,
    )


async def _check_students_against_records(
    uow: IdentityUnitOfWork, school: School, checked: Checked[StudentRow]
) -> dict[str, SchoolClass]:
    """Identifiers already used by another student, and class names the school does not have (errors added)."""
    owners = await uow.people.identifier_owners(
        national_ids=[r.profile.national_id for r in checked.rows if r.profile.national_id],
        moet_ids=[r.profile.moet_student_id for r in checked.rows if r.profile.moet_student_id],
    )
    # A class name means the class of that name in the school's latest year that has one.
    classes: dict[str, SchoolClass] = {}
    years = {y.id: y.starts_on for y in await uow.structure.list_school_years()}
    for cls in sorted(
        await uow.structure.list_classes(school_id=school.id), key=lambda c: years.get(c.school_year_id, date.min)
    ):
        classes[fold_for_search(cls.name)] = cls
    header = STUDENT_SHEET.column
    for r in checked.rows:
        p = r.profile
        for key, value, label in (
            ("national_id", p.national_id, "Số CCCD"),
            ("moet_student_id", p.moet_student_id, "Mã định danh học sinh"),
        ):
            if value is not None and (key, value) in owners:
                checked.errors.append(
                    RowError(r.row, header(key).header, value, f"{label} {value} đã thuộc về một học sinh khác.")
                )
        if r.class_name is not None and fold_for_search(r.class_name) not in classes:
            checked.errors.append(
                RowError(r.row, header("class_name").header, r.class_name, f"Trường không có lớp {r.class_name}.")
            )
    return classes


async def _check_staff_against_records(uow: IdentityUnitOfWork, school: School, checked: Checked[StaffRow]) -> None:
    existing = {
        (fold_for_search(s.name.full), s.date_of_birth) for s in await uow.people.list_staff(school_id=school.id)
    }
    for r in checked.rows:
        if (fold_for_search(r.name.full), r.date_of_birth) in existing:
            checked.errors.append(
                RowError(
                    r.row,
                    STAFF_SHEET.column("full_name").header,
                    r.name.full,
                    "Trường đã có cán bộ cùng họ tên và ngày sinh.",
                )
            )


async def _write_students(
    uow: IdentityUnitOfWork,
    school: School,
    rows: list[StudentRow],
    classes: dict[str, SchoolClass],
    *,
    actor: str,
) -> None:
    students = [Student(id=new_id(), school_id=school.id, profile=r.profile) for r in rows]
    await uow.people.add_students(students, actor=actor)
    for s in students:
        await uow.audit.record(
            AuditEntry(
                actor=actor,
                action="student.register",
                target_type="student",
                target_id=s.id,
                school_id=school.id,
                new_value=s.profile.as_record(),
            )
        )
        uow.emit(
            StudentRegistered(student_id=s.id, school_id=school.id, student=student_snapshot(s)),
            partition_key=school.id,
            subject=f"students/{s.id}",
        )
    by_class: dict[str, list[str]] = {}
    for s, r in zip(students, rows, strict=True):
        if r.class_name is not None:
            by_class.setdefault(classes[fold_for_search(r.class_name)].id, []).append(s.id)
    for class_id, ids in by_class.items():
        plan = await plan_enrollments(uow, class_id, ids, starts_on=None, move=False, known=students)
        await apply_enrollments(uow, plan, actor=actor)
    await _write_guardians(uow, school, [(s, r.guardian) for s, r in zip(students, rows, strict=True)], actor=actor)


async def _write_guardians(
    uow: IdentityUnitOfWork, school: School, links: list[tuple[Student, GuardianRow | None]], *, actor: str
) -> None:
    # One guardian record for a parent named (with the same phone or email) on several rows: siblings.
    guardians: dict[tuple[str, str], Guardian] = {}
    rows: list[tuple[str, str, GuardianRow]] = []
    for student, g in links:
        if g is None:
            continue
        guardian = guardians.get(g.identity)
        if guardian is None:
            guardian = Guardian(id=new_id(), school_id=school.id, name=g.name, phone=g.phone, email=g.email)
            guardians[g.identity] = guardian
        rows.append((student.id, guardian.id, g))
    await uow.people.add_guardians(list(guardians.values()), actor=actor)
    await uow.people.link_guardians([(s, gid, g.relation) for s, gid, g in rows], actor=actor)
    by_id = {g.id: g for g in guardians.values()}
    for student_id, guardian_id, g in rows:
        guardian = by_id[guardian_id]
        await uow.audit.record(
            AuditEntry(
                actor=actor,
                action="guardian.link",
                target_type="student",
                target_id=student_id,
                school_id=school.id,
                new_value={
                    "guardian_id": guardian.id,
                    "relation": g.relation.value,
                    "full_name": guardian.name.full,
                    "phone": guardian.phone,
                    "email": guardian.email,
                    "occupation": guardian.occupation,
                },
            )
        )
        uow.emit(
            GuardianLinked(
                student_id=student_id,
                school_id=school.id,
                guardian_id=guardian.id,
                relation=g.relation.value,
                full_name=guardian.name.full,
                occupation=guardian.occupation,
            ),
            partition_key=school.id,
            subject=f"students/{student_id}",
        )


async def _write_staff(uow: IdentityUnitOfWork, school: School, rows: list[StaffRow], *, actor: str) -> None:
    members = [
        Staff(
            id=new_id(),
            school_id=school.id,
            name=r.name,
            title=r.title,
            subject_group=r.subject_group,
            phone=r.phone,
            email=r.email,
            date_of_birth=r.date_of_birth,
            sex=r.sex,
        )
        for r in rows
    ]
    await uow.people.add_staff(members, actor=actor)
    for m in members:
        await uow.audit.record(
            AuditEntry(
                actor=actor,
                action="staff.register",
                target_type="staff",
                target_id=m.id,
                school_id=school.id,
                new_value=staff_record(m),
            )
        )
        uow.emit(
            StaffRegistered(
                staff_id=m.id,
                school_id=school.id,
                family_name=m.name.family,
                middle_name=m.name.middle,
                given_name=m.name.given,
                full_name=m.name.full,
                title=m.title.value,
                subject_group=m.subject_group,
                status=m.status.value,
            ),
            partition_key=school.id,
            subject=f"staff/{m.id}",
        )


_Opened = tuple[SchoolClass, SchoolYear, list[ClassSubject]]


async def _check_classes_against_records(
    uow: IdentityUnitOfWork, school: School, checked: Checked[ClassRow]
) -> dict[int, _Opened]:
    """Years that are not open and class names the school already has (errors added); the classes to open."""
    header = CLASS_SHEET.column
    years: dict[str, SchoolYear | None] = {}
    opened: dict[int, _Opened] = {}
    for r in checked.rows:
        if r.school_year not in years:
            years[r.school_year] = await uow.structure.school_year_by_code(r.school_year)
        year = years[r.school_year]
        if year is None:
            checked.errors.append(
                RowError(r.row, header("school_year").header, r.school_year, f"Chưa có năm học {r.school_year}.")
            )
            continue
        if await uow.structure.class_name_taken(school_id=school.id, school_year_id=year.id, name=r.name):
            checked.errors.append(
                RowError(
                    r.row,
                    header("name").header,
                    r.name,
                    f"Trường đã có lớp {r.name} trong năm học {year.code}.",
                )
            )
            continue
        cls = new_class(
            id=new_id(),
            school_id=school.id,
            school_year_id=year.id,
            grade=r.grade,
            name=r.name,
            school_levels=school.levels,
        )
        try:
            subjects = await resolve_subjects(uow, cls, None, field_name="subjects")
        except InvalidInput as exc:
            checked.errors.append(RowError(r.row, header("grade").header, str(r.grade), exc.detail))
            continue
        opened[r.row] = (cls, year, subjects)
    return opened


async def _write_classes(uow: IdentityUnitOfWork, school: School, opened: list[_Opened], *, actor: str) -> None:
    for cls, _, _ in opened:
        await uow.structure.add_class(cls, actor=actor)
    await uow.structure.add_class_subjects({cls.id: subjects for cls, _, subjects in opened})
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
