"""Use cases of the school calendar and periodic test dates, and the correction cut-off read from it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from edu_shared.auth.permissions import ROLE_PERMISSIONS, Permission, Scope, authorize, authorize_within
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.gradebook_calendar import CalendarSemester, SchoolCalendarSet
from edu_shared.errors import NotFound, PermissionDenied
from gradebook.adapters.scores_repo import ClassInfo
from gradebook.domain.calendar import (
    EntryPolicy,
    SchoolCalendar,
    SemesterDates,
    TestDate,
    check_calendar,
    check_correction_deadline,
    check_test_date,
    local_date,
    school_year_bounds,
)
from gradebook.service_layer.uow import GradebookUnitOfWork

if TYPE_CHECKING:  # handlers imports this module for the correction cut-off
    from gradebook.service_layer.handlers import Caller


def today() -> date:
    """Today in Vietnam (Asia/Ho_Chi_Minh): deadlines are school-local days."""
    return local_date(datetime.now(UTC))


@dataclass(frozen=True)
class SetSchoolCalendar:
    school_id: str
    school_year: str
    semesters: Sequence[SemesterDates]
    policy: EntryPolicy = EntryPolicy()


def _calendar_audit(calendar: SchoolCalendar) -> dict[str, object]:
    return {
        "semesters": [
            {
                "semester": s.semester,
                "starts_on": s.starts_on.isoformat(),
                "mid_on": s.mid_on.isoformat(),
                "ends_on": s.ends_on.isoformat(),
                "exam_starts_on": s.exam_starts_on.isoformat(),
            }
            for s in calendar.semesters
        ],
        "periodic_entry_days": calendar.policy.periodic_entry_days,
        "essay_entry_days": calendar.policy.essay_entry_days,
        "correction_cutoff_days": calendar.policy.correction_cutoff_days,
    }


async def set_school_calendar(
    cmd: SetSchoolCalendar, uow_factory: Callable[[], GradebookUnitOfWork], *, caller: Caller
) -> SchoolCalendar:
    """Set (or replace) a school year's calendar: GRADEBOOK_LOCK over the school; audited and announced."""
    check_calendar(school_year=cmd.school_year, semesters=cmd.semesters, policy=cmd.policy)
    # Checked outside the write transaction: the resolver reads the directory in its own session (one SQLite writer).
    await authorize(caller.user, Permission.GRADEBOOK_LOCK, (ScopeType.SCHOOL, cmd.school_id), resolver=caller.resolver)
    calendar = SchoolCalendar(
        school_id=cmd.school_id,
        school_year=cmd.school_year,
        semesters=tuple(sorted(cmd.semesters, key=lambda s: s.semester)),
        policy=cmd.policy,
        set_by=caller.user.username,
        set_at=datetime.now(UTC),
    )
    async with uow_factory() as uow:
        if not await uow.calendars.school_exists(cmd.school_id):
            raise NotFound(f"Không tìm thấy trường {cmd.school_id}.", field="school_id", value=cmd.school_id)
        # Two principals saving at once must not interleave the replace (delete, then insert) of the rows.
        await uow.scores.serialize_school(cmd.school_id)
        before = await uow.calendars.calendar(school_id=cmd.school_id, school_year=cmd.school_year)
        await uow.calendars.save_calendar(calendar)
        uow.audit.record(
            chain=cmd.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="calendar.set",
            entity="school_calendar",
            entity_id=f"{cmd.school_id}:{cmd.school_year}",
            before=None if before is None else _calendar_audit(before),
            after=_calendar_audit(calendar),
        )
        uow.emit(
            SchoolCalendarSet(
                school_id=calendar.school_id,
                school_year=calendar.school_year,
                semesters=[
                    CalendarSemester(
                        semester=s.semester,
                        starts_on=s.starts_on,
                        mid_on=s.mid_on,
                        ends_on=s.ends_on,
                        exam_starts_on=s.exam_starts_on,
                    )
                    for s in calendar.semesters
                ],
                periodic_entry_days=calendar.policy.periodic_entry_days,
                essay_entry_days=calendar.policy.essay_entry_days,
                correction_cutoff_days=calendar.policy.correction_cutoff_days,
                set_by=calendar.set_by,
                set_at=calendar.set_at,
            ),
            partition_key=calendar.school_id,
            subject=calendar.school_year,
        )
        await uow.commit()
    return calendar


