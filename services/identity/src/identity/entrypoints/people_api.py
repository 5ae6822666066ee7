"""Identity HTTP API: staff, students, guardians, consent, enrollments.

Personal data (DOMAIN §7): never public. Reading needs `people.read` over the school (or the class, for its
roster and students), changing a student's record `people.write` (the homeroom teacher has it over their
class), registering people and enrolling `school.manage`. Every read of personal data is written to the access
log (audit actions `*.read`, `*.list`); a parent reading only their own child is not served here yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from edu_shared.auth.permissions import Permission
from edu_shared.auth.principal import CurrentUserClaims, RoleGrant, ScopeType
from edu_shared.errors import InvalidInput, NotFound
from edu_shared.web.app import CurrentUser
from identity.adapters.audit import AuditEntry
from identity.adapters.people_repo import Enrollment, GuardianLink, NewEnrollment, StudentListing, assignment_grants
from identity.bootstrap import IdentityService
from identity.domain.names import PersonName, name_from_input
from identity.domain.people import (
    MAX_IMAGE_BYTES,
    STAFF_TITLE_NAMES,
    Consent,
    ConsentGiver,
    ConsentPurpose,
    EnrollmentStatus,
    Relation,
    Sex,
    Staff,
    StaffStatus,
    StaffTitle,
    Student,
    StudentProfile,
    StudentStatus,
    consent_complete,
)
from identity.entrypoints.api import ServiceDep
from identity.service_layer import people as handlers

router = APIRouter(tags=["people"])

NAME_DOC = "Họ và tên đầy đủ (tách theo quy ước: họ = từ đầu, tên = từ cuối), hoặc gửi từng phần"


class NameInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, max_length=200, description=NAME_DOC, examples=["Nguyễn Văn An"])
    family_name: str | None = Field(default=None, max_length=64)
    middle_name: str | None = Field(default=None, max_length=64)
    given_name: str | None = Field(default=None, max_length=64)

    def person_name(self) -> PersonName:
        return name_from_input(
            full_name=self.full_name,
            family_name=self.family_name,
            middle_name=self.middle_name,
            given_name=self.given_name,
        )


class NameRead(BaseModel):
    full_name: str
    family_name: str
    middle_name: str
    given_name: str


# Staff


class StaffCreate(NameInput):
    title: StaffTitle = Field(examples=["giao_vien"])
    subject_group: str | None = Field(default=None, max_length=128, examples=["Tổ Khoa học tự nhiên"])
    phone: str | None = Field(default=None, max_length=20, examples=["0912345678"])
    email: str | None = Field(default=None, max_length=254)
    date_of_birth: date | None = None
    sex: Sex | None = None


class StaffUpdate(NameInput):
    title: StaffTitle | None = None
    subject_group: str | None = Field(default=None, max_length=128)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    date_of_birth: date | None = None
    sex: Sex | None = None
    status: StaffStatus | None = None


class StaffRead(NameRead):
    id: str
    school_id: str
    title: StaffTitle
    title_name: str
    subject_group: str | None
    phone: str | None
    email: str | None
    date_of_birth: date | None
    sex: Sex | None
    status: StaffStatus
    has_photo: bool
    has_signature: bool


def staff_read(s: Staff) -> StaffRead:
    return StaffRead(
        id=s.id,
        school_id=s.school_id,
        full_name=s.name.full,
        family_name=s.name.family,
        middle_name=s.name.middle,
        given_name=s.name.given,
        title=s.title,
        title_name=STAFF_TITLE_NAMES[s.title],
        subject_group=s.subject_group,
        phone=s.phone,
        email=s.email,
        date_of_birth=s.date_of_birth,
        sex=s.sex,
        status=s.status,
        has_photo=s.photo_object_key is not None,
        has_signature=s.signature_object_key is not None,
    )


# Students


class StudentFields(BaseModel):
    date_of_birth: date = Field(examples=["2014-03-12"])
    sex: Sex
    place_of_birth: str | None = Field(default=None, max_length=255, examples=["Xã Hòa Lạc, thành phố Hà Nội"])
    ethnicity: str | None = Field(default=None, max_length=64, examples=["Kinh"])
    address: str | None = Field(default=None, max_length=500)
    national_id: str | None = Field(default=None, max_length=20, description="Số CCCD / mã định danh cá nhân, 12 số")
    moet_student_id: str | None = Field(default=None, max_length=20, description="Mã định danh học sinh (CSDL ngành)")


class StudentCreate(NameInput, StudentFields):
    class_id: str | None = Field(default=None, description="Xếp vào lớp này ngay")


class StudentUpdate(NameInput):
    date_of_birth: date | None = None
    sex: Sex | None = None
    place_of_birth: str | None = Field(default=None, max_length=255)
    ethnicity: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=500)
    national_id: str | None = Field(default=None, max_length=20)
    moet_student_id: str | None = Field(default=None, max_length=20)


class StudentListItem(NameRead):
    id: str
    date_of_birth: date
    sex: Sex
    status: StudentStatus
    class_id: str | None
    class_name: str | None


class StudentPage(BaseModel):
    items: list[StudentListItem]
    total: int
    limit: int
    offset: int


class StudentRead(StudentListItem):
    school_id: str
    place_of_birth: str | None
    ethnicity: str | None
    address: str | None
    national_id: str | None
    moet_student_id: str | None


class GuardianCreate(NameInput):
    relation: Relation = Field(examples=["me"])
    guardian_id: str | None = Field(default=None, description="A guardian the school already has (a sibling's)")
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    occupation: str | None = Field(default=None, max_length=128, examples=["Nông dân"])


class GuardianRead(NameRead):
    id: str
    relation: Relation
    phone: str | None
    email: str | None
    occupation: str | None


class ConsentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose
    given_by: ConsentGiver
    guardian_id: str | None = Field(default=None, description="Required when a guardian consents")
    granted_at: datetime | None = Field(default=None, description="When it was given (with time zone); now if none")
    evidence: str | None = Field(default=None, max_length=255, description="Where the signed form is kept")


class ConsentRead(BaseModel):
    id: str
    purpose: ConsentPurpose
    given_by: ConsentGiver
    guardian_id: str | None
    granted_at: datetime
    recorded_by: str
    revoked_at: datetime | None
    active: bool


class EnrollmentRead(BaseModel):
    id: str
    class_id: str
    class_name: str | None = None
    school_year_id: str
    starts_on: date
    ends_on: date | None = None
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE


class StudentDetail(StudentRead):
    guardians: list[GuardianRead]
    consents: list[ConsentRead]
    consent_complete: dict[ConsentPurpose, bool] = Field(
        description="Per purpose: a guardian's consent, plus the student's own from age 7"
    )
    enrollments: list[EnrollmentRead]


class EnrollmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_ids: list[str] = Field(min_length=1, max_length=100)
    starts_on: date | None = Field(default=None, description="None: today, or the first day of the year")
    move_from_current_class: bool = Field(default=False, description="Chuyển lớp trong năm học")


class RosterEntry(NameRead):
    number: int = Field(description="Số thứ tự in the class list")
    id: str
    date_of_birth: date
    sex: Sex


def _name_read(profile: StudentProfile) -> dict[str, str]:
    n = profile.name
    return {"full_name": n.full, "family_name": n.family, "middle_name": n.middle, "given_name": n.given}


def _list_item(listing: StudentListing) -> StudentListItem:
    s = listing.student
    return StudentListItem(
        id=s.id,
        **_name_read(s.profile),
        date_of_birth=s.profile.date_of_birth,
        sex=s.profile.sex,
        status=s.status,
        class_id=listing.class_id,
        class_name=listing.class_name,
    )


def _student_read(s: Student, *, class_id: str | None, class_name: str | None) -> StudentRead:
    p = s.profile
    return StudentRead(
        id=s.id,
        school_id=s.school_id,
        **_name_read(p),
        date_of_birth=p.date_of_birth,
        sex=p.sex,
        status=s.status,
        class_id=class_id,
        class_name=class_name,
        place_of_birth=p.place_of_birth,
        ethnicity=p.ethnicity,
        address=p.address,
        national_id=p.national_id,
        moet_student_id=p.moet_student_id,
    )


def _guardian_read(link: GuardianLink) -> GuardianRead:
    g = link.guardian
    return GuardianRead(
        id=g.id,
        full_name=g.name.full,
        family_name=g.name.family,
        middle_name=g.name.middle,
        given_name=g.name.given,
        relation=link.relation,
        phone=g.phone,
        email=g.email,
        occupation=g.occupation,
    )


def _consent_read(c: Consent) -> ConsentRead:
    return ConsentRead(
        id=c.id,
        purpose=c.purpose,
        given_by=c.given_by,
        guardian_id=c.guardian_id,
        granted_at=c.granted_at,
        recorded_by=c.recorded_by,
        revoked_at=c.revoked_at,
        active=c.active,
    )


def _enrollment_read(e: Enrollment | NewEnrollment, class_name: str | None = None) -> EnrollmentRead:
    if isinstance(e, NewEnrollment):
        return EnrollmentRead(
            id=e.id, class_id=e.class_id, class_name=class_name, school_year_id=e.school_year_id, starts_on=e.starts_on
        )
    return EnrollmentRead(
        id=e.id,
        class_id=e.class_id,
        class_name=class_name,
        school_year_id=e.school_year_id,
        starts_on=e.starts_on,
        ends_on=e.ends_on,
        status=e.status,
    )


async def _log_access(
    service: IdentityService,
    user: CurrentUserClaims,
    *,
    action: str,
    target_type: str,
    target_id: str,
    school_id: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """The access log of personal data (DOMAIN §7): who read whose record, when."""
    async with service.uow() as uow:
        await uow.audit.record(
            AuditEntry(
                actor=user.sub,
                action=action,
                target_type=target_type,
                target_id=target_id,
                school_id=school_id,
                details={"username": user.username, **(details or {})},
            )
        )
        await uow.commit()


async def _student_detail(service: IdentityService, student_id: str) -> StudentDetail:
    async with service.uow() as uow:
        student = await uow.people.get_student(student_id)
        if student is None:
            raise NotFound(f"Không có học sinh với mã định danh {student_id}.", field="student_id", value=student_id)
        guardians = await uow.people.guardians_of(student.id)
        consents = await uow.people.consents_of(student.id)
        history = await uow.people.enrollment_history(student.id)
    current = next(((e, name) for e, name in history if e.status == EnrollmentStatus.ACTIVE), None)
    base = _student_read(
        student, class_id=current[0].class_id if current else None, class_name=current[1] if current else None
    )
    today = datetime.now(UTC).date()
    return StudentDetail(
        **base.model_dump(),
        guardians=[_guardian_read(g) for g in guardians],
        consents=[_consent_read(c) for c in consents],
        consent_complete={
            p: consent_complete(consents, purpose=p, date_of_birth=student.profile.date_of_birth, on=today)
            for p in ConsentPurpose
        },
        enrollments=[_enrollment_read(e, name) for e, name in history],
    )


# Staff endpoints


@router.post("/schools/{school_id}/staff", status_code=status.HTTP_201_CREATED, summary="Thêm hồ sơ cán bộ")
async def create_staff(school_id: str, body: StaffCreate, user: CurrentUser, service: ServiceDep) -> StaffRead:
    """Register a staff member of the school (title, subject group, contact)."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id))
    (member,) = await handlers.register_staff(
        handlers.RegisterStaff(
            school_id=school_id,
            members=(
                handlers.StaffInput(
                    name=body.person_name(),
                    title=body.title,
                    subject_group=body.subject_group,
                    phone=body.phone,
                    email=body.email,
                    date_of_birth=body.date_of_birth,
                    sex=body.sex,
                ),
            ),
            actor=user.sub,
        ),
        service.uow(),
    )
    return staff_read(member)


