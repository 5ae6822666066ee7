"""Wire contracts of the student-records API: attendance, conduct, discipline and rewards, exemptions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Session = Literal["sang", "chieu"]


class AttendanceMarkCreate(BaseModel):
    """One student's mark; students not listed are present."""

    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(min_length=1, max_length=64)
    status: str = Field(
        min_length=1,
        max_length=16,
        examples=["excused", "unexcused", "late", "P", "K"],
        description="present | excused (P, có phép) | unexcused (K, không phép) | late (M, đi muộn)",
    )
    note: str | None = Field(default=None, max_length=500)


class AttendanceRollUpdate(BaseModel):
    """A class's roll for one day and session (or one period): replaces that roll's earlier marks."""

    model_config = ConfigDict(extra="forbid")

    date: date
    session: Session = Field(description="sang (buổi sáng) hoặc chieu (buổi chiều)")
    semester: int = Field(description="Học kì của ngày (1 hoặc 2), cho đến khi có lịch năm học")
    period: int | None = Field(default=None, description="Tiết 1–10; bỏ trống khi điểm danh cả buổi")
    marks: list[AttendanceMarkCreate] = Field(default_factory=list, max_length=200)


class AttendanceChangeRead(BaseModel):
    student_id: str
    student_name: str
    old_status: str
    new_status: str
    note: str | None


class AttendanceMarkRead(BaseModel):
    date: date
    session: Session
    period: int | None
    class_id: str
    semester: int
    status: str
    status_label: str
    note: str | None
    recorded_by_name: str
    recorded_at: datetime


class AttendanceRollRead(BaseModel):
    session: Session
    period: int | None
    semester: int
    taken_by_name: str
    taken_at: datetime


class AttendanceDayRowRead(BaseModel):
    student_id: str
    full_name: str
    marks: list[AttendanceMarkRead]


class AttendanceDayRead(BaseModel):
    class_id: str
    class_name: str
    school_year: str
    date: date
    rolls: list[AttendanceRollRead] = Field(description="Các lượt điểm danh đã thực hiện trong ngày")
    students: list[AttendanceDayRowRead]


class AttendanceRecordedRead(BaseModel):
    changes: list[AttendanceChangeRead]
    day: AttendanceDayRead


class AbsenceCountsRead(BaseModel):
    excused: int = Field(description="Số buổi nghỉ có phép")
    unexcused: int = Field(description="Số buổi nghỉ không phép")
    total: int = Field(description="Tổng số buổi nghỉ (quy định tối đa 45 buổi/năm)")
    late: int = Field(description="Số lần đi muộn")
    excused_periods: int = Field(description="Số tiết nghỉ có phép")
    unexcused_periods: int = Field(description="Số tiết nghỉ không phép")


class AttendanceTotalsRead(BaseModel):
    semester1: AbsenceCountsRead
    semester2: AbsenceCountsRead
    year: AbsenceCountsRead


class StudentAttendanceRead(BaseModel):
    student_id: str
    full_name: str
    school_year: str
    marks: list[AttendanceMarkRead]
    totals: AttendanceTotalsRead


class ConductEntryCreate(BaseModel):
    """One student's rating: `training` (THCS/THPT, TT22) or `qualities` and `competences` (tiểu học, TT27)."""

    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(min_length=1, max_length=64)
    training: str | None = Field(default=None, max_length=16, examples=["Tốt", "Khá", "Đạt", "Chưa đạt"])
    qualities: dict[str, str] | None = Field(
        default=None,
        examples=[{"yeu_nuoc": "Tốt", "nhan_ai": "Tốt", "cham_chi": "Đạt", "trung_thuc": "Tốt", "trach_nhiem": "Đạt"}],
    )
    competences: dict[str, str] | None = Field(
        default=None,
        examples=[{"tu_chu_tu_hoc": "Tốt", "giao_tiep_hop_tac": "Đạt", "giai_quyet_van_de_sang_tao": "Cần cố gắng"}],
    )
    comment: str | None = Field(default=None, max_length=1000)


class ConductUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: Literal["mid", "end"] = Field(default="end", description="mid (giữa kì, chỉ TT27) hoặc end (cuối kì)")
    entries: list[ConductEntryCreate] = Field(min_length=1, max_length=200)


class ConductChangeRead(BaseModel):
    student_id: str
    student_name: str
    training: str | None
    previous_training: str | None
    qualities: dict[str, str]
    competences: dict[str, str]
    comment: str | None


class ConductRatingRead(BaseModel):
    semester: int
    stage: Literal["mid", "end"]
    training: str | None
    qualities: dict[str, str]
    competences: dict[str, str]
    comment: str | None


class ConductRowRead(BaseModel):
    student_id: str
    full_name: str
    semester1: str | None = Field(description="Kết quả rèn luyện học kì I (TT22)")
    semester2: str | None = Field(description="Kết quả rèn luyện học kì II (TT22)")
    year: str | None = Field(description="Kết quả rèn luyện cả năm (TT22), khi đã có cả hai học kì")
    ratings: list[ConductRatingRead]


class ConductSheetRead(BaseModel):
    class_id: str
    class_name: str
    school_year: str
    grade: int
    rule_set: Literal["tt22", "tt27"]
    students: list[ConductRowRead]


class ConductRatedRead(BaseModel):
    changes: list[ConductChangeRead]
    sheet: ConductSheetRead


class DisciplineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(min_length=1, max_length=64)
    kind: Literal["discipline", "reward"]
    level: str = Field(min_length=1, max_length=32, examples=["khien_trach", "truong"])
    date: date
    decision_number: str | None = Field(default=None, max_length=64, examples=["15/QĐ-THCS"])
    content: str = Field(min_length=1, max_length=2000)


class RevocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class DisciplineRead(BaseModel):
    id: str
    school_id: str
    class_id: str
    school_year: str
    student_id: str
    kind: Literal["discipline", "reward"]
    level: str
    level_label: str
    date: date
    decision_number: str | None
    content: str
    status: Literal["active", "revoked"]
    recorded_by_name: str
    recorded_at: datetime
    revoked_by_name: str | None
    revoked_at: datetime | None
    revoke_reason: str | None


class ExemptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(min_length=1, max_length=64)
    subject_code: str = Field(min_length=1, max_length=64)
    semester: int | None = Field(default=None, description="1, 2, hoặc bỏ trống: miễn cả năm")
    reason: str = Field(min_length=1, max_length=1000)
    decision_ref: str = Field(min_length=1, max_length=128, examples=["Quyết định 12/QĐ-THCS ngày 05/09/2025"])


class ExemptionRead(BaseModel):
    id: str
    school_id: str
    class_id: str
    school_year: str
    student_id: str
    subject_code: str
    semester: int | None
    reason: str
    decision_ref: str
    status: Literal["active", "revoked"]
    granted_by_name: str
    granted_at: datetime
    revoked_by_name: str | None
    revoked_at: datetime | None
    revoke_reason: str | None
