"""Year-end evaluation of one THCS/THPT student by Thông tư 22, with a reason for every decision.

Pure: takes already-validated inputs (see evaluation_io.py for the wire format) and reuses the rule set's
building blocks in tt22.py, where every threshold lives (primary school: evaluate_tt27.py). The cases the
circulars leave open are decided in tt22.promotion / settle_year_end / year_end_award (docs/adr/0013).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from edu_shared.errors import InvalidInput
from gradebook.domain.rules import tt22
from gradebook.domain.rules.tt22 import (
    LEVEL_RULES,
    Award,
    LearningResult,
    Level,
    LevelCheck,
    Promotion,
    PromotionDecision,
    SubjectOutcome,
)

PERIOD_LABELS = {"hk1": "học kì I", "hk2": "học kì II", "year": "cả năm"}

# A subject's result in a period: an average (scored), Đ/CĐ as True/False (comment-only), None when exempt.
Mark = Decimal | bool | None


@dataclass(frozen=True)
class ScoredAssessments:
    regular: tuple[Decimal, ...]
    midterm: Decimal
    final: Decimal


@dataclass(frozen=True)
class CommentAssessments:
    """Đ = True, CĐ = False, None = not assessed (which makes the semester CĐ)."""

    regular: tuple[bool | None, ...]
    midterm: bool | None
    final: bool | None


@dataclass(frozen=True)
class SubjectYearInput:
    """One subject's year; a semester given as None is one the student is exempt from."""

    name: str
    scored: bool
    periods_per_year: int
    hk1: ScoredAssessments | CommentAssessments | None
    hk2: ScoredAssessments | CommentAssessments | None
    retest: Decimal | bool | None = None


@dataclass(frozen=True)
class Tt22Input:
    grade: int
    subjects: tuple[SubjectYearInput, ...]
    training_hk1: Level
    training_hk2: Level
    summer_training: Level | None
    absent_sessions: int


@dataclass(frozen=True)
class SubjectEvaluation:
    name: str
    hk1: Mark
    hk2: Mark
    year_before_retest: Mark
    year: Mark


@dataclass(frozen=True)
class Tt22Evaluation:
    subjects: tuple[SubjectEvaluation, ...]
    learning_hk1: LearningResult
    learning_hk2: LearningResult
    learning_year_before_retest: LearningResult
    learning_year: LearningResult
    training_hk1: Level
    training_hk2: Level
    training_year_before_summer: Level
    training_year: Level
    decision: PromotionDecision
    outcome: Promotion
    award: Award
    explanations: dict[str, str]
    warnings: tuple[str, ...]


def _semester_mark(subject: SubjectYearInput, assessments: ScoredAssessments | CommentAssessments | None) -> Mark:
    required = tt22.regular_assessments_required(subject.periods_per_year)
    if assessments is None:
        return None
    if isinstance(assessments, ScoredAssessments):
        return tt22.semester_average(
            regular=assessments.regular,
            midterm=assessments.midterm,
            final=assessments.final,
            required_regular=required,
        )
    return tt22.comment_semester_passed(
        regular=[bool(r) for r in assessments.regular if r is not None],
        midterm=assessments.midterm,
        final=assessments.final,
        required_regular=required,
    )


def _year_mark(scored: bool, hk1: Mark, hk2: Mark) -> Mark:
    """Year result; with one semester exempt, the other semester's result stands for the year (ADR 0013)."""
    if hk1 is None or hk2 is None:
        return hk2 if hk2 is not None else hk1
    if scored and isinstance(hk1, Decimal) and isinstance(hk2, Decimal):
        return tt22.year_average(hk1, hk2)
    return tt22.comment_year_passed(semester2_passed=bool(hk2))


def _outcome(name: str, mark: Mark) -> SubjectOutcome:
    if mark is None:
        return SubjectOutcome(name, exempt=True)
    if isinstance(mark, bool):
        return SubjectOutcome(name, passed=mark)
    return SubjectOutcome(name, average=mark)


def _show(mark: Mark) -> str:
    if mark is None:
        return "Miễn"
    if isinstance(mark, bool):
        return "Đ" if mark else "CĐ"
    return str(mark)


