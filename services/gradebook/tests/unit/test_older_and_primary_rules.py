"""Thông tư 58/2011 (+26/2020) for historic transcripts, Thông tư 27/2020 for primary, and rule-set selection."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from edu_shared.errors import InvalidInput
from gradebook.domain.rules import tt27, tt58
from gradebook.domain.rules.selection import rule_set_for
from gradebook.domain.rules.tt27 import QualityLevel, SubjectLevel, YearResult
from gradebook.domain.rules.tt58 import HanhKiem, HocLuc


def scored(default: str, **overrides: str) -> dict[str, D]:
    codes = ["toan", "van", "anh", "ly", "hoa", "sinh", "su", "dia", "gdcd", "cn", "tin"]
    return {c: D(overrides.get(c, default)) for c in codes}


def test_gioi_needs_average_eight_a_key_subject_eight_and_nothing_below_six_and_a_half() -> None:
    assert tt58.hoc_luc(scored("8.2"), {"td": True}).level == HocLuc.GIOI
    assert tt58.hoc_luc(scored("8.5", toan="7.9", van="7.9", anh="7.9"), {}).level == HocLuc.KHA


def test_foreign_language_counts_as_key_subject_only_after_tt26() -> None:
    grades = scored("8.5", toan="7.5", van="7.5", anh="9.0")
    assert tt58.hoc_luc(grades, {}, foreign_language_counts=True).level == HocLuc.GIOI
    assert tt58.hoc_luc(grades, {}, foreign_language_counts=False).level == HocLuc.KHA


def test_failed_comment_subject_drops_to_yeu_or_below() -> None:
    assert tt58.hoc_luc(scored("8.5"), {"td": False}).level == HocLuc.YEU


def test_one_subject_adjustment_gioi_to_tb_becomes_kha() -> None:
    result = tt58.hoc_luc(scored("8.8", ly="4.0"), {})
    assert (result.unadjusted, result.level) == (HocLuc.TB, HocLuc.KHA)


def test_one_subject_adjustment_kha_to_kem_becomes_yeu() -> None:
    result = tt58.hoc_luc(scored("7.0", ly="1.5"), {})
    assert (result.unadjusted, result.level) == (HocLuc.KEM, HocLuc.YEU)


def test_titles() -> None:
    assert tt58.title(HocLuc.GIOI, HanhKiem.TOT) == "Học sinh Giỏi"
    assert tt58.title(HocLuc.GIOI, HanhKiem.KHA) == "Học sinh Tiên tiến"
    assert tt58.title(HocLuc.TB, HanhKiem.TOT) == ""


def test_primary_year_results() -> None:
    all_t = {"tieng_viet": SubjectLevel.T, "toan": SubjectLevel.T}
    all_tot = {"tu_chu": QualityLevel.TOT}
    assert tt27.year_result(subjects=all_t, qualities=all_tot, year_tests={"toan": 9, "tieng_viet": 10}) == (
        YearResult.HOAN_THANH_XUAT_SAC
    )
    assert tt27.year_result(subjects=all_t, qualities=all_tot, year_tests={"toan": 8, "tieng_viet": 10}) == (
        YearResult.HOAN_THANH_TOT
    )
    mixed = {"tieng_viet": SubjectLevel.H, "toan": SubjectLevel.T}
    assert tt27.year_result(subjects=mixed, qualities={"tu_chu": QualityLevel.DAT}, year_tests={"toan": 5}) == (
        YearResult.HOAN_THANH
    )
    assert tt27.year_result(subjects=mixed, qualities={"tu_chu": QualityLevel.DAT}, year_tests={"toan": 4}) == (
        YearResult.CHUA_HOAN_THANH
    )


@pytest.mark.parametrize("bad", [0, 11, 7.5, True])
def test_primary_test_scores_are_whole_numbers_one_to_ten(bad: object) -> None:
    with pytest.raises(InvalidInput):
        tt27.check_test_score(bad, subject="toan")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("grade", "year", "rules"),
    [
        (6, 2021, "TT22/2021"),
        (6, 2020, "TT58/2011+TT26/2020"),
        (9, 2023, "TT58/2011+TT26/2020"),
        (9, 2024, "TT22/2021"),
        (12, 2025, "TT22/2021"),
        (5, 2024, "TT27/2020"),
        (1, 2025, "TT27/2020"),
    ],
)
def test_rule_set_follows_the_grade_by_grade_rollout(grade: int, year: int, rules: str) -> None:
    assert rule_set_for(grade=grade, school_year_start=year) == rules


def test_unknown_grade_is_refused() -> None:
    with pytest.raises(InvalidInput):
        rule_set_for(grade=13, school_year_start=2025)
