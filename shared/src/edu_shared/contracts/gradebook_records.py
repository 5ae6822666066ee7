"""Events of the gradebook's student records: attendance, conduct, discipline and rewards, exemptions.

Topic `edu.gradebook`, partition key the school id. Payloads carry what transcripts, reporting and parent
notifications need (student, class and school, year, semester, the values, the names a message shows) so no
consumer reads the gradebook's tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from edu_shared.contracts.gradebook import TOPIC
from edu_shared.events.registry import EventPayload

AttendanceStatus = Literal["present", "excused", "unexcused", "late"]


class AttendanceChange(BaseModel):
    """One student's mark that changed in a roll (not an event by itself); `present` means no mark."""

    model_config = ConfigDict(frozen=True)

    student_id: str
    student_name: str
    old_status: AttendanceStatus
    new_status: AttendanceStatus
    note: str | None = None


class AttendanceRecorded(EventPayload, event_type="vn.edurecords.gradebook.attendance.recorded", topic=TOPIC):
    """A class's roll for one day and session (or one period of it) was taken or changed (điểm danh)."""

    school_id: str
    class_id: str
    class_name: str = Field(examples=["6A1"])
    school_year: str = Field(examples=["2025-2026"])
    semester: int = Field(ge=1, le=2)
    date: dt.date
    session: Literal["sang", "chieu"]
    period: int | None = Field(default=None, ge=1, le=10, description="Tiết; null khi điểm danh cả buổi")
    recorded_by: str
    recorded_at: dt.datetime
    changes: list[AttendanceChange]


class ConductChange(BaseModel):
    """One student's rating after the change (not an event by itself); levels by their Vietnamese labels."""

    model_config = ConfigDict(frozen=True)

    student_id: str
    student_name: str
    training: str | None = Field(default=None, examples=["Tốt"], description="Thông tư 22: Tốt/Khá/Đạt/Chưa đạt")
    previous_training: str | None = None
    qualities: dict[str, str] = Field(default_factory=dict, description="Thông tư 27: phẩm chất → Tốt/Đạt/Cần cố gắng")
    competences: dict[str, str] = Field(default_factory=dict, description="Thông tư 27: năng lực chung → mức")
    comment: str | None = None


class ConductRated(EventPayload, event_type="vn.edurecords.gradebook.conduct.rated", topic=TOPIC):
    """The homeroom teacher rated training (TT22) or qualities and competences (TT27) of a class for a semester."""

    school_id: str
    class_id: str
    class_name: str
    school_year: str
    semester: int = Field(ge=1, le=2)
    stage: Literal["mid", "end"] = "end"
    rule_set: Literal["tt22", "tt27"]
    rated_by: str
    rated_at: dt.datetime
    changes: list[ConductChange]


class DisciplineRecorded(EventPayload, event_type="vn.edurecords.gradebook.discipline.recorded", topic=TOPIC):
    """A discipline (kỉ luật) or reward (khen thưởng) decision about a student was recorded."""

    record_id: str
    school_id: str
    class_id: str
    class_name: str
    school_year: str
    student_id: str
    student_name: str
    kind: Literal["discipline", "reward"]
    level: str = Field(examples=["khien_trach", "truong"])
    level_label: str = Field(examples=["Khiển trách", "Khen thưởng cấp trường"])
    date: dt.date
    decision_number: str | None = None
    content: str
    recorded_by: str
    recorded_at: dt.datetime


class DisciplineRevoked(EventPayload, event_type="vn.edurecords.gradebook.discipline.revoked", topic=TOPIC):
    """A discipline or reward decision was revoked; the record stays on file, marked revoked."""

    record_id: str
    school_id: str
    class_id: str
    school_year: str
    student_id: str
    student_name: str
    kind: Literal["discipline", "reward"]
    reason: str
    revoked_by: str
    revoked_at: dt.datetime


class ExemptionGranted(EventPayload, event_type="vn.edurecords.gradebook.exemption.granted", topic=TOPIC):
    """A student is exempt from a subject (miễn học) for a semester or the year (`semester` null)."""

    exemption_id: str
    school_id: str
    class_id: str
    class_name: str
    school_year: str
    student_id: str
    student_name: str
    subject_code: str
    subject_name: str
    semester: int | None = Field(default=None, ge=1, le=2)
    reason: str
    decision_ref: str
    granted_by: str
    granted_at: dt.datetime


class ExemptionRevoked(EventPayload, event_type="vn.edurecords.gradebook.exemption.revoked", topic=TOPIC):
    """An exemption was revoked: the subject counts again for that student and period."""

    exemption_id: str
    school_id: str
    class_id: str
    school_year: str
    student_id: str
    subject_code: str
    semester: int | None = None
    reason: str
    revoked_by: str
    revoked_at: dt.datetime


class CommentChange(BaseModel):
    """One student's comment that changed (not an event by itself); None when it was cleared."""

    model_config = ConfigDict(frozen=True)

    student_id: str
    old: str | None
    new: str | None


class SubjectCommentsRecorded(EventPayload, event_type="vn.edurecords.gradebook.comments.recorded", topic=TOPIC):
    """A subject teacher saved comments (nhận xét) on students of a class for a semester."""

    school_id: str
    class_id: str
    subject_code: str
    subject_name: str
    school_year: str = Field(examples=["2025-2026"])
    semester: int = Field(ge=1, le=2)
    recorded_by: str
    recorded_at: dt.datetime
    changes: list[CommentChange]
