"""Conduct ratings: TT22 training levels per semester and the year result, TT27 qualities and competences."""

from __future__ import annotations

import pytest

from edu_shared.errors import InvalidInput
from gradebook.domain.conduct import (
    COMPETENCES,
    QUALITIES,
    Conduct,
    ConductEntry,
    InvalidConduct,
    check_conduct,
    check_stage,
    parse_quality,
    parse_training,
    rule_set_for_grade,
    summarize,
    year_training,
)
from gradebook.domain.rules.tt22 import Level
from gradebook.domain.rules.tt27 import QualityLevel

T, K, D, C = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT
STUDENTS = {"st-1": "Trần Văn Dũng", "st-2": "Nguyễn Thị Anh"}
ALL_GOOD_QUALITIES = dict.fromkeys(QUALITIES, "Tốt")
ALL_GOOD_COMPETENCES = dict.fromkeys(COMPETENCES, "Đạt")


@pytest.mark.parametrize(("grade", "rule_set"), [(1, "tt27"), (5, "tt27"), (6, "tt22"), (9, "tt22"), (12, "tt22")])
def test_primary_grades_follow_tt27_and_the_rest_tt22(grade: int, rule_set: str) -> None:
    assert rule_set_for_grade(grade) == rule_set


@pytest.mark.parametrize(
    ("raw", "level"),
    [("Tốt", T), ("khá", K), ("ĐẠT", D), ("Chưa đạt", C), ("chua_dat", C), ("kha", K), ("Giỏi", None), (None, None)],
)
def test_training_levels_as_typed(raw: object, level: Level | None) -> None:
    assert parse_training(raw) == level


@pytest.mark.parametrize(
    ("raw", "level"),
    [("Tốt", QualityLevel.TOT), ("đạt", QualityLevel.DAT), ("Cần cố gắng", QualityLevel.CAN_CO_GANG), ("Khá", None)],
)
def test_quality_levels_as_typed(raw: str, level: QualityLevel | None) -> None:
    assert parse_quality(raw) == level


# The TT22 year table (DOMAIN §3.1), every pair of semesters: (HK I, HK II) → year.
YEAR_TABLE = [
    (T, T, T), (K, T, T), (D, T, K), (C, T, K),
    (T, K, K), (K, K, K), (D, K, K), (C, K, D),
    (T, D, K), (K, D, D), (D, D, D), (C, D, D),
    (T, C, C), (K, C, C), (D, C, C), (C, C, C),
]  # fmt: skip


@pytest.mark.parametrize(("semester1", "semester2", "year"), YEAR_TABLE)
def test_year_training_result_follows_the_tt22_table(semester1: Level, semester2: Level, year: Level) -> None:
    assert year_training(semester1, semester2) == year


@pytest.mark.parametrize(("semester1", "semester2"), [(None, T), (T, None), (None, None)])
def test_year_training_waits_for_both_semesters(semester1: Level | None, semester2: Level | None) -> None:
    assert year_training(semester1, semester2) is None


@pytest.mark.parametrize(
    ("stage", "rule_set", "ok"),
    [("end", "tt22", True), ("mid", "tt22", False), ("mid", "tt27", True), ("end", "tt27", True), ("x", "tt27", False)],
)
def test_tt22_rates_at_the_end_only_and_tt27_also_mid_semester(stage: str, rule_set: str, ok: bool) -> None:
    if ok:
        assert check_stage(stage, rule_set=rule_set) == stage  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidInput):
            check_stage(stage, rule_set=rule_set)  # type: ignore[arg-type]


def test_tt22_entries_become_levels_with_comments() -> None:
    checked = check_conduct(
        [ConductEntry("st-1", training="Khá", comment=" Cần cố gắng hơn "), ConductEntry("st-2", training="Tốt")],
        rule_set="tt22",
        students=STUDENTS,
    )
    assert checked == {"st-1": Conduct(training=K, comment="Cần cố gắng hơn"), "st-2": Conduct(training=T)}


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        (ConductEntry("st-9", training="Tốt"), "không thuộc danh sách lớp"),
        (ConductEntry("st-1", training="Giỏi"), "'Giỏi'"),
        (ConductEntry("st-1", training=None), "'None'"),
        (ConductEntry("st-1", training="Tốt", qualities=ALL_GOOD_QUALITIES), "Thông tư 27"),
    ],
)
def test_bad_tt22_entries_are_named(entry: ConductEntry, fragment: str) -> None:
    with pytest.raises(InvalidConduct) as caught:
        check_conduct([entry], rule_set="tt22", students=STUDENTS)
    assert fragment in caught.value.detail
    assert caught.value.extensions["errors"][0]["student_id"] == entry.student_id


def test_tt27_entries_rate_every_quality_and_competence() -> None:
    checked = check_conduct(
        [ConductEntry("st-1", qualities=ALL_GOOD_QUALITIES, competences=ALL_GOOD_COMPETENCES)],
        rule_set="tt27",
        students=STUDENTS,
    )
    conduct = checked["st-1"]
    assert conduct.training is None
    assert set(conduct.qualities.values()) == {QualityLevel.TOT}
    assert set(conduct.competences.values()) == {QualityLevel.DAT}


def _primary(training: str | None = None, **qualities: str) -> ConductEntry:
    """A TT27 entry with every rating good, changed by `qualities` (a code → level; "-" drops it)."""
    rated = {**ALL_GOOD_QUALITIES, **qualities}
    return ConductEntry(
        "st-1",
        training=training,
        qualities={k: v for k, v in rated.items() if v != "-"},
        competences=ALL_GOOD_COMPETENCES,
    )


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        (_primary(training="Tốt"), "tiểu học"),
        (_primary(trach_nhiem="-"), "Trách nhiệm"),
        (_primary(dung_cam="Tốt"), "dung_cam"),
        (_primary(nhan_ai="Khá"), "'Khá'"),
        (ConductEntry("st-1", qualities=ALL_GOOD_QUALITIES), "Tự chủ và tự học"),
    ],
)
def test_bad_tt27_entries_are_named(entry: ConductEntry, fragment: str) -> None:
    with pytest.raises(InvalidConduct) as caught:
        check_conduct([entry], rule_set="tt27", students=STUDENTS)
    assert any(fragment in e["message"] for e in caught.value.extensions["errors"])


def test_a_student_rated_twice_in_one_batch_is_refused() -> None:
    with pytest.raises(InvalidConduct, match="nhiều lần"):
        check_conduct(
            [ConductEntry("st-1", training="Tốt"), ConductEntry("st-1", training="Khá")],
            rule_set="tt22",
            students=STUDENTS,
        )


def test_summary_gives_semester_and_year_training() -> None:
    summary = summarize("tt22", {(1, "end"): Conduct(training=D), (2, "end"): Conduct(training=T)})
    assert (summary.semester1, summary.semester2, summary.year) == (D, T, K)
    assert summarize("tt22", {(1, "end"): Conduct(training=T)}).year is None
    primary = summarize("tt27", {(1, "mid"): Conduct(comment="Ngoan")})
    assert primary.year is None and primary.ratings[(1, "mid")].comment == "Ngoan"