def _names(codes: Sequence[str]) -> str:
    return ", ".join(codes)


def _split(subjects: Sequence[SubjectOutcome]) -> tuple[dict[str, Decimal], dict[str, bool]]:
    scored = {s.code: s.average for s in subjects if not s.exempt and s.average is not None}
    comments = {s.code: s.passed for s in subjects if not s.exempt and s.passed is not None}
    return scored, comments


def _shortfall(check: LevelCheck, scored: Mapping[str, Decimal]) -> str:
    """Why one row of the table is not met, in Vietnamese."""
    rule = check.rule
    reasons: list[str] = []
    if len(check.failed_comments) > rule.max_failed_comments:
        allowed = "không môn nào" if rule.max_failed_comments == 0 else f"tối đa {rule.max_failed_comments} môn"
        reasons.append(
            f"có {len(check.failed_comments)} môn đánh giá bằng nhận xét Chưa đạt ({_names(check.failed_comments)}; "
            f"cho phép {allowed})"
        )
    if check.below_floor:
        below = ", ".join(f"{code} {scored[code]}" for code in check.below_floor)
        reasons.append(f"có môn dưới {rule.floor} ({below})")
    if check.count < rule.min_count:
        reasons.append(f"chỉ {check.count} môn từ {rule.count_at} trở lên (cần ít nhất {rule.min_count})")
    return "; ".join(reasons)


def _met(check: LevelCheck) -> str:
    rule = check.rule
    comments = (
        "mọi môn nhận xét Đạt"
        if rule.max_failed_comments == 0
        else f"{len(check.failed_comments)} môn nhận xét Chưa đạt (tối đa {rule.max_failed_comments})"
    )
    return (
        f"{comments}, không môn tính điểm nào dưới {rule.floor} và {check.count} môn từ {rule.count_at} trở lên "
        f"(cần ít nhất {rule.min_count})"
    )


def _lenient_level(scored: Mapping[str, Decimal], comments: Mapping[str, bool], lenient: str) -> Level:
    for rule in LEVEL_RULES:
        if tt22.check_level(rule, scored, comments, lenient=lenient).met:
            return rule.level
    return Level.CHUA_DAT


def explain_learning(result: LearningResult, subjects: Sequence[SubjectOutcome], period: str) -> str:
    """Which condition of the table decided the learning level, including the one-subject adjustment."""
    scored, comments = _split(subjects)
    checks = {rule.level: tt22.check_level(rule, scored, comments) for rule in LEVEL_RULES}
    level = result.unadjusted
    parts: list[str] = []
    if level != Level.TOT:
        higher = Level(level + 1)
        parts.append(f"không đạt mức {higher.label} vì {_shortfall(checks[higher], scored)}")
    if level != Level.CHUA_DAT:
        parts.append(f"đạt mức {level.label} vì {_met(checks[level])}")
    joined = "; ".join(parts)
    if result.adjusted_for is not None:
        joined = f"theo bảng xếp loại là {level.label}: {joined}"
    text = f"Học tập {PERIOD_LABELS[period]}: {result.level.label}. {joined[:1].upper()}{joined[1:]}."
    if result.adjusted_for is not None:
        code = result.adjusted_for
        without = _lenient_level(scored, comments, code)
        text += (
            f" Điều chỉnh lên mức liền kề: chỉ riêng môn {code} ({scored[code]}) làm kết quả thấp hơn hai mức "
            f"(không có môn này chặn thì đạt {without.label}), nên từ {result.unadjusted.label} được nâng lên "
            f"{result.level.label}."
        )
    else:
        one_step = sorted(code for code in scored if _lenient_level(scored, comments, code) == level + 1)
        if one_step:
            text += (
                f" Không điều chỉnh: môn {_names(one_step)} chỉ làm kết quả thấp hơn một mức "
                "(điều chỉnh chỉ khi thấp hơn từ hai mức trở lên)."
            )
    exempt = [s.code for s in subjects if s.exempt]
    if exempt:
        text += f" Không tính môn được miễn: {_names(exempt)}."
    return text


