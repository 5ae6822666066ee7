"""How a recorded mark lands in a report: score buckets, column kinds, school levels, semesters. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

# Ratings of comment-only subjects (Thông tư 22) and primary subjects (Thông tư 27), kept as their own buckets.
RATINGS = ("Đ", "CĐ", "T", "H", "C", "Miễn")
KINDS = ("tx", "gk", "ck")
HALF = Decimal("0.5")


@dataclass(frozen=True)
class Mark:
    """A parsed cell: a score (one decimal) or a rating, never both."""

    value: Decimal | None
    rating: str | None

    @property
    def bucket(self) -> str:
        """The half-point bucket of a score ("6.5" holds 6.5–6.9), or the rating itself."""
        if self.value is None:
            return self.rating or ""
        return str((self.value / HALF).to_integral_value(ROUND_FLOOR) * HALF)


def round_score(value: Decimal) -> Decimal:
    """One decimal, half up (Thông tư 22: 6.25 → 6.3)."""
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def parse_mark(raw: str | float | int | None) -> Mark | None:
    """A value as events carry it ("6.5", 7, "Đ"); None for a cleared cell or anything unreadable."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if text in RATINGS:
        return Mark(value=None, rating=text)
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return Mark(value=None, rating=text[:8])
    if not number.is_finite() or number < 0 or number > 10:
        return None
    return Mark(value=round_score(number), rating=None)


def column_kind(column: str) -> str:
    """TX1…TX4 → tx (thường xuyên), GK → gk (giữa kì), CK → ck (cuối kì); other columns by their first letters."""
    upper = column.upper()
    if upper.startswith("TX"):
        return "tx"
    if upper.startswith("GK"):
        return "gk"
    if upper.startswith("CK"):
        return "ck"
    return upper[:4].lower()


def merge_buckets(counts: dict[str, int], *, width: Decimal) -> dict[str, int]:
    """Half-point buckets regrouped by `width` (0.5 or 1); ratings are kept as they are."""
    merged: dict[str, int] = {}
    for bucket, n in counts.items():
        try:
            low = Decimal(bucket)
        except InvalidOperation:
            merged[bucket] = merged.get(bucket, 0) + n
            continue
        key = str((low / width).to_integral_value(ROUND_FLOOR) * width)
        merged[key] = merged.get(key, 0) + n
    return merged


def score_buckets(*, width: Decimal) -> list[str]:
    """Every bucket label from 0 to 10 for a histogram of that width, in order."""
    steps = int(Decimal(10) / width)
    return [str(i * width) for i in range(steps + 1)]


def rate(part: int, whole: int) -> Decimal:
    """A percentage with two decimals (0 when there is nothing to divide by)."""
    if whole == 0:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def semester_of(day: date) -> int:
    """Semester I runs from August to the end of December; January onwards is semester II."""
    return 1 if day.month >= 8 else 2


def school_year_of(day: date) -> str:
    """The school year a day falls in ("2025-2026" from August 2025 to July 2026)."""
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"


def expected_columns(*, periods_per_year: int) -> int:
    """Cells per student and semester a complete sheet holds: regular ones by periods (TT22), plus GK and CK."""
    regular = 2 if periods_per_year <= 35 else 3 if periods_per_year <= 70 else 4
    return regular + 2
