"""Wire models of the reporting API (pydantic v2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class ReportColumnRead(BaseModel):
    key: str
    label: str
    kind: str = Field(description="text, int hoặc rate (tỉ lệ %)")


class ReportRead(BaseModel):
    """A report: its columns and rows; rates travel as strings with two decimals ("12.50")."""

    report: str
    title: str
    subtitle: str
    scope: str
    columns: list[ReportColumnRead]
    rows: list[dict[str, Any]]


class ReportKindRead(BaseModel):
    name: str
    description: str


class TopicLagRead(BaseModel):
    topic: str
    events_in_log: int
    events_behind: int
    seconds_behind: float
    events_applied: int
    last_event_at: datetime | None


class ProjectionsRead(BaseModel):
    """How far behind the event log the report projections are."""

    group: str
    topics: list[TopicLagRead]


class ExportCreate(BaseModel):
    report: str = Field(examples=["enrolment"])
    format: str = Field(examples=["xlsx"], description="xlsx, csv hoặc pdf")
    school_year: str = Field(examples=["2025-2026"])
    school_id: str | None = None
    org_unit_id: str | None = None
    class_id: str | None = None
    semester: int = Field(default=1, ge=1, le=2)
    period: str = "year"
    level: str | None = None
    subject_code: str | None = None
    grade: int | None = Field(default=None, ge=1, le=12)
    kind: str | None = None
    width: str = "0.5"
    group: str = "grade"


class ExportJobRead(BaseModel):
    id: str
    report: str
    format: str
    status: str = Field(description="queued, running, done hoặc failed")
    progress: int = Field(ge=0, le=100)
    download_url: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class Page(BaseModel, Generic[T]):
    """A page of the external API: `next_cursor` is given back as `cursor` for the next page (null: the end)."""

    items: list[T]
    next_cursor: str | None


class SchoolItem(BaseModel):
    id: str
    org_unit_id: str
    moet_code: str
    name: str
    levels: list[str]
    date_last_modified: datetime = Field(serialization_alias="dateLastModified")


class ClassItem(BaseModel):
    id: str
    school_id: str
    school_year: str
    grade: int
    level: str
    name: str
    students: int
    date_last_modified: datetime = Field(serialization_alias="dateLastModified")


class ResultItem(BaseModel):
    student_id: str
    class_id: str
    school_id: str
    school_year: str
    period: str
    learning: str | None
    training: str | None
    result: str | None
    outcome: str | None
    award: str | None
    absent_sessions: int
    subjects: dict[str, str]
    date_last_modified: datetime = Field(serialization_alias="dateLastModified")
