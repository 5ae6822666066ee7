"""Identity HTTP API: school years, semesters, subjects and classes, teaching and homeroom assignments.

The calendar and the catalogue are public (no personal data) and managed at province level; a school's classes
and assignments are managed by the school (`school.manage`) and read by its staff (`school.read`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from edu_shared.auth.permissions import Permission, Scope
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.identity import SchoolLevel
from edu_shared.errors import NotFound
from edu_shared.web.app import CurrentUser
from identity.bootstrap import IdentityService
from identity.domain.people import Staff
from identity.domain.structure import (
    ClassSubject,
    HomeroomAssignment,
    SchoolClass,
    SchoolYear,
    Semester,
    Subject,
    TeachingAssignment,
)
from identity.domain.subjects import Assessment, regular_assessments_per_semester
from identity.entrypoints.api import ServiceDep
from identity.service_layer import structure as handlers
from identity.service_layer.uow import IdentityUnitOfWork

router = APIRouter(tags=["structure"])

PROVINCE: Scope = (ScopeType.PROVINCE, "province")


# Wire models


class SemesterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1, le=2, examples=[1])
    starts_on: date = Field(examples=["2025-09-05"])
    ends_on: date = Field(examples=["2026-01-17"])


class SemesterRead(BaseModel):
    number: int
    starts_on: date
    ends_on: date


class SchoolYearCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(examples=["2025-2026"])
    starts_on: date = Field(examples=["2025-09-05"])
    ends_on: date = Field(examples=["2026-05-31"])
    semesters: list[SemesterCreate] = Field(default_factory=list, max_length=2)


class SchoolYearRead(BaseModel):
    id: str
    code: str
    starts_on: date
    ends_on: date
    semesters: list[SemesterRead]


class SubjectRead(BaseModel):
    id: str
    code: str
    name: str
    level: SchoolLevel
    grade: int
    periods_per_year: int
    assessment: Assessment
    elective: bool
    regular_assessments_per_semester: int = Field(description="ĐĐGtx per semester (Thông tư 22/2021)")
    school_year_id: str | None = Field(description="None: the province's default catalogue")


class SubjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=2, max_length=32, examples=["tieng_trung"])
    name: str = Field(min_length=1, max_length=128, examples=["Tiếng Trung Quốc"])
    grade: int = Field(ge=1, le=12)
    periods_per_year: int = Field(ge=1, le=1000)
    assessment: Assessment
    elective: bool = False
    school_year: str | None = Field(default=None, description="Code of the year; none for the default catalogue")


class SubjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    periods_per_year: int | None = Field(default=None, ge=1, le=1000)
    assessment: Assessment | None = None
    elective: bool | None = None


class SubjectChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32, examples=["toan"])
    periods_per_year: int | None = Field(
        default=None, ge=1, le=1000, description="The school's own figure; none keeps the catalogue's"
    )


class ClassCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_year: str = Field(examples=["2025-2026"])
    grade: int = Field(ge=1, le=12, examples=[6])
    name: str = Field(min_length=1, max_length=32, examples=["6A1"])
    subjects: list[SubjectChoice] | None = Field(
        default=None, description="None: every compulsory subject of the catalogue for the grade"
    )


class ClassSubjectsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjects: list[SubjectChoice] = Field(max_length=40)


class ClassSubjectRead(BaseModel):
    code: str
    name: str
    periods_per_year: int
    assessment: Assessment
    elective: bool
    regular_assessments_per_semester: int


class StaffBrief(BaseModel):
    id: str
    full_name: str


class HomeroomRead(BaseModel):
    id: str
    class_id: str
    staff: StaffBrief
    starts_on: date
    ends_on: date | None


class TeachingAssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_code: str = Field(min_length=1, max_length=32, examples=["toan"])
    staff_id: str
    semester: int | None = Field(default=None, ge=1, le=2, description="None: the whole year")


class TeachingAssignmentRead(BaseModel):
    id: str
    class_id: str
    subject_code: str
    staff: StaffBrief
    semester: int | None
    scope_id: str = Field(description="The subject teacher's grant scope: `<class id>:<subject code>`")


class HomeroomUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: str
    starts_on: date | None = Field(default=None, description="None: today (or the first day of the year)")


class ClassRead(BaseModel):
    id: str
    school_id: str
    school_year_id: str
    school_year: str
    grade: int
    level: SchoolLevel
    name: str
    homeroom: HomeroomRead | None
    student_count: int


class ClassDetail(ClassRead):
    subjects: list[ClassSubjectRead]
    teaching_assignments: list[TeachingAssignmentRead]


# Mapping


def year_read(year: SchoolYear) -> SchoolYearRead:
    return SchoolYearRead(
        id=year.id,
        code=year.code,
        starts_on=year.starts_on,
        ends_on=year.ends_on,
        semesters=[SemesterRead(number=s.number, starts_on=s.starts_on, ends_on=s.ends_on) for s in year.semesters],
    )


def subject_read(s: Subject) -> SubjectRead:
    return SubjectRead(
        id=s.id,
        code=s.code,
        name=s.name,
        level=s.level,
        grade=s.grade,
        periods_per_year=s.periods_per_year,
        assessment=s.assessment,
        elective=s.elective,
        regular_assessments_per_semester=regular_assessments_per_semester(s.periods_per_year),
        school_year_id=s.school_year_id,
    )


def class_subject_read(s: ClassSubject) -> ClassSubjectRead:
    return ClassSubjectRead(
        code=s.code,
        name=s.name,
        periods_per_year=s.periods_per_year,
        assessment=s.assessment,
        elective=s.elective,
        regular_assessments_per_semester=regular_assessments_per_semester(s.periods_per_year),
    )


def _brief(staff_id: str, staff: dict[str, Staff]) -> StaffBrief:
    member = staff.get(staff_id)
    return StaffBrief(id=staff_id, full_name=member.name.full if member else "")


def _homeroom_read(h: HomeroomAssignment, staff: dict[str, Staff]) -> HomeroomRead:
    return HomeroomRead(
        id=h.id, class_id=h.class_id, staff=_brief(h.staff_id, staff), starts_on=h.starts_on, ends_on=h.ends_on
    )


def _teaching_read(a: TeachingAssignment, staff: dict[str, Staff]) -> TeachingAssignmentRead:
    return TeachingAssignmentRead(
        id=a.id,
        class_id=a.class_id,
        subject_code=a.subject_code,
        staff=_brief(a.staff_id, staff),
        semester=a.semester,
        scope_id=f"{a.class_id}:{a.subject_code}",
    )


async def _class_reads(uow: IdentityUnitOfWork, items: list[SchoolClass]) -> list[ClassRead]:
    ids = [c.id for c in items]
    homerooms = await uow.structure.current_homerooms(ids)
    counts = await uow.structure.student_counts(ids)
    staff = await uow.people.staff_by_ids([h.staff_id for h in homerooms.values()])
    years = {y.id: y.code for y in await uow.structure.list_school_years()}
    return [
        ClassRead(
            id=c.id,
            school_id=c.school_id,
            school_year_id=c.school_year_id,
            school_year=years.get(c.school_year_id, ""),
            grade=c.grade,
            level=c.level,
            name=c.name,
            homeroom=_homeroom_read(homerooms[c.id], staff) if c.id in homerooms else None,
            student_count=counts.get(c.id, 0),
        )
        for c in items
    ]


async def _class_detail(service: IdentityService, class_id: str) -> ClassDetail:
    async with service.uow() as uow:
        cls = await uow.structure.get_class(class_id)
        if cls is None:
            raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
        (base,) = await _class_reads(uow, [cls])
        subjects = await uow.structure.class_subjects(cls.id)
        assignments = await uow.structure.teaching_assignments(class_id=cls.id)
        staff = await uow.people.staff_by_ids([a.staff_id for a in assignments])
    return ClassDetail(
        **base.model_dump(),
        subjects=[class_subject_read(s) for s in subjects],
        teaching_assignments=[_teaching_read(a, staff) for a in assignments],
    )


# School years and the catalogue (province-wide)


@router.get("/school-years", summary="Danh sách năm học")
async def list_school_years(service: ServiceDep) -> list[SchoolYearRead]:
    """School years of the province, newest first, with their semesters (public information)."""
    async with service.uow() as uow:
        return [year_read(y) for y in await uow.structure.list_school_years()]


@router.get("/school-years/{school_year_id}", summary="Một năm học")
async def get_school_year(school_year_id: str, service: ServiceDep) -> SchoolYearRead:
    """A school year by id."""
    async with service.uow() as uow:
        year = await uow.structure.get_school_year(school_year_id)
    if year is None:
        raise NotFound(
            f"Không có năm học với mã định danh {school_year_id}.", field="school_year_id", value=school_year_id
        )
    return year_read(year)


@router.post("/school-years", status_code=status.HTTP_201_CREATED, summary="Mở năm học")
async def create_school_year(body: SchoolYearCreate, user: CurrentUser, service: ServiceDep) -> SchoolYearRead:
    """Open a province-wide school year (department level: `school.manage` over the province)."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, PROVINCE)
    year = await handlers.open_school_year(
        handlers.OpenSchoolYear(
            code=body.code,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            semesters=tuple(Semester(s.number, s.starts_on, s.ends_on) for s in body.semesters),
            actor=user.sub,
        ),
        service.uow(),
    )
    return year_read(year)


