"""Thông tư 22/2021/TT-BGDĐT: assessment of THCS and THPT students (all grades from 2024–25).

Pure functions over Decimal scores. Every threshold of the circular is here and nowhere else; see
../shared/DOMAIN.md §3.1. One reading needed a decision (documented in docs/adr/0012-tt22-adjustment-rule.md):
the "lowered by a single subject" adjustment treats that subject as not blocking the floors ("every subject
≥ x", "none below y") while it still counts with its real score toward "at least 6 subjects ≥ z".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

from edu_shared.errors import InvalidInput
from gradebook.domain.scores import round1

RULE_SET = "TT22/2021"


class Level(IntEnum):
    """Learning and training result levels, ordered so that comparisons read naturally."""

    CHUA_DAT = 0
    DAT = 1
    KHA = 2
    TOT = 3

    @property
    def label(self) -> str:
        return {0: "Chưa đạt", 1: "Đạt", 2: "Khá", 3: "Tốt"}[self.value]


class IncompleteAssessment(InvalidInput):
    slug = "incomplete-assessment"
    title = "Chưa đủ đầu điểm"


def regular_assessments_required(periods_per_year: int) -> int:
    """Number of regular assessments (ĐĐGtx) per semester: ≤35 periods → 2, 36–70 → 3, >70 → 4."""
    if periods_per_year <= 0:
        raise InvalidInput("Số tiết/năm phải là số dương.", field="periods_per_year", value=periods_per_year)
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4


def semester_average(
    *, regular: Sequence[Decimal], midterm: Decimal | None, final: Decimal | None, required_regular: int
) -> Decimal:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (number of ĐĐGtx + 5), rounded to one decimal."""
    if len(regular) < required_regular or midterm is None or final is None:
        raise IncompleteAssessment(
            f"Chưa đủ đầu điểm: cần {required_regular} điểm thường xuyên, điểm giữa kì và cuối kì "
            f"(đang có {len(regular)} điểm thường xuyên"
            f"{'' if midterm is not None else ', thiếu giữa kì'}{'' if final is not None else ', thiếu cuối kì'}).",
            required_regular=required_regular,
            regular_count=len(regular),
        )
    total = sum(regular, Decimal(0)) + 2 * midterm + 3 * final
    return round1(total / Decimal(len(regular) + 5))


def year_average(semester1: Decimal, semester2: Decimal) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, rounded once, at the end."""
    return round1((semester1 + 2 * semester2) / Decimal(3))


def comment_semester_passed(
    *, regular: Sequence[bool], midterm: bool | None, final: bool | None, required_regular: int
) -> bool:
    """Comment-only subject: Đạt when every required assessment is present and every one is Đạt."""
    complete = len(regular) >= required_regular and midterm is not None and final is not None
    return complete and all(regular) and bool(midterm) and bool(final)


def comment_year_passed(*, semester2_passed: bool) -> bool:
    """The year result of a comment-only subject is its semester II result."""
    return semester2_passed


@dataclass(frozen=True)
class SubjectOutcome:
    """One subject's result for a semester or the year; exempt subjects are left out of the evaluation."""

    code: str
    average: Decimal | None = None  # scored subjects
    passed: bool | None = None  # comment-only subjects (Đ = True, CĐ = False)
    exempt: bool = False

    def __post_init__(self) -> None:
        if not self.exempt and (self.average is None) == (self.passed is None):
            raise ValueError(f"subject {self.code}: give exactly one of average or passed")


@dataclass(frozen=True)
class LearningResult:
    level: Level
    unadjusted: Level
    adjusted_for: str | None  # the subject whose single result triggered the upward adjustment


def _level(scored: Mapping[str, Decimal], comments: Mapping[str, bool], *, lenient: str | None) -> Level:
    """The level by the circular's table; `lenient` names a scored subject whose floors are not checked."""
    floors = [v for code, v in scored.items() if code != lenient]
    failed_comments = sum(1 for ok in comments.values() if not ok)

    def at_least(threshold: str) -> int:
        return sum(1 for v in scored.values() if v >= Decimal(threshold))

    if failed_comments == 0 and all(v >= Decimal("6.5") for v in floors) and at_least("8.0") >= 6:
        return Level.TOT
    if failed_comments == 0 and all(v >= Decimal("5.0") for v in floors) and at_least("6.5") >= 6:
        return Level.KHA
    if failed_comments <= 1 and at_least("5.0") >= 6 and all(v >= Decimal("3.5") for v in floors):
        return Level.DAT
    return Level.CHUA_DAT


