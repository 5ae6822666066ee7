"""Use cases of a school's people: staff, students, enrollments, guardians and consent.

Every handler validates the whole command before writing (a refused command writes nothing), audits each
change with its old and new values, and announces it on `edu.identity` with as little personal data as the
other services need.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError

from edu_shared.contracts.identity import SchoolLevel
from edu_shared.contracts.identity_people import (
    ConsentChanged,
    GuardianContactChanged,
    GuardianLinked,
    StaffProfileChanged,
    StaffRegistered,
    StudentEnrolled,
    StudentProfileChanged,
    StudentRegistered,
    StudentSnapshot,
)
from edu_shared.errors import Conflict, InvalidInput, NotFound
from edu_shared.objectstore.port import ObjectStore
from identity.adapters.audit import AuditEntry
from identity.adapters.people_repo import Enrollment, GuardianLink, NewEnrollment
from identity.domain.names import PersonName, check_date_of_birth, name_from_parts, split_full_name
from identity.domain.org import School
from identity.domain.people import (
    STUDENT_MAX_AGE,
    AlreadyEnrolled,
    Consent,
    ConsentGiver,
    ConsentPurpose,
    DuplicateIdentifier,
    EnrollmentStatus,
    Guardian,
    Relation,
    Sex,
    Staff,
    StaffTitle,
    Student,
    StudentProfile,
    StudentStatus,
    changed_fields,
    check_email,
    check_image,
    check_phone,
    consent_complete,
    optional_text,
)
from identity.domain.structure import SchoolYear
from identity.service_layer.uow import IdentityUnitOfWork


def new_id() -> str:
    return str(uuid.uuid4())


def _today() -> date:
    return datetime.now(UTC).date()


async def existing_school(uow: IdentityUnitOfWork, school_id: str) -> School:
    school = await uow.org.get_school(school_id)
    if school is None:
        raise NotFound(f"Không có trường với mã định danh {school_id}.", field="school_id", value=school_id)
    return school


def max_student_age(school: School) -> int | None:
    # Continuing-education centres teach adults too.
    return None if SchoolLevel.CONTINUING in school.levels else STUDENT_MAX_AGE


async def _student(uow: IdentityUnitOfWork, student_id: str) -> Student:
    student = await uow.people.get_student(student_id)
    if student is None:
        raise NotFound(f"Không có học sinh với mã định danh {student_id}.", field="student_id", value=student_id)
    return student


async def commit_or_conflict(uow: IdentityUnitOfWork, *, what: str) -> None:
    try:
        await uow.commit()
    except IntegrityError as exc:
        await uow.rollback()
        raise Conflict(f"{what}: trùng với dữ liệu vừa được ghi đồng thời (mã định danh?). Vui lòng thử lại.") from exc


def student_snapshot(student: Student) -> StudentSnapshot:
    p = student.profile
    return StudentSnapshot(
        family_name=p.name.family,
        middle_name=p.name.middle,
        given_name=p.name.given,
        full_name=p.name.full,
        date_of_birth=p.date_of_birth,
        sex=p.sex.value,
        place_of_birth=p.place_of_birth,
        ethnicity=p.ethnicity,
        national_id=p.national_id,
        moet_student_id=p.moet_student_id,
        status=student.status.value,
    )


def staff_record(s: Staff) -> dict[str, Any]:
    return {
        "family_name": s.name.family,
        "middle_name": s.name.middle,
        "given_name": s.name.given,
        "title": s.title.value,
        "subject_group": s.subject_group,
        "phone": s.phone,
        "email": s.email,
        "date_of_birth": s.date_of_birth.isoformat() if s.date_of_birth else None,
        "sex": s.sex.value if s.sex else None,
        "status": s.status.value,
        "photo_object_key": s.photo_object_key,
        "signature_object_key": s.signature_object_key,
    }


def _merge_name(old: PersonName, changes: Mapping[str, Any]) -> PersonName:
    """The name after a partial update: `full_name` replaces it whole, parts replace only themselves."""
    parts = {"family_name", "middle_name", "given_name"} & changes.keys()
    if "full_name" in changes:
        if parts:
            raise InvalidInput(
                "Nhập họ tên đầy đủ (full_name) hoặc từng phần, không nhập cả hai.",
                field="full_name",
                value=changes["full_name"],
            )
        if changes["full_name"] is None:
            raise InvalidInput("Họ tên không được để trống.", field="full_name", value=None)
        return split_full_name(changes["full_name"])
    if not parts:
        return old
    for required in ("family_name", "given_name"):
        if required in changes and changes[required] is None:
            raise InvalidInput("Họ tên không được để trống.", field=required, value=None)
    return name_from_parts(
        family=changes.get("family_name", old.family),
        middle=changes.get("middle_name", old.middle) or "",
        given=changes.get("given_name", old.given),
    )


# Staff


@dataclass(frozen=True)
class StaffInput:
    name: PersonName
    title: StaffTitle
    subject_group: str | None = None
    phone: str | None = None
    email: str | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    staff_id: str | None = None


@dataclass(frozen=True)
class RegisterStaff:
    school_id: str
    members: tuple[StaffInput, ...]
    actor: str


def _checked_staff(member: Staff) -> Staff:
    if member.date_of_birth is not None:
        check_date_of_birth(member.date_of_birth, on=_today(), min_age=18, max_age=75)
    return replace(
        member,
        subject_group=optional_text(member.subject_group, field_name="subject_group", max_length=128),
        phone=check_phone(member.phone) if member.phone else None,
        email=check_email(member.email) if member.email else None,
    )


async def register_staff(cmd: RegisterStaff, uow: IdentityUnitOfWork) -> list[Staff]:
    """Add staff members to a school's records (hồ sơ cán bộ); all or none."""
    async with uow:
        school = await existing_school(uow, cmd.school_id)
        members = [
            _checked_staff(
                Staff(
                    id=m.staff_id or new_id(),
                    school_id=school.id,
                    name=m.name,
                    title=m.title,
                    subject_group=m.subject_group,
                    phone=m.phone,
                    email=m.email,
                    date_of_birth=m.date_of_birth,
                    sex=m.sex,
                )
            )
            for m in cmd.members
        ]
        await write_new_staff(uow, school, members, actor=cmd.actor)
        await commit_or_conflict(uow, what="Hồ sơ cán bộ")
        return members


