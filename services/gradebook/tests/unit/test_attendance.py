"""Attendance rolls and totals: the day checks, the marks of a roll, what a re-posted roll changes, the counts."""

from __future__ import annotations

from datetime import date

import pytest

from edu_shared.errors import InvalidInput
from gradebook.domain.attendance import (
    AbsenceCounts,
    AttendanceStatus,
    InvalidAttendance,
    Mark,
    MarkEntry,
    StoredMark,
    check_marks,
    check_school_day,
    parse_status,
    roll_changes,
    school_year_bounds,
    totals,
)

YEAR = "2025-2026"
TODAY = date(2026, 3, 20)
STUDENTS = {"st-1": "Trần Văn Dũng", "st-2": "Nguyễn Thị Anh"}
P, K, M = AttendanceStatus.EXCUSED, AttendanceStatus.UNEXCUSED, AttendanceStatus.LATE


def test_school_year_runs_from_august_to_july() -> None:
    assert school_year_bounds(YEAR) == (date(2025, 8, 1), date(2026, 7, 31))


@pytest.mark.parametrize("bad", ["2025", "2025-2027", "năm nay"])
def test_malformed_school_year_is_rejected(bad: str) -> None:
    with pytest.raises(InvalidInput):
        school_year_bounds(bad)


@pytest.mark.parametrize(
    ("on", "semester", "session", "period", "field", "fragment"),
    [
        (date(2025, 7, 31), 1, "sang", None, "date", "không thuộc năm học"),
        (date(2026, 8, 3), 2, "sang", None, "date", "không thuộc năm học"),
        (date(2026, 3, 21), 2, "sang", None, "date", "tương lai"),
        (date(2026, 3, 15), 2, "sang", None, "date", "Chủ nhật"),
        (date(2026, 3, 16), 3, "sang", None, "semester", "Học kì 3"),
        (date(2026, 3, 16), 2, "toi", None, "session", "Buổi 'toi'"),
        (date(2026, 3, 16), 2, "sang", 11, "period", "Tiết 11"),
        (date(2026, 3, 16), 2, "chieu", 0, "period", "Tiết 0"),
    ],
)
def test_days_that_cannot_take_a_roll(
    on: date, semester: int, session: str, period: int | None, field: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_school_day(on, school_year=YEAR, today=TODAY, semester=semester, session=session, period=period)
    assert caught.value.extensions["field"] == field
    assert fragment in caught.value.detail


@pytest.mark.parametrize(("on", "period"), [(date(2026, 3, 14), None), (TODAY, 10), (date(2025, 9, 5), 1)])
def test_saturdays_today_and_periods_one_to_ten_are_school_days(on: date, period: int | None) -> None:
    check_school_day(on, school_year=YEAR, today=TODAY, semester=2, session="chieu", period=period)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("excused", P),
        ("P", P),
        ("k", K),
        ("Không phép", K),
        ("M", M),
        ("late", M),
        ("present", AttendanceStatus.PRESENT),
        ("vắng", None),
        (3, None),
    ],
)
def test_statuses_accept_register_letters_and_words(raw: object, expected: AttendanceStatus | None) -> None:
    assert parse_status(raw) == expected


def test_marks_list_only_the_absent_and_present_clears() -> None:
    checked = check_marks(
        [MarkEntry("st-1", "K", "  "), MarkEntry("st-2", "present")],
        students=STUDENTS,
    )
    assert checked == {"st-1": Mark(K, None), "st-2": None}


def test_bad_marks_are_all_listed_and_nothing_is_kept() -> None:
    with pytest.raises(InvalidAttendance) as caught:
        check_marks(
            [MarkEntry("st-9", "P"), MarkEntry("st-1", "X"), MarkEntry("st-2", "P"), MarkEntry("st-2", "K")],
            students=STUDENTS,
        )
    errors = caught.value.extensions["errors"]
    assert [(e["student_id"], e["status"]) for e in errors] == [("st-9", "P"), ("st-1", "X"), ("st-2", "K")]
    assert "Trần Văn Dũng" in errors[1]["message"] and "nhiều lần" in errors[2]["message"]


def test_reposting_a_roll_changes_listed_marks_and_clears_unlisted_ones() -> None:
    current = {"st-1": Mark(P), "st-2": Mark(K, "ốm")}
    changes = roll_changes(current, {"st-2": Mark(K, "ốm"), "st-3": Mark(M)})
    assert [(c.student_id, c.old, c.new) for c in changes] == [
        ("st-1", Mark(P), None),
        ("st-3", None, Mark(M)),
    ]
    assert roll_changes(current, {"st-1": Mark(P), "st-2": Mark(K, "ốm")}) == []


@pytest.mark.parametrize(
    ("marks", "semester1", "semester2"),
    [
        ([], AbsenceCounts(), AbsenceCounts()),
        ([(1, None, P), (1, None, K), (2, None, K)], AbsenceCounts(excused=1, unexcused=1), AbsenceCounts(unexcused=1)),
        # Period absences never make an absent session, even a whole session's worth of them.
        ([(1, p, K) for p in range(1, 6)], AbsenceCounts(unexcused_periods=5), AbsenceCounts()),
        ([(2, 3, P), (2, None, M), (2, 2, M)], AbsenceCounts(), AbsenceCounts(late=2, excused_periods=1)),
    ],
)
def test_totals_count_sessions_periods_and_lateness_per_semester(
    marks: list[tuple[int, int | None, AttendanceStatus]], semester1: AbsenceCounts, semester2: AbsenceCounts
) -> None:
    found = totals([StoredMark("st-1", s, p, status) for s, p, status in marks], students=["st-1"])
    assert found["st-1"].semester1 == semester1
    assert found["st-1"].semester2 == semester2
    assert found["st-1"].year == semester1 + semester2


def test_forty_six_absent_sessions_over_the_year_exceed_the_limit() -> None:
    marks = [StoredMark("st-1", 1, None, P)] * 20 + [StoredMark("st-1", 2, None, K)] * 26
    year = totals(marks)["st-1"].year
    assert (year.excused, year.unexcused, year.total) == (20, 26, 46)
    assert year.total > 45
