"""`edu rules evaluate` as a teacher or script runs it: one student's year as JSON in, results and reasons out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

EDU = str(Path(sys.executable).with_name("edu"))

ISSUE_EXAMPLE = """
{"rule_set": "tt22", "grade": 8,
 "subjects": [
  {"name": "Toán", "kind": "scored", "periods_per_year": 140,
   "hk1": {"regular": [8, 7.5, 9, 6], "midterm": 7, "final": 8.5},
   "hk2": {"regular": [9, 8, 8, 7], "midterm": 8, "final": 9}, "retest": null},
  {"name": "Giáo dục thể chất", "kind": "comment", "periods_per_year": 70,
   "hk1": {"regular": ["Đ", "Đ", "Đ"], "midterm": "Đ", "final": "Đ"},
   "hk2": {"regular": ["Đ", "Đ", "Đ"], "midterm": "Đ", "final": "Đ"}, "retest": null}],
 "training": {"hk1": "Tốt", "hk2": "Khá", "summer": null},
 "absent_sessions": 12}
"""


def evaluate(stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EDU, "rules", "evaluate"], input=stdin, capture_output=True, text=True, timeout=120)


def test_issue_example_prints_the_averages_and_the_reasons() -> None:
    result = evaluate(ISSUE_EXAMPLE)
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout)
    toan, gdtc = out["subjects"]
    assert (toan["name"], toan["hk1"], toan["hk2"], toan["year"]) == ("Toán", 7.8, 8.3, 8.1)
    assert (gdtc["hk1"], gdtc["hk2"], gdtc["year"]) == ("Đ", "Đ", "Đ")
    assert out["training"]["year"] == "Khá"
    assert out["learning"]["year"] in ("Tốt", "Khá", "Đạt", "Chưa đạt")
    assert out["outcome"] in ("len_lop", "kiem_tra_lai", "ren_luyen_he", "o_lai_lop")
    assert set(out["explanations"]) >= {
        "learning.hk1",
        "learning.hk2",
        "learning.year",
        "training.year",
        "outcome",
        "award",
    }
    assert '"hk1": 7.8' in result.stdout  # a JSON number with one decimal, not a string


def test_primary_pupil_is_evaluated_by_tt27() -> None:
    pupil = {
        "rule_set": "tt27",
        "grade": 3,
        "subjects": [
            {"name": "Tiếng Việt", "hk1": "T", "year": "T", "tests": {"hk1": 9, "year": 10}},
            {"name": "Toán", "hk1": "T", "year": "T", "tests": {"hk1": 8, "year": 9}},
            {"name": "Đạo đức", "hk1": "T", "year": "T"},
        ],
        "qualities": [{"name": "Chăm chỉ", "hk1": "Tốt", "year": "Tốt"}],
        "competences": [{"name": "Tự chủ và tự học", "hk1": "Tốt", "year": "Tốt"}],
    }
    result = evaluate(json.dumps(pupil, ensure_ascii=False))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["result"] == {"hk1": "hoan_thanh_tot", "year": "hoan_thanh_xuat_sac"}
    assert out["award"] == "xuat_sac"


def test_score_out_of_range_is_refused_naming_the_field_and_value() -> None:
    result = evaluate(ISSUE_EXAMPLE.replace('"regular": [8, 7.5, 9, 6]', '"regular": [8, 7.5, 19, 6]'))
    assert result.returncode == 2
    assert result.stderr.startswith("Lỗi: ")
    assert "subjects[0].hk1.regular[2]" in result.stderr and "'19'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_wrong_number_of_regular_assessments_is_refused() -> None:
    result = evaluate(ISSUE_EXAMPLE.replace('"regular": [9, 8, 8, 7]', '"regular": [9, 8, 8]'))
    assert result.returncode == 2
    assert "cần đúng 4 điểm đánh giá thường xuyên" in result.stderr and "subjects[0].hk2.regular" in result.stderr


def test_unknown_rule_set_and_bad_json_are_refused() -> None:
    unknown = evaluate(ISSUE_EXAMPLE.replace('"tt22"', '"tt58"'))
    assert unknown.returncode == 2 and "rule_set" in unknown.stderr and "'tt58'" in unknown.stderr
    broken = evaluate("{not json")
    assert broken.returncode == 2 and "Lỗi: Dữ liệu vào không phải JSON hợp lệ" in broken.stderr