@router.post("/school-years/{school_year_id}/semesters", status_code=status.HTTP_201_CREATED, summary="Đặt lịch học kỳ")
async def create_semester(
    school_year_id: str, body: SemesterCreate, user: CurrentUser, service: ServiceDep
) -> SchoolYearRead:
    """Set the dates of semester I or II of a school year."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, PROVINCE)
    year = await handlers.schedule_semester(
        handlers.ScheduleSemester(
            school_year_id=school_year_id,
            number=body.number,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            actor=user.sub,
        ),
        service.uow(),
    )
    return year_read(year)


@router.get("/subjects", summary="Danh mục môn học")
async def list_subjects(
    service: ServiceDep,
    level: Annotated[SchoolLevel | None, Query(description="Cấp học")] = None,
    grade: Annotated[int | None, Query(ge=1, le=12, description="Khối lớp")] = None,
    school_year: Annotated[
        str | None, Query(description="Mã năm học: danh mục riêng của năm đó (thay các môn cùng mã)")
    ] = None,
) -> list[SubjectRead]:
    """The subject catalogue in force (2018 curriculum by default), with periods and assessment kind."""
    async with service.uow() as uow:
        year_id = None
        if school_year is not None:
            year = await uow.structure.school_year_by_code(school_year)
            if year is None:
                raise NotFound(f"Chưa có năm học {school_year}.", field="school_year", value=school_year)
            year_id = year.id
        found = await uow.structure.catalogue(
            level=handlers.catalogue_level(level, grade), grade=grade, school_year_id=year_id
        )
    return [subject_read(s) for s in found]


@router.post("/subjects", status_code=status.HTTP_201_CREATED, summary="Thêm môn vào danh mục")
async def create_subject(body: SubjectCreate, user: CurrentUser, service: ServiceDep) -> SubjectRead:
    """Add a subject to the default catalogue or to one school year's (department level)."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, PROVINCE)
    subject = await handlers.add_subject(
        handlers.AddSubject(
            code=body.code,
            name=body.name,
            grade=body.grade,
            periods_per_year=body.periods_per_year,
            assessment=body.assessment,
            elective=body.elective,
            school_year=body.school_year,
            actor=user.sub,
        ),
        service.uow(),
    )
    return subject_read(subject)


