"""The transcript lifecycle: draft → submitted → signed → issued, versions that supersede, per-year locks.

A draft is rebuilt whenever its inputs change. Submitting freezes the current content as a new version; from then
on that version never changes: inputs changing mark the transcript `stale`, and a correction is a new version that
supersedes the signed one once it is signed itself (docs/adr/0024).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from edu_shared.errors import Conflict, InvalidInput
from transcript.domain.transcript import SignatureSlot, SignerRole, Transcript

Status = Literal["draft", "submitted", "signed", "issued"]
VersionStatus = Literal["submitted", "signed", "issued", "returned", "superseded"]
IssueReason = Literal["graduation", "transfer", "request"]
# Who signs in which step: subject teachers of every year page together, then homerooms, principals, the seal.
STEP_ORDER: tuple[SignerRole, ...] = ("subject_teacher", "homeroom_teacher", "principal", "school_seal")
STATUS_LABELS: dict[str, str] = {
    "draft": "bản nháp",
    "submitted": "đang trình ký",
    "signed": "đã ký",
    "issued": "đã cấp",
    "returned": "bị trả lại",
    "superseded": "đã được thay thế",
}
ROLE_LABELS: dict[str, str] = {
    "subject_teacher": "giáo viên bộ môn",
    "homeroom_teacher": "giáo viên chủ nhiệm",
    "principal": "hiệu trưởng",
    "school_seal": "dấu của trường",
}


@dataclass(frozen=True)
class Signature:
    """One signature a signer added to a version (from `SignatureAdded`)."""

    field_name: str
    role: str
    name: str
    signed_by: str
    signed_at: datetime
    certificate_subject: str


@dataclass(frozen=True)
class Version:
    """A frozen submission of a transcript and what became of it."""

    transcript_id: str
    version: int
    status: VersionStatus
    request_id: str
    content_sha256: str
    submitted_by: str
    submitted_at: datetime
    supersedes: int | None = None
    superseded_by: int | None = None
    signatures: tuple[Signature, ...] = ()
    signed_at: datetime | None = None
    retain_until: date | None = None
    returned_reason: str | None = None
    issued_reason: str | None = None
    issued_by: str | None = None
    issued_at: datetime | None = None

    @property
    def valid(self) -> bool:
        """Signed and not replaced: the version a reader, an export or a credential relies on."""
        return self.status in ("signed", "issued")


def reference(transcript_id: str, version: int) -> str:
    """The `reference` a signing request carries and every outcome echoes."""
    return f"{transcript_id}:v{version}"


def parse_reference(value: str) -> tuple[str, int] | None:
    """The transcript and version a signing outcome is about; None for another author's reference."""
    transcript_id, sep, number = value.rpartition(":v")
    if not sep or not number.isdigit():
        return None
    return transcript_id, int(number)


def signing_steps(transcript: Transcript) -> list[list[SignatureSlot]]:
    """Subject teachers of each year page (parallel) → homeroom teacher → principal → school seal.

    Every person must be known: a field without a signer would block the request for ever.
    """
    steps: list[list[SignatureSlot]] = []
    for role in STEP_ORDER:
        slots = [s for p in transcript.pages for s in p.signers if s.role == role]
        for slot in slots:
            if role != "school_seal" and not slot.staff_id:
                page = next(p for p in transcript.pages if slot in p.signers)
                what = f"môn {slot.subject_code}" if slot.subject_code else ROLE_LABELS[role]
                raise InvalidInput(
                    f"Học bạ năm học {page.school_year} (lớp {page.class_name}) chưa có người ký cho {what}: "
                    "cần phân công trước khi trình ký.",
                    field="signer",
                    value=slot.field_name,
                )
        if slots:
            steps.append(slots)
    return steps


def check_submittable(status: Status, *, transcript: Transcript, locked_years: Collection[str]) -> None:
    """A transcript can be submitted unless a submission is open or one of its years is locked."""
    if not transcript.pages:
        raise Conflict("Học bạ chưa có năm học nào để trình ký.", field="transcript_id", value=transcript.id)
    if status == "submitted":
        raise Conflict(
            "Học bạ đang được trình ký: chờ ký xong hoặc bị trả lại rồi mới trình phiên bản mới.",
            field="status",
            value=status,
        )
    check_unlocked(transcript, locked_years)


def check_unlocked(transcript: Transcript, locked_years: Collection[str], *, school_year: str | None = None) -> None:
    """Refuse a change to a year the principal has locked (chốt học bạ)."""
    for page in transcript.pages:
        if page.school_year in locked_years and school_year in (None, page.school_year):
            raise Conflict(
                f"Học bạ năm học {page.school_year} của lớp {page.class_name} đã được hiệu trưởng chốt: "
                "cần mở khóa trước khi sửa hoặc trình ký lại.",
                field="school_year",
                value=page.school_year,
            )


def check_issuable(latest: Version | None) -> Version:
    """Only a signed version is issued, once."""
    if latest is None or latest.status != "signed":
        status = latest.status if latest else "draft"
        raise Conflict(
            f"Chỉ cấp được học bạ đã ký xong; phiên bản hiện tại đang ở trạng thái {STATUS_LABELS[status]}.",
            field="status",
            value=status,
        )
    return latest


def current_valid(versions: Sequence[Version]) -> Version | None:
    """The newest signed (or issued) version that nothing has superseded."""
    return next((v for v in sorted(versions, key=lambda v: -v.version) if v.valid), None)


def status_after_return(versions: Sequence[Version]) -> Status:
    """A returned submission leaves the transcript where its last valid version stands, else a draft."""
    valid = current_valid(versions)
    if valid is None:
        return "draft"
    return "issued" if valid.status == "issued" else "signed"
