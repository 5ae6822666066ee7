"""One THCS/THPT student's year by Thông tư 22 through the `edu rules evaluate` format: every threshold's edge."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from edu_shared.errors import InvalidInput
from gradebook.domain.rules.evaluation_io import evaluate_json

SCORED = [
    "Ngữ văn",
    "Toán",
    "Ngoại ngữ 1",
    "Giáo dục công dân",
    "Lịch sử và Địa lí",
    "Khoa học tự nhiên",
    "Công nghệ",
    "Tin học",
]
PERIODS = {
    "Ngữ văn": 140,
    "Toán": 140,
    "Ngoại ngữ 1": 105,
    "Giáo dục công dân": 35,
    "Lịch sử và Địa lí": 105,
    "Khoa học tự nhiên": 140,
    "Công nghệ": 52,
    "Tin học": 35,
}
COMMENT = {
    "Giáo dục thể chất": 70,
    "Nghệ thuật": 70,
    "Hoạt động trải nghiệm, hướng nghiệp": 105,
    "Nội dung giáo dục của địa phương": 35,
}
REGULAR = {35: 2, 52: 3, 70: 3, 105: 4, 140: 4}


def semester(value: str | None, periods: int) -> dict[str, Any] | None:
    """Every assessment equal to `value`, so that the semester average is exactly `value`."""
    if value is None:
        return None
    return {"regular": [Decimal(value)] * REGULAR[periods], "midterm": Decimal(value), "final": Decimal(value)}


def comment_semester(mark: str, periods: int) -> dict[str, Any]:
    return {"regular": [mark] * REGULAR[periods], "midterm": mark, "final": mark}


def student(
    scores: dict[str, str] | None = None,
    *,
    default: str = "7.0",
    failed: tuple[str, ...] = (),
    training: tuple[str, str] = ("Tốt", "Tốt"),
    summer: str | None = None,
    absent: int = 0,
    retest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A THCS student (8 scored subjects with the same average in both semesters, 4 comment subjects)."""
    scores = scores or {}
    retest = retest or {}
    subjects: list[dict[str, Any]] = [
        {
            "name": name,
            "kind": "scored",
            "periods_per_year": PERIODS[name],
            "hk1": semester(scores.get(name, default), PERIODS[name]),
            "hk2": semester(scores.get(name, default), PERIODS[name]),
            "retest": retest.get(name),
        }
        for name in SCORED
    ]
    subjects += [
        {
            "name": name,
            "kind": "comment",
            "periods_per_year": periods,
            "hk1": comment_semester("CĐ" if name in failed else "Đ", periods),
            "hk2": comment_semester("CĐ" if name in failed else "Đ", periods),
            "retest": retest.get(name),
        }
        for name, periods in COMMENT.items()
    ]
    return {
        "rule_set": "tt22",
        "grade": 8,
        "subjects": subjects,
        "training": {"hk1": training[0], "hk2": training[1], "summer": summer},
        "absent_sessions": absent,
    }


def subject(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in data["subjects"] if s["name"] == name)
    return found


EIGHTS = dict.fromkeys(SCORED[:6], "8.0")


# --- averages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("final", "midterm", "average"),
    [
        ("6.5", "6.3", 6.5),  # (3·6.5 + 2·6.3 + 3·6.5) / 8 = 51.6 / 8 = 6.45 → 6.5 (half up)
        ("6.4", "6.4", 6.4),  # (19.5 + 12.8 + 19.2) / 8 = 51.5 / 8 = 6.4375 → 6.4
    ],
)
def test_semester_average_rounds_half_up_before_the_floors_apply(final: str, midterm: str, average: float) -> None:
    data = student(EIGHTS | {"Công nghệ": "8.0"})
    tin = subject(data, "Công nghệ")  # 52 periods: 3 regular assessments, so the divisor is 8
    for period in ("hk1", "hk2"):
        tin[period] = {"regular": [Decimal("6.5")] * 3, "midterm": Decimal(midterm), "final": Decimal(final)}
    result = evaluate_json(data)
    assert subject(result, "Công nghệ")["hk1"] == average
    assert subject(result, "Công nghệ")["year"] == average
    # Six subjects at 8.0, the rest at 7.0 and this one: 6.5 keeps Tốt, 6.4 falls to Khá.
    assert result["learning"]["year"] == ("Tốt" if average == 6.5 else "Khá")


