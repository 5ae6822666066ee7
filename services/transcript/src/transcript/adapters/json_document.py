"""The transcript as JSON: pydantic models whose schema is published as docs/schemas/hoc-ba.schema.json.

The same document is what the service stores for a draft, what `GET /transcripts/{id}` returns and what the
content hash covers; the XML form (adapters/xml_document.py) carries the same fields.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from transcript.domain.transcript import (
    Guardian,
    SignatureSlot,
    StudentProfile,
    SubjectLine,
    Transcript,
    YearPage,
    mark_text,
    score,
)

SCHEMA_ID = "https://edurecords.vn/schemas/hoc-ba.schema.json"
FORMAT_VERSION: Literal["1.0"] = "1.0"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProfileDoc(_Model):
    full_name: str
    family_name: str
    middle_name: str
    given_name: str
    date_of_birth: date
    sex: Literal["nam", "nu"]
    place_of_birth: str | None = None
    ethnicity: str | None = None
    national_id: str | None = None
    moet_student_id: str | None = None


class GuardianDoc(_Model):
    relation: str = Field(examples=["cha", "me", "nguoi_giam_ho"])
    full_name: str
    occupation: str | None = None


class SubjectDoc(_Model):
    code: str
    name: str
    hk1: str | None = Field(default=None, description="Điểm (một chữ số thập phân) hoặc mức: Đ, CĐ, T, H, C, Miễn")
    hk2: str | None = None
    year: str | None = None
    retest: str | None = Field(default=None, description="Kết quả sau kiểm tra lại (nếu có)")
    tests: dict[str, int] = Field(default_factory=dict, description="TT27: điểm bài kiểm tra định kì theo kì")
    teacher_name: str | None = None
    comment: str | None = None


class SignerDoc(_Model):
    role: Literal["subject_teacher", "homeroom_teacher", "principal", "school_seal"]
    field_name: str
    name: str
    staff_id: str | None = None
    subject_code: str | None = None


class YearDoc(_Model):
    school_year: str = Field(pattern=r"^\d{4}-\d{4}$")
    school_id: str
    school_name: str
    class_id: str
    class_name: str
    grade: int = Field(ge=1, le=12)
    form: Literal["tt22", "tt27", "tt58"]
    subjects: list[SubjectDoc]
    learning: dict[str, str] = Field(default_factory=dict, description="Kỳ → kết quả học tập (TT58: học lực)")
    training: dict[str, str] = Field(default_factory=dict, description="Kỳ → kết quả rèn luyện (TT58: hạnh kiểm)")
    education_result: dict[str, str] = Field(default_factory=dict, description="TT27: kỳ → kết quả giáo dục")
    qualities: dict[str, dict[str, str]] = Field(default_factory=dict)
    competences: dict[str, dict[str, str]] = Field(default_factory=dict)
    absent_sessions: int = Field(ge=0)
    outcome: Literal["len_lop", "o_lai_lop", "kiem_tra_lai", "ren_luyen_he"] | None = None
    award: str | None = None
    explanations: dict[str, str] = Field(default_factory=dict)
    homeroom_teacher: str | None = None
    homeroom_comment: str | None = None
    principal_name: str | None = None
    approved_periods: list[str] = Field(default_factory=list)
    signers: list[SignerDoc]


class TranscriptDocument(_Model):
    """Học bạ số: the student's profile and one page per school year of a school level."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"$id": SCHEMA_ID, "title": "Học bạ số (EduRecords)"}
    )

    format_version: Literal["1.0"] = FORMAT_VERSION
    id: str
    student_id: str
    school_id: str
    school_name: str
    level: Literal["tieu_hoc", "thcs", "thpt"]
    status: Literal["draft"]
    verification_code: str = Field(pattern=r"^[A-Z2-9]{10}$")
    profile: ProfileDoc
    guardians: list[GuardianDoc]
    years: list[YearDoc]


