"""Score values: parsing what a teacher typed, rounding half up to one decimal (the one rounding function)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from edu_shared.errors import InvalidInput

ONE_DECIMAL = Decimal("0.1")
MIN_SCORE = Decimal(0)
MAX_SCORE = Decimal(10)


def round1(value: Decimal) -> Decimal:
    """Round half up to one decimal: 6.25 → 6.3, 6.24 → 6.2 (never banker's rounding)."""
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


class InvalidScore(InvalidInput):
    slug = "invalid-score"
    title = "Điểm không hợp lệ"


def parse_score(raw: str | int | float | Decimal, *, student: str = "", column: str = "") -> Decimal:
    """A score as entered (Vietnamese decimal comma accepted: "6,5"), checked 0–10, rounded to one decimal.

    The error names the student, the column and the value, as the regulations ask of the gradebook.
    """
    where = " ".join(
        part for part in (f"học sinh {student}" if student else "", f"cột {column}" if column else "") if part
    )
    prefix = f"Điểm của {where}" if where else "Điểm"
    text = str(raw).strip().replace(",", ".") if not isinstance(raw, Decimal) else raw
    try:
        value = Decimal(text) if not isinstance(text, Decimal) else text
    except InvalidOperation:
        raise InvalidScore(
            f"{prefix} '{raw}' không phải là số.", student=student, column=column, value=str(raw)
        ) from None
    if not value.is_finite() or value < MIN_SCORE or value > MAX_SCORE:
        raise InvalidScore(
            f"{prefix} '{raw}' phải nằm trong khoảng 0–10.", student=student, column=column, value=str(raw)
        )
    return round1(value)
