"""Which rule set governs a (level, grade, school year): the circulars were rolled out grade by grade."""

from __future__ import annotations

from edu_shared.errors import InvalidInput
from gradebook.domain.rules import tt22, tt27, tt58

# First school year (its starting calendar year) in which each grade was assessed under the newer circular.
TT22_FROM = {6: 2021, 7: 2022, 10: 2022, 8: 2023, 11: 2023, 9: 2024, 12: 2024}
TT27_FROM = {1: 2020, 2: 2021, 3: 2022, 4: 2023, 5: 2024}


def rule_set_for(*, grade: int, school_year_start: int) -> str:
    """The rule set name for a grade in the school year starting in `school_year_start` (2025 for 2025–2026)."""
    if grade in TT22_FROM:
        return tt22.RULE_SET if school_year_start >= TT22_FROM[grade] else tt58.RULE_SET
    if grade in TT27_FROM:
        if school_year_start >= TT27_FROM[grade]:
            return tt27.RULE_SET
        raise InvalidInput(
            f"Chưa hỗ trợ quy chế đánh giá tiểu học trước Thông tư 27/2020 (lớp {grade}, năm học "
            f"{school_year_start}–{school_year_start + 1}).",
            field="school_year",
            value=school_year_start,
        )
    raise InvalidInput(f"Khối lớp {grade} không hợp lệ (1–12).", field="grade", value=grade)
