"""Discipline (kỉ luật) and rewards (khen thưởng) of students: kinds, levels, the record and its revocation.

Pure: no I/O. A record is never deleted: revoking it (a decision withdrawn, a discipline lifted early) stamps it
with who, when and why, and the record stays on file. The levels are the usual forms of school decisions; treat
them as a catalogue a school may extend, not as a closed list of the law.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from edu_shared.errors import Conflict, InvalidInput
from gradebook.domain.attendance import check_record_date

Kind = Literal["discipline", "reward"]
Status = Literal["active", "revoked"]
KIND_LABELS: dict[str, str] = {"discipline": "Kỉ luật", "reward": "Khen thưởng"}

LEVELS: dict[str, dict[str, str]] = {
    "discipline": {
        "nhac_nho": "Nhắc nhở",
        "phe_binh": "Phê bình",
        "khien_trach": "Khiển trách",
        "canh_cao": "Cảnh cáo",
        "dinh_chi": "Đình chỉ học tập có thời hạn",
        "buoc_thoi_hoc": "Buộc thôi học có thời hạn",
    },
    "reward": {
        "lop": "Khen thưởng cấp lớp",
        "truong": "Khen thưởng cấp trường",
        "xa": "Khen thưởng cấp xã",
        "huyen": "Khen thưởng cấp huyện",
        "tinh": "Khen thưởng cấp tỉnh",
        "quoc_gia": "Khen thưởng cấp quốc gia",
    },
}
MAX_CONTENT = 2000
MAX_DECISION = 64
MAX_REASON = 1000


@dataclass(frozen=True)
class DisciplineRecord:
    id: str
    school_id: str
    class_id: str
    school_year: str
    student_id: str
    kind: Kind
    level: str
    on: date
    decision_number: str | None
    content: str
    recorded_by: str
    recorded_by_name: str
    recorded_at: datetime
    status: Status = "active"
    revoked_by: str | None = None
    revoked_by_name: str | None = None
    revoked_at: datetime | None = None
    revoke_reason: str | None = None

    @property
    def level_label(self) -> str:
        return LEVELS[self.kind].get(self.level, self.level)


def check_kind_and_level(kind: str, level: str) -> Kind:
    """The kind is discipline or reward and the level one of that kind's."""
    if kind not in LEVELS:
        raise InvalidInput(
            f"Loại '{kind}' không hợp lệ: chỉ nhận 'discipline' (kỉ luật) hoặc 'reward' (khen thưởng).",
            field="kind",
            value=kind,
        )
    if level not in LEVELS[kind]:
        known = ", ".join(f"{code} ({label})" for code, label in LEVELS[kind].items())
        raise InvalidInput(
            f"Hình thức '{level}' không có trong danh mục {KIND_LABELS[kind].lower()}: {known}.",
            field="level",
            value=level,
        )
    return "discipline" if kind == "discipline" else "reward"


def check_record(
    *, kind: str, level: str, on: date, content: str, decision_number: str | None, school_year: str, today: date
) -> Kind:
    """Everything a new record must satisfy before it is written."""
    checked = check_kind_and_level(kind, level)
    check_record_date(on, school_year=school_year, today=today)
    if not content.strip():
        raise InvalidInput("Nội dung khen thưởng, kỉ luật không được để trống.", field="content", value=content)
    if len(content) > MAX_CONTENT:
        raise InvalidInput(f"Nội dung dài quá {MAX_CONTENT} ký tự.", field="content", value=content[:50])
    if decision_number is not None and len(decision_number) > MAX_DECISION:
        raise InvalidInput(
            f"Số quyết định dài quá {MAX_DECISION} ký tự.", field="decision_number", value=decision_number[:50]
        )
    return checked


def check_reason(reason: str) -> str:
    """A revocation states why (it stays on the record)."""
    if not reason.strip():
        raise InvalidInput("Cần ghi lý do hủy bỏ.", field="reason", value=reason)
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Lý do dài quá {MAX_REASON} ký tự.", field="reason", value=reason[:50])
    return reason.strip()


def revoke(record: DisciplineRecord, *, by: str, by_name: str, at: datetime, reason: str) -> DisciplineRecord:
    """The record, revoked; a record is revoked once only."""
    if record.status == "revoked":
        raise Conflict(
            f"Quyết định {KIND_LABELS[record.kind].lower()} {record.id} đã được hủy bỏ trước đó.",
            record_id=record.id,
        )
    return replace(
        record,
        status="revoked",
        revoked_by=by,
        revoked_by_name=by_name,
        revoked_at=at,
        revoke_reason=check_reason(reason),
    )
