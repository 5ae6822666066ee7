"""Use cases of subject comments (nhận xét): the subject teacher writes them, the sheet's readers read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.contracts.gradebook_records import CommentChange, SubjectCommentsRecorded
from gradebook.domain.comments import COMMENT_COLUMN, CommentEntry, check_comments
from gradebook.domain.locks import Cell, locked_error
from gradebook.service_layer.handlers import Caller, _class_subject_scope, _sheet_target
from gradebook.service_layer.uow import GradebookUnitOfWork


@dataclass(frozen=True)
class RecordComments:
    class_id: str
    subject_code: str
    semester: int
    entries: Sequence[CommentEntry]


async def record_comments(cmd: RecordComments, uow: GradebookUnitOfWork, *, caller: Caller) -> list[CommentChange]:
    """Save a batch of comments all-or-nothing while the sheet is open; each change is audited and announced."""
    await authorize(
        caller.user,
        Permission.SCORES_ENTER,
        _class_subject_scope(cmd.class_id, cmd.subject_code),
        resolver=caller.resolver,
    )
    async with uow:
        klass, subject = await _sheet_target(uow, class_id=cmd.class_id, subject_code=cmd.subject_code)
        await uow.scores.serialize_school(klass.school_id)
        roster = {s.id: s.full_name for s in await uow.scores.class_students(cmd.class_id)}
        wanted = check_comments(cmd.entries, students=roster)
        cell = Cell(klass.school_id, cmd.class_id, cmd.subject_code, cmd.semester, COMMENT_COLUMN)
        lock = next((lk for lk in await uow.scores.active_locks(school_id=klass.school_id) if lk.covers(cell)), None)
        current = await uow.comments.sheet(class_id=cmd.class_id, subject_code=cmd.subject_code, semester=cmd.semester)
        changes = [
            CommentChange(student_id=s, old=current.get(s), new=t) for s, t in wanted.items() if current.get(s) != t
        ]
        if not changes:
            return []
        if lock is not None:
            first = changes[0].student_id
            raise locked_error(lock, cell, student_id=first, student_name=roster[first], cells=[])
        now = datetime.now(UTC)
        for change in changes:
            await uow.comments.set(
                class_id=cmd.class_id,
                subject_code=cmd.subject_code,
                semester=cmd.semester,
                student_id=change.student_id,
                school_id=klass.school_id,
                text=change.new,
                by=caller.user.username,
                at=now,
            )
            uow.audit.record(
                chain=klass.school_id,
                actor_id=caller.user.sub,
                actor_name=caller.user.username,
                action="comment.recorded",
                entity="comment",
                entity_id=f"{cmd.class_id}:{cmd.subject_code}:{cmd.semester}:{change.student_id}",
                before=change.old,
                after=change.new,
            )
        uow.emit(
            SubjectCommentsRecorded(
                school_id=klass.school_id,
                class_id=cmd.class_id,
                subject_code=cmd.subject_code,
                subject_name=subject.name,
                school_year=klass.year,
                semester=cmd.semester,
                recorded_by=caller.user.username,
                recorded_at=now,
                changes=changes,
            ),
            partition_key=klass.school_id,
            subject=f"{cmd.class_id}:{cmd.subject_code}",
        )
        await uow.commit()
        return changes


async def sheet_comments(
    uow: GradebookUnitOfWork, *, caller: Caller, class_id: str, subject_code: str, semester: int
) -> dict[str, str]:
    """The sheet's comments by student id."""
    await authorize(
        caller.user, Permission.SCORES_READ, _class_subject_scope(class_id, subject_code), resolver=caller.resolver
    )
    async with uow:
        await _sheet_target(uow, class_id=class_id, subject_code=subject_code)
        return await uow.comments.sheet(class_id=class_id, subject_code=subject_code, semester=semester)
