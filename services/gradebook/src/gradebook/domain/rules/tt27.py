"""Thông tư 27/2020: primary school (TH) assessment by levels, with scored periodic tests for some subjects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from edu_shared.errors import InvalidInput

RULE_SET = "TT27/2020"

# Subjects with scored end-of-semester-I and end-of-year tests; "khoa_hoc" is unconfirmed (DOMAIN §3.2).
TESTED_SUBJECTS = frozenset({"tieng_viet", "toan", "ngoai_ngu_1", "lich_su_dia_li", "tin_hoc_cong_nghe", "khoa_hoc"})
MIDTERM_TESTED_GRADES = frozenset({4, 5})
MIDTERM_TESTED_SUBJECTS = frozenset({"tieng_viet", "toan"})


class SubjectLevel(IntEnum):
    C = 0  # Chưa hoàn thành
    H = 1  # Hoàn thành
    T = 2  # Hoàn thành tốt


class QualityLevel(IntEnum):
    CAN_CO_GANG = 0  # Cần cố gắng
    DAT = 1
    TOT = 2


class YearResult(IntEnum):
    CHUA_HOAN_THANH = 0
    HOAN_THANH = 1
    HOAN_THANH_TOT = 2
    HOAN_THANH_XUAT_SAC = 3

    @property
    def label(self) -> str:
        return {0: "Chưa hoàn thành", 1: "Hoàn thành", 2: "Hoàn thành tốt", 3: "Hoàn thành xuất sắc"}[self.value]


def check_test_score(value: int, *, subject: str) -> int:
    """Periodic test scores in primary school are whole numbers 1–10 (no 0, no decimals)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise InvalidInput(
            f"Điểm kiểm tra định kì môn {subject} phải là số nguyên từ 1 đến 10.", field=subject, value=value
        )
    return value


@dataclass(frozen=True)
class ResultRule:
    """One row of the year-result table: the lowest subject level, quality level and test score it allows."""

    result: YearResult
    min_subject: SubjectLevel
    min_quality: QualityLevel
    min_test: int


RESULT_RULES = (
    ResultRule(YearResult.HOAN_THANH_XUAT_SAC, SubjectLevel.T, QualityLevel.TOT, min_test=9),
    ResultRule(YearResult.HOAN_THANH_TOT, SubjectLevel.T, QualityLevel.TOT, min_test=7),
    ResultRule(YearResult.HOAN_THANH, SubjectLevel.H, QualityLevel.DAT, min_test=5),
)


@dataclass(frozen=True)
class ResultCheck:
    """How a student stands against one row: the subjects, qualities and tests below it."""

    rule: ResultRule
    subjects_below: tuple[str, ...]
    qualities_below: tuple[str, ...]
    tests_below: tuple[str, ...]

    @property
    def met(self) -> bool:
        return not (self.subjects_below or self.qualities_below or self.tests_below)


def check_result(
    rule: ResultRule,
    *,
    subjects: Mapping[str, SubjectLevel],
    qualities: Mapping[str, QualityLevel],
    tests: Mapping[str, int],
) -> ResultCheck:
    """Check one row of the table (used for the result and for its explanation)."""
    return ResultCheck(
        rule=rule,
        subjects_below=tuple(name for name, level in subjects.items() if level < rule.min_subject),
        qualities_below=tuple(name for name, level in qualities.items() if level < rule.min_quality),
        tests_below=tuple(name for name, score in tests.items() if score < rule.min_test),
    )


def year_result(
    *,
    subjects: Mapping[str, SubjectLevel],
    qualities: Mapping[str, QualityLevel],
    year_tests: Mapping[str, int],
) -> YearResult:
    """Hoàn thành xuất sắc / tốt / Hoàn thành / Chưa hoàn thành from levels and end-of-year test scores."""
    for subject, score in year_tests.items():
        check_test_score(score, subject=subject)
    for rule in RESULT_RULES:
        if check_result(rule, subjects=subjects, qualities=qualities, tests=year_tests).met:
            return rule.result
    return YearResult.CHUA_HOAN_THANH


class Award(IntEnum):
    NONE = 0
    TIEU_BIEU = 1  # Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện
    XUAT_SAC = 2  # Học sinh Xuất sắc

    @property
    def label(self) -> str:
        return {0: "", 1: "Học sinh Tiêu biểu", 2: "Học sinh Xuất sắc"}[self.value]


def year_award(result: YearResult, *, tieu_bieu_proposed: bool) -> Award:
    """Xuất sắc for Hoàn thành xuất sắc; Tiêu biểu for Hoàn thành tốt with the homeroom's recorded proposal."""
    if result == YearResult.HOAN_THANH_XUAT_SAC:
        return Award.XUAT_SAC
    if result == YearResult.HOAN_THANH_TOT and tieu_bieu_proposed:
        return Award.TIEU_BIEU
    return Award.NONE
