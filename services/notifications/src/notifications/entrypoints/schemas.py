"""Wire models of the notifications HTTP API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class PreferencesRead(BaseModel):
    channels: list[str] = Field(examples=[["inapp", "zalo", "sms"]])
    quiet_start: str | None = Field(default=None, examples=["21:00"])
    quiet_end: str | None = Field(default=None, examples=["06:30"])
    opted_out: list[str] = Field(default_factory=list, examples=[["scores_digest"]])


class PreferencesUpdate(PreferencesRead):
    """A parent's choices: channels in order of preference, quiet hours (local time), kinds they do not want."""


class InboxItemRead(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    student_id: str | None
    created_at: datetime
    read: bool


class InboxRead(BaseModel):
    items: list[InboxItemRead]
    unread: int


class UnreadRead(BaseModel):
    unread: int


class SchoolSettingsUpdate(BaseModel):
    score_mode: str = Field(default="digest", examples=["digest", "immediate"])
    digest_hour: int = Field(default=18, examples=[18])
    monthly_budget_vnd: int | None = Field(default=None, examples=[2_000_000])


class SchoolSettingsRead(SchoolSettingsUpdate):
    school_id: str


class AnnouncementCreate(BaseModel):
    title: str
    text: str
    class_ids: list[str] = Field(default_factory=list, description="Rỗng: theo khối (grades) hoặc cả trường")
    grades: list[int] = Field(default_factory=list)
    dry_run: bool = Field(default=False, description="Chỉ ước tính số tin và chi phí, không gửi")


class NoteCreate(BaseModel):
    subject_code: str
    text: str
    dry_run: bool = False


class SentRead(BaseModel):
    source_id: str
    recipients: int
    queued: int
    cost_vnd: int
    dry_run: bool


class MemberCreate(BaseModel):
    name: str
    school_id: str | None = None
    phone: str | None = None
    email: str | None = None


class GroupCreate(BaseModel):
    scope_type: str = Field(examples=["org_unit", "province"])
    scope_id: str
    name: str
    members: list[MemberCreate]


class GroupRead(GroupCreate):
    id: str


class GroupMessageCreate(BaseModel):
    sender: str = Field(examples=["So GDDT"])
    title: str
    text: str


class ReportLineRead(BaseModel):
    channel: str
    status: str
    messages: int
    segments: int
    cost_vnd: int


class ReportRead(BaseModel):
    school_id: str
    month: str
    lines: list[ReportLineRead]
    sent: int
    delivered: int
    failed: int
    cost_vnd: int


class DeliveryReportCreate(BaseModel):
    """A brandname provider's delivery report (eSMS style)."""

    RequestId: str
    SendStatus: int = Field(description="5: delivered; 6 or other: failed")
    SendFailed: int | None = None