def test_issue_example_scores_and_the_year_average_from_rounded_semesters() -> None:
    data = student()
    toan = subject(data, "Toán")
    toan["hk1"] = {"regular": [8, Decimal("7.5"), 9, 6], "midterm": 7, "final": Decimal("8.5")}
    toan["hk2"] = {"regular": [9, 8, 8, 7], "midterm": 8, "final": 9}
    result = subject(evaluate_json(data), "Toán")
    assert (result["hk1"], result["hk2"], result["year"]) == (7.8, 8.3, 8.1)


def test_a_score_with_two_decimals_is_rounded_half_up_like_an_entered_score() -> None:
    data = student()
    subject(data, "Toán")["hk1"]["regular"][0] = Decimal("7.25")  # becomes 7.3: (7.3 + 3·7 + 5·7) / 9 = 7.03 → 7.0
    assert subject(evaluate_json(data), "Toán")["hk1"] == 7.0


# --- learning result thresholds -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "default", "failed", "level"),
    [
        pytest.param(EIGHTS, "6.5", (), "Tốt", id="six subjects at 8.0 and the rest at 6.5: Tốt"),
        pytest.param(dict.fromkeys(SCORED[:5], "8.0"), "7.9", (), "Khá", id="only five at 8.0: Khá"),
        pytest.param(EIGHTS | {"Tin học": "6.4"}, "6.5", (), "Khá", id="one subject at 6.4 breaks the Tốt floor"),
        pytest.param(dict.fromkeys(SCORED[:6], "6.5"), "5.0", (), "Khá", id="six at 6.5, rest 5.0: Khá"),
        pytest.param(dict.fromkeys(SCORED[:5], "6.5"), "5.0", (), "Đạt", id="only five at 6.5: Đạt"),
        pytest.param(dict.fromkeys(SCORED[:6], "6.5") | {"Tin học": "4.9"}, "5.0", (), "Đạt", id="one 4.9: Đạt"),
        pytest.param({"Tin học": "3.5", "Công nghệ": "3.5"}, "5.0", (), "Đạt", id="six at 5.0, two at 3.5: Đạt"),
        pytest.param({"Tin học": "3.4", "Công nghệ": "4.0"}, "5.0", (), "Chưa đạt", id="one below 3.5: Chưa đạt"),
        pytest.param({"Tin học": "4.9", "Công nghệ": "4.9", "Toán": "4.9"}, "5.0", (), "Chưa đạt", id="five at 5.0"),
        pytest.param({}, "9.0", ("Nghệ thuật",), "Đạt", id="one comment subject CĐ caps at Đạt"),
        pytest.param({}, "9.0", ("Nghệ thuật", "Giáo dục thể chất"), "Chưa đạt", id="two comment subjects CĐ"),
    ],
)
def test_learning_level_thresholds(scores: dict[str, str], default: str, failed: tuple[str, ...], level: str) -> None:
    result = evaluate_json(student(scores, default=default, failed=failed, training=("Khá", "Khá")))
    assert result["learning"] == {"hk1": level, "hk2": level, "year": level, "year_before_retest": level}


@pytest.mark.parametrize(
    ("scores", "default", "level", "adjusted"),
    [
        # Would be Tốt on the other subjects; Tin học 3.4 alone drops it three levels: raised Chưa đạt → Đạt.
        pytest.param({"Tin học": "3.4"}, "8.5", "Đạt", "Tin học", id="Chưa đạt raised to Đạt"),
        # Would be Tốt; Toán 4.5 alone drops it two levels (to Đạt): raised to Khá.
        pytest.param({"Toán": "4.5"}, "8.5", "Khá", "Toán", id="Đạt raised to Khá"),
        # Would be Tốt; Toán 6.0 drops it one level only: no adjustment.
        pytest.param({"Toán": "6.0"}, "8.5", "Khá", None, id="one level down: not adjusted"),
        # Two subjects pull it down: no single subject is to blame.
        pytest.param({"Toán": "4.5", "Ngữ văn": "4.5"}, "8.5", "Đạt", None, id="two subjects: not adjusted"),
        # Would be Đạt without Tin học's floor; Chưa đạt is one level below: not adjusted.
        pytest.param({"Tin học": "3.4", "Công nghệ": "4.0"}, "5.0", "Chưa đạt", None, id="Đạt-1: not adjusted"),
    ],
)
def test_one_subject_adjustment(scores: dict[str, str], default: str, level: str, adjusted: str | None) -> None:
    result = evaluate_json(student(scores, default=default, training=("Khá", "Khá")))
    assert result["learning"]["year"] == level
    explanation = result["explanations"]["learning.year"]
    if adjusted:
        assert "Điều chỉnh lên mức liền kề" in explanation and f"môn {adjusted}" in explanation
    else:
        assert "Điều chỉnh lên" not in explanation


