"""Year-end events of the gradebook (topic `edu.gradebook`): a class's results approved by the principal.

The payload carries each student's results as approved, so transcripts (học bạ), reports and parent messages
are built from the event alone. Keyed by school id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from edu_shared.audit.events import AuditHeadPayload
from edu_shared.contracts.gradebook import TOPIC
from edu_shared.events.registry import EventPayload

# A subject's result in a period: a number with one decimal, "Đ"/"CĐ", or "Miễn" (exempt).
Mark = float | str


class SubjectResult(BaseModel):
    code: str
    name: str
    hk1: Mark | None = None
    hk2: Mark | None = None
    year: Mark | None = None
    year_before_retest: Mark | None = None
    # Primary (Thông tư 27): the levels above are "T"/"H"/"C"; the periodic test scores (1–10) by period.
    tests: dict[str, int] | None = Field(default=None, examples=[{"hk1": 8, "year": 9}])


class StudentResult(BaseModel):
    """One student's approved results; `learning`/`training` are keyed by period (hk1, hk2, year, …)."""

    student_id: str
    full_name: str
    subjects: list[SubjectResult]
    learning: dict[str, str] = Field(examples=[{"hk1": "Khá"}])
    training: dict[str, str] = Field(examples=[{"hk1": "Tốt"}])
    outcome: Literal["len_lop", "kiem_tra_lai", "ren_luyen_he", "o_lai_lop"] | None = None
    retest_subjects: list[str] = []
    award: Literal["xuat_sac", "gioi"] | None = None
    absent_sessions: int = 0
    explanations: dict[str, str] = {}
    # Primary classes (Thông tư 27) only: `learning`/`training` stay empty, these carry the results instead.
    rule_set: Literal["tt22", "tt27"] | None = None
    result: dict[str, str] | None = Field(
        default=None,
        description="Kết quả giáo dục (Thông tư 27) theo kì: hoan_thanh_xuat_sac, hoan_thanh_tot, hoan_thanh, "
        "chua_hoan_thanh; `supplementary`: kết quả đánh giá bổ sung trong hè",
        examples=[{"hk1": "hoan_thanh_tot", "year": "hoan_thanh"}],
    )
    result_label: dict[str, str] | None = Field(default=None, examples=[{"year": "Hoàn thành"}])
    qualities: dict[str, dict[str, str]] | None = Field(
        default=None, description="Phẩm chất: mã → kì → Tốt/Đạt/Cần cố gắng", examples=[{"yeu_nuoc": {"hk1": "Tốt"}}]
    )
    competences: dict[str, dict[str, str]] | None = Field(
        default=None, description="Năng lực chung: mã → kì → Tốt/Đạt/Cần cố gắng"
    )
    award_label: str | None = None


class ClassResultsApproved(EventPayload, event_type="vn.edurecords.gradebook.results.approved", topic=TOPIC):
    """The principal approved a class's results for a semester, the year, or the summer round (after retests)."""

    approval_id: str
    school_id: str
    class_id: str
    school_year: str = Field(examples=["2025-2026"])
    period: Literal["hk1", "hk2", "year", "retest"]
    submitted_by: str
    approved_by: str
    approved_at: datetime
    snapshot_hash: str
    students: list[StudentResult]


class AuditHeadAdvanced(AuditHeadPayload, event_type="vn.edurecords.gradebook.audit.head-advanced", topic=TOPIC):
    """The gradebook's audit chain of a school grew (see `AuditHeadPayload`)."""
