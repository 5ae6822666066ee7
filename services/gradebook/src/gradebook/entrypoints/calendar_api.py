"""HTTP API of the school calendar, periodic test dates, entry progress and entry deadlines. Thin."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from edu_shared.web.app import CurrentUser
from gradebook.domain.calendar import EntryPolicy, SchoolCalendar, SemesterDates, TestDate
from gradebook.domain.deadlines import SheetDeadlines
from gradebook.domain.progress import SheetProgress, Tally
from gradebook.entrypoints.api import ServiceDep
from gradebook.entrypoints.calendar_schemas import (
    CalendarSemesterRead,
    ClassProgressRead,
    EntryDeadlinesRead,
    EntryProgressRead,
    LateEntriesRead,
    SchoolCalendarRead,
    SchoolCalendarUpdate,
    SheetDeadlineRead,
    SheetProgressRead,
    ShortfallRead,
    SubjectProgressRead,
    TallyRead,
    TeacherProgressRead,
    TestDateRead,
    TestDateUpdate,
)
from gradebook.service_layer import calendar as calendar_handlers
from gradebook.service_layer import progress as progress_handlers
from gradebook.service_layer.calendar import SetSchoolCalendar, SetTestDate
from gradebook.service_layer.handlers import Caller

router = APIRouter()

Semester = Annotated[int, Path(ge=1, le=2, description="Học kì (1 hoặc 2)")]
SchoolYear = Annotated[str, Query(min_length=9, max_length=9, examples=["2025-2026"], description="Năm học")]
SHEET = "/classes/{class_id}/subjects/{subject_code}/semesters/{semester}"


def _calendar_read(calendar: SchoolCalendar) -> SchoolCalendarRead:
    return SchoolCalendarRead(
        school_id=calendar.school_id,
        school_year=calendar.school_year,
        semesters=[
            CalendarSemesterRead(
                semester=s.semester,
                starts_on=s.starts_on,
                mid_on=s.mid_on,
                ends_on=s.ends_on,
                exam_starts_on=s.exam_starts_on,
                correction_cutoff_on=calendar.correction_cutoff(s.semester),
            )
            for s in calendar.semesters
        ],
        periodic_entry_days=calendar.policy.periodic_entry_days,
        essay_entry_days=calendar.policy.essay_entry_days,
        correction_cutoff_days=calendar.policy.correction_cutoff_days,
        set_by=calendar.set_by,
        set_at=calendar.set_at,
    )


@router.put(
    "/schools/{school_id}/calendars/{school_year}", tags=["calendar"], summary="Khai báo lịch năm học và hạn nhập điểm"
)
async def put_school_calendar(
    school_id: str, school_year: str, body: SchoolCalendarUpdate, user: CurrentUser, service: ServiceDep
) -> SchoolCalendarRead:
    """Set (or replace) the semesters' dates and the entry-deadline policy; the principal or the admin board."""
    calendar = await calendar_handlers.set_school_calendar(
        SetSchoolCalendar(
            school_id=school_id,
            school_year=school_year,
            semesters=[
                SemesterDates(
                    semester=s.semester,
                    starts_on=s.starts_on,
                    mid_on=s.mid_on,
                    ends_on=s.ends_on,
                    exam_starts_on=s.exam_starts_on,
                )
                for s in body.semesters
            ],
            policy=EntryPolicy(
                periodic_entry_days=body.periodic_entry_days,
                essay_entry_days=body.essay_entry_days,
                correction_cutoff_days=body.correction_cutoff_days,
            ),
        ),
        service.uow,
        caller=Caller(user=user, resolver=service.resolver),
    )
    return _calendar_read(calendar)


@router.get("/schools/{school_id}/calendars/{school_year}", tags=["calendar"], summary="Lịch năm học của trường")
async def get_school_calendar(
    school_id: str, school_year: str, user: CurrentUser, service: ServiceDep
) -> SchoolCalendarRead:
    """The semesters' dates, entry deadlines and each semester's correction cut-off day."""
    calendar = await calendar_handlers.school_calendar(
        service.uow(), caller=Caller(user=user, resolver=service.resolver), school_id=school_id, school_year=school_year
    )
    return _calendar_read(calendar)


def _test_read(test: TestDate) -> TestDateRead:
    return TestDateRead(
        class_id=test.class_id,
        subject_code=test.subject_code,
        semester=test.semester,
        column=test.column,
        held_on=test.held_on,
        essay=test.essay,
        set_by=test.set_by,
        set_at=test.set_at,
    )


@router.put(f"{SHEET}/tests/{{column}}", tags=["calendar"], summary="Ngày kiểm tra định kì (GK, CK)")
async def put_test_date(
    class_id: str,
    subject_code: str,
    semester: Semester,
    column: str,
    body: TestDateUpdate,
    user: CurrentUser,
    service: ServiceDep,
) -> TestDateRead:
    """Record when the periodic test was held (and if it was an essay); its entry deadline counts from that day."""
    test = await calendar_handlers.set_test_date(
        SetTestDate(
            class_id=class_id,
            subject_code=subject_code,
            semester=semester,
            column=column,
            held_on=body.held_on,
            essay=body.essay,
        ),
        service.uow,
        caller=Caller(user=user, resolver=service.resolver),
    )
    return _test_read(test)