def test_a_failed_comment_subject_never_triggers_the_adjustment() -> None:
    result = evaluate_json(student(default="9.0", failed=("Nghệ thuật", "Giáo dục thể chất")))
    assert result["learning"]["year"] == "Chưa đạt"
    assert "Điều chỉnh lên" not in result["explanations"]["learning.year"]


def test_explanation_names_the_condition_that_decided_the_level() -> None:
    result = evaluate_json(student(dict.fromkeys(SCORED[:5], "8.0"), default="7.9"))
    explanation = result["explanations"]["learning.year"]
    assert explanation.startswith("Học tập cả năm: Khá.")
    assert "chỉ 5 môn từ 8.0 trở lên (cần ít nhất 6)" in explanation


# --- comment subjects and exemptions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hole",
    [
        pytest.param({"regular": ["Đ", None, "Đ"], "midterm": "Đ", "final": "Đ"}, id="a regular assessment null"),
        pytest.param({"regular": ["Đ", "Đ"], "midterm": "Đ", "final": "Đ"}, id="a regular assessment missing"),
        pytest.param({"regular": ["Đ", "Đ", "Đ"], "midterm": None, "final": "Đ"}, id="mid-term missing"),
        pytest.param({"regular": ["Đ", "Đ", "Đ"], "final": "Đ"}, id="mid-term absent"),
        pytest.param({"regular": ["Đ", "Đ", "CĐ"], "midterm": "Đ", "final": "Đ"}, id="one CĐ"),
    ],
)
def test_comment_subject_with_a_missing_or_failed_assessment_is_cd(hole: dict[str, Any]) -> None:
    data = student(default="9.0")
    subject(data, "Giáo dục thể chất")["hk2"] = hole
    result = evaluate_json(data)
    assert subject(result, "Giáo dục thể chất")["hk1"] == "Đ"
    assert subject(result, "Giáo dục thể chất")["hk2"] == "CĐ"
    assert subject(result, "Giáo dục thể chất")["year"] == "CĐ"  # the year is semester II
    assert result["learning"] == {"hk1": "Tốt", "hk2": "Đạt", "year": "Đạt", "year_before_retest": "Đạt"}


def test_subject_exempt_for_the_year_is_shown_as_mien_and_left_out() -> None:
    data = student(default="9.0", failed=("Giáo dục thể chất",))
    gdtc = subject(data, "Giáo dục thể chất")
    gdtc.update(exempt=True, hk1=None, hk2=None)
    result = evaluate_json(data)
    assert {k: subject(result, "Giáo dục thể chất")[k] for k in ("hk1", "hk2", "year")} == dict.fromkeys(
        ("hk1", "hk2", "year"), "Miễn"
    )
    assert result["learning"]["year"] == "Tốt"
    assert "Không tính môn được miễn: Giáo dục thể chất" in result["explanations"]["learning.year"]


def test_subject_exempt_for_one_semester_takes_the_other_for_the_year() -> None:
    data = student(default="9.0")
    toan = subject(data, "Toán")
    toan.update(exempt=["hk1"], hk1=None, hk2=semester("4.0", 140))
    result = evaluate_json(data)
    assert (subject(result, "Toán")["hk1"], subject(result, "Toán")["hk2"], subject(result, "Toán")["year"]) == (
        "Miễn",
        4.0,
        4.0,
    )
    assert result["learning"]["hk1"] == "Tốt"
    assert result["learning"]["year"] == "Khá"  # Toán 4.0 alone: Tốt → Đạt, raised to Khá


def test_an_exempt_semester_with_results_is_refused() -> None:
    data = student()
    subject(data, "Toán")["exempt"] = ["hk2"]
    with pytest.raises(InvalidInput) as err:
        evaluate_json(data)
    assert err.value.extensions["field"] == "subjects[1].hk2"


# --- outcome: absences, retest, summer training -------------------------------------------------------------------


@pytest.mark.parametrize(("absent", "outcome"), [(45, "len_lop"), (46, "o_lai_lop")])
def test_absences_up_to_45_sessions_are_allowed(absent: int, outcome: str) -> None:
    result = evaluate_json(student(default="9.0", absent=absent))
    assert result["outcome"] == outcome
    assert result["award"] == ("xuat_sac" if absent == 45 else None)


