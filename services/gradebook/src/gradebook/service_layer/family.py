"""What a parent or a student reads: the child's own row of every sheet of their current class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from edu_shared.auth.permissions import Scope, ScopeResolver
from edu_shared.auth.principal import ScopeType
from edu_shared.errors import NotFound
from gradebook.service_layer import handlers, records
from gradebook.service_layer.handlers import Caller, Sheet
from gradebook.service_layer.uow import GradebookUnitOfWork


@dataclass(frozen=True)
class _OwnRowOfClass:
    """Lineage that lets a student's own grants (a parent, the student) reach the class's sheets; used only after
    the student read was authorized, and only that student's row is returned."""

    resolver: ScopeResolver
    student_id: str
    class_id: str

    async def lineage(self, scope: Scope) -> set[Scope]:
        found = await self.resolver.lineage(scope)
        if scope[0] == ScopeType.CLASS_SUBJECT and scope[1].split(":", 1)[0] == self.class_id:
            found.add((ScopeType.STUDENT, self.student_id))
        return found


@dataclass(frozen=True)
class StudentSheets:
    student_id: str
    full_name: str
    class_id: str
    school_year: str
    semester: int
    sheets: list[Sheet]  # each holding only this student's row


async def student_sheets(
    uow: Callable[[], GradebookUnitOfWork], *, caller: Caller, student_id: str, semester: int
) -> StudentSheets:
    """Every subject of the student's current class for the semester, their row only (SCORES_READ over them)."""
    async with uow() as u:
        class_id = await u.scores.current_class(student_id)
    if class_id is None:
        raise NotFound(f"Học sinh {student_id} chưa được xếp lớp.", field="student_id", value=student_id)
    seen = await records.student_attendance(uow, caller=caller, class_id=class_id, student_id=student_id)
    async with uow() as u:
        subjects = await u.scores.class_subject_list(class_id)
    own = Caller(user=caller.user, resolver=_OwnRowOfClass(caller.resolver, student_id, class_id))
    sheets: list[Sheet] = []
    for subject in subjects:
        sheet = await handlers.score_sheet(
            uow(), caller=own, class_id=class_id, subject_code=subject.code, semester=semester
        )
        sheets.append(sheet.only(student_id))
    return StudentSheets(student_id, seen.full_name, class_id, seen.school_year, semester, sheets)