@router.get("/schools/{school_id}/staff", summary="Danh sách cán bộ của trường")
async def list_staff(
    school_id: str,
    user: CurrentUser,
    service: ServiceDep,
    q: Annotated[str | None, Query(max_length=100, description="Tìm theo tên, không cần dấu")] = None,
    staff_status: Annotated[StaffStatus | None, Query(alias="status")] = None,
) -> list[StaffRead]:
    """The school's staff in Vietnamese name order."""
    await service.authorize(user, Permission.PEOPLE_READ, (ScopeType.SCHOOL, school_id))
    async with service.uow() as uow:
        found = await uow.people.list_staff(school_id=school_id, q=q, status=staff_status)
    await _log_access(
        service,
        user,
        action="staff.list",
        target_type="school",
        target_id=school_id,
        school_id=school_id,
        details={"q": q, "count": len(found)},
    )
    return [staff_read(s) for s in found]


async def _staff_or_404(service: IdentityService, staff_id: str) -> Staff:
    async with service.uow() as uow:
        member = await uow.people.get_staff(staff_id)
    if member is None:
        raise NotFound(f"Không có cán bộ với mã định danh {staff_id}.", field="staff_id", value=staff_id)
    return member


@router.get("/staff/{staff_id}", summary="Hồ sơ một cán bộ")
async def get_staff(staff_id: str, user: CurrentUser, service: ServiceDep) -> StaffRead:
    """A staff member's record."""
    member = await _staff_or_404(service, staff_id)
    await service.authorize(user, Permission.PEOPLE_READ, (ScopeType.SCHOOL, member.school_id))
    return staff_read(member)