def test_more_than_45_absences_retains_even_with_retest_or_summer_owed() -> None:
    result = evaluate_json(student({"Toán": "3.0", "Ngữ văn": "3.0"}, training=("Chưa đạt", "Chưa đạt"), absent=46))
    assert result["outcome"] == "o_lai_lop"
    assert result["retest_subjects"] == []
    assert "quá 45 buổi" in result["explanations"]["outcome"]


WEAK = {"Toán": "4.2", "Ngữ văn": "3.0"}  # Ngữ văn below 3.5: Chưa đạt; lenient gives Đạt only (no adjustment)


@pytest.mark.parametrize(
    ("retest", "outcome", "learning"),
    [
        pytest.param({}, "kiem_tra_lai", "Chưa đạt", id="retest owed"),
        pytest.param({"Ngữ văn": Decimal("5.5")}, "len_lop", "Đạt", id="retest passed"),
        pytest.param({"Ngữ văn": Decimal("3.4")}, "o_lai_lop", "Chưa đạt", id="retest failed"),
        pytest.param({"Toán": 6}, "o_lai_lop", "Chưa đạt", id="retest of the wrong subject does not help"),
    ],
)
def test_retest(retest: dict[str, Any], outcome: str, learning: str) -> None:
    result = evaluate_json(student(WEAK, default="6.0", training=("Khá", "Khá"), retest=retest))
    assert result["retest_subjects"] == ["Ngữ văn", "Toán"]
    assert result["outcome"] == outcome
    assert result["learning"]["year"] == learning
    assert result["learning"]["year_before_retest"] == "Chưa đạt"
    for name, value in retest.items():
        assert subject(result, name)["year"] == float(value)
    assert result["award"] is None


def test_retest_of_a_comment_subject_replaces_its_year_result() -> None:
    data = student(default="7.0", failed=("Nghệ thuật", "Giáo dục thể chất"), training=("Khá", "Khá"))
    assert evaluate_json(data)["retest_subjects"] == ["Giáo dục thể chất", "Nghệ thuật"]
    subject(data, "Nghệ thuật")["retest"] = "Đ"
    result = evaluate_json(data)
    assert subject(result, "Nghệ thuật")["year"] == "Đ" and subject(result, "Nghệ thuật")["year_before_retest"] == "CĐ"
    assert (result["learning"]["year"], result["outcome"]) == ("Đạt", "len_lop")


def test_retest_for_a_subject_not_owing_one_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        evaluate_json(student(WEAK, default="6.0", retest={"Tin học": Decimal("8.0")}))
    assert err.value.extensions["field"] == "subjects[7].retest"
    assert "Tin học" in err.value.detail


@pytest.mark.parametrize(
    ("summer", "outcome", "training"),
    [
        pytest.param(None, "ren_luyen_he", "Chưa đạt", id="summer training owed"),
        pytest.param("Đạt", "len_lop", "Đạt", id="summer training passed"),
        pytest.param("Chưa đạt", "o_lai_lop", "Chưa đạt", id="summer training failed"),
    ],
)
def test_summer_training(summer: str | None, outcome: str, training: str) -> None:
    result = evaluate_json(student(default="8.0", training=("Tốt", "Chưa đạt"), summer=summer))
    assert result["training"]["year_before_summer"] == "Chưa đạt"
    assert (result["outcome"], result["training"]["year"]) == (outcome, training)
    assert result["award"] is None


def test_summer_training_result_when_none_is_owed_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        evaluate_json(student(training=("Tốt", "Khá"), summer="Tốt"))
    assert err.value.extensions["field"] == "training.summer"


@pytest.mark.parametrize(
    ("summer", "retest", "outcome"),
    [
        pytest.param(None, {}, "ren_luyen_he", id="both owed: summer training first"),
        pytest.param("Đạt", {}, "kiem_tra_lai", id="summer passed, retest still owed"),
        pytest.param(None, {"Ngữ văn": Decimal("6.0")}, "ren_luyen_he", id="retest passed, summer still owed"),
        pytest.param("Đạt", {"Ngữ văn": Decimal("6.0")}, "len_lop", id="both passed"),
        pytest.param("Chưa đạt", {"Ngữ văn": Decimal("6.0")}, "o_lai_lop", id="summer failed"),
        pytest.param("Đạt", {"Ngữ văn": Decimal("2.0")}, "o_lai_lop", id="retest failed"),
    ],
)
def test_training_and_learning_both_chua_dat_owe_summer_training_and_retest(
    summer: str | None, retest: dict[str, Any], outcome: str
) -> None:
    result = evaluate_json(
        student(WEAK, default="6.0", training=("Chưa đạt", "Chưa đạt"), summer=summer, retest=retest)
    )
    assert result["retest_subjects"] == ["Ngữ văn", "Toán"]
    assert result["outcome"] == outcome


