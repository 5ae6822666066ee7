"""Entry progress (tiến độ nhập điểm): required and entered cells per sheet, grouped by teacher, class and subject.

Pure: the counts come from a few aggregate queries; this module turns them into tallies and shares (DOMAIN §4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from gradebook.domain.scores import round1
from gradebook.domain.sheet import FINAL, MIDTERM, columns

SheetKey = tuple[str, str, int]  # class id, subject code, semester


@dataclass(frozen=True)
class Tally:
    """Cells required and cells entered; `share` is the entered percentage, one decimal."""

    required: int = 0
    entered: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.required + other.required, self.entered + other.entered)

    @property
    def missing(self) -> int:
        return self.required - self.entered

    @property
    def share(self) -> Decimal | None:
        """None when nothing is required (a class without students yet)."""
        if self.required == 0:
            return None
        return round1(Decimal(self.entered * 100) / Decimal(self.required))


@dataclass(frozen=True)
class SheetCount:
    """What the database counted for one class × subject × semester."""

    class_id: str
    class_name: str
    subject_code: str
    subject_name: str
    semester: int
    periods_per_year: int
    students: int
    entered: Mapping[str, int]  # column → entered cells of the class's current students
    teachers: tuple[str, ...] = ()
    # The sheet's columns when its layout is not the TT22 one of `periods_per_year` (primary classes, TT27).
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetProgress:
    count: SheetCount
    columns: tuple[str, ...]
    per_column: dict[str, Tally]
    regular: Tally
    periodic: Tally
    total: Tally


def sheet_progress(count: SheetCount) -> SheetProgress:
    """Tallies of one sheet: each column needs one cell per current student; stray columns do not count."""
    sheet_columns = count.columns or tuple(columns(count.periods_per_year))
    per_column = {c: Tally(count.students, min(count.entered.get(c, 0), count.students)) for c in sheet_columns}
    regular = sum((t for c, t in per_column.items() if c not in (MIDTERM, FINAL)), Tally())
    periodic = sum((t for c, t in per_column.items() if c in (MIDTERM, FINAL)), Tally())
    return SheetProgress(count, sheet_columns, per_column, regular, periodic, regular + periodic)


@dataclass(frozen=True)
class Assignment:
    """A teaching assignment; `semester` None means the whole year."""

    class_id: str
    subject_code: str
    staff_id: str
    semester: int | None


def teachers_by_sheet(assignments: Iterable[Assignment]) -> dict[SheetKey, tuple[str, ...]]:
    """Who teaches each sheet; a whole-year assignment covers both semesters."""
    found: dict[SheetKey, set[str]] = {}
    for a in assignments:
        for semester in (1, 2) if a.semester is None else (a.semester,):
            found.setdefault((a.class_id, a.subject_code, semester), set()).add(a.staff_id)
    return {k: tuple(sorted(v)) for k, v in found.items()}


@dataclass(frozen=True)
class ProgressReport:
    """A school's progress: whole school, per teacher (None: not assigned), per class, per subject, per sheet."""

    school: Tally
    by_teacher: dict[str | None, Tally] = field(default_factory=dict)
    by_class: dict[str, Tally] = field(default_factory=dict)
    by_subject: dict[str, Tally] = field(default_factory=dict)
    sheets: list[SheetProgress] = field(default_factory=list)


def _add(groups: dict[str, Tally], key: str, tally: Tally) -> None:
    groups[key] = groups.get(key, Tally()) + tally


def summarize(counts: Sequence[SheetCount]) -> ProgressReport:
    """Group sheet tallies; a sheet taught by two teachers counts for each of them (not twice for the school)."""
    sheets = [sheet_progress(c) for c in counts]
    by_teacher: dict[str | None, Tally] = {}
    by_class: dict[str, Tally] = {}
    by_subject: dict[str, Tally] = {}
    school = Tally()
    for s in sheets:
        school += s.total
        _add(by_class, s.count.class_id, s.total)
        _add(by_subject, s.count.subject_code, s.total)
        for teacher in s.count.teachers or (None,):
            by_teacher[teacher] = by_teacher.get(teacher, Tally()) + s.total
    return ProgressReport(school, by_teacher, by_class, by_subject, sheets)
