"""Use cases of bulk import: check a spreadsheet (dry run), or import it in one transaction.

A school imports its students, staff, classes and teaching assignments; an org unit imports its schools.

The whole file is validated before anything is written: every bad row is reported (row, column, value, reason).
By default one bad row refuses the whole file; with `valid_rows_only`, asked for explicitly, the good rows are
written and the bad ones reported. Either way the import is one unit of work: it commits whole or not at all,
writing the same audit entries and events as the single-record handlers, plus one audit entry for the import.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from edu_shared.contracts.identity import SchoolRegistered
from edu_shared.contracts.identity_people import (
    GuardianLinked,
    HomeroomAssigned,
    StudentRegistered,
)
from edu_shared.errors import InvalidInput, NotFound
from identity.adapters.audit import AuditEntry
from identity.adapters.spreadsheets import read_table
from identity.domain.imports import (
    CLASS_SHEET,
    SCHOOL_SHEET,
    STAFF_SHEET,
    STUDENT_SHEET,
    TEACHING_SHEET,
    Checked,
    ClassRow,
    GuardianRow,
    ImportKind,
    ImportMode,
    RowError,
    SchoolRow,
    StaffRow,
    StudentRow,
    TeachingRow,
    check_class_rows,
    check_school_rows,
    check_staff_rows,
    check_student_rows,
    check_teaching_rows,
)
from identity.domain.names import fold_for_search
from identity.domain.org import OrgUnit, School
from identity.domain.people import Guardian, Staff, StaffStatus, Student, check_email, check_phone
from identity.domain.structure import (
    ClassSubject,
    HomeroomAssignment,
    SchoolClass,
    SchoolYear,
    TeachingAssignment,
    new_class,
)
from identity.service_layer.people import (
    apply_enrollments,
    commit_or_conflict,
    emit_guardian_contact,
    existing_school,
    max_student_age,
    new_id,
    plan_enrollments,
    student_snapshot,
    write_new_staff,
)
from identity.service_layer.structure import resolve_subjects, write_opened_classes, write_teaching_assignments
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


@dataclass(frozen=True)
class ImportSchoolsFile:
    """A file of schools imported under an org unit (the department or a commune imports its own schools)."""

    org_unit_id: str
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
        elif cmd.kind == ImportKind.TEACHING_ASSIGNMENTS:
            teaching = check_teaching_rows(table)
            planned = await _check_teaching_against_records(uow, school, teaching)
            report = _report(cmd, teaching)
            if report.imported:
                await _write_teaching(uow, [planned[r.row] for r in teaching.rows], actor=cmd.actor)
        elif cmd.kind == ImportKind.STAFF:
            staff = check_staff_rows(table, today=_today())
            await _check_staff_against_records(uow, school, staff)
            report = _report(cmd, staff)
            if report.imported:
                await _write_staff(uow, school, staff.rows, actor=cmd.actor)
        else:
            raise InvalidInput(
                f"Trường không nhập được loại dữ liệu '{cmd.kind.value}'.", field="kind", value=cmd.kind.value
            )
        return await _conclude(uow, cmd, report, target_type="school", target_id=school.id, school_id=school.id)


async def import_schools(cmd: ImportSchoolsFile, uow: IdentityUnitOfWork) -> ImportReport:
    """Check a file of schools and, unless a dry run, register them under the unit or its sub-units."""
    table = read_table(cmd.data, filename=cmd.filename)
    async with uow:
        unit = await uow.org.get_unit(cmd.org_unit_id)
        if unit is None:
            raise NotFound(
                f"Không có đơn vị quản lý với mã định danh {cmd.org_unit_id}.",
                field="org_unit_id",
                value=cmd.org_unit_id,
            )
        checked = check_school_rows(table)
        units = await _check_schools_against_records(uow, unit, checked)
        report = _report(cmd, checked)
        if report.imported:
            await _write_schools(uow, checked.rows, units, actor=cmd.actor)
        return await _conclude(uow, cmd, report, target_type="org_unit", target_id=unit.id, org_unit_id=unit.id)


async def _conclude(
    uow: IdentityUnitOfWork,
    cmd: ImportFile | ImportSchoolsFile,
    report: ImportReport,
    *,
    target_type: str,
    target_id: str,
    school_id: str | None = None,
    org_unit_id: str | None = None,
) -> ImportReport:
    """Audit the import and commit it, or refuse it whole (the refusal alone committed) when all or nothing."""
    if cmd.dry_run:
        return report
    await uow.audit.record(
        AuditEntry(
            actor=cmd.actor,
            action=f"import.{report.kind.value}",
            outcome="success" if report.imported or not report.errors else "failure",
            target_type=target_type,
            target_id=target_id,
            school_id=school_id,
            org_unit_id=org_unit_id,
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


_AnyChecked = Checked[StudentRow] | Checked[StaffRow] | Checked[ClassRow] | Checked[TeachingRow] | Checked[SchoolRow]


def _report(cmd: ImportFile | ImportSchoolsFile, checked: _AnyChecked) -> ImportReport:
    checked.drop_rows(checked.bad_rows)
    write = not cmd.dry_run and (not checked.errors or cmd.mode == ImportMode.VALID_ROWS_ONLY)
    return ImportReport(
        kind=cmd.kind if isinstance(cmd, ImportFile) else ImportKind.SCHOOLS,
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
    for guardian in guardians.values():
        emit_guardian_contact(uow, guardian)
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
    await write_new_staff(uow, school, members, actor=actor)


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
    await write_opened_classes(uow, school, opened, actor=actor)


# Teaching assignments


@dataclass(frozen=True)
class _PlannedTeaching:
    """What one row of a teaching-assignment file writes: a subject assignment, a homeroom, or both."""

    cls: SchoolClass
    teaching: TeachingAssignment | None
    homeroom: HomeroomAssignment | None
    previous_homeroom: HomeroomAssignment | None


class _StaffDirectory:
    """The school's staff by email, phone and folded full name; a row's 'Giáo viên' cell resolves to one of them."""

    def __init__(self, members: list[Staff]) -> None:
        self.by_email: dict[str, list[Staff]] = {}
        self.by_phone: dict[str, list[Staff]] = {}
        self.by_name: dict[str, list[Staff]] = {}
        for m in members:
            if m.email:
                self.by_email.setdefault(m.email.lower(), []).append(m)
            if m.phone:
                self.by_phone.setdefault(m.phone, []).append(m)
            self.by_name.setdefault(fold_for_search(m.name.full), []).append(m)

    def find(self, text: str) -> Staff:
        """The one staff member a cell names; InvalidInput (with the reason) when none or several."""
        if "@" in text:
            email = check_email(text)
            found = self.by_email.get(email or "", [])
            missing = f"Trường không có cán bộ có email {text}."
        elif any(c.isdigit() for c in text):
            phone = check_phone(text if text.startswith(("0", "+")) else "0" + text)
            found = self.by_phone.get(phone or "", [])
            missing = f"Trường không có cán bộ có số điện thoại {text}."
        else:
            found = self.by_name.get(fold_for_search(text), [])
            missing = f"Trường không có cán bộ tên {text}."
            active = [m for m in found if m.status != StaffStatus.LEFT]
            if len(found) > 1 and len(active) == 1:
                found = active
        if not found:
            raise InvalidInput(missing, field="teacher", value=text)
        if len(found) > 1:
            raise InvalidInput(
                f"Trường có {len(found)} cán bộ tên {found[0].name.full}; ghi email hoặc số điện thoại của người "
                "được phân công để phân biệt.",
                field="teacher",
                value=text,
            )
        (member,) = found
        if member.status == StaffStatus.LEFT:
            raise InvalidInput(f"Cán bộ {member.name.full} đã nghỉ việc, không phân công được.", field="teacher")
        return member


def _homeroom_start(year: SchoolYear) -> date:
    # As assign_homeroom: today, or the first (last) day of the year when it has not started (has ended).
    return min(max(_today(), year.starts_on), year.ends_on)


async def _check_teaching_against_records(
    uow: IdentityUnitOfWork, school: School, checked: Checked[TeachingRow]
) -> dict[int, _PlannedTeaching]:
    """Resolve classes, subjects and staff; refuse what the single-record handlers refuse (errors added)."""
    header = TEACHING_SHEET.column
    staff = _StaffDirectory(await uow.people.list_staff(school_id=school.id))
    years = {y.id: y for y in await uow.structure.list_school_years()}
    # A class name without a year means the class of that name in the school's latest year that has one.
    latest: dict[str, SchoolClass] = {}
    by_year: dict[tuple[str, str], SchoolClass] = {}
    for cls in sorted(
        await uow.structure.list_classes(school_id=school.id),
        key=lambda c: years[c.school_year_id].starts_on if c.school_year_id in years else date.min,
    ):
        latest[fold_for_search(cls.name)] = cls
        by_year[cls.school_year_id, fold_for_search(cls.name)] = cls
    year_codes = {y.code: y for y in years.values()}
    subjects: dict[str, list[ClassSubject]] = {}
    existing: dict[str, list[TeachingAssignment]] = {}
    current_homerooms = await uow.structure.current_homerooms([c.id for c in by_year.values()])
    homeroom_rows: dict[str, tuple[str, int]] = {}  # class id → (staff id, row) named as homeroom teacher
    planned: dict[int, _PlannedTeaching] = {}

    def fail(r: TeachingRow, key: str, value: str | None, message: str) -> None:
        checked.errors.append(RowError(r.row, header(key).header, value, message))

    for r in checked.rows:
        if r.school_year is not None:
            year = year_codes.get(r.school_year)
            if year is None:
                fail(r, "school_year", r.school_year, f"Chưa có năm học {r.school_year}.")
                continue
            found_cls = by_year.get((year.id, fold_for_search(r.class_name)))
            if found_cls is None:
                fail(r, "class_name", r.class_name, f"Trường không có lớp {r.class_name} trong năm học {year.code}.")
                continue
        else:
            found_cls = latest.get(fold_for_search(r.class_name))
            if found_cls is None:
                fail(r, "class_name", r.class_name, f"Trường không có lớp {r.class_name}.")
                continue
        cls = found_cls
        try:
            member = staff.find(r.teacher)
        except InvalidInput as exc:
            fail(r, "teacher", r.teacher, exc.detail)
            continue
        teaching: TeachingAssignment | None = None
        errors_before = len(checked.errors)
        if r.subject is not None:
            if cls.id not in subjects:
                subjects[cls.id] = await uow.structure.class_subjects(cls.id)
                existing[cls.id] = await uow.structure.teaching_assignments(class_id=cls.id)
            wanted = fold_for_search(r.subject)
            subject = next(
                (s for s in subjects[cls.id] if wanted in {s.code, fold_for_search(s.name)}),
                None,
            )
            if subject is None:
                fail(r, "subject", r.subject, f"Lớp {cls.name} không học môn '{r.subject}'.")
            else:
                clash = next(
                    (
                        a
                        for a in existing[cls.id]
                        if a.staff_id == member.id
                        and a.subject_code == subject.code
                        and (a.semester is None or r.semester is None or a.semester == r.semester)
                    ),
                    None,
                )
                if clash is not None:
                    fail(
                        r,
                        "subject",
                        r.subject,
                        f"Cán bộ {member.name.full} đã được phân công dạy môn '{subject.code}' lớp {cls.name}"
                        + (f" học kỳ {clash.semester}." if clash.semester else " cả năm."),
                    )
                else:
                    teaching = TeachingAssignment(
                        id=new_id(),
                        school_id=cls.school_id,
                        class_id=cls.id,
                        subject_code=subject.code,
                        staff_id=member.id,
                        school_year_id=cls.school_year_id,
                        semester=r.semester,
                    )
        homeroom: HomeroomAssignment | None = None
        current = current_homerooms.get(cls.id)
        if r.homeroom:
            named = homeroom_rows.get(cls.id)
            year_of_class = years[cls.school_year_id]
            starts_on = _homeroom_start(year_of_class)
            if named is not None and named[0] != member.id:
                fail(r, "homeroom", "x", f"Lớp {cls.name} đã có giáo viên chủ nhiệm khác ở dòng {named[1]} trong tệp.")
            elif current is not None and current.staff_id != member.id and starts_on <= current.starts_on:
                fail(
                    r,
                    "homeroom",
                    "x",
                    f"Giáo viên chủ nhiệm hiện tại của lớp {cls.name} bắt đầu từ {current.starts_on:%d/%m/%Y}; "
                    "người mới phải bắt đầu sau ngày đó.",
                )
            elif current is None or current.staff_id != member.id:
                homeroom = HomeroomAssignment(
                    id=new_id(),
                    school_id=cls.school_id,
                    class_id=cls.id,
                    staff_id=member.id,
                    school_year_id=cls.school_year_id,
                    starts_on=starts_on,
                )
        if len(checked.errors) > errors_before:
            continue
        if r.homeroom:
            homeroom_rows.setdefault(cls.id, (member.id, r.row))
        if teaching is not None:
            existing[cls.id].append(teaching)  # a second row for the same assignment is refused like a stored one
        planned[r.row] = _PlannedTeaching(
            cls=cls, teaching=teaching, homeroom=homeroom, previous_homeroom=current if homeroom else None
        )
    return planned


async def _write_teaching(uow: IdentityUnitOfWork, planned: list[_PlannedTeaching], *, actor: str) -> None:
    """The writes, audit entries and events of assign_teaching and assign_homeroom, for every kept row."""
    await write_teaching_assignments(uow, [p.teaching for p in planned if p.teaching is not None], actor=actor)
    homerooms: dict[str, _PlannedTeaching] = {}
    for p in planned:
        if p.homeroom is not None:
            homerooms.setdefault(p.cls.id, p)  # several rows may name the same homeroom teacher
    for p in homerooms.values():
        h, current = p.homeroom, p.previous_homeroom
        assert h is not None
        if current is not None:
            await uow.structure.end_homeroom(current.id, ends_on=h.starts_on - timedelta(days=1))
    await uow.structure.add_homerooms([p.homeroom for p in homerooms.values() if p.homeroom], actor=actor)
    for p in homerooms.values():
        h, current = p.homeroom, p.previous_homeroom
        assert h is not None
        await uow.audit.record(
            AuditEntry(
                actor=actor,
                action="homeroom.assign",
                target_type="class",
                target_id=h.class_id,
                school_id=h.school_id,
                old_value={"staff_id": current.staff_id} if current else None,
                new_value={"staff_id": h.staff_id, "starts_on": h.starts_on.isoformat()},
            )
        )
        uow.emit(
            HomeroomAssigned(
                assignment_id=h.id,
                school_id=h.school_id,
                class_id=h.class_id,
                staff_id=h.staff_id,
                school_year_id=h.school_year_id,
                starts_on=h.starts_on,
                previous_staff_id=current.staff_id if current else None,
            ),
            partition_key=h.school_id,
            subject=f"classes/{h.class_id}",
        )


# Schools


def _subtree(root: OrgUnit, units: list[OrgUnit]) -> set[str]:
    children: dict[str, list[str]] = {}
    for u in units:
        if u.parent_id is not None:
            children.setdefault(u.parent_id, []).append(u.id)
    found, todo = {root.id}, [root.id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


async def _check_schools_against_records(
    uow: IdentityUnitOfWork, unit: OrgUnit, checked: Checked[SchoolRow]
) -> dict[int, str]:
    """Codes already used and managing units outside the importing unit's subtree (errors added); row → unit id."""
    header = SCHOOL_SHEET.column
    units = await uow.org.list_units()
    by_code = {u.code: u for u in units}
    in_scope = _subtree(unit, units)
    taken = {s.moet_code for s in await uow.org.list_schools()}
    placed: dict[int, str] = {}
    for r in checked.rows:
        if r.moet_code in taken:
            checked.errors.append(
                RowError(r.row, header("moet_code").header, r.moet_code, f"Mã trường '{r.moet_code}' đã được dùng.")
            )
        target = unit if r.org_unit_code is None else by_code.get(r.org_unit_code)
        column = header("org_unit_code").header
        if target is None:
            checked.errors.append(
                RowError(r.row, column, r.org_unit_code, f"Không có đơn vị quản lý mã '{r.org_unit_code}'.")
            )
        elif target.id not in in_scope:
            checked.errors.append(
                RowError(
                    r.row,
                    column,
                    r.org_unit_code,
                    f"Đơn vị '{target.name}' không thuộc {unit.name}; chỉ nhập được trường của đơn vị mình quản lý.",
                )
            )
        else:
            placed[r.row] = target.id
    return placed


async def _write_schools(uow: IdentityUnitOfWork, rows: list[SchoolRow], units: dict[int, str], *, actor: str) -> None:
    """The writes, audit entries and events of register_school, for every kept row."""
    for r in rows:
        school = School(id=new_id(), org_unit_id=units[r.row], moet_code=r.moet_code, name=r.name, levels=r.levels)
        await uow.org.add_school(school, actor=actor)
        await uow.audit.record(
            AuditEntry(
                actor=actor,
                action="school.register",
                target_type="school",
                target_id=school.id,
                school_id=school.id,
                org_unit_id=school.org_unit_id,
                new_value={"moet_code": school.moet_code, "name": school.name},
            )
        )
        uow.emit(
            SchoolRegistered(
                school_id=school.id,
                org_unit_id=school.org_unit_id,
                moet_code=school.moet_code,
                name=school.name,
                levels=list(school.levels),
            ),
            partition_key=school.id,
            subject=f"schools/{school.id}",
        )
