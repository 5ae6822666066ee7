"""A class's results for a period, ready for approval: what is still missing, and each student's result row.

Pure: takes the class's cells, exemptions, training ratings, absences and summer-round inputs as plain data and
uses the rules engine (rules/evaluate.py, rules/tt22.py) for every result; nothing here decides a threshold. The
rows are what the homeroom teacher submits, the principal approves and the events carry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gradebook.domain.approval import ResultPeriod
from gradebook.domain.rules import tt22
from gradebook.domain.rules.evaluate import (
    CommentAssessments,
    ScoredAssessments,
    SubjectYearInput,
    Tt22Input,
    evaluate_tt22,
    explain_learning,
)
from gradebook.domain.rules.evaluation_io import tt22_output
from gradebook.domain.rules.tt22 import Level, SubjectOutcome
from gradebook.domain.sheet import FINAL, MIDTERM, CellValue, Rating, columns, semester_result

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
