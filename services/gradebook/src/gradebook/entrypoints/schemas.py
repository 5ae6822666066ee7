"""Wire contracts of the gradebook API (pydantic v2); values of cells travel as text to keep decimals exact."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gradebook.domain.corrections import CorrectionStatus
from gradebook.domain.locks import LockKind, LockScope


class ScoreEntryCreate(BaseModel):
    """One cell: a score (number or text, "6,5" accepted), "Đ"/"CĐ" for comment subjects, or null to clear it."""

    model_config = ConfigDict(extra="forbid")

    student_id: str = Field(min_length=1, max_length=64)
    column: str = Field(min_length=1, max_length=8, examples=["TX1", "GK", "CK"])
    value: Decimal | str | None = Field(examples=["6,5", 8, "Đ"])


class ScoresUpdate(BaseModel):
    """A batch of entries of one sheet: saved all together or not at all."""

    model_config = ConfigDict(extra="forbid")

    entries: list[ScoreEntryCreate] = Field(min_length=1, max_length=2000)
    expected_version: int | None = Field(
        default=None,
        ge=0,
        description="Phiên bản bảng điểm lúc mở (trường `version` khi GET); khác hiện tại → 409, không lưu gì.",
    )


class ScoreChangeRead(BaseModel):
    student_id: str
    column: str
    old: str | None
    new: str | None


class LockRead(BaseModel):
    id: str
    school_id: str
    scope: LockScope
    class_id: str | None
    subject_code: str | None
    semester: int | None
    column: str | None
    locked_by: str
    locked_at: datetime
    unlocked_by: str | None = None
    unlocked_at: datetime | None = None
    starts_at: datetime | None = Field(default=None, description="Bắt đầu có hiệu lực; null: từ lúc khóa")
    ends_at: datetime | None = Field(default=None, description="Hết hiệu lực; null: đến khi mở khóa")
    kind: LockKind = Field(
        default="school", description="school: do trường khóa; inspection: đợt kiểm tra của cấp trên"
    )
    window_id: str | None = Field(default=None, description="Đợt kiểm tra (khóa loại inspection)")
    reason: str | None = None
    relock_of: str | None = Field(default=None, description="Khóa lại sau khi lưu sửa chữa: khóa đã được mở tạm")
    relock_after_save: bool = Field(default=False, description="Đã mở tạm cho một lần sửa; lần lưu đầu tiên khóa lại")


class ScheduledLockRead(LockRead):
    """A lock not yet in force: the sheet's columns it will lock, from `starts_at`."""

    columns: list[str]


class SheetColumnRead(BaseModel):
    """One column of the sheet and what it accepts (by the class's rule set)."""

    code: str = Field(examples=["TX1", "GK", "KTCK"])
    label: str = Field(examples=["Bài kiểm tra định kì cuối học kì I"])
    accepts: Literal["score", "rating", "level", "test"] = Field(
        description="score: điểm 0–10; rating: Đ/CĐ; level: T/H/C (Thông tư 27); test: số nguyên 1–10"
    )


class SheetRowRead(BaseModel):
    student_id: str
    full_name: str
    values: dict[str, str | None] = Field(
        description="Cột → giá trị ('6.5', 'Đ', 'CĐ'; tiểu học: 'T', 'H', 'C', điểm kiểm tra '7'); null khi chưa nhập"
    )
    average: Decimal | None = Field(description="ĐTBmhk (môn tính điểm); null khi chưa đủ đầu điểm")
    rating: Literal["Đ", "CĐ"] | None = Field(description="Kết quả học kì của môn đánh giá bằng nhận xét")
    level: Literal["T", "H", "C"] | None = Field(
        default=None, description="Tiểu học (Thông tư 27): mức đạt được cuối học kì (cột CK)"
    )
    test_score: int | None = Field(default=None, description="Tiểu học: điểm bài kiểm tra định kì cuối kì (KTCK)")


class ScoreSheetRead(BaseModel):
    school_id: str
    class_id: str
    class_name: str
    school_year: str
    subject_code: str
    subject_name: str
    assessment: Literal["scored", "comment"]
    periods_per_year: int
    semester: int
    columns: list[str]
    rule_set: str = Field(default="TT22/2021", description="Quy chế đánh giá của lớp: TT22/2021 hoặc TT27/2020")
    column_specs: list[SheetColumnRead] = Field(default_factory=list, description="Các cột và giá trị mỗi cột nhận")
    locked_columns: dict[str, LockRead]
    scheduled_locks: list[ScheduledLockRead] = Field(
        default_factory=list, description="Khóa đã hẹn giờ, chưa có hiệu lực: cột nào sẽ khóa và từ khi nào"
    )
    students: list[SheetRowRead]
    version: int = Field(description="Số lần bảng điểm đã thay đổi; gửi lại trong `expected_version` khi lưu.")


