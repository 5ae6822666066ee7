"""Approval of a class's results (duyệt kết quả): the homeroom teacher submits, the principal approves or returns.

Periods: each semester ("hk1", "hk2"), the year ("year": learning, training, promotion, retest, summer-training
and award lists) and the summer round ("retest": the students who owed a retest or summer training). What the
homeroom teacher submitted is kept as a snapshot with its hash; the principal approves exactly that, and only if
recomputing from today's records still gives the same results — a score changed after submission sends the class
back to the homeroom teacher instead of being approved unseen. Pure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from edu_shared.audit.chain import canonical
from edu_shared.errors import Conflict

ResultPeriod = Literal["hk1", "hk2", "year", "retest"]
ApprovalStatus = Literal["submitted", "approved", "returned"]
PERIOD_LABELS: dict[str, str] = {"hk1": "học kì I", "hk2": "học kì II", "year": "cả năm", "retest": "sau kiểm tra lại"}
# The periods that must be approved before a period can be submitted.
PREREQUISITES: dict[str, tuple[str, ...]] = {"hk1": (), "hk2": (), "year": ("hk1", "hk2"), "retest": ("year",)}


def snapshot_hash(snapshot: Any) -> str:
    return hashlib.sha256(canonical(snapshot).encode()).hexdigest()


@dataclass(frozen=True)
class Approval:
    id: str
    school_id: str
    class_id: str
    school_year: str
    period: ResultPeriod
    status: ApprovalStatus
    snapshot: list[dict[str, Any]]
    snapshot_hash: str
    submitted_by: str
    submitted_by_name: str
    submitted_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


class ApprovalConflict(Conflict):
    slug = "results-approval"
    title = "Không thể thực hiện bước duyệt kết quả"


def check_can_submit(current: Approval | None, *, approved_periods: set[str], period: ResultPeriod) -> None:
    """A period is submitted once its prerequisites are approved, and again only after being returned."""
    missing = [p for p in PREREQUISITES[period] if p not in approved_periods]
    if missing:
        raise ApprovalConflict(
            f"Chưa thể gửi duyệt kết quả {PERIOD_LABELS[period]}: kết quả "
            f"{', '.join(PERIOD_LABELS[p] for p in missing)} chưa được hiệu trưởng phê duyệt.",
            field="period",
            value=period,
            missing=missing,
        )
    if current is not None and current.status == "approved":
        raise ApprovalConflict(
            f"Kết quả {PERIOD_LABELS[period]} đã được phê duyệt ngày {current.decided_at:%d/%m/%Y}; "
            "không gửi duyệt lại được.",
            field="period",
            value=period,
        )


def decide(
    approval: Approval, *, approve: bool, by: str, at: datetime, note: str | None, current_hash: str
) -> Approval:
    """Approve (only what was submitted and still holds) or return to the homeroom teacher."""
    if approval.status != "submitted":
        raise ApprovalConflict(
            f"Kết quả {PERIOD_LABELS[approval.period]} không ở trạng thái chờ duyệt ({approval.status}).",
            field="status",
            value=approval.status,
        )
    if approve and current_hash != approval.snapshot_hash:
        raise ApprovalConflict(
            "Dữ liệu của lớp đã thay đổi sau khi giáo viên chủ nhiệm gửi duyệt kết quả "
            f"{PERIOD_LABELS[approval.period]}; hãy trả lại để giáo viên chủ nhiệm kiểm tra và gửi lại.",
            field="snapshot_hash",
            value=approval.snapshot_hash,
        )
    return replace(approval, status="approved" if approve else "returned", decided_by=by, decided_at=at, note=note)
