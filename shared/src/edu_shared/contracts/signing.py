"""Signing requests and their outcomes (topic `edu.signing`), the contract between a document's author service
(transcript, gradebook) and the signing service.

Documents travel by reference (claim check): the author writes the PDF and its XML twin to the object store under
its own prefix and names them here with their SHA-256; the signing service reads them by key, checks the hash,
and hands back the signed revisions the same way. Keyed by school id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from edu_shared.audit.events import AuditHeadPayload
from edu_shared.events.registry import EventPayload

TOPIC = "edu.signing"

SignerRole = Literal["subject_teacher", "homeroom_teacher", "principal", "vice_principal", "school_seal"]
DocumentKind = Literal["transcript", "assessment_register", "class_register"]


class DocumentRef(BaseModel):
    """One file of a document in the object store."""

    model_config = ConfigDict(frozen=True)

    role: Literal["pdf", "xml"]
    object_key: str
    sha256: str = Field(min_length=64, max_length=64)
    media_type: str = Field(examples=["application/pdf", "application/xml"])
    size: int = Field(ge=0)


class SignerSpec(BaseModel):
    """Who must sign, and in which PDF signature field. `staff_id` is None for the school seal."""

    model_config = ConfigDict(frozen=True)

    role: SignerRole
    staff_id: str | None = None
    name: str = Field(examples=["Trần Thị Bình"])
    field_name: str = Field(examples=["Sig_HieuTruong"])
    subject_code: str | None = None  # for a subject teacher's signature


class SigningStep(BaseModel):
    """Signers of one step sign in any order; step n+1 opens when every signer of step n has signed."""

    model_config = ConfigDict(frozen=True)

    order: int = Field(ge=1)
    signers: list[SignerSpec] = Field(min_length=1)


class SigningRequested(EventPayload, event_type="vn.edurecords.signing.requested", topic=TOPIC):
    """An author service asks for a document to be signed by these people, in this order (DOMAIN §4)."""

    request_id: str
    requester: Literal["transcript", "gradebook"]
    school_id: str
    document_kind: DocumentKind
    title: str = Field(examples=["Học bạ — Nguyễn Thị Anh — lớp 6A1 — 2025-2026"])
    reference: str = Field(description="The author's id of the document and version, echoed in every outcome")
    documents: list[DocumentRef] = Field(min_length=1)
    steps: list[SigningStep] = Field(min_length=1)
    requested_by: str
    requested_at: datetime


class SignatureAdded(EventPayload, event_type="vn.edurecords.signing.signature.added", topic=TOPIC):
    """One signer signed; `documents` are the new revisions (each signature is an incremental update)."""

    request_id: str
    school_id: str
    reference: str
    signer: SignerSpec
    signed_by: str
    signed_at: datetime
    certificate_subject: str
    documents: list[DocumentRef]


class SigningRejected(EventPayload, event_type="vn.edurecords.signing.rejected", topic=TOPIC):
    """A signer refused with a reason: the document goes back to its author."""

    request_id: str
    school_id: str
    reference: str
    rejected_by: str
    role: SignerRole
    reason: str
    rejected_at: datetime


class SigningCompleted(EventPayload, event_type="vn.edurecords.signing.completed", topic=TOPIC):
    """Every signer signed; the final documents are archived (object lock) until `retain_until`."""

    request_id: str
    school_id: str
    reference: str
    documents: list[DocumentRef]
    completed_at: datetime
    retain_until: date


class ArchivedDocument(BaseModel):
    """One final file kept under object lock: its key, hash and retention."""

    model_config = ConfigDict(frozen=True)

    role: Literal["pdf", "xml"]
    object_key: str
    sha256: str = Field(min_length=64, max_length=64)
    size: int = Field(ge=0)
    retain_until: datetime


class SignedDocumentArchived(EventPayload, event_type="vn.edurecords.signing.archived", topic=TOPIC):
    """The final signed files were written to the object store under object lock (WORM) until their retention."""

    request_id: str
    school_id: str
    reference: str
    documents: list[ArchivedDocument]
    archived_at: datetime


class PendingSigner(BaseModel):
    """A signer the open step still waits for."""

    model_config = ConfigDict(frozen=True)

    role: SignerRole
    staff_id: str | None = None
    name: str


class SigningReminderDue(EventPayload, event_type="vn.edurecords.signing.reminder.due", topic=TOPIC):
    """A step has waited longer than the school allows: the notifications service reminds its signers."""

    request_id: str
    school_id: str
    reference: str
    title: str
    step: int = Field(ge=1)
    waiting_since: datetime
    signers: list[PendingSigner]


class SigningAuditHeadAdvanced(AuditHeadPayload, event_type="vn.edurecords.signing.audit.head-advanced", topic=TOPIC):
    """The signing service's audit chain of a school grew (see `AuditHeadPayload`)."""


class SigningRequestRefused(EventPayload, event_type="vn.edurecords.signing.request.refused", topic=TOPIC):
    """A `SigningRequested` could not be accepted (a file missing or not matching its SHA-256, bad steps)."""

    request_id: str
    school_id: str
    reference: str
    reason: str
    refused_at: datetime