def _explain_training(hk1: Level, hk2: Level, year: Level, summer: Level | None) -> str:
    text = f"Rèn luyện cả năm: {year.label} (học kì I {hk1.label}, học kì II {hk2.label}, theo bảng của Thông tư 22)."
    if summer is not None:
        text += f" Sau rèn luyện hè: {summer.label}, thay cho kết quả cả năm."
    return text


def _explain_outcome(
    data: Tt22Input, decision: PromotionDecision, outcome: Promotion, training: Level, learning: LearningResult
) -> str:
    absent = data.absent_sessions
    if data.absent_sessions > tt22.MAX_ABSENT_SESSIONS:
        return f"Ở lại lớp: nghỉ {absent} buổi, quá {tt22.MAX_ABSENT_SESSIONS} buổi (không xét kết quả khác)."
    if decision.outcome == Promotion.RETAINED:
        return (
            "Ở lại lớp: học tập cả năm Chưa đạt và không có môn nào được kiểm tra lại "
            "(chỉ kiểm tra lại môn có ĐTBmcn dưới 5.0 hoặc môn nhận xét Chưa đạt)."
        )
    if outcome == Promotion.RETAINED:
        if data.summer_training == Level.CHUA_DAT:
            return "Ở lại lớp: rèn luyện cả năm Chưa đạt và rèn luyện hè vẫn Chưa đạt."
        return "Ở lại lớp: học tập cả năm Chưa đạt và sau kiểm tra lại vẫn Chưa đạt."
    retest = _names(decision.retest_subjects)
    if outcome == Promotion.SUMMER_TRAINING:
        text = "Rèn luyện hè: rèn luyện cả năm Chưa đạt."
        if decision.needs_retest:
            text += f" Học tập cả năm cũng Chưa đạt nên còn phải kiểm tra lại: {retest}."
        return text
    if outcome == Promotion.RETEST:
        return f"Kiểm tra lại: học tập cả năm Chưa đạt; các môn được kiểm tra lại: {retest}."
    after = []
    if decision.needs_summer_training:
        after.append("rèn luyện hè")
    if decision.needs_retest:
        after.append("kiểm tra lại")
    how = f" sau {' và '.join(after)}" if after else ""
    return (
        f"Lên lớp{how}: rèn luyện cả năm {training.label} và học tập cả năm {learning.level.label} "
        f"(cùng từ Đạt trở lên), nghỉ {absent} buổi (không quá {tt22.MAX_ABSENT_SESSIONS})."
    )


def _explain_award(
    award: Award, decision: PromotionDecision, training: Level, learning: Level, year: Sequence[SubjectOutcome]
) -> str:
    nines = tt22.excellent_subjects(year)
    if decision.outcome != Promotion.PROMOTED:
        return f"Không khen thưởng: học sinh không được lên lớp thẳng ({decision.outcome.label})."
    if award == Award.NONE:
        return (
            "Không khen thưởng: cần rèn luyện Tốt và học tập Tốt "
            f"(rèn luyện {training.label}, học tập {learning.label})."
        )
    listed = f" ({_names(nines)})" if nines else ""
    if award == Award.XUAT_SAC:
        return (
            f"Học sinh Xuất sắc: rèn luyện Tốt, học tập Tốt và {len(nines)} môn có ĐTBmcn từ {tt22.XUAT_SAC_AT} "
            f"trở lên{listed}."
        )
    return (
        f"Học sinh Giỏi: rèn luyện Tốt, học tập Tốt; chỉ {len(nines)} môn có ĐTBmcn từ {tt22.XUAT_SAC_AT} trở lên"
        f"{listed}, cần {tt22.XUAT_SAC_MIN_SUBJECTS} cho Học sinh Xuất sắc."
    )