@dataclass(frozen=True)
class UpdateStaff:
    staff_id: str
    changes: Mapping[str, Any]  # only the fields sent: names, title, subject_group, phone, email, dob, sex, status
    actor: str


_STAFF_FIELDS = {"title", "subject_group", "phone", "email", "date_of_birth", "sex", "status"}


async def update_staff(cmd: UpdateStaff, uow: IdentityUnitOfWork) -> Staff:
    """Correct a staff record; the audit trail keeps the old and new values."""
    async with uow:
        old = await uow.people.get_staff(cmd.staff_id)
        if old is None:
            raise NotFound(f"Không có cán bộ với mã định danh {cmd.staff_id}.", field="staff_id", value=cmd.staff_id)
        for required in ("title", "status"):
            if required in cmd.changes and cmd.changes[required] is None:
                raise InvalidInput("Trường này không được để trống.", field=required, value=None)
        fields = {k: v for k, v in cmd.changes.items() if k in _STAFF_FIELDS}
        new = _checked_staff(replace(old, name=_merge_name(old.name, cmd.changes), **fields))
        before, after = changed_fields(staff_record(old), staff_record(new))
        if not after:
            return old
        await uow.people.update_staff(new)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="staff.update",
                target_type="staff",
                target_id=new.id,
                school_id=new.school_id,
                old_value=before,
                new_value=after,
            )
        )
        public = {"family_name", "middle_name", "given_name", "title", "subject_group", "status"}
        if public & after.keys():
            uow.emit(
                StaffProfileChanged(
                    staff_id=new.id,
                    school_id=new.school_id,
                    family_name=new.name.family,
                    middle_name=new.name.middle,
                    given_name=new.name.given,
                    full_name=new.name.full,
                    title=new.title.value,
                    subject_group=new.subject_group,
                    status=new.status.value,
                    changed=sorted(public & after.keys()),
                ),
                partition_key=new.school_id,
                subject=f"staff/{new.id}",
            )
        await commit_or_conflict(uow, what="Hồ sơ cán bộ")
        return new


