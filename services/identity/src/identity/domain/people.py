"""People of a school: staff, students, guardians, enrollments and consent to process personal data.

Plain dataclasses and rules. Student profiles hold what the transcript needs (DOMAIN §7: collect only what is
needed); consent follows Law 91/2025: for a child of 7 or more, both the child's and a guardian's consent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from edu_shared.errors import Conflict, InvalidInput
from identity.domain.names import (
    PersonName,
    age_on,
    check_date_of_birth,
    check_national_id,
    national_id_birth_mismatch,
)


class Sex(StrEnum):
    MALE = "nam"
    FEMALE = "nu"


class StudentStatus(StrEnum):
    STUDYING = "studying"  # đang học
    TRANSFERRED_OUT = "transferred_out"  # chuyển đi
    DROPPED_OUT = "dropped_out"  # thôi học
    GRADUATED = "graduated"  # hoàn thành cấp học


class StaffStatus(StrEnum):
    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    LEFT = "left"


class StaffTitle(StrEnum):
    """Chức danh, for staff counts by title (DOMAIN §6); roles in the system are granted separately."""

    PRINCIPAL = "hieu_truong"
    VICE_PRINCIPAL = "pho_hieu_truong"
    TEACHER = "giao_vien"
    OFFICE = "van_thu"  # văn thư
    ACCOUNTANT = "ke_toan"
    LIBRARIAN = "thu_vien"
    EQUIPMENT = "thiet_bi"  # nhân viên thiết bị, thí nghiệm
    MEDICAL = "y_te"  # nhân viên y tế trường học
    SUPERVISOR = "giam_thi"
    OTHER = "nhan_vien_khac"


STAFF_TITLE_NAMES: dict[StaffTitle, str] = {
    StaffTitle.PRINCIPAL: "Hiệu trưởng",
    StaffTitle.VICE_PRINCIPAL: "Phó hiệu trưởng",
    StaffTitle.TEACHER: "Giáo viên",
    StaffTitle.OFFICE: "Nhân viên văn thư",
    StaffTitle.ACCOUNTANT: "Kế toán",
    StaffTitle.LIBRARIAN: "Nhân viên thư viện",
    StaffTitle.EQUIPMENT: "Nhân viên thiết bị, thí nghiệm",
    StaffTitle.MEDICAL: "Nhân viên y tế",
    StaffTitle.SUPERVISOR: "Giám thị",
    StaffTitle.OTHER: "Nhân viên khác",
}


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    MOVED = "moved"  # changed class within the school year
    ENDED = "ended"  # the school year closed (promoted or retained: a new enrolment follows)
    GRADUATED = "graduated"  # completed the level's last grade
    TRANSFERRED_OUT = "transferred_out"  # moved to another school of the province
    DROPPED_OUT = "dropped_out"  # thôi học


class Relation(StrEnum):
    FATHER = "cha"
    MOTHER = "me"
    GUARDIAN = "nguoi_giam_ho"  # người giám hộ
    GRANDPARENT = "ong_ba"
    SIBLING = "anh_chi"
    OTHER = "khac"


class ConsentPurpose(StrEnum):
    """What personal data is processed for; each needs its own consent."""

    EDUCATION_RECORDS = "education_records"  # hồ sơ học sinh, học bạ, sổ điểm
    PARENT_CONTACT = "parent_contact"  # sổ liên lạc điện tử, SMS/app/email to guardians
    PHOTO = "photo"  # the student's photo on records and cards


class ConsentGiver(StrEnum):
    GUARDIAN = "guardian"
    STUDENT = "student"


# Law 91/2025 on personal data protection: a child of 7 or more consents too. *(age to confirm against Decree 356)*
CHILD_CONSENT_AGE = 7

# Student ages refused at registration as implausible (a typo in the year, most often); none above for GDTX.
STUDENT_MIN_AGE = 3
STUDENT_MAX_AGE = 25

_PHONE = re.compile(r"^0(?:[35789]\d{8}|2\d{9})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MOET_ID = re.compile(r"^[0-9A-Za-z]{6,20}$")


def check_phone(value: str, *, field_name: str = "phone") -> str:
    """Vietnamese numbers: mobile 10 digits (03/05/07/08/09…), landline 11 (02…); +84 becomes 0."""
    compact = re.sub(r"[\s.\-()]", "", value)
    if compact.startswith("+84"):
        compact = "0" + compact[3:]
    elif compact.startswith("84") and len(compact) == 11:
        compact = "0" + compact[2:]
    if not _PHONE.fullmatch(compact):
        raise InvalidInput(
            "Số điện thoại không hợp lệ: di động 10 chữ số bắt đầu bằng 03, 05, 07, 08, 09; cố định 11 chữ số "
            "bắt đầu bằng 02 (có thể viết +84).",
            field=field_name,
            value=value,
        )
    return compact


def check_email(value: str, *, field_name: str = "email") -> str:
    cleaned = value.strip()
    if len(cleaned) > 254 or not _EMAIL.fullmatch(cleaned):
        raise InvalidInput(f"Địa chỉ email '{value}' không hợp lệ.", field=field_name, value=value)
    return cleaned.lower()


def check_moet_student_id(value: str, *, field_name: str = "moet_student_id") -> str:
    """MOET's lifelong student id from the sector database. *(format unconfirmed: 6–20 letters or digits)*"""
    compact = value.strip()
    if not _MOET_ID.fullmatch(compact):
        raise InvalidInput(
            "Mã định danh học sinh của Bộ GDĐT chỉ gồm chữ và số, dài 6–20 ký tự.", field=field_name, value=value
        )
    return compact


