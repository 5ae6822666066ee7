"""A class's results for a period, ready for approval: what is still missing, and each student's result row.

Pure: takes the class's cells, exemptions, training ratings, absences and summer-round inputs as plain data and
uses the rules engine (rules/evaluate.py, rules/tt22.py; evaluate_tt27.py for primary classes) for every result;
nothing here decides a threshold. The
rows are what the homeroom teacher submits, the principal approves and the events carry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gradebook.domain.approval import ResultPeriod
from gradebook.domain.conduct import COMPETENCES, QUALITIES, QUALITY_LABELS, Conduct
from gradebook.domain.rules import tt22, tt27
from gradebook.domain.rules.evaluate import (
    CommentAssessments,
    ScoredAssessments,
    SubjectYearInput,
    Tt22Input,
    evaluate_tt22,
    explain_learning,
)
from gradebook.domain.rules.evaluate_tt27 import (
    PrimarySubjectInput,
    RatedInput,
    Tt27Evaluation,
    Tt27Input,
    evaluate_tt27,
)
from gradebook.domain.rules.evaluation_io import tt22_output, tt27_output
from gradebook.domain.rules.tt22 import Level, SubjectOutcome
from gradebook.domain.rules.tt27 import QualityLevel
from gradebook.domain.sheet import FINAL, MIDTERM, CellValue, Rating, SemesterResult, columns, semester_result
from gradebook.domain.sheet_layout import SheetLayout, layout_result, sheet_layout

MISSING_SHOWN = 100


@dataclass(frozen=True)
class SubjectPlan:
    code: str
    name: str
    periods_per_year: int
    scored: bool


@dataclass(frozen=True)
class StudentYear:
    """Everything the year's rules read about one student."""

    student_id: str
    full_name: str
    cells: Mapping[tuple[str, int], Mapping[str, CellValue]]  # (subject code, semester) → column → value
    exempt: frozenset[tuple[str, int | None]] = frozenset()  # (subject code, semester or None for the year)
    training: Mapping[int, Level] = field(default_factory=dict)  # semester → training result (rèn luyện)
    absent_sessions: int = 0
    retest: Mapping[str, Decimal | bool] = field(default_factory=dict)  # subject code → retest result
    summer_training: Level | None = None

    def is_exempt(self, subject: str, semester: int) -> bool:
        return (subject, None) in self.exempt or (subject, semester) in self.exempt


def _semesters(period: ResultPeriod) -> tuple[int, ...]:
    return {"hk1": (1,), "hk2": (2,)}.get(period, (1, 2))


def missing(period: ResultPeriod, subjects: Sequence[SubjectPlan], students: Sequence[StudentYear]) -> list[str]:
    """What still keeps the period from being submitted: incomplete subject results and unrated training."""
    found: list[str] = []
    for student in students:
        for semester in _semesters(period):
            for subject in subjects:
                if student.is_exempt(subject.code, semester):
                    continue
                values = student.cells.get((subject.code, semester), {})
                absent = [c for c in columns(subject.periods_per_year) if values.get(c) is None]
                if absent:
                    found.append(f"{student.full_name}: môn {subject.name} học kì {semester} thiếu {', '.join(absent)}")
            if semester not in student.training:
                found.append(f"{student.full_name}: chưa đánh giá kết quả rèn luyện học kì {semester}")
    return found


def _mark(subject: SubjectPlan, student: StudentYear, semester: int) -> Decimal | bool | None:
    if student.is_exempt(subject.code, semester):
        return None
    result = semester_result(
        student.cells.get((subject.code, semester), {}),
        kind="scored" if subject.scored else "comment",
        periods_per_year=subject.periods_per_year,
    )
    if subject.scored:
        return result.average
    return None if result.rating is None else result.rating == Rating.DAT


def _shown(mark: Decimal | bool | None) -> float | str:
    if mark is None:
        return "Miễn"
    if isinstance(mark, bool):
        return "Đ" if mark else "CĐ"
    return float(mark)


