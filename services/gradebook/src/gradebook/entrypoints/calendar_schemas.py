"""Wire contracts of the school calendar, test dates, entry progress and entry deadlines (pydantic v2)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gradebook.domain.calendar import (
    DEFAULT_CORRECTION_CUTOFF_DAYS,
    DEFAULT_ESSAY_ENTRY_DAYS,
    DEFAULT_PERIODIC_ENTRY_DAYS,
)


class CalendarSemesterUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    semester: int = Field(examples=[1])
    starts_on: date = Field(examples=["2025-09-05"])
    mid_on: date = Field(examples=["2025-11-01"], description="Giữa học kì: đến ngày này cần ≥ 50% điểm thường xuyên")
    ends_on: date = Field(examples=["2026-01-17"], description="Cuối học kì: đến ngày này cần đủ 100% điểm")
    exam_starts_on: date = Field(examples=["2025-12-22"], description="Ngày bắt đầu thi (kiểm tra) cuối học kì")


class SchoolCalendarUpdate(BaseModel):
    """A school year's calendar: both semesters' dates and the school's entry-deadline policy."""

    model_config = ConfigDict(extra="forbid")

    semesters: list[CalendarSemesterUpdate]
    periodic_entry_days: int = Field(
        default=DEFAULT_PERIODIC_ENTRY_DAYS, description="Hạn nhập điểm kiểm tra định kì, số ngày sau ngày kiểm tra"
    )
    essay_entry_days: int = Field(
        default=DEFAULT_ESSAY_ENTRY_DAYS, description="Hạn nhập điểm bài viết (tự luận), số ngày sau ngày kiểm tra"
    )
    correction_cutoff_days: int = Field(
        default=DEFAULT_CORRECTION_CUTOFF_DAYS,
        description="Hạn gửi yêu cầu sửa điểm: số ngày trước ngày thi học kì",
    )


class CalendarSemesterRead(BaseModel):
    semester: int
    starts_on: date
    mid_on: date
    ends_on: date
    exam_starts_on: date
    correction_cutoff_on: date = Field(description="Ngày cuối cùng được gửi yêu cầu sửa điểm của học kì")


class SchoolCalendarRead(BaseModel):
    school_id: str
    school_year: str
    semesters: list[CalendarSemesterRead]
    periodic_entry_days: int
    essay_entry_days: int
    correction_cutoff_days: int
    set_by: str
    set_at: datetime


class TestDateUpdate(BaseModel):
    """When a periodic test was held, and whether it was an essay (bài viết, tự luận: longer entry deadline)."""

    model_config = ConfigDict(extra="forbid")

    held_on: date = Field(examples=["2025-10-27"])
    essay: bool = False


class TestDateRead(BaseModel):
    class_id: str
    subject_code: str
    semester: int
    column: str
    held_on: date
    essay: bool
    set_by: str
    set_at: datetime


class TallyRead(BaseModel):
    required: int = Field(description="Số đầu điểm phải có (học sinh × cột)")
    entered: int = Field(description="Số đầu điểm đã nhập")
    missing: int
    share: Decimal | None = Field(
        description="Tỉ lệ đã nhập (%), một chữ số thập phân; null khi không cần đầu điểm nào"
    )


class SheetProgressRead(BaseModel):
    class_id: str
    class_name: str
    subject_code: str
    subject_name: str
    semester: int
    teachers: list[str] = Field(description="Giáo viên được phân công (mã cán bộ)")
    students: int
    columns: dict[str, TallyRead]
    regular: TallyRead = Field(description="Điểm đánh giá thường xuyên (TX)")
    periodic: TallyRead = Field(description="Điểm đánh giá định kì (GK, CK)")
    total: TallyRead


class TeacherProgressRead(BaseModel):
    staff_id: str | None = Field(description="null: các lớp-môn chưa phân công giáo viên")
    progress: TallyRead


class ClassProgressRead(BaseModel):
    class_id: str
    class_name: str
    progress: TallyRead


class SubjectProgressRead(BaseModel):
    subject_code: str
    subject_name: str
    progress: TallyRead


class EntryProgressRead(BaseModel):
    school_id: str
    school_year: str
    semester: int | None = Field(description="null: cả hai học kì")
    school: TallyRead
    by_teacher: list[TeacherProgressRead]
    by_class: list[ClassProgressRead]
    by_subject: list[SubjectProgressRead]
    sheets: list[SheetProgressRead]


class ShortfallRead(BaseModel):
    kind: Literal["mid_semester_regular", "end_semester", "periodic_test"]
    column: str | None
    due_on: date
    days_overdue: int
    missing_cells: int
    detail: str


class LateEntriesRead(BaseModel):
    column: str
    due_on: date
    cells: int = Field(description="Số đầu điểm nhập lần đầu sau hạn")


class SheetDeadlineRead(BaseModel):
    class_id: str
    class_name: str
    subject_code: str
    subject_name: str
    semester: int
    teachers: list[str]
    days_overdue: int
    total: TallyRead
    shortfalls: list[ShortfallRead]
    late: list[LateEntriesRead]


class EntryDeadlinesRead(BaseModel):
    school_id: str
    school_year: str
    as_of: date = Field(description="Ngày xét (giờ Việt Nam)")
    sheets_checked: int
    overdue: list[SheetDeadlineRead] = Field(description="Lớp-môn quá hạn, quá hạn lâu nhất trước")
    late: list[SheetDeadlineRead] = Field(description="Lớp-môn có điểm kiểm tra định kì nhập sau hạn")