class ScoresRecordedRead(BaseModel):
    changes: list[ScoreChangeRead]
    sheet: ScoreSheetRead


class ScoreHistoryRead(BaseModel):
    student_id: str
    column: str
    old_value: str | None
    new_value: str | None
    source: str
    changed_by: str
    changed_by_name: str
    changed_at: datetime
    approved_by: str | None = Field(default=None, description="Người phê duyệt (sửa điểm sau khóa sổ)")
    correction_id: str | None = None


class LockCreate(BaseModel):
    """What to lock: a column, a class's subject, a class or the whole school (optionally one semester)."""

    model_config = ConfigDict(extra="forbid")

    scope: LockScope
    school_id: str | None = None
    class_id: str | None = None
    subject_code: str | None = None
    semester: int | None = Field(default=None, ge=1, le=2)
    column: str | None = Field(default=None, max_length=8)
    starts_at: datetime | None = Field(
        default=None, description="Hẹn giờ khóa (không ghi múi giờ: giờ Việt Nam); null: khóa ngay"
    )
    ends_at: datetime | None = Field(default=None, description="Tự hết hiệu lực lúc này; null: đến khi mở khóa")


class InspectionWindowCreate(BaseModel):
    """Đợt kiểm tra: every gradebook of the schools under an org unit is read-only from starts_at to ends_at."""

    model_config = ConfigDict(extra="forbid")

    org_unit_id: str = Field(min_length=1, max_length=64)
    starts_at: datetime | None = Field(default=None, description="Không ghi múi giờ: giờ Việt Nam; null: ngay")
    ends_at: datetime
    reason: str | None = Field(default=None, max_length=500, examples=["Kiểm tra hồ sơ chuyên môn học kì I"])


class InspectionWindowRead(BaseModel):
    id: str
    org_unit_id: str
    org_unit_name: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    reason: str | None
    opened_by: str
    opened_at: datetime
    school_ids: list[str]
    lock_ids: list[str]
    closed_by: str | None = None
    closed_at: datetime | None = None


class CorrectionCreate(BaseModel):
    """Yêu cầu sửa điểm: a change to a locked cell, with the reason and evidence (e.g. the scanned test paper)."""

    model_config = ConfigDict(extra="forbid")

    class_id: str = Field(min_length=1, max_length=64)
    subject_code: str = Field(min_length=1, max_length=64)
    semester: int = Field(ge=1, le=2)
    student_id: str = Field(min_length=1, max_length=64)
    column: str = Field(min_length=1, max_length=8)
    value: Decimal | str | None = Field(examples=["7,5", "Đ"])
    reason: str = Field(min_length=3, max_length=1000)
    evidence: str | None = Field(default=None, max_length=500, description="Tham chiếu minh chứng (bài kiểm tra…)")
    witnesses: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = Field(
        default_factory=list, max_length=10, description="Người chứng kiến, ghi trong biên bản sửa chữa dữ liệu"
    )


class CorrectionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=1000)


class CorrectionRead(BaseModel):
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
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    witnesses: list[str]


class SubjectYearRead(BaseModel):
    code: str
    semester1: str | None = Field(description="ĐTBmhk I, hoặc Đ/CĐ; null khi chưa đủ đầu điểm")
    semester2: str | None
    year: str | None = Field(description="ĐTBmcn, hoặc kết quả cả năm (Đ/CĐ) của môn đánh giá bằng nhận xét")


class LearningRead(BaseModel):
    level: Literal["Tốt", "Khá", "Đạt", "Chưa đạt"]
    unadjusted: Literal["Tốt", "Khá", "Đạt", "Chưa đạt"]
    adjusted_for: str | None = Field(description="Môn khiến mức bị hạ từ 2 bậc, nếu đã điều chỉnh lên mức liền kề")


class StudentResultsRead(BaseModel):
    student_id: str
    full_name: str
    subjects: list[SubjectYearRead]
    learning: dict[str, LearningRead | None] = Field(
        description="Kết quả học tập: semester1, semester2, year; null khi còn môn chưa đủ điểm"
    )


class ClassResultsRead(BaseModel):
    class_id: str
    class_name: str
    school_year: str
    subjects: list[str]
    students: list[StudentResultsRead]


class EvidenceFileRead(BaseModel):
    """One evidence file of a correction request; its bytes are at `/corrections/{correction_id}/evidence/{n}`."""

    correction_id: str
    n: int
    sha256: str
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int
    filename: str
    uploaded_by: str
    uploaded_at: datetime


class StudentScoresRead(BaseModel):
    """One student's semester: every subject's sheet holding only that student's row (the parent portal's view)."""

    student_id: str
    full_name: str
    class_id: str
    class_name: str
    school_year: str
    semester: int
    subjects: list[ScoreSheetRead]