@router.patch("/subjects/{subject_id}", summary="Sửa môn trong danh mục")
async def update_subject(subject_id: str, body: SubjectUpdate, user: CurrentUser, service: ServiceDep) -> SubjectRead:
    """Correct a catalogue entry; classes already set up keep their periods (a school changes them per class)."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, PROVINCE)
    subject = await handlers.correct_subject(
        handlers.CorrectSubject(
            subject_id=subject_id,
            name=body.name,
            periods_per_year=body.periods_per_year,
            assessment=body.assessment,
            elective=body.elective,
            actor=user.sub,
        ),
        service.uow(),
    )
    return subject_read(subject)


# Classes


def _choices(items: list[SubjectChoice] | None) -> tuple[handlers.SubjectChoice, ...] | None:
    if items is None:
        return None
    return tuple(handlers.SubjectChoice(code=i.code, periods_per_year=i.periods_per_year) for i in items)


@router.post("/schools/{school_id}/classes", status_code=status.HTTP_201_CREATED, summary="Mở lớp")
async def create_class(school_id: str, body: ClassCreate, user: CurrentUser, service: ServiceDep) -> ClassDetail:
    """Open a class for a school year, with its subjects (by default the grade's compulsory ones)."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.SCHOOL, school_id))
    ((cls, _subjects),) = await handlers.open_classes(
        handlers.OpenClasses(
            school_id=school_id,
            school_year=body.school_year,
            classes=(handlers.ClassSpec(grade=body.grade, name=body.name, subjects=_choices(body.subjects)),),
            actor=user.sub,
        ),
        service.uow(),
    )
    return await _class_detail(service, cls.id)


@router.get("/schools/{school_id}/classes", summary="Danh sách lớp của trường")
async def list_classes(
    school_id: str,
    user: CurrentUser,
    service: ServiceDep,
    year: Annotated[str | None, Query(description="Mã năm học, ví dụ 2025-2026")] = None,
) -> list[ClassRead]:
    """The school's classes by grade and name, with homeroom teacher and number of students."""
    await service.authorize(user, Permission.SCHOOL_READ, (ScopeType.SCHOOL, school_id))
    async with service.uow() as uow:
        year_id = None
        if year is not None:
            found = await uow.structure.school_year_by_code(year)
            if found is None:
                raise NotFound(f"Chưa có năm học {year}.", field="year", value=year)
            year_id = found.id
        return await _class_reads(uow, await uow.structure.list_classes(school_id=school_id, school_year_id=year_id))


@router.get("/classes/{class_id}", summary="Thông tin lớp")
async def get_class(class_id: str, user: CurrentUser, service: ServiceDep) -> ClassDetail:
    """A class with its subjects, teaching assignments and homeroom teacher."""
    await service.authorize(user, Permission.SCHOOL_READ, (ScopeType.CLASS, class_id))
    return await _class_detail(service, class_id)


@router.put("/classes/{class_id}/subjects", summary="Đặt danh sách môn học của lớp")
async def put_class_subjects(
    class_id: str, body: ClassSubjectsUpdate, user: CurrentUser, service: ServiceDep
) -> list[ClassSubjectRead]:
    """Replace the subjects a class studies (from the catalogue of its grade; periods may be the school's own)."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.CLASS, class_id))
    subjects = await handlers.set_class_subjects(
        handlers.SetClassSubjects(class_id=class_id, subjects=_choices(body.subjects) or (), actor=user.sub),
        service.uow(),
    )
    return [class_subject_read(s) for s in subjects]


@router.post(
    "/classes/{class_id}/teaching-assignments", status_code=status.HTTP_201_CREATED, summary="Phân công giảng dạy"
)
async def create_teaching_assignment(
    class_id: str, body: TeachingAssignmentCreate, user: CurrentUser, service: ServiceDep
) -> TeachingAssignmentRead:
    """Assign a staff member of the school to teach a subject of the class (the year, or one semester)."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.CLASS, class_id))
    (assignment,) = await handlers.assign_teaching(
        handlers.AssignTeaching(
            assignments=(
                handlers.TeachingSpec(
                    class_id=class_id, subject_code=body.subject_code, staff_id=body.staff_id, semester=body.semester
                ),
            ),
            actor=user.sub,
        ),
        service.uow(),
    )
    async with service.uow() as uow:
        staff = await uow.people.staff_by_ids([assignment.staff_id])
    return _teaching_read(assignment, staff)


@router.delete(
    "/teaching-assignments/{assignment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Kết thúc phân công giảng dạy",
)
async def delete_teaching_assignment(assignment_id: str, user: CurrentUser, service: ServiceDep) -> Response:
    """End a teaching assignment (kept in the history; the grant it gave stops)."""
    async with service.uow() as uow:
        found = await uow.structure.get_teaching_assignment(assignment_id)
    if found is None:
        raise NotFound(
            f"Không có phân công giảng dạy đang hiệu lực với mã {assignment_id}.",
            field="assignment_id",
            value=assignment_id,
        )
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.CLASS, found.class_id))
    await handlers.end_teaching(handlers.EndTeaching(assignment_id=assignment_id, actor=user.sub), service.uow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/classes/{class_id}/homeroom", summary="Phân công chủ nhiệm")
async def put_homeroom(class_id: str, body: HomeroomUpdate, user: CurrentUser, service: ServiceDep) -> HomeroomRead:
    """Set the class's homeroom teacher from a date; the previous one's assignment ends the day before."""
    await service.authorize(user, Permission.SCHOOL_MANAGE, (ScopeType.CLASS, class_id))
    assignment = await handlers.assign_homeroom(
        handlers.AssignHomeroom(class_id=class_id, staff_id=body.staff_id, starts_on=body.starts_on, actor=user.sub),
        service.uow(),
    )
    async with service.uow() as uow:
        staff = await uow.people.staff_by_ids([assignment.staff_id])
    return _homeroom_read(assignment, staff)
