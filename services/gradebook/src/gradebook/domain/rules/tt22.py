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


@dataclass(frozen=True)
class LevelRule:
    """One row of the circular's learning-result table (Đạt's "none below 3.5" is its floor)."""

    level: Level
    max_failed_comments: int
    floor: Decimal  # every scored subject at least this
    count_at: Decimal  # and at least `min_count` scored subjects at least this
    min_count: int = 6


LEVEL_RULES = (
    LevelRule(Level.TOT, max_failed_comments=0, floor=Decimal("6.5"), count_at=Decimal("8.0")),
    LevelRule(Level.KHA, max_failed_comments=0, floor=Decimal("5.0"), count_at=Decimal("6.5")),
    LevelRule(Level.DAT, max_failed_comments=1, floor=Decimal("3.5"), count_at=Decimal("5.0")),
)


@dataclass(frozen=True)
class LevelCheck:
    """How a student stands against one row: what blocks it, if anything (used for results and explanations)."""

    rule: LevelRule
    failed_comments: tuple[str, ...]
    below_floor: tuple[str, ...]
    count: int

    @property
    def met(self) -> bool:
        return (
            len(self.failed_comments) <= self.rule.max_failed_comments
            and not self.below_floor
            and self.count >= self.rule.min_count
        )


def check_level(
    rule: LevelRule, scored: Mapping[str, Decimal], comments: Mapping[str, bool], *, lenient: str | None = None
) -> LevelCheck:
    """Check one row of the table; `lenient` names a scored subject whose floor is not checked (ADR 0012)."""
    return LevelCheck(
        rule=rule,
        failed_comments=tuple(code for code, ok in comments.items() if not ok),
        below_floor=tuple(code for code, v in scored.items() if code != lenient and v < rule.floor),
        count=sum(1 for v in scored.values() if v >= rule.count_at),
    )


def _level(scored: Mapping[str, Decimal], comments: Mapping[str, bool], *, lenient: str | None) -> Level:
    """The level by the circular's table; `lenient` names a scored subject whose floors are not checked.

    The same conditions as `check_level(...).met`, without building the explanation: a school's recompute calls
    this for every student, period and spared subject.
    """
    failed = sum(1 for ok in comments.values() if not ok)
    for rule in LEVEL_RULES:
        if failed > rule.max_failed_comments:
            continue
        if any(v < rule.floor for code, v in scored.items() if code != lenient):
            continue
        if sum(1 for v in scored.values() if v >= rule.count_at) >= rule.min_count:
            return rule.level
    return Level.CHUA_DAT


def learning_result(subjects: Sequence[SubjectOutcome]) -> LearningResult:
    """Kết quả học tập of a semester or the year, with the one-subject upward adjustment."""
    scored = {s.code: s.average for s in subjects if not s.exempt and s.average is not None}
    comments = {s.code: s.passed for s in subjects if not s.exempt and s.passed is not None}
    base = _level(scored, comments, lenient=None)
    # Two levels up is out of reach from Khá, and sparing a subject that clears every floor changes nothing:
    # only students at Đạt or below, and only their subjects under the highest floor, can be adjusted.
    if base <= Level.DAT:
        highest_floor = LEVEL_RULES[0].floor
        for code in sorted(c for c, v in scored.items() if v < highest_floor):
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
    """The year-end decision before retest and summer training; both can be owed at once (ADR 0013)."""

    outcome: Promotion
    retest_subjects: tuple[str, ...] = ()
    needs_summer_training: bool = False
    needs_retest: bool = False


RETEST_BELOW = Decimal("5.0")


def retest_subjects(year_subjects: Sequence[SubjectOutcome]) -> tuple[str, ...]:
    """Subjects a student may retest: scored with ĐTBmcn < 5.0, comment-only rated CĐ (exempt ones never)."""
    return tuple(
        s.code
        for s in year_subjects
        if not s.exempt and ((s.average is not None and s.average < RETEST_BELOW) or s.passed is False)
    )


def promotion(
    *, training: Level, learning: LearningResult, year_subjects: Sequence[SubjectOutcome], absent_sessions: int
) -> PromotionDecision:
    """Year-end decision before any retest or summer training (the cases are decided in ADR 0013).

    More than 45 absent sessions retains the student whatever else. Training Chưa đạt owes summer training and
    learning Chưa đạt owes a retest; a student with both owes both (the outcome shows summer training first). A
    learning Chưa đạt that no subject can be retested for (fewer than six scored subjects) cannot be repaired.
    """
    if absent_sessions > MAX_ABSENT_SESSIONS:
        return PromotionDecision(Promotion.RETAINED)
    retest = retest_subjects(year_subjects) if learning.level == Level.CHUA_DAT else ()
    if learning.level == Level.CHUA_DAT and not retest:
        return PromotionDecision(Promotion.RETAINED)
    summer = training == Level.CHUA_DAT
    if summer:
        return PromotionDecision(
            Promotion.SUMMER_TRAINING, retest_subjects=retest, needs_summer_training=True, needs_retest=bool(retest)
        )
    if retest:
        return PromotionDecision(Promotion.RETEST, retest_subjects=retest, needs_retest=True)
    return PromotionDecision(Promotion.PROMOTED)


def settle_year_end(
    decision: PromotionDecision, *, training_after_summer: Level | None, learning_after_retest: LearningResult | None
) -> Promotion:
    """The outcome once summer training and retest results (None while not held) are known (ADR 0013).

    Still Chưa đạt after either one retains the student at once; a step still owed keeps the outcome pending
    (summer training before retest); everything owed and passed promotes.
    """
    if decision.outcome in (Promotion.PROMOTED, Promotion.RETAINED):
        return decision.outcome
    if training_after_summer == Level.CHUA_DAT:
        return Promotion.RETAINED
    if learning_after_retest is not None and learning_after_retest.level == Level.CHUA_DAT:
        return Promotion.RETAINED
    if decision.needs_summer_training and training_after_summer is None:
        return Promotion.SUMMER_TRAINING
    if decision.needs_retest and learning_after_retest is None:
        return Promotion.RETEST
    return Promotion.PROMOTED


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


XUAT_SAC_AT = Decimal("9.0")
XUAT_SAC_MIN_SUBJECTS = 6


def excellent_subjects(year_subjects: Sequence[SubjectOutcome]) -> tuple[str, ...]:
    """Scored subjects whose ĐTBmcn reaches 9.0 (the Xuất sắc count)."""
    return tuple(s.code for s in year_subjects if not s.exempt and s.average is not None and s.average >= XUAT_SAC_AT)


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
    return Award.XUAT_SAC if len(excellent_subjects(year_subjects)) >= XUAT_SAC_MIN_SUBJECTS else Award.GIOI


def year_end_award(
    decision: PromotionDecision, *, training: Level, learning: Level, year_subjects: Sequence[SubjectOutcome]
) -> Award:
    """Awards go only to students promoted straight away, judged on the results before any retest (ADR 0013)."""
    if decision.outcome != Promotion.PROMOTED:
        return Award.NONE
    return year_award(training=training, learning=learning, year_subjects=year_subjects)
