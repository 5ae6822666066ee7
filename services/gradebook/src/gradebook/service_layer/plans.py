"""The assessment plan of a class: which rule set governs it and, per subject and semester, which assessments."""

from __future__ import annotations

from dataclasses import dataclass

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.errors import NotFound
from gradebook.adapters.scores_repo import SubjectInfo
from gradebook.domain.rules.selection import rule_set_for
from gradebook.domain.sheet_layout import SheetLayout, sheet_layout
from gradebook.service_layer.handlers import Caller
from gradebook.service_layer.uow import GradebookUnitOfWork


@dataclass(frozen=True)
class SubjectPlan:
    subject: SubjectInfo
    semesters: dict[int, SheetLayout]


@dataclass(frozen=True)
class AssessmentPlan:
    class_id: str
    class_name: str
    grade: int
    school_year: str
    rule_set: str
    subjects: list[SubjectPlan]


async def assessment_plan(uow: GradebookUnitOfWork, *, caller: Caller, class_id: str) -> AssessmentPlan:
    """Every subject's assessments per semester, from the rule set selected by grade and school year."""
    await authorize(caller.user, Permission.SCORES_READ, (ScopeType.CLASS, class_id), resolver=caller.resolver)
    async with uow:
        klass = await uow.scores.class_info(class_id)
        grade = await uow.results.class_grade(class_id)
        if klass is None or grade is None:
            raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
        subjects = await uow.scores.class_subject_list(class_id)
    rule_set = rule_set_for(grade=grade, school_year_start=int(klass.year[:4]))
    plans = [
        SubjectPlan(
            subject=s,
            semesters={
                semester: sheet_layout(
                    rule_set=rule_set,
                    grade=grade,
                    subject_code=s.code,
                    assessment=s.assessment,
                    periods_per_year=s.periods_per_year,
                    semester=semester,
                )
                for semester in (1, 2)
            },
        )
        for s in subjects
    ]
    return AssessmentPlan(class_id, klass.name, grade, klass.year, rule_set, plans)
