"""Corrections after lock (sửa điểm sau khóa sổ): a teacher's request, the principal's decision (DOMAIN §4)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from edu_shared.errors import Conflict

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