@dataclass(frozen=True)
class SetStaffImage:
    staff_id: str
    kind: Literal["photo", "signature"]
    data: bytes
    content_type: str
    actor: str


async def set_staff_image(cmd: SetStaffImage, uow: IdentityUnitOfWork, *, store: ObjectStore) -> Staff:
    """Store a staff member's photo or signature image (seed 004) and point the record at it."""
    content_type = check_image(cmd.data, content_type=cmd.content_type, field_name=cmd.kind)
    async with uow:
        old = await uow.people.get_staff(cmd.staff_id)
        if old is None:
            raise NotFound(f"Không có cán bộ với mã định danh {cmd.staff_id}.", field="staff_id", value=cmd.staff_id)
        # Content-addressed: an image stored for a change that then fails to commit is harmless and reused.
        stored = await store.put(
            cmd.data, content_type=content_type, prefix=f"staff/{cmd.kind}s/", metadata={"school-id": old.school_id}
        )
        field_name = f"{cmd.kind}_object_key"
        if cmd.kind == "photo":
            new = replace(old, photo_object_key=stored.key)
        else:
            new = replace(old, signature_object_key=stored.key)
        if new == old:
            return old
        await uow.people.update_staff(new)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action=f"staff.{cmd.kind}_set",
                target_type="staff",
                target_id=old.id,
                school_id=old.school_id,
                old_value={field_name: getattr(old, field_name)},
                new_value={field_name: stored.key},
            )
        )
        await uow.commit()
        return new


# Students


@dataclass(frozen=True)
class StudentInput:
    profile: StudentProfile
    class_id: str | None = None  # enrol in this class at once
    student_id: str | None = None


@dataclass(frozen=True)
class RegisterStudents:
    school_id: str
    students: tuple[StudentInput, ...]
    actor: str
    starts_on: date | None = None  # of the enrollments, when classes are given


async def _check_identifiers_free(
    uow: IdentityUnitOfWork, profiles: list[tuple[str, StudentProfile]], *, field_prefix: str = ""
) -> None:
    """Refuse national / MOET ids used by another student (in the database or twice in this command)."""
    seen: dict[tuple[str, str], str] = {}
    for student_id, p in profiles:
        for field_name, value in (("national_id", p.national_id), ("moet_student_id", p.moet_student_id)):
            if value is None:
                continue
            if (field_name, value) in seen and seen[(field_name, value)] != student_id:
                raise DuplicateIdentifier(
                    f"Mã {value} bị nhập cho hai học sinh.", field=f"{field_prefix}{field_name}", value=value
                )
            seen[(field_name, value)] = student_id
    owners = await uow.people.identifier_owners(
        national_ids=[v for (f, v) in seen if f == "national_id"],
        moet_ids=[v for (f, v) in seen if f == "moet_student_id"],
    )
    for key, owner in owners.items():
        if owner != seen[key]:
            label = "Số CCCD" if key[0] == "national_id" else "Mã định danh học sinh"
            raise DuplicateIdentifier(
                f"{label} {key[1]} đã thuộc về một học sinh khác.", field=f"{field_prefix}{key[0]}", value=key[1]
            )


