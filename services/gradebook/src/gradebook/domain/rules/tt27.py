"""Thông tư 27/2020: primary school (TH) assessment by levels, with scored periodic tests for some subjects."""

from __future__ import annotations

from collections.abc import Mapping
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


def year_result(
    *,
    subjects: Mapping[str, SubjectLevel],
    qualities: Mapping[str, QualityLevel],
    year_tests: Mapping[str, int],
) -> YearResult:
    """Hoàn thành xuất sắc / tốt / Hoàn thành / Chưa hoàn thành from levels and end-of-year test scores."""
    for subject, score in year_tests.items():
        check_test_score(score, subject=subject)
    lowest_test = min(year_tests.values(), default=10)
    all_t = all(level == SubjectLevel.T for level in subjects.values())
    all_tot = all(level == QualityLevel.TOT for level in qualities.values())
    if all_t and all_tot and lowest_test >= 9:
        return YearResult.HOAN_THANH_XUAT_SAC
    if all_t and all_tot and lowest_test >= 7:
        return YearResult.HOAN_THANH_TOT
    if (
        all(level >= SubjectLevel.H for level in subjects.values())
        and all(level >= QualityLevel.DAT for level in qualities.values())
        and lowest_test >= 5
    ):
        return YearResult.HOAN_THANH
    return YearResult.CHUA_HOAN_THANH