def semester_row(semester: int, subjects: Sequence[SubjectPlan], student: StudentYear) -> dict[str, Any]:
    """One student's semester: each subject's result, the learning result (with its reason) and training."""
    marks = [(s, _mark(s, student, semester)) for s in subjects]
    outcomes = [
        SubjectOutcome(s.name, exempt=True)
        if m is None
        else SubjectOutcome(s.name, passed=m)
        if isinstance(m, bool)
        else SubjectOutcome(s.name, average=m)
        for s, m in marks
    ]
    learning = tt22.learning_result(outcomes)
    period = f"hk{semester}"
    return {
        "student_id": student.student_id,
        "full_name": student.full_name,
        "subjects": [{"code": s.code, "name": s.name, period: _shown(m)} for s, m in marks],
        "learning": {period: learning.level.label},
        "training": {period: student.training[semester].label},
        "outcome": None,
        "retest_subjects": [],
        "award": None,
        "absent_sessions": student.absent_sessions,
        "explanations": {f"learning.{period}": explain_learning(learning, outcomes, period)},
    }


def _assessments(subject: SubjectPlan, values: Mapping[str, CellValue]) -> ScoredAssessments | CommentAssessments:
    regular_columns = columns(subject.periods_per_year)[:-2]
    if subject.scored:
        return ScoredAssessments(
            regular=tuple(Decimal(str(values[c])) for c in regular_columns),
            midterm=Decimal(str(values[MIDTERM])),
            final=Decimal(str(values[FINAL])),
        )
    return CommentAssessments(
        regular=tuple(values[c] == Rating.DAT for c in regular_columns),
        midterm=values[MIDTERM] == Rating.DAT,
        final=values[FINAL] == Rating.DAT,
    )


def year_row(
    subjects: Sequence[SubjectPlan], student: StudentYear, *, with_summer_round: bool = False
) -> dict[str, Any]:
    """One student's year by the rules engine: subjects, learning, training, outcome, retest list, award."""
    inputs: list[SubjectYearInput] = []
    for subject in subjects:
        semesters = {
            semester: None
            if student.is_exempt(subject.code, semester)
            else _assessments(subject, student.cells.get((subject.code, semester), {}))
            for semester in (1, 2)
        }
        retest = student.retest.get(subject.code) if with_summer_round else None
        inputs.append(
            SubjectYearInput(
                name=subject.name,
                scored=subject.scored,
                periods_per_year=subject.periods_per_year,
                hk1=semesters[1],
                hk2=semesters[2],
                retest=retest,
            )
        )
    evaluation = evaluate_tt22(
        Tt22Input(
            grade=0,
            subjects=tuple(inputs),
            training_hk1=student.training[1],
            training_hk2=student.training[2],
            summer_training=student.summer_training if with_summer_round else None,
            absent_sessions=student.absent_sessions,
        )
    )
    row = tt22_output(evaluation)
    codes = {s.name: s.code for s in subjects}
    for subject in row["subjects"]:
        subject["code"] = codes[subject["name"]]
    row["retest_subjects"] = [codes[name] for name in row["retest_subjects"]]
    return {
        "student_id": student.student_id,
        "full_name": student.full_name,
        "absent_sessions": student.absent_sessions,
        **row,
    }


def pending_summer_round(row: Mapping[str, Any]) -> bool:
    """A year row whose student still owes a retest or summer training."""
    return row["outcome"] in ("kiem_tra_lai", "ren_luyen_he")


def summer_round_missing(year_rows: Sequence[Mapping[str, Any]], students: Mapping[str, StudentYear]) -> list[str]:
    """Retest results and summer-training results still to be entered for the students who owe them."""
    found: list[str] = []
    for row in year_rows:
        if not pending_summer_round(row):
            continue
        student = students[row["student_id"]]
        owed = [s for s in row["retest_subjects"] if s not in student.retest]
        if owed:
            found.append(f"{student.full_name}: chưa có kết quả kiểm tra lại môn {', '.join(owed)}")
        if row["training"]["year"] == Level.CHUA_DAT.label and student.summer_training is None:
            found.append(f"{student.full_name}: chưa có kết quả rèn luyện hè")
    return found


# Primary classes (Thông tư 27): levels, periodic tests, qualities and competences instead of averages and training.
# A pupil who has not completed the grade's programme owes a supplementary evaluation in summer (đánh giá bổ sung,
# TT27 Điều 14); the homeroom teacher records its outcome and the principal's approval of the summer round settles
# promotion (docs/adr/0017-primary-year-end.md).
PRIMARY_RULE_SET = "tt27"
PRIMARY_PENDING = "kiem_tra_lai"


@dataclass(frozen=True)
class PrimaryStudentYear:
    """Everything TT27 reads about one pupil: sheet cells, end-of-semester ratings, the summer outcome."""

    student_id: str
    full_name: str
    cells: Mapping[tuple[str, int], Mapping[str, CellValue]]  # (subject code, semester) → column → value
    ratings: Mapping[int, Conduct] = field(default_factory=dict)  # semester → end-of-semester qualities/competences
    absent_sessions: int = 0
    supplementary: bool | None = None  # đánh giá bổ sung: True completed, False not, None not yet entered
    tieu_bieu_proposed: bool = False


