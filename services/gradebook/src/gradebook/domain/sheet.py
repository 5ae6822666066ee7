"""A score sheet of one class, subject and semester (Thông tư 22): its columns, cell values and averages.

Pure: no I/O. Scored subjects hold Decimal scores in every column; comment-only subjects hold ratings Đ / CĐ.
Entries are checked all together, so a teacher sees every mistake of a batch at once (DOMAIN §3.1).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from edu_shared.errors import InvalidInput
from gradebook.domain.rules.tt22 import comment_semester_passed, regular_assessments_required, semester_average
from gradebook.domain.scores import InvalidScore, parse_score

Assessment = Literal["scored", "comment"]
MIDTERM = "GK"
FINAL = "CK"


class Rating(StrEnum):
    """A mark in words: Đạt / Chưa đạt of a TT22 comment-only subject, or a TT27 level (sheet_layout.py).

    One enum for both, since the `scores.rating` column and its readers hold either; which ones a column
    accepts is the sheet layout's business, so a TT22 cell never takes "T" nor a TT27 one "Đ".
    """

    DAT = "Đ"
    CHUA_DAT = "CĐ"
    HOAN_THANH_TOT = "T"
    HOAN_THANH = "H"
    CHUA_HOAN_THANH = "C"


CellValue = Decimal | Rating

_RATINGS = {"Đ": Rating.DAT, "CĐ": Rating.CHUA_DAT, "ĐẠT": Rating.DAT, "CHƯA ĐẠT": Rating.CHUA_DAT}


def columns(periods_per_year: int) -> list[str]:
    """TX1..TXn (n from the periods per year), then GK and CK."""
    regular = regular_assessments_required(periods_per_year)
    return [f"TX{i}" for i in range(1, regular + 1)] + [MIDTERM, FINAL]


def format_value(value: CellValue | None) -> str | None:
    """The canonical text of a cell: "6.5", "Đ", "CĐ" (kept in the history and in events)."""
    if value is None:
        return None
    return value.value if isinstance(value, Rating) else str(value)


def parse_stored(text: str | None, kind: Assessment) -> CellValue | None:
    """Back from the canonical text."""
    if text is None:
        return None
    return Rating(text) if kind == "comment" else Decimal(text)


def parse_rating(raw: object, *, student: str, column: str) -> Rating:
    """A rating as typed; accepts Đ/CĐ in any case (also written out: "Đạt", "Chưa đạt")."""
    text = unicodedata.normalize("NFC", str(raw)).strip().upper() if isinstance(raw, str) else ""
    rating = _RATINGS.get(text)
    if rating is None:
        raise InvalidScore(
            f"Đánh giá của học sinh {student} cột {column} '{raw}' không hợp lệ: môn đánh giá bằng nhận xét "
            "chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt).",
            student=student,
            column=column,
            value=str(raw),
        )
    return rating


@dataclass(frozen=True)
class Entry:
    """One cell as sent by a teacher (`value` None clears the cell)."""

    student_id: str
    column: str
    value: Decimal | str | int | None


@dataclass(frozen=True)
class EntryProblem:
    student_id: str
    column: str
    value: str | None
    message: str


@dataclass(frozen=True)
class CheckedEntry:
    student_id: str
    column: str
    value: CellValue | None


# Reads one typed value of a column (column, value, student name); raises InvalidScore naming all three.
CellParser = Callable[[str, Decimal | str | int, str], CellValue]


class InvalidEntries(InvalidInput):
    """A batch with at least one bad entry: nothing of it is written."""

    slug = "invalid-scores"
    title = "Điểm không hợp lệ"


def check_entries(
    entries: Sequence[Entry],
    *,
    kind: Assessment,
    sheet_columns: Sequence[str],
    students: Mapping[str, str],
    parse: CellParser | None = None,
) -> list[CheckedEntry]:
    """Parse every entry; raise InvalidEntries listing every bad one (student, column, value, message).

    `students` maps the ids of the class's students to their names (for the messages); `parse`, when given,
    reads each value by its column (a sheet layout whose columns accept different things), instead of `kind`.
    """
    problems: list[EntryProblem] = []
    checked: list[CheckedEntry] = []
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        name = students.get(entry.student_id, entry.student_id)
        shown = None if entry.value is None else str(entry.value)
        if entry.student_id not in students:
            problems.append(
                EntryProblem(
                    entry.student_id, entry.column, shown, f"Học sinh {entry.student_id} không thuộc danh sách lớp."
                )
            )
            continue
        if entry.column not in sheet_columns:
            problems.append(
                EntryProblem(
                    entry.student_id,
                    entry.column,
                    shown,
                    f"Cột {entry.column} không có trong sổ điểm (các cột: {', '.join(sheet_columns)}).",
                )
            )
            continue
        if (entry.student_id, entry.column) in seen:
            problems.append(
                EntryProblem(
                    entry.student_id,
                    entry.column,
                    shown,
                    f"Điểm của học sinh {name} cột {entry.column} được gửi nhiều lần trong cùng một lượt.",
                )
            )
            continue
        seen.add((entry.student_id, entry.column))
        try:
            value: CellValue | None
            if entry.value is None:
                value = None
            elif parse is not None:
                value = parse(entry.column, entry.value, name)
            elif kind == "comment":
                value = parse_rating(entry.value, student=name, column=entry.column)
            else:
                value = parse_score(entry.value, student=name, column=entry.column)
        except InvalidScore as exc:
            problems.append(EntryProblem(entry.student_id, entry.column, shown, exc.detail))
            continue
        checked.append(CheckedEntry(entry.student_id, entry.column, value))
    if problems:
        first = problems[0].message
        more = f" (và {len(problems) - 1} lỗi khác)" if len(problems) > 1 else ""
        raise InvalidEntries(
            f"Không ghi điểm nào: {first}{more}",
            errors=[
                {"student_id": p.student_id, "column": p.column, "value": p.value, "message": p.message}
                for p in problems
            ],
        )
    return checked


@dataclass(frozen=True)
class SemesterResult:
    """ĐTBmhk of a scored subject, or the Đ/CĐ rating of a comment one; None while assessments are missing.

    A TT27 sheet gives instead the end-of-semester level (T/H/C) and the periodic test score beside it.
    """

    average: Decimal | None = None
    rating: Rating | None = None
    level: Rating | None = None
    test: int | None = None


def semester_result(values: Mapping[str, CellValue], *, kind: Assessment, periods_per_year: int) -> SemesterResult:
    """The computed semester result of one student's row (TT22); None while incomplete."""
    required = regular_assessments_required(periods_per_year)
    regular = [values[c] for c in columns(periods_per_year)[:required] if c in values]
    midterm, final = values.get(MIDTERM), values.get(FINAL)
    if len(regular) < required or midterm is None or final is None:
        return SemesterResult()
    if kind == "comment":
        passed = comment_semester_passed(
            regular=[v == Rating.DAT for v in regular],
            midterm=midterm == Rating.DAT,
            final=final == Rating.DAT,
            required_regular=required,
        )
        return SemesterResult(rating=Rating.DAT if passed else Rating.CHUA_DAT)
    scores = [v for v in regular if isinstance(v, Decimal)]
    if len(scores) < required or not isinstance(midterm, Decimal) or not isinstance(final, Decimal):
        return SemesterResult()
    return SemesterResult(
        average=semester_average(regular=scores, midterm=midterm, final=final, required_regular=required)
    )


# Vietnamese alphabet order (DOMAIN §4 class lists): base letters, then tones as a tie-breaker.
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Marks that make a different letter (breve, circumflex, horn) versus tones (in the conventional order).
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _word_key(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    letters: list[int] = []
    tones: list[int] = []
    for ch in word.lower():
        parts = unicodedata.normalize("NFD", ch)
        base = parts[0]
        marks = parts[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        letters.append(_LETTER_RANK.get(letter, 100 + ord(letter[0])))
        tones.append(tone)
    return tuple(letters), tuple(tones)


def class_list_key(*, family_name: str, middle_name: str, given_name: str) -> tuple[object, ...]:
    """Sort key of a class list: given name, then middle names, then family name (each word: letters, then tones)."""
    return tuple(_word_key(w) for w in (given_name, middle_name, family_name))