async def school_calendar(
    uow: GradebookUnitOfWork, *, caller: Caller, school_id: str, school_year: str
) -> SchoolCalendar:
    """A school year's calendar, for the school's staff and leaders (SCHOOL_READ over the school)."""
    school_year_bounds(school_year)
    # Every member of the school reads its calendar (teachers' grants sit on a class or class subject).
    await authorize_within(caller.user, Permission.SCHOOL_READ, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    async with uow:
        calendar = await uow.calendars.calendar(school_id=school_id, school_year=school_year)
    if calendar is None:
        raise NotFound(
            f"Trường {school_id} chưa khai báo lịch năm học {school_year}.",
            field="school_year",
            value=school_year,
        )
    return calendar


async def check_correction_cutoff(
    uow: GradebookUnitOfWork, *, school_id: str, school_year: str, semester: int, filed_on: date | None = None
) -> None:
    """Refuse a correction request after the semester's cut-off, when the school has set its calendar."""
    calendar = await uow.calendars.calendar(school_id=school_id, school_year=school_year)
    if calendar is not None:
        check_correction_deadline(calendar, semester=semester, filed_on=filed_on or today())


@dataclass(frozen=True)
class SetTestDate:
    class_id: str
    subject_code: str
    semester: int
    column: str
    held_on: date
    essay: bool = False


async def _class(uow: GradebookUnitOfWork, class_id: str) -> ClassInfo:
    klass = await uow.scores.class_info(class_id)
    if klass is None:
        raise NotFound(f"Không tìm thấy lớp {class_id}.", field="class_id", value=class_id)
    return klass


async def _class_subject(uow: GradebookUnitOfWork, *, class_id: str, subject_code: str) -> ClassInfo:
    klass = await _class(uow, class_id)
    await _check_subject(uow, klass, subject_code=subject_code)
    return klass


async def _check_subject(uow: GradebookUnitOfWork, klass: ClassInfo, *, subject_code: str) -> None:
    """The class teaches the subject; the error names the class, so it is told only to those authorized."""
    if await uow.scores.subject(class_id=klass.id, subject_code=subject_code) is None:
        raise NotFound(
            f"Lớp {klass.name} không học môn {subject_code} trong năm học {klass.year}.",
            field="subject_code",
            value=subject_code,
        )


async def _authorize_test_date(caller: Caller, *, klass: ClassInfo, class_id: str, subject_code: str) -> None:
    """The class's subject teacher, or the school (principal, admin board: exam organisation is theirs too).

    Only the kinds of grant the caller holds are tried, so a principal is not logged as denied a teacher's right.
    """
    checks: list[tuple[Permission, Scope]] = [
        (Permission.SCORES_ENTER, (ScopeType.CLASS_SUBJECT, f"{class_id}:{subject_code}")),
        (Permission.GRADEBOOK_LOCK, (ScopeType.SCHOOL, klass.school_id)),
    ]
    held = [
        (permission, scope)
        for permission, scope in checks
        if any(permission in ROLE_PERMISSIONS.get(g.role, frozenset()) for g in caller.user.grants)
    ] or checks[:1]
    for permission, scope in held[:-1]:
        try:
            await authorize(caller.user, permission, scope, resolver=caller.resolver)
            return
        except PermissionDenied:
            continue
    permission, scope = held[-1]
    await authorize(caller.user, permission, scope, resolver=caller.resolver)


async def set_test_date(
    cmd: SetTestDate, uow_factory: Callable[[], GradebookUnitOfWork], *, caller: Caller
) -> TestDate:
    """Record when a periodic test (GK, CK) was held, by the subject teacher or the school; audited."""
    async with uow_factory() as uow:
        klass = await _class(uow, cmd.class_id)
    await _authorize_test_date(caller, klass=klass, class_id=cmd.class_id, subject_code=cmd.subject_code)
    test = TestDate(
        class_id=cmd.class_id,
        subject_code=cmd.subject_code,
        semester=cmd.semester,
        column=cmd.column,
        held_on=cmd.held_on,
        essay=cmd.essay,
        set_by=caller.user.username,
        set_at=datetime.now(UTC),
    )
    async with uow_factory() as uow:
        await _check_subject(uow, klass, subject_code=cmd.subject_code)
        calendar = await uow.calendars.calendar(school_id=klass.school_id, school_year=klass.year)
        check_test_date(
            column=cmd.column, held_on=cmd.held_on, semester=cmd.semester, school_year=klass.year, calendar=calendar
        )
        await uow.scores.serialize_school(klass.school_id)
        key = (cmd.class_id, cmd.subject_code, cmd.semester)
        before = await uow.calendars.test_date(key, cmd.column)
        await uow.calendars.save_test_date(test, school_id=klass.school_id)
        uow.audit.record(
            chain=klass.school_id,
            actor_id=caller.user.sub,
            actor_name=caller.user.username,
            action="test_date.set",
            entity="test_date",
            entity_id=f"{cmd.class_id}:{cmd.subject_code}:{cmd.semester}:{cmd.column}",
            before=None if before is None else {"held_on": before.held_on.isoformat(), "essay": before.essay},
            after={"held_on": test.held_on.isoformat(), "essay": test.essay},
        )
        await uow.commit()
    return test


async def sheet_test_dates(
    uow: GradebookUnitOfWork, *, caller: Caller, class_id: str, subject_code: str, semester: int
) -> list[TestDate]:
    """The periodic test dates of one sheet (GK, CK), for whoever may read the sheet."""
    await authorize(
        caller.user,
        Permission.SCORES_READ,
        (ScopeType.CLASS_SUBJECT, f"{class_id}:{subject_code}"),
        resolver=caller.resolver,
    )
    async with uow:
        await _class_subject(uow, class_id=class_id, subject_code=subject_code)
        return await uow.calendars.sheet_test_dates((class_id, subject_code, semester))