def optional_text(value: str | None, *, field_name: str, max_length: int) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    if len(cleaned) > max_length:
        raise InvalidInput(f"Tối đa {max_length} ký tự.", field=field_name, value=value)
    return cleaned or None


MAX_IMAGE_BYTES = 2 * 1024 * 1024
_IMAGE_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


def check_image(data: bytes, *, content_type: str, field_name: str) -> str:
    """A staff photo or signature image: PNG or JPEG (checked by content, not by the header), at most 2 MiB."""
    kind = content_type.split(";")[0].strip().lower()
    if kind not in _IMAGE_MAGIC:
        raise InvalidInput("Ảnh phải ở định dạng PNG hoặc JPEG.", field=field_name, value=content_type)
    if not data:
        raise InvalidInput("Tệp ảnh rỗng.", field=field_name, value=0)
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput("Ảnh lớn hơn 2 MB.", field=field_name, value=len(data))
    if not data.startswith(_IMAGE_MAGIC[kind]):
        raise InvalidInput(f"Nội dung tệp không phải ảnh {kind}.", field=field_name, value=content_type)
    return kind


@dataclass(frozen=True)
class StudentProfile:
    """The student's record (lý lịch): everything a transcript header needs, nothing more."""

    name: PersonName
    date_of_birth: date
    sex: Sex
    place_of_birth: str | None = None
    ethnicity: str | None = None
    address: str | None = None
    national_id: str | None = None
    moet_student_id: str | None = None

    def checked(self, *, on: date, max_age: int | None = STUDENT_MAX_AGE) -> StudentProfile:
        """The profile with identifiers normalised, or InvalidInput naming the first wrong field."""
        check_date_of_birth(self.date_of_birth, on=on, min_age=STUDENT_MIN_AGE, max_age=max_age)
        national_id = check_national_id(self.national_id) if self.national_id else None
        if national_id is not None:
            problem = national_id_birth_mismatch(
                national_id, date_of_birth=self.date_of_birth, female=self.sex == Sex.FEMALE
            )
            if problem:
                raise InvalidInput(problem, field="national_id", value=self.national_id)
        return StudentProfile(
            name=self.name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            place_of_birth=optional_text(self.place_of_birth, field_name="place_of_birth", max_length=255),
            ethnicity=optional_text(self.ethnicity, field_name="ethnicity", max_length=64),
            address=optional_text(self.address, field_name="address", max_length=500),
            national_id=national_id,
            moet_student_id=check_moet_student_id(self.moet_student_id) if self.moet_student_id else None,
        )

    def as_record(self) -> dict[str, Any]:
        """Flat JSON-friendly values, as audited and stored (names in parts)."""
        out: dict[str, Any] = {
            "family_name": self.name.family,
            "middle_name": self.name.middle,
            "given_name": self.name.given,
        }
        for f in fields(self):
            if f.name == "name":
                continue
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, date) else value
        return out


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The (old, new) values of the fields that differ, for the audit trail."""
    keys = [k for k in new if old.get(k) != new[k]]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


@dataclass(frozen=True)
class Student:
    id: str
    school_id: str
    profile: StudentProfile
    status: StudentStatus = StudentStatus.STUDYING


@dataclass(frozen=True)
class Staff:
    id: str
    school_id: str
    name: PersonName
    title: StaffTitle
    subject_group: str | None = None
    phone: str | None = None
    email: str | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    status: StaffStatus = StaffStatus.ACTIVE
    photo_object_key: str | None = None
    signature_object_key: str | None = None


@dataclass(frozen=True)
class Guardian:
    id: str
    school_id: str
    name: PersonName
    phone: str | None = None
    email: str | None = None
    occupation: str | None = None


@dataclass(frozen=True)
class Consent:
    id: str
    student_id: str
    purpose: ConsentPurpose
    given_by: ConsentGiver
    guardian_id: str | None
    granted_at: datetime
    recorded_by: str
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def consent_complete(consents: list[Consent], *, purpose: ConsentPurpose, date_of_birth: date, on: date) -> bool:
    """True when processing for `purpose` is consented: a guardian's, plus the child's own from age 7."""
    active = [c for c in consents if c.purpose == purpose and c.active]
    by_guardian = any(c.given_by == ConsentGiver.GUARDIAN for c in active)
    if age_on(date_of_birth, on) < CHILD_CONSENT_AGE:
        return by_guardian
    return by_guardian and any(c.given_by == ConsentGiver.STUDENT for c in active)


class DuplicateIdentifier(Conflict):
    slug = "duplicate-identifier"
    title = "Mã định danh đã được dùng"


class AlreadyEnrolled(Conflict):
    slug = "already-enrolled"
    title = "Học sinh đang học lớp khác"
