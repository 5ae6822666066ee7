"""Events of the gradebook's school calendar (topic `edu.gradebook`, partition key: the school id)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from edu_shared.contracts.gradebook import TOPIC
from edu_shared.events.registry import EventPayload


class CalendarSemester(BaseModel):
    """The dates of one semester (not an event by itself)."""

    model_config = ConfigDict(frozen=True)

    semester: int = Field(ge=1, le=2)
    starts_on: date
    mid_on: date = Field(description="Giữa học kì: mốc kiểm tra tiến độ nhập điểm thường xuyên")
    ends_on: date
    exam_starts_on: date = Field(description="Ngày bắt đầu thi học kì")


class SchoolCalendarSet(EventPayload, event_type="vn.edurecords.gradebook.calendar.set", topic=TOPIC):
    """The principal set (or replaced) a school's calendar for a school year: semester dates and entry deadlines."""

    school_id: str
    school_year: str = Field(examples=["2025-2026"])
    semesters: list[CalendarSemester]
    periodic_entry_days: int = Field(description="Số ngày được nhập điểm kiểm tra định kì sau ngày kiểm tra")
    essay_entry_days: int = Field(description="Số ngày được nhập điểm bài viết (tự luận) sau ngày kiểm tra")
    correction_cutoff_days: int = Field(description="Hạn gửi yêu cầu sửa điểm: số ngày trước ngày thi học kì")
    set_by: str
    set_at: datetime
