"""Wire contracts of the gradebook API (pydantic v2); values of cells travel as text to keep decimals exact."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gradebook.domain.corrections import CorrectionStatus
from gradebook.domain.locks import LockScope


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


class SheetRowRead(BaseModel):
    student_id: str
    full_name: str
    values: dict[str, str | None] = Field(description="Cột → giá trị ('6.5', 'Đ', 'CĐ'); null khi chưa nhập")
    average: Decimal | None = Field(description="ĐTBmhk (môn tính điểm); null khi chưa đủ đầu điểm")
    rating: Literal["Đ", "CĐ"] | None = Field(description="Kết quả học kì của môn đánh giá bằng nhận xét")


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
    locked_columns: dict[str, LockRead]
    students: list[SheetRowRead]


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