@router.get(f"{SHEET}/tests", tags=["calendar"], summary="Các ngày kiểm tra định kì của sổ điểm")
async def get_test_dates(
    class_id: str, subject_code: str, semester: Semester, user: CurrentUser, service: ServiceDep
) -> list[TestDateRead]:
    """The sheet's periodic test dates (GK, CK) set so far."""
    tests = await calendar_handlers.sheet_test_dates(
        service.uow(),
        caller=Caller(user=user, resolver=service.resolver),
        class_id=class_id,
        subject_code=subject_code,
        semester=semester,
    )
    return [_test_read(t) for t in tests]


def _tally(t: Tally) -> TallyRead:
    return TallyRead(required=t.required, entered=t.entered, missing=t.missing, share=t.share)


def _sheet_progress(p: SheetProgress) -> SheetProgressRead:
    c = p.count
    return SheetProgressRead(
        class_id=c.class_id,
        class_name=c.class_name,
        subject_code=c.subject_code,
        subject_name=c.subject_name,
        semester=c.semester,
        teachers=list(c.teachers),
        students=c.students,
        columns={col: _tally(t) for col, t in p.per_column.items()},
        regular=_tally(p.regular),
        periodic=_tally(p.periodic),
        total=_tally(p.total),
    )


@router.get("/schools/{school_id}/entry-progress", tags=["progress"], summary="Tiến độ nhập điểm của trường")
async def get_entry_progress(
    school_id: str,
    school_year: SchoolYear,
    user: CurrentUser,
    service: ServiceDep,
    semester: Annotated[int | None, Query(ge=1, le=2, description="Học kì; bỏ trống: cả hai")] = None,
    staff_id: Annotated[
        str | None, Query(description="Chỉ các lớp-môn của một giáo viên (tổ trưởng xem từng GV)")
    ] = None,
) -> EntryProgressRead:
    """Required and entered cells per class × subject × semester, per teacher, class, subject and for the school."""
    report = await progress_handlers.entry_progress(
        service.uow(),
        caller=Caller(user=user, resolver=service.resolver),
        school_id=school_id,
        school_year=school_year,
        semester=semester,
        staff_id=staff_id,
    )
    class_names = {s.count.class_id: s.count.class_name for s in report.sheets}
    subject_names = {s.count.subject_code: s.count.subject_name for s in report.sheets}
    return EntryProgressRead(
        school_id=school_id,
        school_year=school_year,
        semester=semester,
        school=_tally(report.school),
        by_teacher=[
            TeacherProgressRead(staff_id=staff, progress=_tally(t))
            for staff, t in sorted(report.by_teacher.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        ],
        by_class=[
            ClassProgressRead(class_id=cid, class_name=class_names[cid], progress=_tally(t))
            for cid, t in report.by_class.items()
        ],
        by_subject=[
            SubjectProgressRead(subject_code=code, subject_name=subject_names[code], progress=_tally(t))
            for code, t in sorted(report.by_subject.items())
        ],
        sheets=[_sheet_progress(s) for s in report.sheets],
    )


def _sheet_deadline(d: SheetDeadlines) -> SheetDeadlineRead:
    c = d.progress.count
    return SheetDeadlineRead(
        class_id=c.class_id,
        class_name=c.class_name,
        subject_code=c.subject_code,
        subject_name=c.subject_name,
        semester=c.semester,
        teachers=list(c.teachers),
        days_overdue=d.days_overdue,
        total=_tally(d.progress.total),
        shortfalls=[
            ShortfallRead(
                kind=s.kind,
                column=s.column,
                due_on=s.due_on,
                days_overdue=s.days_overdue,
                missing_cells=s.missing_cells,
                detail=s.detail,
            )
            for s in d.shortfalls
        ],
        late=[LateEntriesRead(column=le.column, due_on=le.due_on, cells=le.cells) for le in d.late],
    )


@router.get(
    "/schools/{school_id}/entry-deadlines", tags=["progress"], summary="Kiểm tra hạn nhập điểm, danh sách quá hạn"
)
async def get_entry_deadlines(
    school_id: str,
    school_year: SchoolYear,
    user: CurrentUser,
    service: ServiceDep,
    as_of: Annotated[date | None, Query(description="Ngày xét; bỏ trống: hôm nay (giờ Việt Nam)")] = None,
) -> EntryDeadlinesRead:
    """Class-subjects that missed the mid-semester (≥ 50 % TX), end-of-semester (100 %) or periodic-test deadline."""
    report = await progress_handlers.entry_deadlines(
        service.uow(),
        caller=Caller(user=user, resolver=service.resolver),
        school_id=school_id,
        school_year=school_year,
        as_of=as_of,
    )
    return EntryDeadlinesRead(
        school_id=school_id,
        school_year=school_year,
        as_of=report.as_of,
        sheets_checked=len(report.sheets),
        overdue=[_sheet_deadline(d) for d in report.overdue],
        late=[_sheet_deadline(d) for d in report.sheets if d.late],
    )