def learning_result(subjects: Sequence[SubjectOutcome]) -> LearningResult:
    """Kết quả học tập of a semester or the year, with the one-subject upward adjustment."""
    scored = {s.code: s.average for s in subjects if not s.exempt and s.average is not None}
    comments = {s.code: s.passed for s in subjects if not s.exempt and s.passed is not None}
    base = _level(scored, comments, lenient=None)
    for code in sorted(scored):
        if _level(scored, comments, lenient=code) - base >= 2:
            return LearningResult(level=Level(base + 1), unadjusted=base, adjusted_for=code)
    return LearningResult(level=base, unadjusted=base, adjusted_for=None)


def training_year_result(semester1: Level, semester2: Level) -> Level:
    """Kết quả rèn luyện cả năm from the two semesters (the circular's table)."""
    t, k, d, c = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT
    if semester2 == t and semester1 >= k:
        return t
    if (
        (semester2 == k and semester1 >= d)
        or (semester2 == d and semester1 == t)
        or (semester2 == t and semester1 <= d)
    ):
        return k
    if (semester2 == d and semester1 in (k, d, c)) or (semester2 == k and semester1 == c):
        return d
    return c


MAX_ABSENT_SESSIONS = 45


class Promotion(IntEnum):
    PROMOTED = 0  # lên lớp
    RETEST = 1  # kiểm tra lại
    SUMMER_TRAINING = 2  # rèn luyện trong kì nghỉ hè
    RETAINED = 3  # ở lại lớp

    @property
    def label(self) -> str:
        return {0: "Lên lớp", 1: "Kiểm tra lại", 2: "Rèn luyện hè", 3: "Ở lại lớp"}[self.value]


@dataclass(frozen=True)
class PromotionDecision:
    outcome: Promotion
    retest_subjects: tuple[str, ...] = ()


def promotion(
    *, training: Level, learning: LearningResult, year_subjects: Sequence[SubjectOutcome], absent_sessions: int
) -> PromotionDecision:
    """Year-end decision before any retest or summer training."""
    if absent_sessions > MAX_ABSENT_SESSIONS:
        return PromotionDecision(Promotion.RETAINED)
    if training == Level.CHUA_DAT:
        return PromotionDecision(Promotion.SUMMER_TRAINING)
    if learning.level == Level.CHUA_DAT:
        retest = tuple(
            s.code
            for s in year_subjects
            if not s.exempt and ((s.average is not None and s.average < Decimal("5.0")) or s.passed is False)
        )
        return PromotionDecision(Promotion.RETEST, retest_subjects=retest)
    return PromotionDecision(Promotion.PROMOTED)


def after_retest(year_subjects: Sequence[SubjectOutcome], retest: Mapping[str, SubjectOutcome]) -> LearningResult:
    """Retest results replace those subjects' year results; the year learning result is recomputed.

    *(unconfirmed; TT58 practice, see DOMAIN §3.1)*
    """
    unknown = set(retest) - {s.code for s in year_subjects}
    if unknown:
        raise InvalidInput(
            f"Môn kiểm tra lại không có trong kết quả cả năm: {', '.join(sorted(unknown))}.",
            field="retest",
            value=sorted(unknown),
        )
    return learning_result([retest.get(s.code, s) for s in year_subjects])


class Award(IntEnum):
    NONE = 0
    GIOI = 1  # Học sinh Giỏi
    XUAT_SAC = 2  # Học sinh Xuất sắc

    @property
    def label(self) -> str:
        return {0: "", 1: "Học sinh Giỏi", 2: "Học sinh Xuất sắc"}[self.value]


def year_award(*, training: Level, learning: Level, year_subjects: Sequence[SubjectOutcome]) -> Award:
    """Xuất sắc: training and learning Tốt with ≥ 6 subjects averaging ≥ 9.0; Giỏi: both Tốt otherwise."""
    if training != Level.TOT or learning != Level.TOT:
        return Award.NONE
    nines = sum(1 for s in year_subjects if not s.exempt and s.average is not None and s.average >= Decimal("9.0"))
    return Award.XUAT_SAC if nines >= 6 else Award.GIOI