@router.patch("/staff/{staff_id}", summary="Sửa hồ sơ cán bộ")
async def patch_staff(staff_id: str, body: StaffUpdate, user: CurrentUser, service: ServiceDep) -> StaffRead:
    """Correct a staff record (only the fields sent); old and new values go to the audit trail."""
    member = await _staff_or_404(service, staff_id)
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, member.school_id))
    updated = await handlers.update_staff(
        handlers.UpdateStaff(staff_id=staff_id, changes=body.model_dump(exclude_unset=True), actor=user.sub),
        service.uow(),
    )
    return staff_read(updated)


@router.get("/staff/{staff_id}/grants", summary="Quyền từ phân công của cán bộ")
async def get_staff_grants(
    staff_id: str,
    user: CurrentUser,
    service: ServiceDep,
    on: Annotated[date | None, Query(description="Ngày xét (mặc định hôm nay)")] = None,
) -> list[RoleGrant]:
    """The subject-teacher and homeroom grants the staff member's assignments give on a day."""
    member = await _staff_or_404(service, staff_id)
    await service.authorize(user, Permission.PEOPLE_READ, (ScopeType.SCHOOL, member.school_id))
    async with service.uow() as uow:
        return await assignment_grants(uow.session, staff_id=staff_id, on=on or datetime.now(UTC).date())


