"""The columns of a score sheet and what each accepts, by the rule set governing the class (TT22 or TT27).

Pure: no I/O. A THCS/THPT sheet (Thông tư 22; historic Thông tư 58 sheets alike) has regular columns TX1..TXn,
then GK and CK, all scores 0–10 or all Đ/CĐ. A primary sheet (Thông tư 27, DOMAIN §3.2) has the mid- and
end-of-semester levels GK and CK (Hoàn thành tốt / Hoàn thành / Chưa hoàn thành) and, for the subjects that
have them, the periodic tests KTGK and KTCK (whole numbers 1–10).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from edu_shared.errors import InvalidInput
from gradebook.domain.rules import tt22, tt27, tt58
from gradebook.domain.scores import InvalidScore, parse_score
from gradebook.domain.sheet import (
    FINAL,
    MIDTERM,
    Assessment,
    CellValue,
    CheckedEntry,
    Entry,
    Rating,
    SemesterResult,
    check_entries,
    columns,
    parse_rating,
    semester_result,
)

Accepts = Literal["score", "rating", "level", "test"]
MIDTERM_TEST = "KTGK"
FINAL_TEST = "KTCK"
LEVELS = (Rating.HOAN_THANH_TOT, Rating.HOAN_THANH, Rating.CHUA_HOAN_THANH)
LEVEL_LABELS: dict[Rating, str] = {
    Rating.HOAN_THANH_TOT: "Hoàn thành tốt",
    Rating.HOAN_THANH: "Hoàn thành",
    Rating.CHUA_HOAN_THANH: "Chưa hoàn thành",
}
ACCEPTS_LABELS: dict[str, str] = {
    "score": "điểm 0–10",
    "rating": "Đ (Đạt) hoặc CĐ (Chưa đạt)",
    "level": "T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành)",
    "test": "điểm kiểm tra định kì là số nguyên 1–10",
}


def _plain(text: str) -> str:
    """Lower case without diacritics or separators: "Hoàn thành tốt" → "hoanthanhtot" (đ kept apart)."""
    decomposed = unicodedata.normalize("NFD", text.strip().lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


_LEVEL_WORDS = {_plain(label): level for level, label in LEVEL_LABELS.items()} | {
    _plain(level.value): level for level in LEVELS
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a sheet: its code, its Vietnamese heading and the kind of value it takes."""

    code: str
    label: str
    accepts: Accepts


@dataclass(frozen=True)
class SheetLayout:
    """The columns of one class's sheet of one subject and semester, in display order."""

    rule_set: str
    assessment: Assessment
    periods_per_year: int
    semester: int
    specs: tuple[ColumnSpec, ...]

    @property
    def columns(self) -> list[str]:
        return [s.code for s in self.specs]

    @property
    def primary(self) -> bool:
        return self.rule_set == tt27.RULE_SET

    def spec(self, column: str) -> ColumnSpec | None:
        return next((s for s in self.specs if s.code == column), None)

    def parse(self, column: str, raw: Decimal | str | int, student: str) -> CellValue:
        """One typed value of `column` (which must be in the layout); raise InvalidScore naming student and value."""
        spec = self.spec(column)
        assert spec is not None  # check_entries refuses unknown columns before parsing
        if spec.accepts == "level":
            return parse_level(raw, student=student, column=column)
        if spec.accepts == "test":
            return Decimal(parse_test_score(raw, student=student, column=column))
        if spec.accepts == "rating":
            return parse_rating(raw, student=student, column=column)
        return parse_score(raw, student=student, column=column)

    def canonical(self, column: str, value: CellValue) -> CellValue:
        """A stored value as the layout writes it: test scores come back from Numeric(3, 1) as 7.0, kept as 7."""
        spec = self.spec(column)
        if spec is not None and spec.accepts == "test" and isinstance(value, Decimal):
            return Decimal(int(value))
        return value


def _tt22_layout(*, rule_set: str, assessment: Assessment, periods_per_year: int, semester: int) -> SheetLayout:
    accepts: Accepts = "score" if assessment == "scored" else "rating"
    labels = {MIDTERM: "Giữa kì", FINAL: "Cuối kì"}
    specs = tuple(ColumnSpec(c, labels.get(c, f"Thường xuyên {c[2:]}"), accepts) for c in columns(periods_per_year))
    return SheetLayout(rule_set, assessment, periods_per_year, semester, specs)