async def register_students(cmd: RegisterStudents, uow: IdentityUnitOfWork) -> list[Student]:
    """Add students to a school's records, optionally enrolling each in a class; all or none."""
    async with uow:
        school = await existing_school(uow, cmd.school_id)
        today = _today()
        students = [
            Student(
                id=s.student_id or new_id(),
                school_id=school.id,
                profile=s.profile.checked(on=today, max_age=max_student_age(school)),
            )
            for s in cmd.students
        ]
        await _check_identifiers_free(uow, [(s.id, s.profile) for s in students])
        wanted: dict[str, list[str]] = {}
        for s, given in zip(students, cmd.students, strict=True):
            if given.class_id is not None:
                wanted.setdefault(given.class_id, []).append(s.id)
        plans = [
            await plan_enrollments(uow, class_id, ids, starts_on=cmd.starts_on, move=False, known=students)
            for class_id, ids in wanted.items()
        ]
        await uow.people.add_students(students, actor=cmd.actor)
        for s in students:
            await uow.audit.record(
                AuditEntry(
                    actor=cmd.actor,
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
        for plan in plans:
            await apply_enrollments(uow, plan, actor=cmd.actor)
        await commit_or_conflict(uow, what="Hồ sơ học sinh")
        return students


@dataclass(frozen=True)
class UpdateStudent:
    student_id: str
    changes: Mapping[str, Any]  # only the fields sent
    actor: str


_PROFILE_FIELDS = {"date_of_birth", "sex", "place_of_birth", "ethnicity", "address", "national_id", "moet_student_id"}


async def update_student(cmd: UpdateStudent, uow: IdentityUnitOfWork) -> Student:
    """Correct a student's record (lý lịch); the audit trail keeps the old and new values of each field."""
    async with uow:
        old = await _student(uow, cmd.student_id)
        school = await existing_school(uow, old.school_id)
        for required in ("date_of_birth", "sex"):
            if required in cmd.changes and cmd.changes[required] is None:
                raise InvalidInput("Trường này không được để trống.", field=required, value=None)
        fields = {k: v for k, v in cmd.changes.items() if k in _PROFILE_FIELDS}
        profile = replace(old.profile, name=_merge_name(old.profile.name, cmd.changes), **fields)
        new = replace(old, profile=profile.checked(on=_today(), max_age=max_student_age(school)))
        before, after = changed_fields(old.profile.as_record(), new.profile.as_record())
        if not after:
            return old
        await _check_identifiers_free(uow, [(new.id, new.profile)])
        await uow.people.update_student(new, actor=cmd.actor)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="student.update",
                target_type="student",
                target_id=new.id,
                school_id=new.school_id,
                old_value=before,
                new_value=after,
            )
        )
        shared = set(StudentSnapshot.model_fields) & after.keys()
        if shared:
            uow.emit(
                StudentProfileChanged(
                    student_id=new.id, school_id=new.school_id, student=student_snapshot(new), changed=sorted(shared)
                ),
                partition_key=new.school_id,
                subject=f"students/{new.id}",
            )
        await commit_or_conflict(uow, what="Hồ sơ học sinh")
        return new


# Enrollments


@dataclass(frozen=True)
class _EnrollmentPlan:
    school_id: str
    class_id: str
    year: SchoolYear
    starts_on: date
    new: list[NewEnrollment]
    ends: list[tuple[Enrollment, date, EnrollmentStatus]]