_IMAGE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def _read_capped(request: Request) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_IMAGE_BYTES:
            raise InvalidInput("Ảnh lớn hơn 2 MB.", field="body", value=len(data))
    return bytes(data)


@router.put("/staff/{staff_id}/{kind}", summary="Tải lên ảnh chân dung hoặc chữ ký cán bộ", openapi_extra=_IMAGE_BODY)
async def put_staff_image(
    staff_id: str, kind: Literal["photo", "signature"], request: Request, user: CurrentUser, service: ServiceDep
) -> StaffRead:
    """Store the staff member's photo or signature image (PNG or JPEG, at most 2 MB; seed 004)."""
    member = await _staff_or_404(service, staff_id)
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, member.school_id))
    updated = await handlers.set_staff_image(
        handlers.SetStaffImage(
            staff_id=staff_id,
            kind=kind,
            data=await _read_capped(request),
            content_type=request.headers.get("content-type", ""),
            actor=user.sub,
        ),
        service.uow(),
        store=service.runtime.object_store,
    )
    return staff_read(updated)


@router.get(
    "/staff/{staff_id}/{kind}",
    summary="Ảnh chân dung hoặc chữ ký cán bộ",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}},
)
async def get_staff_image(
    staff_id: str, kind: Literal["photo", "signature"], user: CurrentUser, service: ServiceDep
) -> Response:
    """The stored image, for printing registers and cards."""
    member = await _staff_or_404(service, staff_id)
    await service.authorize(user, Permission.PEOPLE_READ, (ScopeType.SCHOOL, member.school_id))
    key = member.photo_object_key if kind == "photo" else member.signature_object_key
    if key is None:
        raise NotFound(f"Cán bộ chưa có ảnh {kind}.", field="kind", value=kind)
    store = service.runtime.object_store
    stored = await store.stat(key)
    return Response(content=await store.get(key), media_type=stored.content_type)


