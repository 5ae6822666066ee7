"""The score sheet domain: columns, entry checks, semester results, class-list order and lock coverage."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from edu_shared.errors import InvalidInput
from gradebook.domain.locks import Cell, Lock, check_lock_target
from gradebook.domain.sheet import (
    Entry,
    InvalidEntries,
    Rating,
    check_entries,
    class_list_key,
    columns,
    format_value,
    semester_result,
)

STUDENTS = {"s1": "Nguyễn Văn An", "s2": "Trần Thị Bình"}


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        (35, ["TX1", "TX2", "GK", "CK"]),
        (70, ["TX1", "TX2", "TX3", "GK", "CK"]),
        (140, ["TX1", "TX2", "TX3", "TX4", "GK", "CK"]),
    ],
)
def test_columns_follow_periods_per_year(periods: int, expected: list[str]) -> None:
    assert columns(periods) == expected


def test_scores_are_parsed_with_decimal_comma_and_rounded_half_up() -> None:
    checked = check_entries(
        [Entry("s1", "TX1", "6,25"), Entry("s1", "GK", 8), Entry("s2", "CK", D("9.5")), Entry("s2", "TX2", None)],
        kind="scored",
        sheet_columns=columns(140),
        students=STUDENTS,
    )
    assert [c.value for c in checked] == [D("6.3"), D("8"), D("9.5"), None]


def test_every_bad_entry_is_listed_with_student_column_and_value() -> None:
    with pytest.raises(InvalidEntries) as caught:
        check_entries(
            [
                Entry("s1", "TX1", "11"),
                Entry("s1", "TX2", "7"),
                Entry("s2", "GK", "abc"),
                Entry("s9", "CK", "5"),
                Entry("s2", "TX9", "5"),
            ],
            kind="scored",
            sheet_columns=columns(140),
            students=STUDENTS,
        )
    errors = caught.value.extensions["errors"]
    assert [(e["student_id"], e["column"], e["value"]) for e in errors] == [
        ("s1", "TX1", "11"),
        ("s2", "GK", "abc"),
        ("s9", "CK", "5"),
        ("s2", "TX9", "5"),
    ]
    assert "Nguyễn Văn An" in errors[0]["message"] and "TX1" in errors[0]["message"]
    assert "Trần Thị Bình" in errors[1]["message"]


def test_comment_subjects_take_only_dat_or_chua_dat() -> None:
    checked = check_entries(
        [Entry("s1", "TX1", "Đ"), Entry("s1", "TX2", "cđ"), Entry("s2", "GK", "Đạt")],
        kind="comment",
        sheet_columns=columns(70),
        students=STUDENTS,
    )
    assert [c.value for c in checked] == [Rating.DAT, Rating.CHUA_DAT, Rating.DAT]
    with pytest.raises(InvalidEntries) as caught:
        check_entries([Entry("s1", "CK", "8")], kind="comment", sheet_columns=columns(70), students=STUDENTS)
    assert "Đ (Đạt) hoặc CĐ (Chưa đạt)" in caught.value.extensions["errors"][0]["message"]


def test_the_same_cell_twice_in_one_batch_is_rejected() -> None:
    with pytest.raises(InvalidEntries):
        check_entries(
            [Entry("s1", "TX1", "5"), Entry("s1", "TX1", "6")],
            kind="scored",
            sheet_columns=columns(35),
            students=STUDENTS,
        )


def test_semester_average_appears_only_when_complete() -> None:
    row = {"TX1": D("7"), "TX2": D("8"), "GK": D("6.5")}
    assert semester_result(row, kind="scored", periods_per_year=35).average is None
    row["CK"] = D("9")
    # (7 + 8 + 2·6.5 + 3·9) / 7 = 55 / 7 = 7.857… → 7.9
    assert semester_result(row, kind="scored", periods_per_year=35).average == D("7.9")


def test_comment_semester_result_is_dat_only_when_every_rating_is_dat() -> None:
    row = {"TX1": Rating.DAT, "TX2": Rating.DAT, "TX3": Rating.DAT, "GK": Rating.DAT}
    assert semester_result(row, kind="comment", periods_per_year=70).rating is None
    row["CK"] = Rating.DAT
    assert semester_result(row, kind="comment", periods_per_year=70).rating == Rating.DAT
    row["TX2"] = Rating.CHUA_DAT
    assert semester_result(row, kind="comment", periods_per_year=70).rating == Rating.CHUA_DAT


def test_canonical_text_of_cells() -> None:
    assert format_value(D("6.5")) == "6.5"
    assert format_value(Rating.CHUA_DAT) == "CĐ"
    assert format_value(None) is None


def test_class_list_sorts_by_given_then_middle_then_family_name_in_vietnamese_order() -> None:
    names = [
        ("Trần", "Văn", "Đức"),
        ("Nguyễn", "Thị", "Dung"),
        ("Lê", "An", "Ánh"),
        ("Phạm", "Thị", "Anh"),
        ("Nguyễn", "Minh", "Anh"),
        ("Bùi", "Hữu", "Ân"),
    ]
    ordered = sorted(names, key=lambda n: class_list_key(family_name=n[0], middle_name=n[1], given_name=n[2]))
    assert [" ".join(n) for n in ordered] == [
        "Nguyễn Minh Anh",
        "Phạm Thị Anh",
        "Lê An Ánh",
        "Bùi Hữu Ân",
        "Nguyễn Thị Dung",
        "Trần Văn Đức",
    ]


AT = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


def _lock(**kw: object) -> Lock:
    base: dict[str, object] = {
        "id": "l1",
        "school_id": "sch",
        "scope": "column",
        "class_id": "c1",
        "subject_code": "toan",
        "semester": 1,
        "column": "GK",
        "locked_by": "hieutruong",
        "locked_at": AT,
    }
    base.update(kw)
    return Lock(**base)  # type: ignore[arg-type]


def test_a_column_lock_covers_that_column_only() -> None:
    lock = _lock()
    assert lock.covers(Cell("sch", "c1", "toan", 1, "GK"))
    assert not lock.covers(Cell("sch", "c1", "toan", 1, "CK"))
    assert not lock.covers(Cell("sch", "c1", "toan", 2, "GK"))
    assert not lock.covers(Cell("sch", "c2", "toan", 1, "GK"))


def test_wider_locks_cover_their_scope_and_a_semester_narrows_them() -> None:
    school = _lock(scope="school", class_id=None, subject_code=None, semester=None, column=None)
    assert school.covers(Cell("sch", "c9", "van", 2, "TX1"))
    assert not school.covers(Cell("other", "c9", "van", 2, "TX1"))
    klass = _lock(scope="class", subject_code=None, semester=2, column=None)
    assert klass.covers(Cell("sch", "c1", "van", 2, "TX1"))
    assert not klass.covers(Cell("sch", "c1", "van", 1, "TX1"))
    subject = _lock(scope="class_subject", semester=None, column=None)
    assert subject.covers(Cell("sch", "c1", "toan", 2, "CK"))
    assert not subject.covers(Cell("sch", "c1", "van", 2, "CK"))


def test_a_column_lock_must_name_its_column() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_lock_target(scope="column", class_id="c1", subject_code="toan", semester=None, column=None)
    assert caught.value.extensions["missing"] == ["semester", "column"]
