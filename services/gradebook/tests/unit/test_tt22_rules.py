"""Thông tư 22/2021 rules, each checked against hand-computed cases."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from gradebook.domain.rules.tt22 import (
    Award,
    IncompleteAssessment,
    Level,
    Promotion,
    SubjectOutcome,
    after_retest,
    comment_semester_passed,
    learning_result,
    promotion,
    regular_assessments_required,
    semester_average,
    training_year_result,
    year_average,
    year_award,
)
from gradebook.domain.scores import InvalidScore, parse_score, round1

SCORED = ["van", "toan", "anh", "gdcd", "lsdl", "khtn", "cn", "tin"]
COMMENT = ["gdtc", "nt", "hdtn", "gddp"]


def thcs(
    scores: dict[str, str] | None = None, *, default: str = "7.0", failed: tuple[str, ...] = ()
) -> list[SubjectOutcome]:
    """A THCS student: 8 scored subjects (default average) and 4 comment subjects (Đ unless failed)."""
    scores = scores or {}
    return [SubjectOutcome(code, average=D(scores.get(code, default))) for code in SCORED] + [
        SubjectOutcome(code, passed=code not in failed) for code in COMMENT
    ]


@pytest.mark.parametrize(("periods", "required"), [(35, 2), (36, 3), (70, 3), (71, 4), (140, 4), (52, 3)])
def test_regular_assessment_count_follows_periods_per_year(periods: int, required: int) -> None:
    assert regular_assessments_required(periods) == required


@pytest.mark.parametrize(
    ("raw", "value"),
    [("6.25", "6.3"), ("6,25", "6.3"), ("6.24", "6.2"), (10, "10.0"), ("0", "0.0"), ("8.05", "8.1"), ("7.45", "7.5")],
)
def test_scores_round_half_up_to_one_decimal(raw: str | int, value: str) -> None:
    assert parse_score(raw) == D(value)


@pytest.mark.parametrize("raw", ["10.1", "-0.5", "tám", "", "nan", "inf"])
def test_invalid_score_names_student_column_and_value(raw: str) -> None:
    with pytest.raises(InvalidScore) as err:
        parse_score(raw, student="Nguyễn Văn An", column="ĐĐGtx 2")
    assert "Nguyễn Văn An" in err.value.detail and "ĐĐGtx 2" in err.value.detail
    assert err.value.extensions["value"] == raw


def test_semester_average_weights_midterm_twice_and_final_three_times() -> None:
    # (8 + 7 + 9 + 2·6.5 + 3·7.3) / (3 + 5) = 58.9 / 8 = 7.3625 → 7.4
    avg = semester_average(regular=[D(8), D(7), D(9)], midterm=D("6.5"), final=D("7.3"), required_regular=3)
    assert avg == round1((D(24) + D(13) + D("21.9")) / 8) == D("7.4")


def test_semester_average_rounds_half_up() -> None:
    # (6 + 7 + 2·6 + 3·6.5) / 7 = 44.5 / 7 = 6.357… → 6.4 ; and a .x5 case: (5+5+2·5+3·6.5)/7=39.5/7=5.64 → 5.6
    assert semester_average(regular=[D(6), D(7)], midterm=D(6), final=D("6.5"), required_regular=2) == D("6.4")
    assert semester_average(regular=[D(5), D(5)], midterm=D(5), final=D("6.5"), required_regular=2) == D("5.6")


def test_semester_average_needs_every_required_score() -> None:
    with pytest.raises(IncompleteAssessment):
        semester_average(regular=[D(8)], midterm=D(7), final=D(7), required_regular=2)
    with pytest.raises(IncompleteAssessment):
        semester_average(regular=[D(8), D(8)], midterm=None, final=D(7), required_regular=2)


def test_year_average_weights_semester_two_twice_and_rounds_once() -> None:
    assert year_average(D("6.4"), D("7.1")) == D("6.9")  # 20.6 / 3 = 6.866…
    assert year_average(D("8.0"), D("8.5")) == D("8.3")  # 25 / 3 = 8.333…
    assert year_average(D("5.0"), D("5.2")) == D("5.1")  # 15.4 / 3 = 5.1333…


def test_comment_subject_passes_only_with_every_assessment_present_and_passed() -> None:
    assert comment_semester_passed(regular=[True, True], midterm=True, final=True, required_regular=2)
    assert not comment_semester_passed(regular=[True, False], midterm=True, final=True, required_regular=2)
    assert not comment_semester_passed(regular=[True], midterm=True, final=True, required_regular=2)
    assert not comment_semester_passed(regular=[True, True], midterm=None, final=True, required_regular=2)


def test_tot_needs_all_above_six_and_a_half_and_six_above_eight() -> None:
    six_eights = dict.fromkeys(SCORED[:6], "8.0") | {"cn": "6.5", "tin": "6.5"}
    assert learning_result(thcs(six_eights)).level == Level.TOT
    five_eights = dict.fromkeys(SCORED[:5], "8.0") | {"khtn": "7.9", "cn": "6.5", "tin": "6.5"}
    assert learning_result(thcs(five_eights)).level == Level.KHA


def test_one_failed_comment_subject_caps_the_level_at_dat() -> None:
    assert learning_result(thcs(default="9.0", failed=("gdtc",))).level == Level.DAT
    assert learning_result(thcs(default="9.0", failed=("gdtc", "nt"))).level == Level.CHUA_DAT


def test_kha_and_dat_thresholds() -> None:
    assert learning_result(thcs(default="6.5", scores={"tin": "5.0"})).level == Level.KHA
    assert learning_result(thcs(default="6.4")).level == Level.DAT
    assert learning_result(thcs(default="5.0", scores={"van": "3.5", "toan": "4.0"})).level == Level.DAT
    assert learning_result(thcs(default="5.0", scores={"van": "3.4", "toan": "4.0"})).unadjusted == Level.CHUA_DAT


def test_level_lowered_two_steps_by_one_subject_is_raised_one_step() -> None:
    # Would be Tốt (all ≥ 8) but Tin học 3.0 breaks every floor down to Chưa đạt: raised to Đạt.
    result = learning_result(thcs(default="8.5", scores={"tin": "3.0"}))
    assert (result.unadjusted, result.level, result.adjusted_for) == (Level.CHUA_DAT, Level.DAT, "tin")
    # Would be Tốt but Toán 6.0 drops it to Khá only (one step): no adjustment.
    result = learning_result(thcs(default="8.5", scores={"toan": "6.0"}))
    assert (result.level, result.adjusted_for) == (Level.KHA, None)
    # Would be Tốt but Văn 4.5 drops it to Đạt (two steps): raised to Khá.
    result = learning_result(thcs(default="8.5", scores={"van": "4.5"}))
    assert (result.unadjusted, result.level) == (Level.DAT, Level.KHA)


def test_no_adjustment_when_two_subjects_pull_the_level_down() -> None:
    result = learning_result(thcs(default="8.5", scores={"van": "4.5", "toan": "4.5"}))
    assert (result.level, result.adjusted_for) == (Level.DAT, None)


def test_comment_subject_never_triggers_the_adjustment() -> None:
    result = learning_result(thcs(default="9.0", failed=("gdtc", "nt")))
    assert (result.level, result.adjusted_for) == (Level.CHUA_DAT, None)


def test_exempt_subject_is_left_out_of_the_evaluation() -> None:
    subjects = [s if s.code != "gdtc" else SubjectOutcome("gdtc", exempt=True) for s in thcs(default="8.0")]
    assert learning_result(subjects).level == Level.TOT


@pytest.mark.parametrize(
    ("hk1", "hk2", "year"),
    [
        (Level.KHA, Level.TOT, Level.TOT),
        (Level.TOT, Level.TOT, Level.TOT),
        (Level.DAT, Level.TOT, Level.KHA),
        (Level.CHUA_DAT, Level.TOT, Level.KHA),
        (Level.DAT, Level.KHA, Level.KHA),
        (Level.TOT, Level.DAT, Level.KHA),
        (Level.CHUA_DAT, Level.KHA, Level.DAT),
        (Level.KHA, Level.DAT, Level.DAT),
        (Level.CHUA_DAT, Level.DAT, Level.DAT),
        (Level.TOT, Level.CHUA_DAT, Level.CHUA_DAT),
        (Level.TOT, Level.KHA, Level.KHA),
    ],
)
def test_training_year_result_table(hk1: Level, hk2: Level, year: Level) -> None:
    assert training_year_result(hk1, hk2) == year


def test_promotion_paths() -> None:
    good = learning_result(thcs(default="7.0"))
    weak_subjects = thcs(default="4.0", failed=("gdtc",))
    weak = learning_result(weak_subjects)
    assert promotion(training=Level.KHA, learning=good, year_subjects=thcs(), absent_sessions=45).outcome == (
        Promotion.PROMOTED
    )
    assert promotion(training=Level.KHA, learning=good, year_subjects=thcs(), absent_sessions=46).outcome == (
        Promotion.RETAINED
    )
    assert promotion(training=Level.CHUA_DAT, learning=good, year_subjects=thcs(), absent_sessions=0).outcome == (
        Promotion.SUMMER_TRAINING
    )
    decision = promotion(training=Level.DAT, learning=weak, year_subjects=weak_subjects, absent_sessions=3)
    assert decision.outcome == Promotion.RETEST
    assert decision.retest_subjects == (*SCORED, "gdtc")


def test_retest_results_replace_year_results_and_level_is_recomputed() -> None:
    year = thcs(default="6.0", scores={"toan": "4.2", "van": "3.0"})
    assert learning_result(year).level == Level.CHUA_DAT
    passed = after_retest(year, {"van": SubjectOutcome("van", average=D("5.5"))})
    assert passed.level == Level.DAT


def test_awards() -> None:
    nines = thcs(dict.fromkeys(SCORED[:6], "9.0"), default="8.0")
    assert year_award(training=Level.TOT, learning=Level.TOT, year_subjects=nines) == Award.XUAT_SAC
    fives = thcs(dict.fromkeys(SCORED[:5], "9.0"), default="8.0")
    assert year_award(training=Level.TOT, learning=Level.TOT, year_subjects=fives) == Award.GIOI
    assert year_award(training=Level.KHA, learning=Level.TOT, year_subjects=nines) == Award.NONE