# Student endpoints


@router.post("/schools/{school_id}/students", status_code=status.HTTP_201_CREATED, summary="Thêm hồ sơ học sinh")
async def create_student(school_id: str, body: StudentCreate, user: CurrentUser, service: ServiceDep) -> StudentDetail:
    """Register a student (profile as the transcript needs it), optionally into a class at once."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id))
    (student,) = await handlers.register_students(
        handlers.RegisterStudents(
            school_id=school_id,
            students=(
                handlers.StudentInput(
                    profile=StudentProfile(
                        name=body.person_name(),
                        date_of_birth=body.date_of_birth,
                        sex=body.sex,
                        place_of_birth=body.place_of_birth,
                        ethnicity=body.ethnicity,
                        address=body.address,
                        national_id=body.national_id,
                        moet_student_id=body.moet_student_id,
                    ),
                    class_id=body.class_id,
                ),
            ),
            actor=user.sub,
        ),
        service.uow(),
    )
    return await _student_detail(service, student.id)


@router.get("/schools/{school_id}/students", summary="Danh sách học sinh của trường")
async def list_students(
    school_id: str,
    user: CurrentUser,
    service: ServiceDep,
    q: Annotated[
        str | None, Query(max_length=100, description="Tên không cần dấu ('nguyen van an'), hoặc đầu số CCCD/mã HS")
    ] = None,
    class_id: Annotated[str | None, Query(description="Chỉ học sinh đang học lớp này")] = None,
    student_status: Annotated[StudentStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> StudentPage:
    """The school's students sorted the Vietnamese way (given name, middle, family), a page at a time."""
    await service.authorize(user, Permission.PEOPLE_READ, (ScopeType.SCHOOL, school_id))
    async with service.uow() as uow:
        page, total = await uow.people.list_students(
            school_id=school_id, q=q, class_id=class_id, status=student_status, limit=limit, offset=offset
        )
    await _log_access(
        service,
        user,
        action="student.list",
        target_type="school",
        target_id=school_id,
        school_id=school_id,
        details={"q": q, "class_id": class_id, "offset": offset, "count": len(page)},
    )
    return StudentPage(items=[_list_item(s) for s in page], total=total, limit=limit, offset=offset)


@router.get("/students/{student_id}", summary="Hồ sơ học sinh")
async def get_student(student_id: str, user: CurrentUser, service: ServiceDep) -> StudentDetail:
    """A student's record with guardians, consents and class history (the read is logged)."""
    await service.authorize(user, Permission.PEOPLE_READ, (ScopeType.STUDENT, student_id))
    detail = await _student_detail(service, student_id)
    await _log_access(
        service, user, action="student.read", target_type="student", target_id=student_id, school_id=detail.school_id
    )
    return detail


@router.patch("/students/{student_id}", summary="Sửa hồ sơ học sinh")
async def patch_student(student_id: str, body: StudentUpdate, user: CurrentUser, service: ServiceDep) -> StudentDetail:
    """Correct a student's record (only the fields sent); each field's old and new value is audited."""
    await service.authorize(user, Permission.PEOPLE_WRITE, (ScopeType.STUDENT, student_id))
    await handlers.update_student(
        handlers.UpdateStudent(student_id=student_id, changes=body.model_dump(exclude_unset=True), actor=user.sub),
        service.uow(),
    )
    return await _student_detail(service, student_id)