def _subject(s: SubjectLine) -> SubjectDoc:
    return SubjectDoc(
        code=s.code,
        name=s.name,
        hk1=mark_text(s.hk1) or None,
        hk2=mark_text(s.hk2) or None,
        year=mark_text(s.year) or None,
        retest=mark_text(s.retest) or None,
        tests=dict(s.tests),
        teacher_name=s.teacher_name,
        comment=s.comment,
    )


def _year(p: YearPage) -> YearDoc:
    return YearDoc(
        school_year=p.school_year,
        school_id=p.school_id,
        school_name=p.school_name,
        class_id=p.class_id,
        class_name=p.class_name,
        grade=p.grade,
        form=p.form,
        subjects=[_subject(s) for s in p.subjects],
        learning=dict(p.learning),
        training=dict(p.training),
        education_result=dict(p.education_result),
        qualities={k: dict(v) for k, v in p.qualities.items()},
        competences={k: dict(v) for k, v in p.competences.items()},
        absent_sessions=p.absent_sessions,
        outcome=p.outcome,
        award=p.award,
        explanations=dict(p.explanations),
        homeroom_teacher=p.homeroom_teacher,
        homeroom_comment=p.homeroom_comment,
        principal_name=p.principal_name,
        approved_periods=list(p.approved_periods),
        signers=[
            SignerDoc(
                role=s.role, field_name=s.field_name, name=s.name, staff_id=s.staff_id, subject_code=s.subject_code
            )
            for s in p.signers
        ],
    )


def to_document(t: Transcript) -> TranscriptDocument:
    """The JSON document of a transcript."""
    return TranscriptDocument(
        id=t.id,
        student_id=t.student_id,
        school_id=t.school_id,
        school_name=t.school_name,
        level=t.level,
        status=t.status,
        verification_code=t.verification_code,
        profile=ProfileDoc(**vars(t.profile)),
        guardians=[GuardianDoc(**vars(g)) for g in t.guardians],
        years=[_year(p) for p in t.pages],
    )


def from_document(d: TranscriptDocument) -> Transcript:
    """Back to the domain (a stored draft, read again)."""
    return Transcript(
        id=d.id,
        student_id=d.student_id,
        school_id=d.school_id,
        school_name=d.school_name,
        level=d.level,
        profile=StudentProfile(**d.profile.model_dump()),
        guardians=tuple(Guardian(**g.model_dump()) for g in d.guardians),
        pages=tuple(
            YearPage(
                school_year=y.school_year,
                school_id=y.school_id,
                school_name=y.school_name,
                class_id=y.class_id,
                class_name=y.class_name,
                grade=y.grade,
                form=y.form,
                subjects=tuple(
                    SubjectLine(
                        code=s.code,
                        name=s.name,
                        hk1=None if s.hk1 is None else score(s.hk1),
                        hk2=None if s.hk2 is None else score(s.hk2),
                        year=None if s.year is None else score(s.year),
                        retest=None if s.retest is None else score(s.retest),
                        tests=dict(s.tests),
                        teacher_name=s.teacher_name,
                        comment=s.comment,
                    )
                    for s in y.subjects
                ),
                learning=y.learning,
                training=y.training,
                education_result=y.education_result,
                qualities=y.qualities,
                competences=y.competences,
                absent_sessions=y.absent_sessions,
                outcome=y.outcome,
                award=y.award,
                explanations=y.explanations,
                homeroom_teacher=y.homeroom_teacher,
                homeroom_comment=y.homeroom_comment,
                principal_name=y.principal_name,
                approved_periods=tuple(y.approved_periods),
                signers=tuple(SignatureSlot(**s.model_dump()) for s in y.signers),
            )
            for y in d.years
        ),
    )


def canonical_json(d: TranscriptDocument) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes the content hash covers."""
    return json.dumps(d.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_sha256(d: TranscriptDocument) -> str:
    return hashlib.sha256(canonical_json(d)).hexdigest()


def json_schema() -> dict[str, object]:
    """The published JSON Schema (docs/schemas/hoc-ba.schema.json is this, committed)."""
    schema = TranscriptDocument.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
