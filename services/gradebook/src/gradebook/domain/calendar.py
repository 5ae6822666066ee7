"""A school's calendar for one school year: semester dates, entry-deadline policy and periodic test dates.

Pure: no I/O. The principal (or the school admin board) sets it; entry deadlines, entry-progress checks and the
cut-off of correction requests are read from it (DOMAIN §4, seed 004 Điều 12).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from edu_shared.errors import InvalidInput
from gradebook.domain.sheet import FINAL, MIDTERM

# School dates are local dates; Vietnam has kept UTC+7 without daylight saving since 1975.
VIETNAM = timezone(timedelta(hours=7), "ICT")

DEFAULT_PERIODIC_ENTRY_DAYS = 10
DEFAULT_ESSAY_ENTRY_DAYS = 14
DEFAULT_CORRECTION_CUTOFF_DAYS = 7
MAX_POLICY_DAYS = 60
PERIODIC_COLUMNS = (MIDTERM, FINAL)

_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def local_date(at: datetime) -> date:
    """The school-local date of an instant (a naive time is taken as UTC, as every stored time is)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM).date()


def vn_date(day: date) -> str:
    """dd/mm/yyyy, as dates are written in Vietnamese documents."""
    return day.strftime("%d/%m/%Y")


def school_year_bounds(school_year: str) -> tuple[date, date]:
    """First and last day a date of school year "2025-2026" may fall on (1 August to 31 July)."""
    found = _YEAR.match(school_year)
    if found is None or int(found.group(2)) != int(found.group(1)) + 1:
        raise InvalidInput(
            f"Năm học '{school_year}' không hợp lệ: cần dạng NNNN-NNNN, hai năm liên tiếp (ví dụ 2025-2026).",
            field="school_year",
            value=school_year,
        )
    first = int(found.group(1))
    return date(first, 8, 1), date(first + 1, 7, 31)


@dataclass(frozen=True)
class SemesterDates:
    """One semester: first day, mid-semester checkpoint, last day, and the first day of its semester exam."""

    semester: int
    starts_on: date
    mid_on: date
    ends_on: date
    exam_starts_on: date


@dataclass(frozen=True)
class EntryPolicy:
    """Days allowed to enter periodic test scores (essays get longer), and the correction cut-off before the exam."""

    periodic_entry_days: int = DEFAULT_PERIODIC_ENTRY_DAYS
    essay_entry_days: int = DEFAULT_ESSAY_ENTRY_DAYS
    correction_cutoff_days: int = DEFAULT_CORRECTION_CUTOFF_DAYS


@dataclass(frozen=True)
class SchoolCalendar:
    school_id: str
    school_year: str
    semesters: tuple[SemesterDates, ...]
    policy: EntryPolicy
    set_by: str
    set_at: datetime

    def semester(self, semester: int) -> SemesterDates:
        """The dates of semester 1 or 2 (a checked calendar has both)."""
        found = next((s for s in self.semesters if s.semester == semester), None)
        if found is None:
            raise InvalidInput(
                f"Lịch năm học {self.school_year} không có học kì {semester}.", field="semester", value=semester
            )
        return found

    def correction_cutoff(self, semester: int) -> date:
        """The last day a correction request of the semester may be filed (a week before its exam, by default)."""
        return self.semester(semester).exam_starts_on - timedelta(days=self.policy.correction_cutoff_days)


class CorrectionDeadlinePassed(InvalidInput):
    """A correction request filed after the semester's cut-off (school policy, DOMAIN §4)."""

    slug = "correction-deadline-passed"
    title = "Đã quá hạn gửi yêu cầu sửa điểm"


def check_correction_deadline(calendar: SchoolCalendar, *, semester: int, filed_on: date) -> None:
    """Refuse a correction request filed after the semester's cut-off date."""
    cutoff = calendar.correction_cutoff(semester)
    if filed_on > cutoff:
        exam = calendar.semester(semester).exam_starts_on
        raise CorrectionDeadlinePassed(
            f"Đã quá hạn gửi yêu cầu sửa điểm học kì {semester} năm học {calendar.school_year}: hạn cuối là ngày "
            f"{vn_date(cutoff)} ({calendar.policy.correction_cutoff_days} ngày trước ngày thi học kì "
            f"{vn_date(exam)}).",
            field="semester",
            value=semester,
            cutoff_on=cutoff.isoformat(),
            exam_starts_on=exam.isoformat(),
        )


def _policy_days(name: str, value: int, *, minimum: int) -> None:
    if not minimum <= value <= MAX_POLICY_DAYS:
        raise InvalidInput(
            f"Số ngày '{name}' = {value} không hợp lệ: cần từ {minimum} đến {MAX_POLICY_DAYS} ngày.",
            field=name,
            value=value,
        )