async def plan_enrollments(
    uow: IdentityUnitOfWork,
    class_id: str,
    student_ids: list[str],
    *,
    starts_on: date | None,
    move: bool,
    known: list[Student] | None = None,
) -> _EnrollmentPlan:
    cls = await uow.structure.get_class(class_id)
    if cls is None:
        raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
    year = await uow.structure.get_school_year(cls.school_year_id)
    assert year is not None  # foreign key
    start = starts_on or min(max(_today(), year.starts_on), year.ends_on)
    if not year.starts_on <= start <= year.ends_on:
        raise InvalidInput(
            f"Ngày vào lớp phải nằm trong năm học {year.code} ({year.starts_on:%d/%m/%Y}–{year.ends_on:%d/%m/%Y}).",
            field="starts_on",
            value=start.isoformat(),
        )
    by_id = {s.id: s for s in known or []}
    missing = [i for i in student_ids if i not in by_id]
    by_id.update(await uow.people.students_by_ids(missing))
    if len(set(student_ids)) != len(student_ids):
        raise InvalidInput("Danh sách học sinh bị lặp.", field="student_ids", value=student_ids)
    current = await uow.people.active_enrollments(student_ids)
    plan = _EnrollmentPlan(school_id=cls.school_id, class_id=cls.id, year=year, starts_on=start, new=[], ends=[])
    for student_id in student_ids:
        student = by_id.get(student_id)
        if student is None or student.school_id != cls.school_id:
            raise NotFound(
                f"Trường không có học sinh với mã định danh {student_id}.", field="student_ids", value=student_id
            )
        if student.status != StudentStatus.STUDYING:
            raise InvalidInput(
                f"Học sinh {student.profile.name.full} không còn đang học (trạng thái {student.status.value}).",
                field="student_ids",
                value=student_id,
            )
        now = current.get(student_id)
        if now is not None:
            if now.class_id == cls.id:
                raise AlreadyEnrolled(
                    f"Học sinh {student.profile.name.full} đã ở lớp {cls.name}.", field="student_ids", value=student_id
                )
            if now.school_year_id == cls.school_year_id:
                if not move:
                    raise AlreadyEnrolled(
                        f"Học sinh {student.profile.name.full} đang học một lớp khác trong năm học {year.code}; "
                        "gửi move_from_current_class=true để chuyển lớp.",
                        field="student_ids",
                        value=student_id,
                    )
                if start <= now.starts_on:
                    raise InvalidInput(
                        f"Ngày chuyển lớp phải sau ngày vào lớp hiện tại ({now.starts_on:%d/%m/%Y}).",
                        field="starts_on",
                        value=start.isoformat(),
                    )
                plan.ends.append((now, start - timedelta(days=1), EnrollmentStatus.MOVED))
            else:
                earlier = await uow.structure.get_school_year(now.school_year_id)
                assert earlier is not None
                if earlier.starts_on > year.starts_on:
                    raise InvalidInput(
                        f"Học sinh {student.profile.name.full} đang học năm học {earlier.code}, sau năm {year.code}.",
                        field="student_ids",
                        value=student_id,
                    )
                # Moving up to the new year closes last year's class on its last day.
                plan.ends.append((now, min(earlier.ends_on, start - timedelta(days=1)), EnrollmentStatus.ENDED))
        plan.new.append(
            NewEnrollment(id=new_id(), student_id=student_id, class_id=cls.id, school_year_id=year.id, starts_on=start)
        )
    return plan


async def apply_enrollments(uow: IdentityUnitOfWork, plan: _EnrollmentPlan, *, actor: str) -> None:
    await uow.people.end_enrollments([(e.id, ends_on, status) for e, ends_on, status in plan.ends])
    await uow.people.add_enrollments(plan.new, actor=actor)
    previous = {e.student_id: (e, status) for e, _, status in plan.ends}
    for e in plan.new:
        before = previous.get(e.student_id)
        await uow.audit.record(
            AuditEntry(
                actor=actor,
                action="student.enroll",
                target_type="student",
                target_id=e.student_id,
                school_id=plan.school_id,
                old_value={"class_id": before[0].class_id, "status": before[1].value} if before else None,
                new_value={"class_id": e.class_id, "starts_on": e.starts_on.isoformat()},
            )
        )
        uow.emit(
            StudentEnrolled(
                enrollment_id=e.id,
                student_id=e.student_id,
                school_id=plan.school_id,
                class_id=e.class_id,
                school_year_id=e.school_year_id,
                starts_on=e.starts_on,
                previous_class_id=before[0].class_id if before and before[1] == EnrollmentStatus.MOVED else None,
            ),
            partition_key=plan.school_id,
            subject=f"students/{e.student_id}",
        )


