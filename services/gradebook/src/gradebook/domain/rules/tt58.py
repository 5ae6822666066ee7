"""Thông tư 58/2011 as amended by Thông tư 26/2020: THCS/THPT before TT22 reached a grade (historic transcripts).

Học lực from the overall average of scored subjects with conditions on Toán / Ngữ văn (and, from TT26/2020,
Ngoại ngữ as a third choice), a one-subject adjustment, hạnh kiểm, and the titles HS Giỏi / HS Tiên tiến.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

from gradebook.domain.scores import round1

RULE_SET = "TT58/2011+TT26/2020"


class HocLuc(IntEnum):
    KEM = 0
    YEU = 1
    TB = 2
    KHA = 3
    GIOI = 4

    @property
    def label(self) -> str:
        return {0: "Kém", 1: "Yếu", 2: "Trung bình", 3: "Khá", 4: "Giỏi"}[self.value]


class HanhKiem(IntEnum):
    YEU = 0
    TB = 1
    KHA = 2
    TOT = 3


@dataclass(frozen=True)
class HocLucResult:
    level: HocLuc
    unadjusted: HocLuc
    overall_average: Decimal


# (level, overall ≥, Toán or Văn (or NN) ≥, every subject ≥); comment subjects must all be Đ from TB upward.
_TABLE = (
    (HocLuc.GIOI, Decimal("8.0"), Decimal("8.0"), Decimal("6.5")),
    (HocLuc.KHA, Decimal("6.5"), Decimal("6.5"), Decimal("5.0")),
    (HocLuc.TB, Decimal("5.0"), Decimal("5.0"), Decimal("3.5")),
)
_KEY_SUBJECTS = ("toan", "van")


def overall_average(scored: Mapping[str, Decimal], *, weights: Mapping[str, int] | None = None) -> Decimal:
    """ĐTBcm: mean of subject averages (TT58 weights Toán and Ngữ văn ×2 before TT26/2020; pass them if so)."""
    weights = weights or {}
    total = sum((v * weights.get(code, 1) for code, v in scored.items()), Decimal(0))
    return round1(total / sum(weights.get(code, 1) for code in scored))


def _raw_level(
    avg: Decimal,
    scored: Mapping[str, Decimal],
    comments_ok: bool,
    key_subjects: tuple[str, ...],
    *,
    lenient: str | None = None,
) -> HocLuc:
    floors = [v for code, v in scored.items() if code != lenient]
    best_key = max((scored[c] for c in key_subjects if c in scored), default=Decimal(0))
    for level, overall, key, floor in _TABLE:
        if comments_ok and avg >= overall and best_key >= key and all(v >= floor for v in floors):
            return level
    if avg >= Decimal("3.5") and all(v >= Decimal("2.0") for v in floors):
        return HocLuc.YEU
    return HocLuc.KEM


def hoc_luc(
    scored: Mapping[str, Decimal],
    comments: Mapping[str, bool],
    *,
    foreign_language_counts: bool = True,
    weights: Mapping[str, int] | None = None,
) -> HocLucResult:
    """Classify with the one-subject adjustment (Giỏi→TB or Yếu, Khá→Yếu or Kém because of one subject)."""
    key_subjects = (*_KEY_SUBJECTS, "anh") if foreign_language_counts else _KEY_SUBJECTS
    avg = overall_average(scored, weights=weights)
    ok = all(comments.values())
    base = _raw_level(avg, scored, ok, key_subjects)
    for code in scored:
        would_be = _raw_level(avg, scored, ok, key_subjects, lenient=code)
        if would_be == HocLuc.GIOI and base in (HocLuc.TB, HocLuc.YEU):
            return HocLucResult(HocLuc.KHA if base == HocLuc.TB else HocLuc.TB, base, avg)
        if would_be == HocLuc.KHA and base in (HocLuc.YEU, HocLuc.KEM):
            return HocLucResult(HocLuc.TB if base == HocLuc.YEU else HocLuc.YEU, base, avg)
    return HocLucResult(base, base, avg)


def title(hoc_luc_level: HocLuc, hanh_kiem: HanhKiem) -> str:
    """Danh hiệu: HS Giỏi (Giỏi + Tốt), HS Tiên tiến (Khá or better + Khá or better), else none."""
    if hoc_luc_level == HocLuc.GIOI and hanh_kiem == HanhKiem.TOT:
        return "Học sinh Giỏi"
    if hoc_luc_level >= HocLuc.KHA and hanh_kiem >= HanhKiem.KHA:
        return "Học sinh Tiên tiến"
    return ""