def test_learning_chua_dat_with_nothing_to_retest_retains() -> None:
    data = student()
    data["subjects"] = data["subjects"][:5]  # five scored subjects can never reach "at least six ≥ 5.0"
    result = evaluate_json(data)
    assert (result["learning"]["year"], result["outcome"], result["retest_subjects"]) == ("Chưa đạt", "o_lai_lop", [])
    assert result["warnings"]


# --- training year and awards -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hk1", "hk2", "year"),
    [
        ("Khá", "Tốt", "Tốt"),
        ("Đạt", "Tốt", "Khá"),
        ("Tốt", "Đạt", "Khá"),
        ("Chưa đạt", "Khá", "Đạt"),
        ("Khá", "Chưa đạt", "Chưa đạt"),
    ],
)
def test_training_year(hk1: str, hk2: str, year: str) -> None:
    result = evaluate_json(student(training=(hk1, hk2), summer=None))
    assert result["training"]["year"] == year
    assert f"học kì I {hk1}, học kì II {hk2}" in result["explanations"]["training.year"]


@pytest.mark.parametrize(
    ("nines", "training", "award"),
    [
        pytest.param(6, ("Tốt", "Tốt"), "xuat_sac", id="six subjects at 9.0: Xuất sắc"),
        pytest.param(5, ("Tốt", "Tốt"), "gioi", id="five at 9.0: Giỏi"),
        pytest.param(6, ("Khá", "Khá"), None, id="training Khá: no award"),
        pytest.param(6, ("Đạt", "Tốt"), None, id="training year Khá: no award"),
    ],
)
def test_awards(nines: int, training: tuple[str, str], award: str | None) -> None:
    result = evaluate_json(
        student(dict.fromkeys(SCORED[:nines], "9.0") | {"Tin học": "8.9"}, default="8.0", training=training)
    )
    assert result["learning"]["year"] == "Tốt"
    assert result["award"] == award
    if award == "gioi":
        assert "chỉ 5 môn có ĐTBmcn từ 9.0" in result["explanations"]["award"]


def test_learning_kha_earns_no_award() -> None:
    result = evaluate_json(student(dict.fromkeys(SCORED[:6], "9.0"), default="6.4"))
    assert (result["learning"]["year"], result["award"]) == ("Khá", None)
    assert "học tập Khá" in result["explanations"]["award"]


# --- invalid input ------------------------------------------------------------------------------------------------


def _set(path: str, value: Any) -> dict[str, Any]:
    data = student()
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("rule_set", "tt58", "rule_set"),
        ("grade", 5, "grade"),
        ("subjects.0.hk1.regular.2", 11, "subjects[0].hk1.regular[2]"),
        ("subjects.0.hk1.regular.2", -1, "subjects[0].hk1.regular[2]"),
        ("subjects.0.hk1.regular.2", "tám", "subjects[0].hk1.regular[2]"),
        ("subjects.0.hk1.regular.2", None, "subjects[0].hk1.regular[2]"),
        ("subjects.1.hk2.midterm", None, "subjects[1].hk2.midterm"),
        ("subjects.1.hk2.final", True, "subjects[1].hk2.final"),
        ("subjects.0.hk1.regular", [7, 7, 7], "subjects[0].hk1.regular"),
        ("subjects.0.hk1.regular", [7, 7, 7, 7, 7], "subjects[0].hk1.regular"),
        ("subjects.8.hk1.regular", ["Đ", "Đ", "Đ", "Đ"], "subjects[8].hk1.regular"),
        ("subjects.8.hk1.final", "Tốt", "subjects[8].hk1.final"),
        ("subjects.0.kind", "điểm", "subjects[0].kind"),
        ("subjects.0.name", "Toán", "subjects[1].name"),
        ("subjects.0.retest", 12, "subjects[0].retest"),
        ("training.hk1", "Giỏi", "training.hk1"),
        ("absent_sessions", -1, "absent_sessions"),
        ("absent_sessions", Decimal("2.5"), "absent_sessions"),
    ],
)
def test_invalid_input_names_the_field_and_value(path: str, value: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        evaluate_json(_set(path, value))
    assert err.value.extensions["field"] == field
    assert field in err.value.detail


def test_missing_assessment_block_is_named() -> None:
    data = student()
    del subject(data, "Tin học")["hk2"]
    with pytest.raises(InvalidInput) as err:
        evaluate_json(data)
    assert err.value.detail == "Thiếu trường subjects[7].hk2."
