"""One primary student's year by Thông tư 27 through the `edu rules evaluate` format: every threshold's edge."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from edu_shared.errors import InvalidInput
from gradebook.domain.rules.evaluation_io import evaluate_json

TESTED = ["Tiếng Việt", "Toán", "Ngoại ngữ 1", "Lịch sử và Địa lí", "Khoa học", "Tin học và Công nghệ"]
UNTESTED = ["Đạo đức", "Âm nhạc", "Mĩ thuật", "Giáo dục thể chất", "Hoạt động trải nghiệm"]
QUALITIES = ["Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm"]
COMPETENCES = ["Tự chủ và tự học", "Giao tiếp và hợp tác", "Giải quyết vấn đề và sáng tạo", "Ngôn ngữ", "Tính toán"]


def pupil(
    *,
    levels: dict[str, str] | None = None,
    tests: dict[str, Any] | None = None,
    rated: dict[str, str] | None = None,
    test_default: int = 10,
    proposed: bool = False,
) -> dict[str, Any]:
    """A grade-4 pupil, all T and Tốt with 10 in every test unless told otherwise (same at HK I and year end)."""
    levels = levels or {}
    tests = tests or {}
    rated = rated or {}

    def subject(name: str) -> dict[str, Any]:
        level = levels.get(name, "T")
        entry: dict[str, Any] = {"name": name, "hk1": level, "year": level}
        if name in TESTED:
            score = tests.get(name, test_default)
            entry["tests"] = {"hk1": score, "year": score}
        return entry

    return {
        "rule_set": "tt27",
        "grade": 4,
        "subjects": [subject(name) for name in TESTED + UNTESTED],
        "qualities": [{"name": n, "hk1": rated.get(n, "Tốt"), "year": rated.get(n, "Tốt")} for n in QUALITIES],
        "competences": [{"name": n, "hk1": rated.get(n, "Tốt"), "year": rated.get(n, "Tốt")} for n in COMPETENCES],
        "tieu_bieu_proposed": proposed,
    }


@pytest.mark.parametrize(
    ("kwargs", "result"),
    [
        pytest.param({"test_default": 9}, "hoan_thanh_xuat_sac", id="all T, Tốt, every test 9"),
        pytest.param({"tests": {"Toán": 8}}, "hoan_thanh_tot", id="one test 8"),
        pytest.param({"test_default": 7}, "hoan_thanh_tot", id="every test 7"),
        pytest.param({"tests": {"Khoa học": 6}}, "hoan_thanh", id="one test 6"),
        pytest.param({"test_default": 5}, "hoan_thanh", id="every test 5"),
        pytest.param({"tests": {"Tiếng Việt": 4}}, "chua_hoan_thanh", id="one test 4"),
        pytest.param({"levels": {"Mĩ thuật": "H"}}, "hoan_thanh", id="one subject H"),
        pytest.param({"levels": {"Đạo đức": "C"}}, "chua_hoan_thanh", id="one subject C"),
        pytest.param({"rated": {"Trung thực": "Đạt"}}, "hoan_thanh", id="one quality Đạt"),
        pytest.param({"rated": {"Ngôn ngữ": "Đạt"}}, "hoan_thanh", id="one competence Đạt"),
        pytest.param({"rated": {"Chăm chỉ": "Cần cố gắng"}}, "chua_hoan_thanh", id="one quality Cần cố gắng"),
    ],
)
def test_year_result_thresholds(kwargs: dict[str, Any], result: str) -> None:
    evaluated = evaluate_json(pupil(**kwargs))
    assert evaluated["result"] == {"hk1": result, "year": result}


def test_year_result_uses_year_end_levels_and_tests_and_hk1_its_own() -> None:
    data = pupil()
    toan = next(s for s in data["subjects"] if s["name"] == "Toán")
    toan["hk1"], toan["tests"] = "H", {"hk1": 6, "year": 9}
    evaluated = evaluate_json(data)
    assert evaluated["result"] == {"hk1": "hoan_thanh", "year": "hoan_thanh_xuat_sac"}
    assert evaluated["result_label"] == {"hk1": "Hoàn thành", "year": "Hoàn thành xuất sắc"}


def test_explanation_names_what_kept_the_higher_level() -> None:
    evaluated = evaluate_json(pupil(tests={"Toán": 8}))
    explanation = evaluated["explanations"]["result.year"]
    assert explanation.startswith("Kết quả giáo dục cả năm: Hoàn thành tốt.")
    assert "bài kiểm tra dưới 9 điểm (Toán 8)" in explanation


@pytest.mark.parametrize(
    ("kwargs", "award"),
    [
        pytest.param({"test_default": 9}, "xuat_sac", id="Hoàn thành xuất sắc: Xuất sắc"),
        pytest.param({"test_default": 9, "proposed": True}, "xuat_sac", id="Xuất sắc wins over the proposal"),
        pytest.param({"test_default": 8, "proposed": True}, "tieu_bieu", id="Hoàn thành tốt and proposed"),
        pytest.param({"test_default": 8}, None, id="Hoàn thành tốt without a proposal"),
        pytest.param({"test_default": 6, "proposed": True}, None, id="Hoàn thành, proposed: no award"),
    ],
)
def test_awards(kwargs: dict[str, Any], award: str | None) -> None:
    evaluated = evaluate_json(pupil(**kwargs))
    assert evaluated["award"] == award
    assert evaluated["explanations"]["award"]


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (0, "subjects[1].tests.year"),
        (Decimal("7.5"), "subjects[1].tests.year"),
        (Decimal("7.0"), "subjects[1].tests.year"),
        (11, "subjects[1].tests.year"),
        ("9", "subjects[1].tests.year"),
        (True, "subjects[1].tests.year"),
        (None, "subjects[1].tests.year"),
    ],
)
def test_test_scores_are_whole_numbers_from_1_to_10(value: Any, field: str) -> None:
    data = pupil()
    data["subjects"][1]["tests"]["year"] = value
    with pytest.raises(InvalidInput) as err:
        evaluate_json(data)
    assert err.value.extensions["field"] == field
    assert field in err.value.detail


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("grade",), 6, "grade"),
        (("subjects", 0, "year"), "A", "subjects[0].year"),
        (("subjects", 0, "hk1"), None, "subjects[0].hk1"),
        (("qualities", 2, "year"), "Khá", "qualities[2].year"),
        (("competences", 0, "name"), "Yêu nước", "competences[0].name"),
        (("tieu_bieu_proposed",), "có", "tieu_bieu_proposed"),
        (("competences",), [], "competences"),
    ],
)
def test_invalid_input_names_the_field(path: tuple[Any, ...], value: Any, field: str) -> None:
    data = pupil()
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(InvalidInput) as err:
        evaluate_json(data)
    assert err.value.extensions["field"] == field
