"""Entry progress: required and entered cells per sheet, and their grouping per teacher, class and subject."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gradebook.domain.progress import (
    Assignment,
    SheetCount,
    Tally,
    sheet_progress,
    summarize,
    teachers_by_sheet,
)


def count(
    class_id: str = "6a1",
    subject: str = "toan",
    *,
    semester: int = 1,
    periods: int = 140,
    students: int = 3,
    entered: dict[str, int] | None = None,
    teachers: tuple[str, ...] = (),
) -> SheetCount:
    return SheetCount(
        class_id=class_id,
        class_name=class_id.upper(),
        subject_code=subject,
        subject_name=subject.title(),
        semester=semester,
        periods_per_year=periods,
        students=students,
        entered=entered or {},
        teachers=teachers,
    )


@pytest.mark.parametrize(
    ("required", "entered", "share"),
    [
        (0, 0, None),
        (18, 0, Decimal("0.0")),
        (18, 18, Decimal("100.0")),
        (3, 1, Decimal("33.3")),
        (3, 2, Decimal("66.7")),
        (8, 1, Decimal("12.5")),  # exactly half a tenth: half up
        (16, 1, Decimal("6.3")),  # 6.25 → 6.3
    ],
)
def test_share_is_a_percentage_rounded_half_up_to_one_decimal(
    required: int, entered: int, share: Decimal | None
) -> None:
    assert Tally(required, entered).share == share


@pytest.mark.parametrize(
    ("periods", "entered", "regular", "periodic"),
    [
        # 140 periods: TX1..TX4, GK, CK; 3 students.
        (140, {}, Tally(12, 0), Tally(6, 0)),
        (140, {"TX1": 3, "TX2": 2, "GK": 1}, Tally(12, 5), Tally(6, 1)),
        # 35 periods: TX1, TX2 only; a TX3 left from a change of the subject's periods does not count.
        (35, {"TX1": 3, "TX3": 3, "CK": 3}, Tally(6, 3), Tally(6, 3)),
        # 70 periods: TX1..TX3.
        (70, {"TX1": 3, "TX2": 3, "TX3": 3, "GK": 3, "CK": 3}, Tally(9, 9), Tally(6, 6)),
    ],
)
def test_sheet_needs_one_cell_per_student_and_column(
    periods: int, entered: dict[str, int], regular: Tally, periodic: Tally
) -> None:
    progress = sheet_progress(count(periods=periods, entered=entered))
    assert (progress.regular, progress.periodic) == (regular, periodic)
    assert progress.total == regular + periodic
    assert list(progress.per_column)[-2:] == ["GK", "CK"]


def test_entered_never_exceeds_required() -> None:
    progress = sheet_progress(count(students=2, entered={"TX1": 5}))
    assert progress.per_column["TX1"] == Tally(2, 2)


def test_whole_year_assignment_covers_both_semesters_and_a_semester_one_only_its_own() -> None:
    teachers = teachers_by_sheet(
        [
            Assignment("6a1", "toan", "gv-a", None),
            Assignment("6a1", "van", "gv-b", 1),
            Assignment("6a1", "van", "gv-c", 2),
            Assignment("6a1", "toan", "gv-d", 2),
        ]
    )
    assert teachers == {
        ("6a1", "toan", 1): ("gv-a",),
        ("6a1", "toan", 2): ("gv-a", "gv-d"),
        ("6a1", "van", 1): ("gv-b",),
        ("6a1", "van", 2): ("gv-c",),
    }


def test_summary_groups_by_teacher_class_and_subject() -> None:
    report = summarize(
        [
            # 6A1 Toán: 3 students × 6 columns = 18 required, 9 entered; taught by gv-a.
            count("6a1", "toan", entered={"TX1": 3, "TX2": 3, "GK": 3}, teachers=("gv-a",)),
            # 6A1 Tin: 35 periods → 4 columns × 3 = 12 required, 12 entered; two teachers.
            count(
                "6a1",
                "tin",
                periods=35,
                entered={"TX1": 3, "TX2": 3, "GK": 3, "CK": 3},
                teachers=("gv-a", "gv-b"),
            ),
            # 6A2 Toán: 2 students × 6 = 12 required, nothing entered, no teacher assigned.
            count("6a2", "toan", students=2),
        ]
    )
    assert report.school == Tally(42, 21)
    assert report.school.share == Decimal("50.0")
    assert report.by_teacher == {"gv-a": Tally(30, 21), "gv-b": Tally(12, 12), None: Tally(12, 0)}
    assert report.by_class == {"6a1": Tally(30, 21), "6a2": Tally(12, 0)}
    assert report.by_subject == {"toan": Tally(30, 9), "tin": Tally(12, 12)}
    assert [s.total for s in report.sheets] == [Tally(18, 9), Tally(12, 12), Tally(12, 0)]