def evaluate_tt22(data: Tt22Input) -> Tt22Evaluation:
    """One THCS/THPT student's semesters and year by Thông tư 22, retest and summer training included."""
    marks: list[tuple[SubjectYearInput, Mark, Mark, Mark]] = []
    for subject in data.subjects:
        hk1 = _semester_mark(subject, subject.hk1)
        hk2 = _semester_mark(subject, subject.hk2)
        marks.append((subject, hk1, hk2, _year_mark(subject.scored, hk1, hk2)))
    semester1 = [_outcome(s.name, hk1) for s, hk1, _, _ in marks]
    semester2 = [_outcome(s.name, hk2) for s, _, hk2, _ in marks]
    year = [_outcome(s.name, y) for s, _, _, y in marks]
    learning1 = tt22.learning_result(semester1)
    learning2 = tt22.learning_result(semester2)
    learning_year = tt22.learning_result(year)
    training_year = tt22.training_year_result(data.training_hk1, data.training_hk2)
    decision = tt22.promotion(
        training=training_year, learning=learning_year, year_subjects=year, absent_sessions=data.absent_sessions
    )

    retests: dict[str, SubjectOutcome] = {}
    for index, (subject, _, _, _) in enumerate(marks):
        if subject.retest is None:
            continue
        if subject.name not in decision.retest_subjects:
            raise InvalidInput(
                f"Môn {subject.name} không thuộc diện kiểm tra lại nên không nhận kết quả kiểm tra lại "
                f"({_show(subject.retest)}).",
                field=f"subjects[{index}].retest",
                value=_show(subject.retest),
            )
        retests[subject.name] = _outcome(subject.name, subject.retest)
    if data.summer_training is not None and not decision.needs_summer_training:
        raise InvalidInput(
            f"Học sinh không thuộc diện rèn luyện hè nên không nhận kết quả rèn luyện hè "
            f"({data.summer_training.label}).",
            field="training.summer",
            value=data.summer_training.label,
        )
    after_retest = tt22.after_retest(year, retests) if retests else None
    outcome = tt22.settle_year_end(
        decision, training_after_summer=data.summer_training, learning_after_retest=after_retest
    )
    final_learning = after_retest if after_retest is not None else learning_year
    final_training = data.summer_training if data.summer_training is not None else training_year
    award = tt22.year_end_award(decision, training=training_year, learning=learning_year.level, year_subjects=year)

    subjects = tuple(
        SubjectEvaluation(
            name=s.name,
            hk1=hk1,
            hk2=hk2,
            year_before_retest=y,
            year=s.retest if s.retest is not None else y,
        )
        for s, hk1, hk2, y in marks
    )
    final_year = [_outcome(s.name, s.year) for s in subjects]
    explanations = {
        "learning.hk1": explain_learning(learning1, semester1, "hk1"),
        "learning.hk2": explain_learning(learning2, semester2, "hk2"),
        "learning.year": explain_learning(final_learning, final_year, "year"),
        "training.year": _explain_training(data.training_hk1, data.training_hk2, training_year, data.summer_training),
        "outcome": _explain_outcome(data, decision, outcome, final_training, final_learning),
        "award": _explain_award(award, decision, training_year, learning_year.level, year),
    }
    if retests:
        explanations["learning.year"] += (
            f" Trước kiểm tra lại: {learning_year.level.label}; kết quả kiểm tra lại thay cho kết quả cả năm "
            f"của môn {_names(list(retests))}."
        )
    assessed_scored = sum(1 for s in year if s.average is not None)
    warnings: tuple[str, ...] = ()
    if assessed_scored < tt22.LEVEL_RULES[-1].min_count:
        warnings = (
            f"Chỉ có {assessed_scored} môn tính điểm được đánh giá; mức Đạt trở lên cần ít nhất "
            f"{tt22.LEVEL_RULES[-1].min_count} môn, hãy kiểm tra dữ liệu đầu vào.",
        )
    return Tt22Evaluation(
        subjects=subjects,
        learning_hk1=learning1,
        learning_hk2=learning2,
        learning_year_before_retest=learning_year,
        learning_year=final_learning,
        training_hk1=data.training_hk1,
        training_hk2=data.training_hk2,
        training_year_before_summer=training_year,
        training_year=final_training,
        decision=decision,
        outcome=outcome,
        award=award,
        explanations=explanations,
        warnings=warnings,
    )
