"""Wire models of the signing API (pydantic); the domain's dataclasses never leave the service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from edu_shared.contracts.signing import DocumentKind, DocumentRef, SigningStep


class SigningRequestCreate(BaseModel):
    """A signing request from an author without events; the files are already in the object store."""

    request_id: str | None = Field(default=None, max_length=64, description="Để trống: máy chủ tự sinh")
    requester: Literal["transcript", "gradebook"] = "transcript"
    school_id: str = Field(min_length=1, max_length=64)
    document_kind: DocumentKind
    title: str = Field(min_length=1, max_length=500, examples=["Học bạ — Nguyễn Thị Anh — lớp 6A1 — 2025-2026"])
    reference: str = Field(min_length=1, max_length=255)
    documents: list[DocumentRef] = Field(min_length=1, max_length=2)
    steps: list[SigningStep] = Field(min_length=1, max_length=20)


class SignerRead(BaseModel):
    role: str
    staff_id: str | None
    name: str
    field_name: str
    subject_code: str | None
    signed: bool
    signed_at: datetime | None
    certificate_subject: str | None


class StepRead(BaseModel):
    order: int
    done: bool
    signers: list[SignerRead]


class RejectionRead(BaseModel):
    by_name: str
    role: str
    reason: str
    at: datetime


class SigningRequestRead(BaseModel):
    id: str
    school_id: str
    requester: str
    document_kind: str
    title: str
    reference: str
    status: Literal["pending", "in_progress", "completed", "rejected"]
    open_step: int | None
    steps: list[StepRead]
    documents: list[DocumentRef] = Field(description="Bản hiện hành của từng tệp (mỗi chữ ký là một bản mới)")
    requested_at: datetime
    completed_at: datetime | None
    rejection: RejectionRead | None


class SignCreate(BaseModel):
    """One signature; the PIN goes to the key's backend and is never logged or stored."""

    secret: SecretStr | None = Field(default=None, description="Mã PIN của khóa (USB token, tệp PKCS#12…)")
    credential_id: str | None = Field(default=None, max_length=255)


class RejectCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, examples=["Điểm môn Toán học kì II chưa khớp sổ điểm"])


class BatchFilter(BaseModel):
    school_id: str | None = None
    document_kind: DocumentKind | None = None
    pending_for_me: bool = False


class BatchCreate(BaseModel):
    """Many documents, one PIN entry: either `request_ids` or a `filter`."""

    request_ids: list[str] = Field(default_factory=list, max_length=5000)
    filter: BatchFilter | None = None
    secret: SecretStr | None = None
    credential_id: str | None = Field(default=None, max_length=255)


class BatchItemRead(BaseModel):
    request_id: str
    status: Literal["pending", "signed", "failed"]
    error: str | None


class BatchRead(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "interrupted"]
    total: int
    done: int
    failed: int
    created_at: datetime
    finished_at: datetime | None
    items: list[BatchItemRead]


class CredentialCreate(BaseModel):
    """The key a staff member (or, without `staff_id`, the school seal) signs with. No PIN here."""

    staff_id: str | None = Field(default=None, max_length=64)
    backend: str = Field(min_length=1, max_length=32, examples=["pkcs11", "pkcs12", "csc"])
    credential_id: str = Field(min_length=1, max_length=255)
    label: str = Field(default="", max_length=255)


class CredentialRead(BaseModel):
    owner: str
    backend: str
    credential_id: str
    label: str


class ArchivedFileRead(BaseModel):
    role: Literal["pdf", "xml"]
    object_key: str
    sha256: str
    size: int
    retain_until: datetime
    intact: bool = Field(description="Tệp đang lưu vẫn có SHA-256 đúng như lúc lưu trữ")


class PublicSignerRead(BaseModel):
    role: str
    name: str
    signed_at: datetime | None
    certificate_subject: str | None


class PublicStatusRead(BaseModel):
    """What anyone holding a document's request id may check (the verification page)."""

    request_id: str
    title: str
    school_name: str | None
    document_kind: str
    status: Literal["pending", "in_progress", "completed", "rejected"]
    signers: list[PublicSignerRead]
    completed_at: datetime | None
    archive: list[ArchivedFileRead]
    intact: bool | None = Field(description="Mọi tệp lưu trữ còn nguyên vẹn; null khi chưa lưu trữ")


class CertificateRead(BaseModel):
    subject: str
    common_name: str
    serial_number: str
    issuer: str
    not_after: str


class SignatureCheckRead(BaseModel):
    field_name: str | None
    certificate: CertificateRead | None
    signing_time: datetime | None
    timestamp_time: datetime | None
    intact: bool = Field(description="Nội dung được ký không bị thay đổi")
    trusted: bool = Field(description="Chứng thư dẫn về tổ chức chứng thực gốc được tin cậy")
    revocation: Literal["good", "revoked", "unknown"]
    certification: bool
    problems: list[str]


class VerificationRead(BaseModel):
    """The verification of an uploaded file: valid only when every signature is."""

    kind: Literal["pdf", "xml"]
    valid: bool
    problems: list[str]
    signatures: list[SignatureCheckRead]