def primary_layouts(grade: int, subjects: Sequence[SubjectPlan]) -> dict[tuple[str, int], SheetLayout]:
    """The TT27 sheet layout of every subject and semester of a class."""
    return {
        (s.code, semester): sheet_layout(
            rule_set=tt27.RULE_SET,
            grade=grade,
            subject_code=s.code,
            assessment="scored" if s.scored else "comment",
            periods_per_year=s.periods_per_year,
            semester=semester,
        )
        for s in subjects
        for semester in (1, 2)
    }


def primary_missing(
    period: ResultPeriod, subjects: Sequence[SubjectPlan], students: Sequence[PrimaryStudentYear], *, grade: int
) -> list[str]:
    """What keeps a primary period from being submitted: empty cells of the layout and unrated qualities."""
    layouts = primary_layouts(grade, subjects)
    found: list[str] = []
    for student in students:
        for semester in _semesters(period):
            for subject in subjects:
                values = student.cells.get((subject.code, semester), {})
                absent = [c for c in layouts[(subject.code, semester)].columns if values.get(c) is None]
                if absent:
                    found.append(f"{student.full_name}: môn {subject.name} học kì {semester} thiếu {', '.join(absent)}")
            rating = student.ratings.get(semester)
            if rating is None or set(rating.qualities) != set(QUALITIES) or set(rating.competences) != set(COMPETENCES):
                found.append(f"{student.full_name}: chưa đánh giá phẩm chất, năng lực cuối học kì {semester}")
    return found


def _primary_cell(
    student: PrimaryStudentYear, layouts: Mapping[tuple[str, int], SheetLayout], code: str, semester: int
) -> SemesterResult:
    return layout_result(student.cells.get((code, semester), {}), layout=layouts[(code, semester)])


def _rated(conduct: Conduct, catalogue: Mapping[str, str], *, competences: bool) -> dict[str, QualityLevel]:
    levels = conduct.competences if competences else conduct.qualities
    return {code: levels[code] for code in catalogue}


def primary_semester_row(
    semester: int, subjects: Sequence[SubjectPlan], student: PrimaryStudentYear, *, grade: int
) -> dict[str, Any]:
    """One pupil's semester: each subject's end-of-semester level and test score, qualities and competences."""
    layouts = primary_layouts(grade, subjects)
    period = f"hk{semester}"
    rows: list[dict[str, Any]] = []
    for s in subjects:
        result = _primary_cell(student, layouts, s.code, semester)
        assert result.level is not None  # primary_missing refuses an empty CK
        rows.append(
            {
                "code": s.code,
                "name": s.name,
                period: result.level.value,
                "tests": None if result.test is None else {period: result.test},
            }
        )
    conduct = student.ratings[semester]
    return {
        "student_id": student.student_id,
        "full_name": student.full_name,
        "rule_set": PRIMARY_RULE_SET,
        "subjects": rows,
        "learning": {},
        "training": {},
        "qualities": {c: {period: QUALITY_LABELS[v]} for c, v in _rated(conduct, QUALITIES, competences=False).items()},
        "competences": {
            c: {period: QUALITY_LABELS[v]} for c, v in _rated(conduct, COMPETENCES, competences=True).items()
        },
        "outcome": None,
        "retest_subjects": [],
        "award": None,
        "absent_sessions": student.absent_sessions,
        "explanations": {},
    }


_SUBJECT_LEVELS = {"T": tt27.SubjectLevel.T, "H": tt27.SubjectLevel.H, "C": tt27.SubjectLevel.C}