@dataclass(frozen=True)
class EnrollStudents:
    class_id: str
    student_ids: tuple[str, ...]
    actor: str
    starts_on: date | None = None
    move_from_current_class: bool = False


async def enroll_students(cmd: EnrollStudents, uow: IdentityUnitOfWork) -> list[NewEnrollment]:
    """Put students in a class from a date (a change of class within the year needs `move_from_current_class`)."""
    async with uow:
        plan = await plan_enrollments(
            uow, cmd.class_id, list(cmd.student_ids), starts_on=cmd.starts_on, move=cmd.move_from_current_class
        )
        await apply_enrollments(uow, plan, actor=cmd.actor)
        await commit_or_conflict(uow, what="Xếp lớp")
        return plan.new


# Guardians and consent


@dataclass(frozen=True)
class GuardianInput:
    relation: Relation
    guardian_id: str | None = None  # an existing guardian of the school (a sibling's parent)
    name: PersonName | None = None
    phone: str | None = None
    email: str | None = None
    occupation: str | None = None
    new_guardian_id: str | None = None  # the id to give a new guardian (imports, demo data); None: a fresh one


def emit_guardian_contact(uow: IdentityUnitOfWork, guardian: Guardian) -> None:
    """Publish a guardian's contacts for the notifications service (no other event carries them)."""
    uow.emit(
        GuardianContactChanged(
            guardian_id=guardian.id,
            school_id=guardian.school_id,
            full_name=guardian.name.full,
            phone=guardian.phone,
            email=guardian.email,
        ),
        partition_key=guardian.school_id,
        subject=f"guardians/{guardian.id}",
    )


@dataclass(frozen=True)
class LinkGuardians:
    links: tuple[tuple[str, GuardianInput], ...]  # (student id, guardian)
    actor: str


