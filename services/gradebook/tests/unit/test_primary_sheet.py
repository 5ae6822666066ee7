"""The rule-set-aware sheet layout (TT22 as before; TT27 levels and periodic tests), its checks, and TT27 rows."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from edu_shared.errors import InvalidInput
from gradebook.domain.conduct import COMPETENCES, QUALITIES, Conduct
from gradebook.domain.rules import tt22, tt27, tt58
from gradebook.domain.rules.tt27 import QualityLevel
from gradebook.domain.sheet import Entry, InvalidEntries, Rating, SemesterResult, check_entries, columns
from gradebook.domain.sheet_layout import (
    check_sheet_entries,
    layout_result,
    parse_level,
    parse_test_score,
    sheet_layout,
)
from gradebook.domain.year_end import (
    PrimaryStudentYear,
    SubjectPlan,
    pending_summer_round,
    primary_missing,
    primary_semester_row,
    primary_summer_round_missing,
    primary_year_row,
)

STUDENTS = {"s1": "Nguyễn Văn An", "s2": "Trần Thị Bình"}


def primary(grade: int, subject: str, semester: int = 1, assessment: str = "scored") -> list[str]:
    layout = sheet_layout(
        rule_set=tt27.RULE_SET,
        grade=grade,
        subject_code=subject,
        assessment="scored" if assessment == "scored" else "comment",
        periods_per_year=105,
        semester=semester,
    )
    return layout.columns


@pytest.mark.parametrize(
    ("grade", "subject", "expected"),
    [
        (4, "toan", ["GK", "KTGK", "CK", "KTCK"]),
        (5, "tieng_viet", ["GK", "KTGK", "CK", "KTCK"]),
        (3, "toan", ["GK", "CK", "KTCK"]),
        (1, "tieng_viet", ["GK", "CK", "KTCK"]),
        (4, "ngoai_ngu_1", ["GK", "CK", "KTCK"]),
        (4, "lich_su_dia_li", ["GK", "CK", "KTCK"]),
        (5, "tin_hoc_cong_nghe", ["GK", "CK", "KTCK"]),
        (4, "khoa_hoc", ["GK", "CK", "KTCK"]),
        (4, "dao_duc", ["GK", "CK"]),
        (5, "the_duc", ["GK", "CK"]),
    ],
)
def test_primary_columns_follow_grade_and_subject(grade: int, subject: str, expected: list[str]) -> None:
    assert primary(grade, subject) == expected
    assert primary(grade, subject, semester=2) == expected


@pytest.mark.parametrize("rule_set", [tt22.RULE_SET, tt58.RULE_SET])
@pytest.mark.parametrize(("periods", "assessment"), [(35, "scored"), (70, "comment"), (140, "scored")])
def test_secondary_layout_is_the_tt22_sheet(rule_set: str, periods: int, assessment: str) -> None:
    layout = sheet_layout(
        rule_set=rule_set,
        grade=7,
        subject_code="toan",
        assessment="scored" if assessment == "scored" else "comment",
        periods_per_year=periods,
        semester=1,
    )
    assert layout.columns == columns(periods)
    assert {s.accepts for s in layout.specs} == {"score" if assessment == "scored" else "rating"}


def test_primary_columns_say_what_they_accept_and_when() -> None:
    layout = sheet_layout(
        rule_set=tt27.RULE_SET, grade=4, subject_code="toan", assessment="scored", periods_per_year=175, semester=2
    )
    assert [(s.code, s.accepts, s.label) for s in layout.specs] == [
        ("GK", "level", "Mức đạt được giữa học kì II"),
        ("KTGK", "test", "Bài kiểm tra định kì giữa học kì II"),
        ("CK", "level", "Mức đạt được cuối năm học"),
        ("KTCK", "test", "Bài kiểm tra định kì cuối năm học"),
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("T", Rating.HOAN_THANH_TOT),
        ("t", Rating.HOAN_THANH_TOT),
        (" H ", Rating.HOAN_THANH),
        ("c", Rating.CHUA_HOAN_THANH),
        ("Hoàn thành tốt", Rating.HOAN_THANH_TOT),
        ("HOÀN THÀNH", Rating.HOAN_THANH),
        ("chưa hoàn thành", Rating.CHUA_HOAN_THANH),
        ("Hoa\u0300n tha\u0300nh tô\u0301t", Rating.HOAN_THANH_TOT),  # decomposed (NFD) input
    ],
)
def test_levels_are_read_as_letters_or_words_in_any_case(typed: str, expected: Rating) -> None:
    assert parse_level(typed, student="An", column="CK") == expected


@pytest.mark.parametrize("typed", ["Đ", "CĐ", "A", "", "Hoàn", "10"])
def test_anything_else_is_not_a_level(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_level(typed, student="Nguyễn Văn An", column="GK")
    assert (
        "Nguyễn Văn An" in caught.value.detail and "GK" in caught.value.detail and f"'{typed}'" in caught.value.detail
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("7", 7), (10, 10), ("1", 1), (D("9"), 9), (D("8.0"), 8), (" 6 ", 6), ("5,0", 5)],
)
def test_test_scores_are_whole_numbers_from_1_to_10(typed: object, expected: int) -> None:
    assert parse_test_score(typed, student="An", column="KTCK") == expected


@pytest.mark.parametrize("typed", ["0", 0, "7.5", D("7.5"), "7,5", "11", "A", "", "NaN", -1, True])
def test_zero_decimals_and_text_are_not_test_scores(typed: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_test_score(typed, student="Trần Thị Bình", column="KTCK")
    detail = caught.value.detail
    assert "Trần Thị Bình" in detail and "KTCK" in detail and f"'{typed}'" in detail


def test_a_primary_batch_checks_each_column_by_its_kind_and_reports_every_problem() -> None:
    layout = sheet_layout(
        rule_set=tt27.RULE_SET, grade=4, subject_code="toan", assessment="scored", periods_per_year=175, semester=1
    )
    checked = check_sheet_entries(
        [Entry("s1", "GK", "h"), Entry("s1", "KTGK", "8"), Entry("s1", "CK", "Hoàn thành tốt"), Entry("s1", "KTCK", 9)],
        layout=layout,
        students=STUDENTS,
    )
    assert [(c.column, c.value) for c in checked] == [
        ("GK", Rating.HOAN_THANH),
        ("KTGK", D(8)),
        ("CK", Rating.HOAN_THANH_TOT),
        ("KTCK", D(9)),
    ]
    with pytest.raises(InvalidEntries) as caught:
        check_sheet_entries(
            [
                Entry("s1", "KTCK", "0"),
                Entry("s2", "KTCK", "7.5"),
                Entry("s1", "CK", "A"),
                Entry("s2", "CK", "8"),
                Entry("s2", "TX1", "8"),
                Entry("s2", "GK", "T"),
            ],
            layout=layout,
            students=STUDENTS,
        )
    errors = caught.value.extensions["errors"]
    assert [(e["student_id"], e["column"], e["value"]) for e in errors] == [
        ("s1", "KTCK", "0"),
        ("s2", "KTCK", "7.5"),
        ("s1", "CK", "A"),
        ("s2", "CK", "8"),
        ("s2", "TX1", "8"),
    ]
    assert "Nguyễn Văn An" in errors[0]["message"] and "'0'" in errors[0]["message"]
    assert "(và 4 lỗi khác)" in caught.value.detail


def test_a_secondary_sheet_refuses_primary_levels_and_a_primary_sheet_refuses_ratings() -> None:
    secondary = sheet_layout(
        rule_set=tt22.RULE_SET, grade=6, subject_code="gdtc", assessment="comment", periods_per_year=70, semester=1
    )
    with pytest.raises(InvalidEntries):
        check_sheet_entries([Entry("s1", "GK", "T")], layout=secondary, students=STUDENTS)
    layout = sheet_layout(
        rule_set=tt27.RULE_SET, grade=2, subject_code="dao_duc", assessment="comment", periods_per_year=35, semester=1
    )
    with pytest.raises(InvalidEntries):
        check_sheet_entries([Entry("s1", "GK", "Đ")], layout=layout, students=STUDENTS)


def test_the_tt22_check_through_the_layout_matches_the_plain_check() -> None:
    layout = sheet_layout(
        rule_set=tt22.RULE_SET, grade=6, subject_code="toan", assessment="scored", periods_per_year=140, semester=1
    )
    entries = [Entry("s1", "TX1", "6,25"), Entry("s1", "GK", 8), Entry("s2", "CK", D("9.5")), Entry("s2", "TX2", None)]
    plain = check_entries(entries, kind="scored", sheet_columns=columns(140), students=STUDENTS)
    assert check_sheet_entries(entries, layout=layout, students=STUDENTS) == plain


@pytest.mark.parametrize(
    ("subject", "values", "expected"),
    [
        (
            "toan",
            {"GK": Rating.HOAN_THANH, "CK": Rating.HOAN_THANH_TOT, "KTCK": D("9.0")},
            SemesterResult(level=Rating.HOAN_THANH_TOT, test=9),
        ),
        ("toan", {"CK": Rating.CHUA_HOAN_THANH}, SemesterResult(level=Rating.CHUA_HOAN_THANH)),
        ("toan", {"GK": Rating.HOAN_THANH, "KTCK": D(7)}, SemesterResult(test=7)),
        ("dao_duc", {"CK": Rating.HOAN_THANH, "KTCK": D(7)}, SemesterResult(level=Rating.HOAN_THANH)),
        ("dao_duc", {}, SemesterResult()),
    ],
)
def test_primary_semester_result_is_the_ck_level_with_the_final_test(
    subject: str, values: dict[str, Rating | D], expected: SemesterResult
) -> None:
    layout = sheet_layout(
        rule_set=tt27.RULE_SET, grade=4, subject_code=subject, assessment="scored", periods_per_year=175, semester=1
    )
    assert layout_result(values, layout=layout) == expected


def test_stored_test_scores_are_read_back_as_whole_numbers() -> None:
    layout = sheet_layout(
        rule_set=tt27.RULE_SET, grade=4, subject_code="toan", assessment="scored", periods_per_year=175, semester=1
    )
    assert str(layout.canonical("KTCK", D("7.0"))) == "7"
    assert layout.canonical("CK", Rating.HOAN_THANH) == Rating.HOAN_THANH


@pytest.mark.parametrize(("rule_set", "semester"), [("TT99/2030", 1), (tt27.RULE_SET, 3)])
def test_unknown_rule_sets_and_semesters_are_refused(rule_set: str, semester: int) -> None:
    with pytest.raises(InvalidInput):
        sheet_layout(
            rule_set=rule_set,
            grade=4,
            subject_code="toan",
            assessment="scored",
            periods_per_year=175,
            semester=semester,
        )


# Year-end rows of a grade-5 class: Toán (tested), Đạo đức (levels only).
PLANS = [
    SubjectPlan("dao_duc", "Đạo đức", 35, scored=False),
    SubjectPlan("toan", "Toán", 175, scored=True),
]


def pupil(
    level: str, test: int, rated: QualityLevel, *, supplementary: bool | None = None, toan_year: str | None = None
) -> PrimaryStudentYear:
    conduct = Conduct(qualities=dict.fromkeys(QUALITIES, rated), competences=dict.fromkeys(COMPETENCES, rated))
    cells: dict[tuple[str, int], dict[str, Rating | D]] = {}
    for semester in (1, 2):
        toan_level = Rating(toan_year if semester == 2 and toan_year else level)
        cells[("dao_duc", semester)] = {"GK": Rating(level), "CK": Rating(level)}
        cells[("toan", semester)] = {"GK": Rating(level), "KTGK": D(test), "CK": toan_level, "KTCK": D(test)}
    return PrimaryStudentYear("s1", "Nguyễn Văn An", cells, {1: conduct, 2: conduct}, supplementary=supplementary)


@pytest.mark.parametrize(
    ("student", "result", "outcome", "award"),
    [
        (pupil("T", 9, QualityLevel.TOT), "hoan_thanh_xuat_sac", "len_lop", "xuat_sac"),
        (pupil("T", 8, QualityLevel.TOT), "hoan_thanh_tot", "len_lop", None),
        (pupil("H", 5, QualityLevel.DAT), "hoan_thanh", "len_lop", None),
        (pupil("H", 4, QualityLevel.DAT), "chua_hoan_thanh", "kiem_tra_lai", None),
        (pupil("H", 7, QualityLevel.CAN_CO_GANG), "chua_hoan_thanh", "kiem_tra_lai", None),
        (pupil("H", 7, QualityLevel.DAT, toan_year="C"), "chua_hoan_thanh", "kiem_tra_lai", None),
    ],
)
def test_primary_year_rows_follow_tt27(
    student: PrimaryStudentYear, result: str, outcome: str, award: str | None
) -> None:
    assert primary_missing("year", PLANS, [student], grade=5) == []
    row = primary_year_row(PLANS, student, grade=5)
    assert (row["result"]["year"], row["outcome"], row["award"]) == (result, outcome, award)
    assert row["learning"] == {} and row["rule_set"] == "tt27"
    assert pending_summer_round(row) == (outcome == "kiem_tra_lai")


@pytest.mark.parametrize(("supplementary", "outcome"), [(True, "len_lop"), (False, "o_lai_lop")])
def test_the_supplementary_evaluation_settles_a_pupil_who_had_not_completed(supplementary: bool, outcome: str) -> None:
    owing = pupil("H", 4, QualityLevel.DAT)
    row = primary_year_row(PLANS, owing, grade=5)
    assert primary_summer_round_missing([row], {"s1": owing}) == ["Nguyễn Văn An: chưa có kết quả đánh giá bổ sung"]
    done = pupil("H", 4, QualityLevel.DAT, supplementary=supplementary)
    assert primary_summer_round_missing([row], {"s1": done}) == []
    assert primary_year_row(PLANS, done, grade=5, with_summer_round=True)["outcome"] == outcome


def test_a_primary_semester_lists_what_is_missing_then_its_levels_tests_and_ratings() -> None:
    empty = PrimaryStudentYear("s1", "Nguyễn Văn An", {})
    assert primary_missing("hk1", PLANS, [empty], grade=5) == [
        "Nguyễn Văn An: môn Đạo đức học kì 1 thiếu GK, CK",
        "Nguyễn Văn An: môn Toán học kì 1 thiếu GK, KTGK, CK, KTCK",
        "Nguyễn Văn An: chưa đánh giá phẩm chất, năng lực cuối học kì 1",
    ]
    row = primary_semester_row(1, PLANS, pupil("T", 9, QualityLevel.TOT), grade=5)
    assert row["subjects"] == [
        {"code": "dao_duc", "name": "Đạo đức", "hk1": "T", "tests": None},
        {"code": "toan", "name": "Toán", "hk1": "T", "tests": {"hk1": 9}},
    ]
    assert row["qualities"]["trung_thuc"] == {"hk1": "Tốt"} and row["outcome"] is None
