"""Corrections after lock (sửa điểm sau khóa sổ): a teacher's request, its evidence files, the principal's decision
(DOMAIN §4)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import Literal

from edu_shared.errors import Conflict, DomainError, InvalidInput, PermissionDenied

CorrectionStatus = Literal["pending", "approved", "rejected"]


@dataclass(frozen=True)
class Correction:
    id: str
    school_id: str
    class_id: str
    subject_code: str
    semester: int
    student_id: str
    column: str
    old_value: str | None
    new_value: str | None
    reason: str
    evidence: str | None
    status: CorrectionStatus
    requested_by: str
    requested_by_name: str
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    witnesses: tuple[str, ...] = ()  # người chứng kiến, named on the correction record


class CorrectionAlreadyDecided(Conflict):
    slug = "correction-decided"
    title = "Yêu cầu sửa điểm đã được xử lý"


class CorrectionStale(Conflict):
    slug = "correction-stale"
    title = "Điểm đã thay đổi từ khi gửi yêu cầu"


def decide(
    correction: Correction, *, approve: bool, by: str, at: datetime, note: str | None, current: str | None
) -> Correction:
    """Approve or reject a pending request; approving needs the cell still to hold the value it was filed against."""
    if correction.status != "pending":
        raise CorrectionAlreadyDecided(
            f"Yêu cầu sửa điểm {correction.id} đã được xử lý ({correction.status}).",
            correction_id=correction.id,
            correction_status=correction.status,
        )
    if approve and current != correction.old_value:
        raise CorrectionStale(
            f"Cột {correction.column} hiện là {current or 'trống'}, không còn là {correction.old_value or 'trống'} "
            "như lúc gửi yêu cầu; hãy gửi yêu cầu mới.",
            correction_id=correction.id,
            current=current,
            expected=correction.old_value,
        )
    return replace(
        correction, status="approved" if approve else "rejected", decided_by=by, decided_at=at, decision_note=note
    )


# Evidence files (minh chứng): the scanned test paper or a photo of it.
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 10
_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True)
class EvidenceFile:
    """One evidence file of a correction request, kept content-addressed in the object store."""

    correction_id: str
    n: int  # 1, 2, … in upload order
    key: str
    sha256: str
    content_type: str
    size: int
    filename: str
    uploaded_by: str
    uploaded_at: datetime


class EvidenceTooLarge(DomainError):
    slug = "evidence-too-large"
    title = "Tệp minh chứng quá lớn"
    status = 413


class EvidenceRequired(InvalidInput):
    slug = "evidence-required"
    title = "Cần minh chứng"


def check_evidence_size(size: int) -> None:
    """At most MAX_EVIDENCE_BYTES (10 MB): a phone photo or a few scanned pages."""
    if size > MAX_EVIDENCE_BYTES:
        raise EvidenceTooLarge(
            f"Tệp minh chứng vượt quá giới hạn 10 MB ({size / 1024 / 1024:.1f} MB trở lên); "
            "hãy quét với độ phân giải thấp hơn hoặc chia thành nhiều tệp.",
            field="file",
            size=size,
            max_size=MAX_EVIDENCE_BYTES,
        )


def sniff_evidence(data: bytes, *, declared: str | None = None) -> str:
    """The content type read from the bytes themselves (PDF, JPEG or PNG); the client's header is not trusted."""
    check_evidence_size(len(data))
    if not data:
        raise InvalidInput("Tệp minh chứng trống.", field="file", size=0)
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    # Images first (anchored magic); a PDF may carry a few bytes of junk before its header
    # (ISO 32000-1 §7.5.2 readers tolerate 1024).
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    raise InvalidInput(
        "Tệp minh chứng phải là PDF, JPEG hoặc PNG (bản quét hoặc ảnh chụp bài kiểm tra); "
        f"nội dung tệp gửi lên không phải định dạng nào trong số đó{f' (khai báo: {declared})' if declared else ''}.",
        field="file",
        value=declared,
        accepted=sorted(_EXTENSIONS),
    )


def evidence_filename(given: str | None, *, content_type: str, n: int) -> str:
    """A display name without any directory part; a default one when none (or only a path) was given."""
    name = ""
    if given:
        name = PureWindowsPath(PurePosixPath(given.strip()).name).name.strip()
        name = "".join(ch for ch in name if ch.isprintable() and ch not in '"\\')[:255]
    return name or f"minh-chung-{n}{_EXTENSIONS.get(content_type, '')}"


def check_can_attach(correction: Correction, *, by: str, attached: int) -> None:
    """Only the requester attaches evidence, while the request is pending, up to MAX_EVIDENCE_FILES files."""
    if by != correction.requested_by:
        raise PermissionDenied(
            f"Chỉ người gửi yêu cầu ({correction.requested_by_name}) được thêm minh chứng.",
            correction_id=correction.id,
        )
    if correction.status != "pending":
        raise CorrectionAlreadyDecided(
            f"Yêu cầu sửa điểm {correction.id} đã được xử lý ({correction.status}); không thể thêm minh chứng.",
            correction_id=correction.id,
            correction_status=correction.status,
        )
    if attached >= MAX_EVIDENCE_FILES:
        raise InvalidInput(
            f"Mỗi yêu cầu sửa điểm có tối đa {MAX_EVIDENCE_FILES} tệp minh chứng.",
            field="file",
            max_files=MAX_EVIDENCE_FILES,
        )


def require_evidence(correction: Correction, *, files: int) -> None:
    """A correction is approved only with evidence: an uploaded file or at least a written reference."""
    if files == 0 and not (correction.evidence or "").strip():
        raise EvidenceRequired(
            f"Yêu cầu sửa điểm {correction.id} cần minh chứng (bản quét hoặc ảnh bài kiểm tra) trước khi phê duyệt; "
            "giáo viên hãy tải tệp minh chứng lên.",
            field="evidence",
            value=None,
            correction_id=correction.id,
        )