async def link_guardians(cmd: LinkGuardians, uow: IdentityUnitOfWork) -> list[tuple[str, GuardianLink]]:
    """Record a student's parents or guardians (new, or already known to the school); all or none."""
    async with uow:
        students = await uow.people.students_by_ids([s for s, _ in cmd.links])
        new_guardians: list[Guardian] = []
        rows: list[tuple[str, str, Relation]] = []
        out: list[tuple[str, GuardianLink]] = []
        linked: dict[str, set[str]] = {}
        for student_id, g in cmd.links:
            student = students.get(student_id)
            if student is None:
                raise NotFound(
                    f"Không có học sinh với mã định danh {student_id}.", field="student_id", value=student_id
                )
            if student_id not in linked:
                linked[student_id] = {link.guardian.id for link in await uow.people.guardians_of(student_id)}
            if g.guardian_id is not None:
                if g.name is not None:
                    raise InvalidInput(
                        "Chọn phụ huynh đã có (guardian_id) hoặc nhập phụ huynh mới, không cả hai.",
                        field="guardian_id",
                        value=g.guardian_id,
                    )
                guardian = await uow.people.get_guardian(g.guardian_id)
                if guardian is None or guardian.school_id != student.school_id:
                    raise NotFound(
                        f"Trường không có phụ huynh với mã định danh {g.guardian_id}.",
                        field="guardian_id",
                        value=g.guardian_id,
                    )
            else:
                if g.name is None:
                    raise InvalidInput("Cần họ tên phụ huynh (hoặc guardian_id).", field="full_name", value=None)
                guardian = Guardian(
                    id=g.new_guardian_id or new_id(),
                    school_id=student.school_id,
                    name=g.name,
                    phone=check_phone(g.phone) if g.phone else None,
                    email=check_email(g.email) if g.email else None,
                    occupation=optional_text(g.occupation, field_name="occupation", max_length=128),
                )
                new_guardians.append(guardian)
            if guardian.id in linked[student_id]:
                raise Conflict(
                    f"{guardian.name.full} đã là phụ huynh của học sinh này.", field="guardian_id", value=guardian.id
                )
            linked[student_id].add(guardian.id)
            rows.append((student_id, guardian.id, g.relation))
            out.append((student_id, GuardianLink(guardian=guardian, relation=g.relation)))
        await uow.people.add_guardians(new_guardians, actor=cmd.actor)
        await uow.people.link_guardians(rows, actor=cmd.actor)
        for guardian in new_guardians:
            emit_guardian_contact(uow, guardian)
        for student_id, link in out:
            school_id = students[student_id].school_id
            guardian = link.guardian
            await uow.audit.record(
                AuditEntry(
                    actor=cmd.actor,
                    action="guardian.link",
                    target_type="student",
                    target_id=student_id,
                    school_id=school_id,
                    new_value={
                        "guardian_id": guardian.id,
                        "relation": link.relation.value,
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
                    school_id=school_id,
                    guardian_id=guardian.id,
                    relation=link.relation.value,
                    full_name=guardian.name.full,
                    occupation=guardian.occupation,
                ),
                partition_key=school_id,
                subject=f"students/{student_id}",
            )
        await commit_or_conflict(uow, what="Phụ huynh")
        return out


@dataclass(frozen=True)
class ConsentInput:
    student_id: str
    purpose: ConsentPurpose
    given_by: ConsentGiver
    guardian_id: str | None = None
    granted_at: datetime | None = None  # when it was given (on paper, say); None: now
    evidence: str | None = None  # where the signed form is kept


@dataclass(frozen=True)
class RecordConsents:
    consents: tuple[ConsentInput, ...]
    actor: str


async def record_consents(cmd: RecordConsents, uow: IdentityUnitOfWork) -> list[Consent]:
    """Record consents to process students' data (Law 91/2025): by a linked guardian, or by the student."""
    async with uow:
        now = datetime.now(UTC)
        students = await uow.people.students_by_ids([c.student_id for c in cmd.consents])
        existing: dict[str, list[Consent]] = {}
        created: list[tuple[Consent, str | None]] = []
        for c in cmd.consents:
            student = students.get(c.student_id)
            if student is None:
                raise NotFound(
                    f"Không có học sinh với mã định danh {c.student_id}.", field="student_id", value=c.student_id
                )
            if c.student_id not in existing:
                existing[c.student_id] = await uow.people.consents_of(c.student_id)
            if c.given_by == ConsentGiver.GUARDIAN:
                guardians = {link.guardian.id for link in await uow.people.guardians_of(c.student_id)}
                if c.guardian_id is None or c.guardian_id not in guardians:
                    raise InvalidInput(
                        "Sự đồng ý của phụ huynh phải ghi rõ một phụ huynh đã liên kết với học sinh (guardian_id).",
                        field="guardian_id",
                        value=c.guardian_id,
                    )
            elif c.guardian_id is not None:
                raise InvalidInput(
                    "Sự đồng ý do học sinh tự đưa ra không kèm guardian_id.", field="guardian_id", value=c.guardian_id
                )
            granted_at = c.granted_at or now
            if granted_at.tzinfo is None:
                raise InvalidInput(
                    "Thời điểm đồng ý cần múi giờ (ví dụ +07:00).", field="granted_at", value=granted_at.isoformat()
                )
            if granted_at > now + timedelta(minutes=5):
                raise InvalidInput("Thời điểm đồng ý ở tương lai.", field="granted_at", value=granted_at.isoformat())
            for other in existing[c.student_id]:
                if (
                    other.active
                    and other.purpose == c.purpose
                    and other.given_by == c.given_by
                    and other.guardian_id == c.guardian_id
                ):
                    raise Conflict(
                        "Sự đồng ý này đã được ghi nhận và còn hiệu lực.", field="purpose", value=c.purpose.value
                    )
            consent = Consent(
                id=new_id(),
                student_id=c.student_id,
                purpose=c.purpose,
                given_by=c.given_by,
                guardian_id=c.guardian_id,
                granted_at=granted_at,
                recorded_by=cmd.actor,
            )
            existing[c.student_id].append(consent)
            created.append(
                (consent, optional_text(c.evidence, field_name="evidence", max_length=255) if c.evidence else None)
            )
        for consent, evidence in created:
            await uow.people.add_consents([consent], evidence=evidence)
            student = students[consent.student_id]
            await uow.audit.record(
                AuditEntry(
                    actor=cmd.actor,
                    action="consent.grant",
                    target_type="student",
                    target_id=consent.student_id,
                    school_id=student.school_id,
                    new_value={
                        "consent_id": consent.id,
                        "purpose": consent.purpose.value,
                        "given_by": consent.given_by.value,
                        "guardian_id": consent.guardian_id,
                        "granted_at": consent.granted_at.isoformat(),
                        "evidence": evidence,
                    },
                )
            )
            uow.emit(
                ConsentChanged(
                    consent_id=consent.id,
                    student_id=consent.student_id,
                    school_id=student.school_id,
                    purpose=consent.purpose.value,
                    given_by=consent.given_by.value,
                    guardian_id=consent.guardian_id,
                    granted=True,
                    at=consent.granted_at,
                    complete=consent_complete(
                        existing[consent.student_id],
                        purpose=consent.purpose,
                        date_of_birth=student.profile.date_of_birth,
                        on=now.date(),
                    ),
                ),
                partition_key=student.school_id,
                subject=f"students/{consent.student_id}",
            )
        await commit_or_conflict(uow, what="Sự đồng ý")
        return [c for c, _ in created]


@dataclass(frozen=True)
class RevokeConsent:
    student_id: str
    consent_id: str
    actor: str


async def revoke_consent(cmd: RevokeConsent, uow: IdentityUnitOfWork) -> Consent:
    """Record that a consent was withdrawn; processing for that purpose must stop from now on."""
    async with uow:
        student = await _student(uow, cmd.student_id)
        consents = await uow.people.consents_of(student.id)
        consent = next((c for c in consents if c.id == cmd.consent_id), None)
        if consent is None:
            raise NotFound(
                f"Học sinh không có sự đồng ý với mã {cmd.consent_id}.", field="consent_id", value=cmd.consent_id
            )
        if not consent.active:
            raise Conflict("Sự đồng ý này đã bị rút trước đó.", field="consent_id", value=cmd.consent_id)
        at = datetime.now(UTC)
        await uow.people.revoke_consent(consent.id, at=at, actor=cmd.actor)
        revoked = replace(consent, revoked_at=at)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="consent.revoke",
                target_type="student",
                target_id=student.id,
                school_id=student.school_id,
                old_value={"consent_id": consent.id, "revoked_at": None},
                new_value={"consent_id": consent.id, "revoked_at": at.isoformat()},
            )
        )
        remaining = [revoked if c.id == consent.id else c for c in consents]
        uow.emit(
            ConsentChanged(
                consent_id=consent.id,
                student_id=student.id,
                school_id=student.school_id,
                purpose=consent.purpose.value,
                given_by=consent.given_by.value,
                guardian_id=consent.guardian_id,
                granted=False,
                at=at,
                complete=consent_complete(
                    remaining, purpose=consent.purpose, date_of_birth=student.profile.date_of_birth, on=at.date()
                ),
            ),
            partition_key=student.school_id,
            subject=f"students/{student.id}",
        )
        await commit_or_conflict(uow, what="Rút lại sự đồng ý")
        return revoked


async def write_new_staff(uow: IdentityUnitOfWork, school: School, members: Sequence[Staff], *, actor: str) -> None:
    """Store staff records, audit each and publish StaffRegistered (by hand or by import)."""
    await uow.people.add_staff(list(members), actor=actor)
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
