"""Use cases of entry progress and entry deadlines: read a school's counts once, then apply the pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.errors import InvalidInput, NotFound
from gradebook.domain.calendar import SchoolCalendar, TestDate, local_date, school_year_bounds
from gradebook.domain.deadlines import SheetDeadlines, check_sheet, overdue_list
from gradebook.domain.progress import ProgressReport, SheetCount, SheetKey, sheet_progress, summarize, teachers_by_sheet
from gradebook.domain.rules import tt27
from gradebook.domain.rules.selection import rule_set_for
from gradebook.domain.sheet import Assessment
from gradebook.domain.sheet_layout import sheet_layout
from gradebook.service_layer.calendar import today
from gradebook.service_layer.uow import GradebookUnitOfWork

if TYPE_CHECKING:
    from gradebook.service_layer.handlers import Caller


async def _sheet_counts(
    uow: GradebookUnitOfWork, *, school_id: str, school_year: str, semesters: tuple[int, ...]
) -> list[SheetCount]:
    """One count per class × subject × semester of the school year, from five grouped queries."""
    subjects = await uow.calendars.class_subjects(school_id=school_id, school_year=school_year)
    sizes = await uow.calendars.class_sizes(school_id=school_id, school_year=school_year)
    entered = await uow.calendars.entered_cells(school_id=school_id, school_year=school_year)
    teachers = teachers_by_sheet(await uow.calendars.assignments(school_id=school_id, school_year=school_year))
    grades = await uow.results.class_grades(school_id)
    counts: list[SheetCount] = []
    for semester in semesters:
        for s in subjects:
            key: SheetKey = (s.class_id, s.subject_code, semester)
            counts.append(
                SheetCount(
                    class_id=s.class_id,
                    class_name=s.class_name,
                    subject_code=s.subject_code,
                    subject_name=s.subject_name,
                    semester=semester,
                    periods_per_year=s.periods_per_year,
                    students=sizes.get(s.class_id, 0),
                    entered=entered.get(key, {}),
                    teachers=teachers.get(key, ()),
                    columns=_primary_columns(
                        grades.get(s.class_id), school_year, s.subject_code, s.assessment, s.periods_per_year, semester
                    ),
                )
            )
    return counts


def _primary_columns(
    grade: int | None, school_year: str, subject: str, assessment: Assessment, periods: int, semester: int
) -> tuple[str, ...]:
    """A primary (TT27) sheet's own columns; () keeps the TT22 columns of the periods per year."""
    if grade is None or rule_set_for(grade=grade, school_year_start=int(school_year[:4])) != tt27.RULE_SET:
        return ()
    layout = sheet_layout(
        rule_set=tt27.RULE_SET,
        grade=grade,
        subject_code=subject,
        assessment=assessment,
        periods_per_year=periods,
        semester=semester,
    )
    return tuple(spec.code for spec in layout.specs)


def _semesters(semester: int | None) -> tuple[int, ...]:
    if semester is None:
        return (1, 2)
    if semester not in (1, 2):
        raise InvalidInput(f"Học kì {semester} không hợp lệ: chỉ có học kì 1 và 2.", field="semester", value=semester)
    return (semester,)


async def entry_progress(
    uow: GradebookUnitOfWork,
    *,
    caller: Caller,
    school_id: str,
    school_year: str,
    semester: int | None = None,
    staff_id: str | None = None,
) -> ProgressReport:
    """Required and entered cells of every sheet of the school (or of one teacher's sheets), grouped and in total."""
    school_year_bounds(school_year)
    semesters = _semesters(semester)
    await authorize(caller.user, Permission.SCORES_READ, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    async with uow:
        counts = await _sheet_counts(uow, school_id=school_id, school_year=school_year, semesters=semesters)
    if staff_id is not None:
        counts = [c for c in counts if staff_id in c.teachers]
    return summarize(counts)


@dataclass(frozen=True)
class DeadlineReport:
    """Deadline compliance of a school as of a day: every sheet of the semesters begun, and the overdue ones."""

    calendar: SchoolCalendar
    as_of: date
    sheets: list[SheetDeadlines]
    overdue: list[SheetDeadlines]


async def entry_deadlines(
    uow: GradebookUnitOfWork, *, caller: Caller, school_id: str, school_year: str, as_of: date | None = None
) -> DeadlineReport:
    """Which sheets missed the mid-semester, end-of-semester or periodic-test deadline by `as_of` (default today)."""
    school_year_bounds(school_year)
    day = as_of or today()
    await authorize(caller.user, Permission.SCORES_READ, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    async with uow:
        calendar = await uow.calendars.calendar(school_id=school_id, school_year=school_year)
        if calendar is None:
            raise NotFound(
                f"Trường {school_id} chưa khai báo lịch năm học {school_year}: chưa có hạn nhập điểm để kiểm tra.",
                field="school_year",
                value=school_year,
            )
        begun = tuple(s.semester for s in calendar.semesters if s.starts_on <= day)
        counts = await _sheet_counts(uow, school_id=school_id, school_year=school_year, semesters=begun)
        tests = await uow.calendars.school_test_dates(school_id=school_id, school_year=school_year)
        first = await uow.calendars.first_entries(school_id=school_id, school_year=school_year)
    tests_by_sheet: dict[SheetKey, dict[str, TestDate]] = {}
    for t in tests:
        tests_by_sheet.setdefault((t.class_id, t.subject_code, t.semester), {})[t.column] = t
    firsts_by_sheet: dict[SheetKey, dict[str, list[tuple[date, int]]]] = {}
    for (sheet, column), entries in first.items():
        firsts_by_sheet.setdefault(sheet, {})[column] = [(local_date(at), n) for at, n in entries]
    checked = [
        check_sheet(
            sheet_progress(count),
            dates=calendar.semester(count.semester),
            policy=calendar.policy,
            tests=tests_by_sheet.get((count.class_id, count.subject_code, count.semester), {}),
            first_entries=firsts_by_sheet.get((count.class_id, count.subject_code, count.semester), {}),
            as_of=day,
        )
        for count in counts
    ]
    return DeadlineReport(calendar=calendar, as_of=day, sheets=checked, overdue=overdue_list(checked))
