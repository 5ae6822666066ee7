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


class TranscriptSubmitted(EventPayload, event_type="vn.edurecords.transcript.submitted", topic=TOPIC):
    """A version was frozen and handed to the signing service (`request_id` names the `SigningRequested`)."""

    transcript_id: str
    school_id: str
    student_id: str
    version: int = Field(ge=1)
    request_id: str
    content_sha256: str = Field(min_length=64, max_length=64)
    supersedes: int | None = Field(default=None, description="The signed version this one corrects, if any")
    submitted_by: str
    submitted_at: datetime


class TranscriptSigningReturned(EventPayload, event_type="vn.edurecords.transcript.signing-returned", topic=TOPIC):
    """A signer rejected the version (or the signing service refused it): the transcript is a draft again."""

    transcript_id: str
    school_id: str
    version: int = Field(ge=1)
    reason: str
    returned_at: datetime


class TranscriptSigned(EventPayload, event_type="vn.edurecords.transcript.signed", topic=TOPIC):
    """Every signer signed a version: it is immutable; the final files are named by key and SHA-256."""

    transcript_id: str
    school_id: str
    student_id: str
    version: int = Field(ge=1)
    content_sha256: str = Field(min_length=64, max_length=64)
    pdf_key: str
    pdf_sha256: str = Field(min_length=64, max_length=64)
    xml_key: str | None = None
    xml_sha256: str | None = None
    signed_at: datetime


class TranscriptSuperseded(EventPayload, event_type="vn.edurecords.transcript.superseded", topic=TOPIC):
    """A signed version was replaced by a signed correction (never edited): `by_version` supersedes `version`."""

    transcript_id: str
    school_id: str
    version: int = Field(ge=1)
    by_version: int = Field(ge=2)
    superseded_at: datetime


class TranscriptIssued(EventPayload, event_type="vn.edurecords.transcript.issued", topic=TOPIC):
    """The principal issued a signed version to the student (graduation, transfer or on request)."""

    transcript_id: str
    school_id: str
    student_id: str
    version: int = Field(ge=1)
    reason: Literal["graduation", "transfer", "request"]
    issued_by: str
    issued_at: datetime


class TranscriptYearLocked(EventPayload, event_type="vn.edurecords.transcript.year-locked", topic=TOPIC):
    """The principal locked (chốt) or unlocked a class's transcripts for a school year (seed 000 Điều 12)."""

    school_id: str
    class_id: str
    school_year: str
    locked: bool
    by: str
    at: datetime


class TranscriptExported(EventPayload, event_type="vn.edurecords.transcript.exported", topic=TOPIC):
    """A signed version was exported as a package (signed files and a manifest) for a school or the student."""

    transcript_id: str
    school_id: str
    student_id: str
    version: int = Field(ge=1)
    package_sha256: str = Field(min_length=64, max_length=64)
    exported_by: str
    exported_at: datetime


class TranscriptImported(EventPayload, event_type="vn.edurecords.transcript.imported", topic=TOPIC):
    """A receiving school accepted a package whose manifest and signatures verified; the record continues there."""

    import_id: str
    transcript_id: str
    school_id: str
    student_id: str
    source_school_name: str
    source_transcript_id: str
    school_years: list[str]
    package_key: str
    package_sha256: str = Field(min_length=64, max_length=64)
    imported_by: str
    imported_at: datetime
