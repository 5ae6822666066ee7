"""Subject exemptions (miễn học / miễn giảm môn học, seed 002 Điều 6) of a student for a semester or the year.

Pure: no I/O. An exemption takes a subject out of one student's learning-result evaluation for semester 1, 2 or
the whole year (semester None), with the reason and the decision it rests on. It is never deleted: revoking it
stamps who, when and why. Two active exemptions of one student and subject may not overlap (the year covers
both semesters).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from edu_shared.errors import Conflict, InvalidInput
from gradebook.domain.discipline import check_reason

Status = Literal["active", "revoked"]
MAX_REASON = 1000
MAX_DECISION = 128


@dataclass(frozen=True)
class Exemption:
    id: str
    school_id: str
    class_id: str
    school_year: str
    student_id: str
    subject_code: str
    semester: int | None  # None: the whole year
    reason: str
    decision_ref: str
    granted_by: str
    granted_by_name: str
    granted_at: datetime
    status: Status = "active"
    revoked_by: str | None = None
    revoked_by_name: str | None = None
    revoked_at: datetime | None = None
    revoke_reason: str | None = None

    def overlaps(self, semester: int | None) -> bool:
        return self.semester is None or semester is None or self.semester == semester


def period_label(semester: int | None) -> str:
    return "cả năm" if semester is None else f"học kì {semester}"


def check_exemption(*, semester: int | None, reason: str, decision_ref: str) -> None:
    """Semester 1, 2 or None (the year); a reason and the decision reference are required."""
    if semester is not None and semester not in (1, 2):
        raise InvalidInput(
            f"Học kì {semester} không hợp lệ: chỉ nhận 1, 2 hoặc bỏ trống (miễn cả năm).",
            field="semester",
            value=semester,
        )
    if not reason.strip():
        raise InvalidInput("Cần ghi lý do miễn học.", field="reason", value=reason)
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Lý do dài quá {MAX_REASON} ký tự.", field="reason", value=reason[:50])
    if not decision_ref.strip():
        raise InvalidInput("Cần ghi số hoặc căn cứ quyết định miễn học.", field="decision_ref", value=decision_ref)
    if len(decision_ref) > MAX_DECISION:
        raise InvalidInput(
            f"Số quyết định dài quá {MAX_DECISION} ký tự.", field="decision_ref", value=decision_ref[:50]
        )


def check_no_overlap(
    existing: Iterable[Exemption], *, student_name: str, subject_name: str, semester: int | None
) -> None:
    """Refuse a second active exemption covering the same student, subject and period."""
    for other in existing:
        if other.status == "active" and other.overlaps(semester):
            raise Conflict(
                f"Học sinh {student_name} đã được miễn môn {subject_name} {period_label(other.semester)} "
                f"(quyết định {other.decision_ref}).",
                exemption_id=other.id,
                semester=other.semester,
            )


def revoke(exemption: Exemption, *, by: str, by_name: str, at: datetime, reason: str) -> Exemption:
    """The exemption, revoked (the subject counts again); once only."""
    if exemption.status == "revoked":
        raise Conflict(f"Quyết định miễn học {exemption.id} đã được hủy bỏ trước đó.", exemption_id=exemption.id)
    return replace(
        exemption,
        status="revoked",
        revoked_by=by,
        revoked_by_name=by_name,
        revoked_at=at,
        revoke_reason=check_reason(reason),
    )