@router.post("/students/{student_id}/guardians", status_code=status.HTTP_201_CREATED, summary="Thêm phụ huynh")
async def create_guardian(
    student_id: str, body: GuardianCreate, user: CurrentUser, service: ServiceDep
) -> GuardianRead:
    """Link a parent or guardian to the student: a new one, or one the school already has (`guardian_id`)."""
    await service.authorize(user, Permission.PEOPLE_WRITE, (ScopeType.STUDENT, student_id))
    has_name = any(v is not None for v in (body.full_name, body.family_name, body.middle_name, body.given_name))
    ((_, link),) = await handlers.link_guardians(
        handlers.LinkGuardians(
            links=(
                (
                    student_id,
                    handlers.GuardianInput(
                        relation=body.relation,
                        guardian_id=body.guardian_id,
                        name=body.person_name() if has_name or body.guardian_id is None else None,
                        phone=body.phone,
                        email=body.email,
                        occupation=body.occupation,
                    ),
                ),
            ),
            actor=user.sub,
        ),
        service.uow(),
    )
    return _guardian_read(link)


@router.post("/students/{student_id}/consents", status_code=status.HTTP_201_CREATED, summary="Ghi nhận sự đồng ý")
async def create_consent(student_id: str, body: ConsentCreate, user: CurrentUser, service: ServiceDep) -> ConsentRead:
    """Record consent to process the student's data for a purpose (by a linked guardian, or the student)."""
    await service.authorize(user, Permission.PEOPLE_WRITE, (ScopeType.STUDENT, student_id))
    (consent,) = await handlers.record_consents(
        handlers.RecordConsents(
            consents=(
                handlers.ConsentInput(
                    student_id=student_id,
                    purpose=body.purpose,
                    given_by=body.given_by,
                    guardian_id=body.guardian_id,
                    granted_at=body.granted_at,
                    evidence=body.evidence,
                ),
            ),
            actor=user.sub,
        ),
        service.uow(),
    )
    return _consent_read(consent)


@router.post("/students/{student_id}/consents/{consent_id}/revoke", summary="Rút lại sự đồng ý")
async def revoke_consent(student_id: str, consent_id: str, user: CurrentUser, service: ServiceDep) -> ConsentRead:
    """Record that a consent was withdrawn (it stays in the history)."""
    await service.authorize(user, Permission.PEOPLE_WRITE, (ScopeType.STUDENT, student_id))
    consent = await handlers.revoke_consent(
        handlers.RevokeConsent(student_id=student_id, consent_id=consent_id, actor=user.sub), service.uow()
    )
    return _consent_read(consent)


# Class rosters


@router.post("/classes/{class_id}/enrollments", status_code=status.HTTP_201_CREATED, summary="Xếp học sinh vào lớp")
async def create_enrollments(
    class_id: str, body: EnrollmentCreate, user: CurrentUser, service: ServiceDep
) -> list[EnrollmentRead]:
    """Put students of the school in the class from a date; last year's class closes, a class change needs the flag."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.CLASS, class_id))
    created = await handlers.enroll_students(
        handlers.EnrollStudents(
            class_id=class_id,
            student_ids=tuple(body.student_ids),
            starts_on=body.starts_on,
            move_from_current_class=body.move_from_current_class,
            actor=user.sub,
        ),
        service.uow(),
    )
    return [_enrollment_read(e) for e in created]


@router.get("/classes/{class_id}/students", summary="Danh sách học sinh của lớp")
async def class_roster(class_id: str, user: CurrentUser, service: ServiceDep) -> list[RosterEntry]:
    """The class list, numbered, in Vietnamese order (given name, middle names, family name)."""
    await service.authorize(user, Permission.PEOPLE_READ, (ScopeType.CLASS, class_id))
    async with service.uow() as uow:
        cls = await uow.structure.get_class(class_id)
        if cls is None:
            raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
        roster = await uow.people.class_roster(class_id)
    await _log_access(
        service, user, action="class.roster_read", target_type="class", target_id=class_id, school_id=cls.school_id
    )
    return [
        RosterEntry(
            number=i, id=s.id, **_name_read(s.profile), date_of_birth=s.profile.date_of_birth, sex=s.profile.sex
        )
        for i, s in enumerate(roster, start=1)
    ]