def _tt27_layout(
    *, grade: int, subject_code: str, assessment: Assessment, periods_per_year: int, semester: int
) -> SheetLayout:
    mid, end = ("giữa học kì I", "cuối học kì I") if semester == 1 else ("giữa học kì II", "cuối năm học")
    specs = [ColumnSpec(MIDTERM, f"Mức đạt được {mid}", "level")]
    if grade in tt27.MIDTERM_TESTED_GRADES and subject_code in tt27.MIDTERM_TESTED_SUBJECTS:
        specs.append(ColumnSpec(MIDTERM_TEST, f"Bài kiểm tra định kì {mid}", "test"))
    specs.append(ColumnSpec(FINAL, f"Mức đạt được {end}", "level"))
    if subject_code in tt27.TESTED_SUBJECTS:
        specs.append(ColumnSpec(FINAL_TEST, f"Bài kiểm tra định kì {end}", "test"))
    return SheetLayout(tt27.RULE_SET, assessment, periods_per_year, semester, tuple(specs))


def sheet_layout(
    *,
    rule_set: str,
    grade: int,
    subject_code: str,
    assessment: Assessment,
    periods_per_year: int,
    semester: int,
) -> SheetLayout:
    """The sheet's columns for a rule set (selection.rule_set_for), grade, subject and semester."""
    if semester not in (1, 2):
        raise InvalidInput(f"Học kì {semester} không hợp lệ: chỉ có học kì 1 và 2.", field="semester", value=semester)
    if rule_set == tt27.RULE_SET:
        return _tt27_layout(
            grade=grade,
            subject_code=subject_code,
            assessment=assessment,
            periods_per_year=periods_per_year,
            semester=semester,
        )
    if rule_set in (tt22.RULE_SET, tt58.RULE_SET):
        return _tt22_layout(
            rule_set=rule_set, assessment=assessment, periods_per_year=periods_per_year, semester=semester
        )
    raise InvalidInput(f"Quy chế đánh giá '{rule_set}' không được hỗ trợ.", field="rule_set", value=rule_set)


def parse_level(raw: object, *, student: str, column: str) -> Rating:
    """A TT27 level as typed: T / H / C, or written out ("Hoàn thành tốt", "hoàn thành", …) in any case."""
    level = _LEVEL_WORDS.get(_plain(unicodedata.normalize("NFC", raw))) if isinstance(raw, str) else None
    if level is None:
        raise InvalidScore(
            f"Mức đạt được của học sinh {student} cột {column} '{raw}' không hợp lệ: chỉ nhận T (Hoàn thành tốt), "
            "H (Hoàn thành) hoặc C (Chưa hoàn thành).",
            student=student,
            column=column,
            value=str(raw),
        )
    return level


def parse_test_score(raw: object, *, student: str, column: str) -> int:
    """A periodic test score as typed: a whole number 1–10 ("7", 7, 7.0); 0, 7.5 or text are refused."""
    number: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, Decimal | str):
        try:
            value = Decimal(raw.strip().replace(",", ".")) if isinstance(raw, str) else raw
        except InvalidOperation:
            value = None
        if value is not None and value.is_finite() and value == value.to_integral_value():
            number = int(value)
    try:
        if number is None:
            raise InvalidInput("không phải là số nguyên")
        tt27.check_test_score(number, subject=column)
    except InvalidInput:
        raise InvalidScore(
            f"Điểm kiểm tra định kì của học sinh {student} cột {column} '{raw}' không hợp lệ: "
            "chỉ nhận số nguyên từ 1 đến 10 (không có điểm 0, không có điểm thập phân).",
            student=student,
            column=column,
            value=str(raw),
        ) from None
    return number


def check_sheet_entries(
    entries: Sequence[Entry], *, layout: SheetLayout, students: Mapping[str, str]
) -> list[CheckedEntry]:
    """Every entry checked against its column's kind; raise InvalidEntries listing every bad one."""
    return check_entries(
        entries, kind=layout.assessment, sheet_columns=layout.columns, students=students, parse=layout.parse
    )


def layout_result(values: Mapping[str, CellValue], *, layout: SheetLayout) -> SemesterResult:
    """A student's semester result on this sheet: ĐTBmhk or Đ/CĐ (TT22); the CK level and KTCK score (TT27)."""
    if not layout.primary:
        return semester_result(values, kind=layout.assessment, periods_per_year=layout.periods_per_year)
    level = values.get(FINAL)
    test = values.get(FINAL_TEST) if layout.spec(FINAL_TEST) is not None else None
    return SemesterResult(
        level=level if isinstance(level, Rating) and level in LEVELS else None,
        test=int(test) if isinstance(test, Decimal) else None,
    )
