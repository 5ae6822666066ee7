"""Events of the transcript service (topic `edu.transcript`): học bạ số built from identity and gradebook events.

Keyed by school id. Payloads name the transcript and its content hash, never the personal data it holds: whoever
needs the content reads it through the transcript API, where access is checked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from edu_shared.events.registry import EventPayload

TOPIC = "edu.transcript"

TranscriptLevel = Literal["tieu_hoc", "thcs", "thpt"]


class TranscriptDrafted(EventPayload, event_type="vn.edurecords.transcript.drafted", topic=TOPIC):
    """A transcript's draft was (re)built because its inputs changed; `content_sha256` is the new content's hash."""

    transcript_id: str
    school_id: str
    student_id: str
    level: TranscriptLevel
    school_years: list[str] = Field(examples=[["2025-2026"]])
    verification_code: str = Field(examples=["HB7K2M9QX4"])
    content_sha256: str = Field(min_length=64, max_length=64)
    drafted_at: datetime
