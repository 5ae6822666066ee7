"""Evaluation of one primary pupil by Thông tư 27 at the end of semester I and of the year, with reasons.

Pure: takes already-validated inputs (see evaluation_io.py for the wire format); every threshold lives in tt27.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gradebook.domain.rules import tt27

PERIOD_LABELS = {"hk1": "học kì I", "year": "cả năm"}


@dataclass(frozen=True)
class PrimarySubjectInput:
    """Levels at the end of semester I and of the year; tests only for the subjects that have them."""

    name: str
    hk1: tt27.SubjectLevel
    year: tt27.SubjectLevel
    test_hk1: int | None = None
    test_year: int | None = None


@dataclass(frozen=True)
class RatedInput:
    """A quality (phẩm chất) or competence (năng lực) at the end of semester I and of the year."""

    name: str
    hk1: tt27.QualityLevel
    year: tt27.QualityLevel


@dataclass(frozen=True)
class Tt27Input:
    grade: int
    subjects: tuple[PrimarySubjectInput, ...]
    qualities: tuple[RatedInput, ...]
    competences: tuple[RatedInput, ...]
    tieu_bieu_proposed: bool = False


@dataclass(frozen=True)
class Tt27Evaluation:
    data: Tt27Input
    result_hk1: tt27.YearResult
    result_year: tt27.YearResult
    award: tt27.Award
    explanations: dict[str, str]


QUALITY_LABELS = {
    tt27.QualityLevel.TOT: "Tốt",
    tt27.QualityLevel.DAT: "Đạt",
    tt27.QualityLevel.CAN_CO_GANG: "Cần cố gắng",
}
SUBJECT_LEVEL_NAMES = {tt27.SubjectLevel.T: "Hoàn thành tốt", tt27.SubjectLevel.H: "Hoàn thành"}


def _primary_shortfall(check: tt27.ResultCheck, tests: Mapping[str, int]) -> str:
    rule = check.rule
    reasons: list[str] = []
    if check.subjects_below:
        reasons.append(f"môn {', '.join(check.subjects_below)} chưa đạt mức {SUBJECT_LEVEL_NAMES[rule.min_subject]}")
    if check.qualities_below:
        reasons.append(
            f"phẩm chất/năng lực {', '.join(check.qualities_below)} chưa đạt mức {QUALITY_LABELS[rule.min_quality]}"
        )
    if check.tests_below:
        below = ", ".join(f"{name} {tests[name]}" for name in check.tests_below)
        reasons.append(f"bài kiểm tra dưới {rule.min_test} điểm ({below})")
    return "; ".join(reasons)


def _explain_primary(
    result: tt27.YearResult,
    *,
    period: str,
    subjects: Mapping[str, tt27.SubjectLevel],
    rated: Mapping[str, tt27.QualityLevel],
    tests: Mapping[str, int],
) -> str:
    rules = {rule.result: rule for rule in tt27.RESULT_RULES}
    parts: list[str] = []
    if result != tt27.YearResult.HOAN_THANH_XUAT_SAC:
        higher = rules[tt27.YearResult(result + 1)]
        check = tt27.check_result(higher, subjects=subjects, qualities=rated, tests=tests)
        parts.append(f"chưa đạt mức {higher.result.label} vì {_primary_shortfall(check, tests)}")
    if result != tt27.YearResult.CHUA_HOAN_THANH:
        rule = rules[result]
        lowest = f"bài kiểm tra thấp nhất {min(tests.values())}" if tests else "không có bài kiểm tra định kì"
        parts.append(
            f"đạt mức {result.label} vì mọi môn từ {SUBJECT_LEVEL_NAMES[rule.min_subject]} trở lên, "
            f"phẩm chất và năng lực từ {QUALITY_LABELS[rule.min_quality]} trở lên, {lowest} "
            f"(cần từ {rule.min_test})"
        )
    joined = "; ".join(parts)
    return f"Kết quả giáo dục {PERIOD_LABELS[period]}: {result.label}. {joined[:1].upper()}{joined[1:]}."


def evaluate_tt27(data: Tt27Input) -> Tt27Evaluation:
    """One primary student's results at the end of semester I and of the year by Thông tư 27, with the award."""
    rated = [*data.qualities, *data.competences]
    results: dict[str, tt27.YearResult] = {}
    explanations: dict[str, str] = {}
    for period in ("hk1", "year"):
        subjects = {s.name: (s.hk1 if period == "hk1" else s.year) for s in data.subjects}
        levels = {r.name: (r.hk1 if period == "hk1" else r.year) for r in rated}
        tests = {
            s.name: score
            for s in data.subjects
            if (score := (s.test_hk1 if period == "hk1" else s.test_year)) is not None
        }
        results[period] = tt27.year_result(subjects=subjects, qualities=levels, year_tests=tests)
        explanations[f"result.{period}"] = _explain_primary(
            results[period], period=period, subjects=subjects, rated=levels, tests=tests
        )
    award = tt27.year_award(results["year"], tieu_bieu_proposed=data.tieu_bieu_proposed)
    if award == tt27.Award.XUAT_SAC:
        explanations["award"] = "Học sinh Xuất sắc: kết quả giáo dục cả năm Hoàn thành xuất sắc."
    elif award == tt27.Award.TIEU_BIEU:
        explanations["award"] = (
            "Học sinh Tiêu biểu: kết quả cả năm Hoàn thành tốt và có đề nghị của giáo viên chủ nhiệm."
        )
    elif results["year"] == tt27.YearResult.HOAN_THANH_TOT:
        explanations["award"] = (
            "Không khen thưởng: Hoàn thành tốt nhưng không có đề nghị Học sinh Tiêu biểu của giáo viên chủ nhiệm."
        )
    else:
        explanations["award"] = (
            f"Không khen thưởng: kết quả cả năm {results['year'].label} (Học sinh Xuất sắc cần Hoàn thành xuất sắc; "
            "Học sinh Tiêu biểu cần Hoàn thành tốt và đề nghị của giáo viên chủ nhiệm)."
        )
    return Tt27Evaluation(
        data=data, result_hk1=results["hk1"], result_year=results["year"], award=award, explanations=explanations
    )
