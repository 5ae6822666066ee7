"""Wire models of the transcript API (the document itself is adapters/json_document.py's)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from transcript.adapters.json_document import TranscriptDocument
from transcript.service_layer.handlers import MAX_HOMEROOM_COMMENT


class TranscriptRead(TranscriptDocument):
    """The transcript document, with the hash of its content and when the draft last changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    content_sha256: str
    updated_at: datetime


class TranscriptSummaryRead(BaseModel):
    id: str
    level: str
    status: str
    school_id: str
    school_name: str
    school_years: list[str]
    verification_code: str
    content_sha256: str
    updated_at: datetime


class HomeroomCommentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        max_length=MAX_HOMEROOM_COMMENT * 2, description="Nhận xét của giáo viên chủ nhiệm; null hoặc rỗng để xóa"
    )


class VerifiedYearRead(BaseModel):
    school_year: str
    class_name: str


class VerificationRead(BaseModel):
    """What anyone holding the printed code may learn: the document's identity, status and content hash."""

    transcript_id: str
    verification_code: str
    status: str
    level: str
    student_name: str
    school_name: str
    years: list[VerifiedYearRead]
    content_sha256: str
    updated_at: datetime
