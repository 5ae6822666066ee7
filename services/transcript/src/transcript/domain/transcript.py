"""The transcript (học bạ): one per student and school level, a profile snapshot and one page per school year."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Level = Literal["tieu_hoc", "thcs", "thpt"]
# tt22: THCS/THPT from 2021–22; tt27: primary; tt58: older THCS/THPT years (học lực / hạnh kiểm).
Form = Literal["tt22", "tt27", "tt58"]
Status = Literal["draft"]
SignerRole = Literal["subject_teacher", "homeroom_teacher", "principal", "school_seal"]
# A subject's result in a period: a score with one decimal, or a rating ("Đ", "CĐ", "T", "H", "C", "Miễn").
Mark = Decimal | str

LEVELS: tuple[Level, ...] = ("tieu_hoc", "thcs", "thpt")
_NAMESPACE = uuid.UUID("3f0c8f2e-7a43-4c55-9a55-5b1d0d3c2b10")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed from paper


def level_of_grade(grade: int) -> Level:
    """Tiểu học 1–5, THCS 6–9, THPT 10–12."""
    return "tieu_hoc" if grade <= 5 else "thcs" if grade <= 9 else "thpt"


def transcript_id(student_id: str, level: Level) -> str:
    """The same student and level always name the same transcript, so every consumer run agrees on it."""
    return str(uuid.uuid5(_NAMESPACE, f"{student_id}/{level}"))


def verification_code(transcript_id: str) -> str:
    """A short code printed on every page (10 letters and digits), derived from the transcript id."""
    digest = int.from_bytes(hashlib.sha256(transcript_id.encode()).digest()[:8], "big")
    chars = []
    for _ in range(10):
        digest, index = divmod(digest, len(_CODE_ALPHABET))
        chars.append(_CODE_ALPHABET[index])
    return "".join(chars)


def score(value: float | int | str | Decimal) -> Mark:
    """A mark from the wire: numbers become Decimal with one decimal place; ratings stay text."""
    if isinstance(value, str):
        try:
            return Decimal(value).quantize(Decimal("0.1"))
        except ArithmeticError:
            return value
    return Decimal(str(value)).quantize(Decimal("0.1"))


def mark_text(value: Mark | None) -> str:
    """The printed text of a mark ("8.5", "Đ", "Miễn"); empty when missing."""
    if value is None:
        return ""
    return str(value)


@dataclass(frozen=True)
class StudentProfile:
    """The student's lý lịch as the transcript prints it (snapshot from identity events)."""

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


@dataclass(frozen=True)
class Guardian:
    relation: str  # cha, me, nguoi_giam_ho
    full_name: str
    occupation: str | None = None


@dataclass(frozen=True)
class SubjectLine:
    """One subject on a year page: semester and year results, the retest result, teacher and comment."""

    code: str
    name: str
    hk1: Mark | None = None
    hk2: Mark | None = None
    year: Mark | None = None
    retest: Mark | None = None  # the result after kiểm tra lại; `year` keeps the result before it
    tests: Mapping[str, int] = field(default_factory=dict)  # TT27 periodic test scores by period
    teacher_name: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class SignatureSlot:
    """An empty PDF signature field a signer fills (the signing service; contract `SignerSpec`)."""

    role: SignerRole
    field_name: str
    name: str
    staff_id: str | None = None
    subject_code: str | None = None


@dataclass(frozen=True)
class YearPage:
    """A school year in the transcript: the class, results, outcome, comments and who signs."""

    school_year: str
    school_id: str
    school_name: str
    class_id: str
    class_name: str
    grade: int
    form: Form
    subjects: tuple[SubjectLine, ...] = ()
    # Period (hk1, hk2, year) → label: TT22 kết quả học tập / rèn luyện, TT58 học lực / hạnh kiểm.
    learning: Mapping[str, str] = field(default_factory=dict)
    training: Mapping[str, str] = field(default_factory=dict)
    # TT27: kết quả giáo dục by period, and qualities / competences: code → period → level.
    education_result: Mapping[str, str] = field(default_factory=dict)
    qualities: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    competences: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    absent_sessions: int = 0
    outcome: str | None = None  # len_lop, o_lai_lop, kiem_tra_lai, ren_luyen_he
    award: str | None = None  # printed label: "Học sinh Xuất sắc", "Học sinh Giỏi", …
    explanations: Mapping[str, str] = field(default_factory=dict)
    homeroom_teacher: str | None = None
    homeroom_comment: str | None = None
    principal_name: str | None = None
    approved_periods: tuple[str, ...] = ()
    signers: tuple[SignatureSlot, ...] = ()


@dataclass(frozen=True)
class Transcript:
    """Học bạ of one student for one school level; `status` stays "draft" while it can still be rebuilt."""

    id: str
    student_id: str
    school_id: str
    school_name: str
    level: Level
    profile: StudentProfile
    guardians: tuple[Guardian, ...] = ()
    pages: tuple[YearPage, ...] = ()
    status: Status = "draft"

    @property
    def verification_code(self) -> str:
        return verification_code(self.id)

    def page(self, school_year: str) -> YearPage | None:
        return next((p for p in self.pages if p.school_year == school_year), None)

    @property
    def signature_fields(self) -> tuple[str, ...]:
        """Every signature field of the rendered PDF, page by page."""
        return tuple(s.field_name for p in self.pages for s in p.signers)