def primary_evaluation(subjects: Sequence[SubjectPlan], student: PrimaryStudentYear, *, grade: int) -> Tt27Evaluation:
    """The pupil's year by `evaluate_tt27`, from the CK levels and KTCK scores of both semesters."""
    layouts = primary_layouts(grade, subjects)
    inputs: list[PrimarySubjectInput] = []
    for s in subjects:
        first = _primary_cell(student, layouts, s.code, 1)
        second = _primary_cell(student, layouts, s.code, 2)
        assert first.level is not None and second.level is not None  # primary_missing refuses an empty CK
        inputs.append(
            PrimarySubjectInput(
                name=s.name,
                hk1=_SUBJECT_LEVELS[first.level.value],
                year=_SUBJECT_LEVELS[second.level.value],
                test_hk1=first.test,
                test_year=second.test,
            )
        )

    def rated(catalogue: Mapping[str, str], *, competences: bool) -> tuple[RatedInput, ...]:
        hk1 = _rated(student.ratings[1], catalogue, competences=competences)
        year = _rated(student.ratings[2], catalogue, competences=competences)
        return tuple(RatedInput(name=catalogue[c], hk1=hk1[c], year=year[c]) for c in catalogue)

    return evaluate_tt27(
        Tt27Input(
            grade=grade,
            subjects=tuple(inputs),
            qualities=rated(QUALITIES, competences=False),
            competences=rated(COMPETENCES, competences=True),
            tieu_bieu_proposed=student.tieu_bieu_proposed,
        )
    )


def primary_year_row(
    subjects: Sequence[SubjectPlan], student: PrimaryStudentYear, *, grade: int, with_summer_round: bool = False
) -> dict[str, Any]:
    """One pupil's year: subjects, qualities, competences, the TT27 result and award, and the outcome.

    Completed (any Hoàn thành level) → promoted; Chưa hoàn thành → owes the summer's supplementary evaluation
    (outcome "kiem_tra_lai"), settled in the summer round: completed then → promoted, otherwise → retained.
    """
    evaluation = primary_evaluation(subjects, student, grade=grade)
    out = tt27_output(evaluation)
    completed = evaluation.result_year != tt27.YearResult.CHUA_HOAN_THANH
    explanations = dict(evaluation.explanations)
    result = dict(out["result"])
    if completed:
        outcome = "len_lop"
    elif not with_summer_round:
        outcome = PRIMARY_PENDING
        explanations["outcome"] = (
            "Chưa hoàn thành chương trình lớp học: giáo viên giúp đỡ và đánh giá bổ sung trong hè, "
            "sau đó hiệu trưởng phê duyệt kết quả lên lớp hoặc ở lại lớp."
        )
    else:
        outcome = "len_lop" if student.supplementary else "o_lai_lop"
        result["supplementary"] = "hoan_thanh" if student.supplementary else "chua_hoan_thanh"
        explanations["outcome"] = (
            "Đánh giá bổ sung: hoàn thành chương trình lớp học, được lên lớp."
            if student.supplementary
            else "Đánh giá bổ sung: vẫn chưa hoàn thành chương trình lớp học, ở lại lớp."
        )
    rows = [
        {
            "code": s.code,
            "name": s.name,
            "hk1": subject["hk1"],
            "year": subject["year"],
            "tests": subject["tests"],
        }
        for s, subject in zip(subjects, out["subjects"], strict=True)
    ]
    pairs = [(QUALITIES, out["qualities"]), (COMPETENCES, out["competences"])]
    qualities, competences = (
        {code: {"hk1": r["hk1"], "year": r["year"]} for code, r in zip(catalogue, rated, strict=True)}
        for catalogue, rated in pairs
    )
    return {
        "student_id": student.student_id,
        "full_name": student.full_name,
        "rule_set": PRIMARY_RULE_SET,
        "subjects": rows,
        "learning": {},
        "training": {},
        "result": result,
        "result_label": out["result_label"],
        "qualities": qualities,
        "competences": competences,
        "outcome": outcome,
        "retest_subjects": [],
        "award": "xuat_sac" if evaluation.award == tt27.Award.XUAT_SAC else None,
        "award_label": out["award_label"],
        "absent_sessions": student.absent_sessions,
        "explanations": explanations,
    }


def primary_summer_round_missing(
    year_rows: Sequence[Mapping[str, Any]], students: Mapping[str, PrimaryStudentYear]
) -> list[str]:
    """Supplementary-evaluation outcomes still to be entered for the pupils who owe one."""
    return [
        f"{students[row['student_id']].full_name}: chưa có kết quả đánh giá bổ sung"
        for row in year_rows
        if pending_summer_round(row) and students[row["student_id"]].supplementary is None
    ]


# The summer-training entry names the supplementary evaluation's outcome for a primary pupil (ADR 0017).
SUPPLEMENTARY_OUTCOMES: dict[str, bool] = {
    Level.DAT.label: True,
    Level.CHUA_DAT.label: False,
    "Hoàn thành": True,
    "Chưa hoàn thành": False,
}
SUPPLEMENTARY_STORED = {True: "hoan_thanh", False: "chua_hoan_thanh"}
