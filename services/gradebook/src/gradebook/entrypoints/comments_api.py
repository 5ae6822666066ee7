"""Subject comments (nhận xét) HTTP API: one sheet's comments, written and read like its scores."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from edu_shared.web.app import CurrentUser
from gradebook.domain.comments import MAX_LENGTH, CommentEntry
from gradebook.entrypoints.api import SHEET, Semester, ServiceDep, _caller
from gradebook.service_layer import comments

router = APIRouter(tags=["scores"])


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(min_length=1, max_length=64)
    text: str | None = Field(max_length=MAX_LENGTH * 2, description="Nhận xét; null hoặc rỗng để xóa")


class CommentsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[CommentCreate] = Field(min_length=1, max_length=200)


class CommentChangeRead(BaseModel):
    student_id: str
    old: str | None
    new: str | None


class CommentsRead(BaseModel):
    class_id: str
    subject_code: str
    semester: int
    comments: dict[str, str] = Field(description="Mã học sinh → nhận xét")


@router.put(f"{SHEET}/comments", summary="Ghi nhận xét môn học (theo lô)")
async def put_comments(
    class_id: str, subject_code: str, semester: Semester, body: CommentsUpdate, user: CurrentUser, service: ServiceDep
) -> list[CommentChangeRead]:
    """The subject teacher's comments on students; all or nothing, refused while the sheet is locked (409)."""
    changes = await comments.record_comments(
        comments.RecordComments(
            class_id=class_id,
            subject_code=subject_code,
            semester=semester,
            entries=[CommentEntry(e.student_id, e.text) for e in body.entries],
        ),
        service.uow(),
        caller=_caller(service, user),
    )
    return [CommentChangeRead(student_id=c.student_id, old=c.old, new=c.new) for c in changes]


@router.get(f"{SHEET}/comments", summary="Nhận xét môn học của lớp")
async def get_comments(
    class_id: str, subject_code: str, semester: Semester, user: CurrentUser, service: ServiceDep
) -> CommentsRead:
    """Every student's comment in the subject for the semester (semester II's is the year comment)."""
    found = await comments.sheet_comments(
        service.uow(), caller=_caller(service, user), class_id=class_id, subject_code=subject_code, semester=semester
    )
    return CommentsRead(class_id=class_id, subject_code=subject_code, semester=semester, comments=found)
