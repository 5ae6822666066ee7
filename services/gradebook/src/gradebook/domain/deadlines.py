"""Entry deadlines (seed 004 Điều 12): what a sheet must hold by a given day, and what is overdue. Pure.

- by mid-semester at least half of the regular (TX) cells, by the end of the semester every cell;
- a periodic test (GK, CK) entered within N days of the day it was held (essays get longer), counted from the
  first time each cell was entered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from gradebook.domain.calendar import EntryPolicy, SemesterDates, TestDate, entry_due_on, vn_date
from gradebook.domain.progress import SheetProgress
from gradebook.domain.sheet import MIDTERM

ShortfallKind = Literal["mid_semester_regular", "end_semester", "periodic_test"]

# Per periodic column: (school-local date of a cell's first entry, how many cells were first entered that day).
FirstEntries = Mapping[str, Sequence[tuple[date, int]]]


@dataclass(frozen=True)
class Shortfall:
    """A deadline passed with cells still missing."""

    kind: ShortfallKind
    due_on: date
    days_overdue: int
    missing_cells: int
    column: str | None
    detail: str


@dataclass(frozen=True)
class LateEntries:
    """Periodic-test cells entered, but after their due date."""

    column: str
    due_on: date
    cells: int


@dataclass(frozen=True)
class SheetDeadlines:
    progress: SheetProgress
    shortfalls: tuple[Shortfall, ...]
    late: tuple[LateEntries, ...]

    @property
    def overdue(self) -> bool:
        return bool(self.shortfalls)

    @property
    def days_overdue(self) -> int:
        """The longest delay among the sheet's shortfalls (0 when none)."""
        return max((s.days_overdue for s in self.shortfalls), default=0)


def _column_label(column: str) -> str:
    return "kiểm tra giữa kì (GK)" if column == MIDTERM else "kiểm tra cuối kì (CK)"


def check_sheet(
    progress: SheetProgress,
    *,
    dates: SemesterDates,
    policy: EntryPolicy,
    tests: Mapping[str, TestDate],
    first_entries: FirstEntries,
    as_of: date,
) -> SheetDeadlines:
    """Every deadline of the sheet that has passed by `as_of` (exclusive: the due day itself is still on time)."""
    shortfalls: list[Shortfall] = []
    regular = progress.regular
    needed = (regular.required + 1) // 2  # "at least half": an odd count rounds up
    if as_of > dates.mid_on and regular.entered < needed:
        shortfalls.append(
            Shortfall(
                kind="mid_semester_regular",
                due_on=dates.mid_on,
                days_overdue=(as_of - dates.mid_on).days,
                missing_cells=needed - regular.entered,
                column=None,
                detail=(
                    f"Đến giữa học kì ({vn_date(dates.mid_on)}) cần ít nhất một nửa số điểm thường xuyên "
                    f"({needed}/{regular.required}): mới nhập {regular.entered}, còn thiếu {needed - regular.entered}."
                ),
            )
        )
    for column, test in sorted(tests.items()):
        if column not in progress.per_column:
            continue
        due = entry_due_on(test, policy)
        tally = progress.per_column[column]
        if as_of > due and tally.missing > 0:
            days = policy.essay_entry_days if test.essay else policy.periodic_entry_days
            shortfalls.append(
                Shortfall(
                    kind="periodic_test",
                    due_on=due,
                    days_overdue=(as_of - due).days,
                    missing_cells=tally.missing,
                    column=column,
                    detail=(
                        f"Điểm {_column_label(column)} kiểm tra ngày {vn_date(test.held_on)} phải nhập trong "
                        f"{days} ngày (hạn {vn_date(due)}): còn thiếu {tally.missing}/{tally.required}."
                    ),
                )
            )
    total = progress.total
    if as_of > dates.ends_on and total.missing > 0:
        shortfalls.append(
            Shortfall(
                kind="end_semester",
                due_on=dates.ends_on,
                days_overdue=(as_of - dates.ends_on).days,
                missing_cells=total.missing,
                column=None,
                detail=(
                    f"Đến cuối học kì ({vn_date(dates.ends_on)}) cần đủ 100% điểm: mới nhập "
                    f"{total.entered}/{total.required}, còn thiếu {total.missing}."
                ),
            )
        )
    late: list[LateEntries] = []
    for column, test in sorted(tests.items()):
        due = entry_due_on(test, policy)
        cells = sum(n for day, n in first_entries.get(column, ()) if day > due)
        if cells:
            late.append(LateEntries(column=column, due_on=due, cells=cells))
    return SheetDeadlines(progress, tuple(shortfalls), tuple(late))


def overdue_list(checked: Sequence[SheetDeadlines]) -> list[SheetDeadlines]:
    """Sheets with a passed deadline, longest delay first, then by class and subject."""
    overdue = [c for c in checked if c.overdue]
    return sorted(
        overdue,
        key=lambda c: (
            -c.days_overdue,
            c.progress.count.class_name,
            c.progress.count.subject_code,
            c.progress.count.semester,
        ),
    )
