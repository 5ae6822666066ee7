"""Entry deadlines (seed 004 Điều 12), the school calendar's checks and the correction cut-off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from edu_shared.errors import InvalidInput
from gradebook.domain.calendar import (
    CorrectionDeadlinePassed,
    EntryPolicy,
    SchoolCalendar,
    SemesterDates,
    TestDate,
    check_calendar,
    check_correction_deadline,
    check_test_date,
    entry_due_on,
    local_date,
)
from gradebook.domain.deadlines import FirstEntries, check_sheet, overdue_list
from gradebook.domain.progress import SheetCount, SheetProgress, sheet_progress

SEMESTER1 = SemesterDates(
    semester=1,
    starts_on=date(2025, 9, 5),
    mid_on=date(2025, 11, 1),
    ends_on=date(2026, 1, 17),
    exam_starts_on=date(2025, 12, 22),
)
SEMESTER2 = SemesterDates(
    semester=2,
    starts_on=date(2026, 1, 19),
    mid_on=date(2026, 3, 21),
    ends_on=date(2026, 5, 25),
    exam_starts_on=date(2026, 5, 4),
)
AT = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
CALENDAR = SchoolCalendar(
    school_id="sch",
    school_year="2025-2026",
    semesters=(SEMESTER1, SEMESTER2),
    policy=EntryPolicy(),
    set_by="hieutruong",
    set_at=AT,
)


def held(column: str, held_on: date, *, essay: bool = False) -> TestDate:
    """A periodic test of 6A1 Toán, semester 1."""
    return TestDate("6a1", "toan", 1, column, held_on, essay, "gv", AT)


def progress(entered: dict[str, int], *, students: int = 4) -> SheetProgress:
    return sheet_progress(SheetCount("6a1", "6A1", "toan", "Toán", 1, 140, students, entered, ("gv-a",)))


# 4 students, 140 periods: TX1..TX4 (16 regular cells), GK, CK (8 periodic cells).
HALF_TX = {"TX1": 4, "TX2": 4}
ALL = {"TX1": 4, "TX2": 4, "TX3": 4, "TX4": 4, "GK": 4, "CK": 4}


@pytest.mark.parametrize(
    ("entered", "as_of", "expected"),
    [
        # Mid-semester (01/11): at least half of the 16 TX cells, checked from the next day on.
        ({}, date(2025, 11, 1), []),
        ({}, date(2025, 11, 2), [("mid_semester_regular", None, 1, 8)]),
        ({"TX1": 4, "TX2": 3}, date(2025, 11, 11), [("mid_semester_regular", None, 10, 1)]),
        (HALF_TX, date(2025, 11, 30), []),
        # End of semester (17/01): every cell; the half rule still reports its own shortfall.
        (HALF_TX, date(2026, 1, 17), []),
        ({**HALF_TX, "TX3": 4, "GK": 4}, date(2026, 1, 20), [("end_semester", None, 3, 8)]),
        ({}, date(2026, 1, 18), [("mid_semester_regular", None, 78, 8), ("end_semester", None, 1, 24)]),
        (ALL, date(2026, 5, 1), []),
    ],
)
def test_regular_and_end_of_semester_deadlines(
    entered: dict[str, int], as_of: date, expected: list[tuple[str, str | None, int, int]]
) -> None:
    checked = check_sheet(
        progress(entered),
        dates=SEMESTER1,
        policy=EntryPolicy(),
        tests={},
        first_entries={},
        as_of=as_of,
    )
    assert [(s.kind, s.column, s.days_overdue, s.missing_cells) for s in checked.shortfalls] == expected
    assert checked.overdue == bool(expected)


@pytest.mark.parametrize(
    ("test", "policy", "gk_entered", "as_of", "expected"),
    [
        # Held 27/10, 10 days → due 06/11; overdue from 07/11.
        (held("GK", date(2025, 10, 27)), EntryPolicy(), 0, date(2025, 11, 6), []),
        (held("GK", date(2025, 10, 27)), EntryPolicy(), 0, date(2025, 11, 7), [("GK", date(2025, 11, 6), 1, 4)]),
        (held("GK", date(2025, 10, 27)), EntryPolicy(), 3, date(2025, 11, 9), [("GK", date(2025, 11, 6), 3, 1)]),
        (held("GK", date(2025, 10, 27)), EntryPolicy(), 4, date(2025, 11, 9), []),
        # An essay (bài viết) gets 14 days → due 10/11.
        (held("GK", date(2025, 10, 27), essay=True), EntryPolicy(), 0, date(2025, 11, 9), []),
        (
            held("GK", date(2025, 10, 27), essay=True),
            EntryPolicy(),
            0,
            date(2025, 11, 12),
            [("GK", date(2025, 11, 10), 2, 4)],
        ),
        # The school's own policy replaces the defaults.
        (
            held("GK", date(2025, 10, 27)),
            EntryPolicy(periodic_entry_days=5),
            0,
            date(2025, 11, 2),
            [("GK", date(2025, 11, 1), 1, 4)],
        ),
    ],
)
def test_periodic_test_deadline_counts_from_the_test_day(
    test: TestDate,
    policy: EntryPolicy,
    gk_entered: int,
    as_of: date,
    expected: list[tuple[str, date, int, int]],
) -> None:
    entered = {**HALF_TX, "GK": gk_entered}
    checked = check_sheet(
        progress(entered),
        dates=SEMESTER1,
        policy=policy,
        tests={"GK": test},
        first_entries={},
        as_of=as_of,
    )
    periodic = [s for s in checked.shortfalls if s.kind == "periodic_test"]
    assert [(s.column, s.due_on, s.days_overdue, s.missing_cells) for s in periodic] == expected
    if periodic:
        assert "kiểm tra giữa kì (GK)" in periodic[0].detail


@pytest.mark.parametrize(
    ("first_entries", "late"),
    [
        ({}, []),
        ({"GK": [(date(2025, 11, 6), 4)]}, []),  # on the due day: on time
        ({"GK": [(date(2025, 11, 5), 3), (date(2025, 11, 8), 1)]}, [("GK", date(2025, 11, 6), 1)]),
        ({"CK": [(date(2026, 1, 30), 2)]}, []),  # no CK test date set: nothing to measure against
    ],
)
def test_cells_first_entered_after_the_due_day_are_late(
    first_entries: FirstEntries, late: list[tuple[str, date, int]]
) -> None:
    checked = check_sheet(
        progress(ALL),
        dates=SEMESTER1,
        policy=EntryPolicy(),
        tests={"GK": held("GK", date(2025, 10, 27))},
        first_entries=first_entries,
        as_of=date(2025, 12, 1),
    )
    assert [(le.column, le.due_on, le.cells) for le in checked.late] == late
    assert not checked.overdue


def test_overdue_list_puts_the_longest_delay_first() -> None:
    on_time = check_sheet(
        progress(ALL),
        dates=SEMESTER1,
        policy=EntryPolicy(),
        tests={},
        first_entries={},
        as_of=date(2026, 2, 1),
    )
    short = check_sheet(
        progress({**ALL, "CK": 3}),
        dates=SEMESTER1,
        policy=EntryPolicy(),
        tests={},
        first_entries={},
        as_of=date(2026, 2, 1),
    )
    long = check_sheet(
        progress({}),
        dates=SEMESTER1,
        policy=EntryPolicy(),
        tests={},
        first_entries={},
        as_of=date(2026, 2, 1),
    )
    assert overdue_list([on_time, short, long]) == [long, short]
    assert (long.days_overdue, short.days_overdue) == (92, 15)


def test_entry_due_day() -> None:
    assert entry_due_on(held("CK", date(2025, 12, 22)), EntryPolicy()) == date(2026, 1, 1)
    assert entry_due_on(held("CK", date(2025, 12, 22), essay=True), EntryPolicy()) == date(2026, 1, 5)


@pytest.mark.parametrize(
    ("filed_on", "refused"),
    [
        (date(2025, 12, 14), False),
        (date(2025, 12, 15), False),  # exam 22/12 − 7 days: the last day to file
        (date(2025, 12, 16), True),
        (date(2026, 1, 10), True),
    ],
)
def test_correction_requests_close_a_week_before_the_semester_exam(filed_on: date, refused: bool) -> None:
    if not refused:
        check_correction_deadline(CALENDAR, semester=1, filed_on=filed_on)
        return
    with pytest.raises(CorrectionDeadlinePassed) as caught:
        check_correction_deadline(CALENDAR, semester=1, filed_on=filed_on)
    assert "15/12/2025" in caught.value.detail
    assert caught.value.extensions["cutoff_on"] == "2025-12-15"
    assert caught.value.status == 422


def test_school_policy_moves_the_correction_cutoff() -> None:
    relaxed = replace(CALENDAR, policy=EntryPolicy(correction_cutoff_days=0))
    check_correction_deadline(relaxed, semester=2, filed_on=date(2026, 5, 4))
    with pytest.raises(CorrectionDeadlinePassed):
        check_correction_deadline(relaxed, semester=2, filed_on=date(2026, 5, 5))


@pytest.mark.parametrize(
    ("school_year", "semesters", "policy", "field"),
    [
        ("2025-2027", (SEMESTER1, SEMESTER2), EntryPolicy(), "school_year"),
        ("2025", (SEMESTER1, SEMESTER2), EntryPolicy(), "school_year"),
        ("2025-2026", (SEMESTER1,), EntryPolicy(), "semesters"),
        ("2025-2026", (SEMESTER1, SEMESTER1), EntryPolicy(), "semesters"),
        ("2025-2026", (replace(SEMESTER1, mid_on=date(2025, 9, 1)), SEMESTER2), EntryPolicy(), "semesters[1].mid_on"),
        (
            "2025-2026",
            (replace(SEMESTER1, starts_on=date(2025, 7, 20)), SEMESTER2),
            EntryPolicy(),
            "semesters[1].starts_on",
        ),
        (
            "2025-2026",
            (SEMESTER1, replace(SEMESTER2, ends_on=date(2026, 8, 2))),
            EntryPolicy(),
            "semesters[2].ends_on",
        ),
        (
            "2025-2026",
            (replace(SEMESTER1, exam_starts_on=date(2026, 1, 18)), SEMESTER2),
            EntryPolicy(),
            "semesters[1].exam_starts_on",
        ),
        (
            "2025-2026",
            (replace(SEMESTER1, exam_starts_on=date(2025, 10, 1)), SEMESTER2),
            EntryPolicy(),
            "semesters[1].exam_starts_on",
        ),
        (
            "2025-2026",
            (SEMESTER1, replace(SEMESTER2, starts_on=date(2026, 1, 10))),
            EntryPolicy(),
            "semesters[2].starts_on",
        ),
        ("2025-2026", (SEMESTER1, SEMESTER2), EntryPolicy(periodic_entry_days=0), "periodic_entry_days"),
        ("2025-2026", (SEMESTER1, SEMESTER2), EntryPolicy(essay_entry_days=61), "essay_entry_days"),
        ("2025-2026", (SEMESTER1, SEMESTER2), EntryPolicy(correction_cutoff_days=-1), "correction_cutoff_days"),
    ],
)
def test_calendar_is_checked(
    school_year: str, semesters: tuple[SemesterDates, ...], policy: EntryPolicy, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_calendar(school_year=school_year, semesters=semesters, policy=policy)
    assert caught.value.extensions["field"] == field


def test_a_sound_calendar_passes() -> None:
    check_calendar(school_year="2025-2026", semesters=(SEMESTER2, SEMESTER1), policy=EntryPolicy(10, 14, 0))


@pytest.mark.parametrize(
    ("column", "held_on", "calendar", "field"),
    [
        ("TX1", date(2025, 10, 27), None, "column"),
        ("GK", date(2025, 7, 1), None, "held_on"),
        ("GK", date(2026, 2, 1), CALENDAR, "held_on"),  # inside the year, but in semester 2
        ("GK", date(2025, 10, 27), CALENDAR, None),
        ("CK", date(2026, 2, 1), None, None),  # no calendar yet: the school year bounds only
    ],
)
def test_test_dates_are_periodic_columns_inside_their_semester(
    column: str, held_on: date, calendar: SchoolCalendar | None, field: str | None
) -> None:
    def check() -> None:
        check_test_date(column=column, held_on=held_on, semester=1, school_year="2025-2026", calendar=calendar)

    if field is None:
        check()
        return
    with pytest.raises(InvalidInput) as caught:
        check()
    assert caught.value.extensions["field"] == field


@pytest.mark.parametrize(
    ("at", "day"),
    [
        (datetime(2025, 11, 6, 16, 59, tzinfo=UTC), date(2025, 11, 6)),
        (datetime(2025, 11, 6, 17, 0, tzinfo=UTC), date(2025, 11, 7)),  # midnight in Hà Nội
        (datetime(2025, 11, 6, 17, 0), date(2025, 11, 7)),  # naive: stored UTC
    ],
)
def test_entry_days_are_counted_in_vietnam_time(at: datetime, day: date) -> None:
    assert local_date(at) == day