def check_calendar(*, school_year: str, semesters: Sequence[SemesterDates], policy: EntryPolicy) -> None:
    """Both semesters, their dates in order and inside the school year; policy days within sensible bounds."""
    first_day, last_day = school_year_bounds(school_year)
    numbers = sorted(s.semester for s in semesters)
    if numbers != [1, 2]:
        raise InvalidInput(
            f"Lịch năm học cần đúng hai học kì 1 và 2 (đã gửi: {', '.join(map(str, numbers)) or 'không có'}).",
            field="semesters",
            value=numbers,
        )
    ordered = sorted(semesters, key=lambda s: s.semester)
    for s in ordered:
        fields = (
            ("starts_on", s.starts_on, "ngày bắt đầu"),
            ("mid_on", s.mid_on, "ngày giữa học kì"),
            ("exam_starts_on", s.exam_starts_on, "ngày thi học kì"),
            ("ends_on", s.ends_on, "ngày kết thúc"),
        )
        for name, day, label in fields:
            if not first_day <= day <= last_day:
                raise InvalidInput(
                    f"Học kì {s.semester}: {label} {vn_date(day)} nằm ngoài năm học {school_year} "
                    f"({vn_date(first_day)} – {vn_date(last_day)}).",
                    field=f"semesters[{s.semester}].{name}",
                    value=day.isoformat(),
                )
        if not s.starts_on < s.mid_on < s.ends_on:
            raise InvalidInput(
                f"Học kì {s.semester}: cần ngày bắt đầu ({vn_date(s.starts_on)}) < ngày giữa học kì "
                f"({vn_date(s.mid_on)}) < ngày kết thúc ({vn_date(s.ends_on)}).",
                field=f"semesters[{s.semester}].mid_on",
                value=s.mid_on.isoformat(),
            )
        if not s.mid_on < s.exam_starts_on <= s.ends_on:
            raise InvalidInput(
                f"Học kì {s.semester}: ngày thi học kì {vn_date(s.exam_starts_on)} phải sau ngày giữa học kì "
                f"({vn_date(s.mid_on)}) và không muộn hơn ngày kết thúc ({vn_date(s.ends_on)}).",
                field=f"semesters[{s.semester}].exam_starts_on",
                value=s.exam_starts_on.isoformat(),
            )
    if not ordered[0].ends_on < ordered[1].starts_on:
        raise InvalidInput(
            f"Học kì 2 phải bắt đầu sau khi học kì 1 kết thúc ({vn_date(ordered[0].ends_on)}).",
            field="semesters[2].starts_on",
            value=ordered[1].starts_on.isoformat(),
        )
    _policy_days("periodic_entry_days", policy.periodic_entry_days, minimum=1)
    _policy_days("essay_entry_days", policy.essay_entry_days, minimum=1)
    _policy_days("correction_cutoff_days", policy.correction_cutoff_days, minimum=0)


@dataclass(frozen=True)
class TestDate:
    """When the periodic test of a class's subject was held (GK or CK), and whether it was an essay."""

    __test__ = False  # not a pytest class, despite the name

    class_id: str
    subject_code: str
    semester: int
    column: str
    held_on: date
    essay: bool
    set_by: str
    set_at: datetime


def check_test_date(
    *, column: str, held_on: date, semester: int, school_year: str, calendar: SchoolCalendar | None
) -> None:
    """A periodic column (GK, CK), held inside the school year, and inside its semester once the calendar is set."""
    if column not in PERIODIC_COLUMNS:
        raise InvalidInput(
            f"Cột {column} không phải bài kiểm tra định kì: chỉ {', '.join(PERIODIC_COLUMNS)} có ngày kiểm tra.",
            field="column",
            value=column,
        )
    first_day, last_day = school_year_bounds(school_year)
    start, end = first_day, last_day
    if calendar is not None:
        dates = calendar.semester(semester)
        start, end = dates.starts_on, dates.ends_on
    if not start <= held_on <= end:
        raise InvalidInput(
            f"Ngày kiểm tra {vn_date(held_on)} nằm ngoài học kì {semester} năm học {school_year} "
            f"({vn_date(start)} – {vn_date(end)}).",
            field="held_on",
            value=held_on.isoformat(),
        )


def entry_due_on(test: TestDate, policy: EntryPolicy) -> date:
    """The last day scores of a periodic test may be entered on time (essays get longer, seed 004 Điều 12)."""
    days = policy.essay_entry_days if test.essay else policy.periodic_entry_days
    return test.held_on + timedelta(days=days)
