"""Wire models of the transcript API (the document itself is adapters/json_document.py's)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from edu_shared.contracts.signing import DocumentRef
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
    content_sha256: str = Field(description="SHA-256 của nội dung phiên bản đã ký đang có hiệu lực (nếu có)")
    updated_at: datetime
    version: int | None = Field(default=None, description="Phiên bản đã ký đang có hiệu lực")
    signed_at: datetime | None = None


class SignatureRead(BaseModel):
    field_name: str
    role: str
    name: str
    signed_by: str
    signed_at: datetime
    certificate_subject: str


class VersionRead(BaseModel):
    """One frozen version: what it froze, who submitted it, how signing went, whether it was issued or replaced."""

    version: int
    status: Literal["submitted", "signed", "issued", "returned", "superseded"]
    request_id: str
    content_sha256: str
    submitted_by: str
    submitted_at: datetime
    supersedes: int | None
    superseded_by: int | None
    signatures: list[SignatureRead]
    signed_at: datetime | None
    retain_until: date | None
    returned_reason: str | None
    issued_reason: str | None
    issued_by: str | None
    issued_at: datetime | None


class VersionDocumentRead(VersionRead):
    """A version with its frozen document and its files (submitted, then signed) in the object store."""

    document: TranscriptDocument
    submitted_documents: list[DocumentRef]
    signed_documents: list[DocumentRef]


class ImportedRead(BaseModel):
    """A package accepted from another school: where it came from and where it is kept."""

    id: str
    source_school_name: str
    source_transcript_id: str
    school_years: list[str]
    package_key: str
    package_sha256: str
    imported_by: str
    imported_at: datetime


class TranscriptLifecycleRead(TranscriptRead):
    """The working draft with the lifecycle: status, latest version, staleness, history and imported pages."""

    status: Literal["draft", "submitted", "signed", "issued"]  # type: ignore[assignment]
    version: int = Field(description="Số phiên bản mới nhất (0: chưa trình ký lần nào)")
    stale: bool = Field(description="Dữ liệu đã thay đổi sau phiên bản đang có hiệu lực: cần trình ký phiên bản mới")
    returned_reason: str | None = Field(description="Lí do lần trình ký gần nhất bị trả lại")
    versions: list[VersionRead]
    imported: list[ImportedRead]


class IssueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["graduation", "transfer", "request"] = Field(
        description="graduation: tốt nghiệp; transfer: chuyển trường; request: theo đề nghị"
    )


class ClassLockRead(BaseModel):
    class_id: str
    school_id: str
    school_year: str
    locked: bool


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_id: str
    class_id: str | None = Field(default=None, description="Bỏ trống: mọi lớp của năm học mới nhất của trường")


class ArchiveRead(BaseModel):
    class_id: str
    school_year: str
    object_key: str
    sha256: str
    size: int
    manifest_sha256: str
    files: int


class JobRead(BaseModel):
    """A batch generation job: progress and, once done, one archive bundle per class."""

    id: str
    school_id: str
    class_id: str | None
    status: Literal["running", "done", "failed"]
    total: int
    done: int
    errors: int
    requested_by: str
    created_at: datetime
    finished_at: datetime | None
    archives: list[ArchiveRead]


class CredentialRead(BaseModel):
    """The year's results as an Open Badges 3.0 credential, secured as a VC-JWT (ES256) by the school's key."""

    format: Literal["vc+jwt"] = "vc+jwt"
    jwt: str
    credential: dict[str, Any]
    issuer: str = Field(description="did:web của trường; tài liệu DID tại /schools/{school_id}/did.json")
    verification_method: str
    version: int
