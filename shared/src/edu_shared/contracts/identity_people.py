"""Events of the identity service about school structure and people (topic `edu.identity`).

Partition key: the school id (`province` for the province-wide calendar and catalogue), so every event about
one school arrives in order. Personal data is kept to what the gradebook and the transcript need (names, date
and place of birth, sex, ethnicity, identifiers); never addresses or credentials, and contacts only in
`GuardianContactChanged`, which the notifications service alone consumes. Student and guardian events carry
full snapshots of those fields, so a consumer upserts without keeping history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from edu_shared.contracts.identity import TOPIC, SchoolLevel
from edu_shared.events.registry import EventPayload

PROVINCE_KEY = "province"

Assessment = Literal["scored", "comment"]
Sex = Literal["nam", "nu"]


class _Part(BaseModel):
    """A value nested in payloads (not an event by itself)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class SemesterDates(_Part):
    number: int = Field(ge=1, le=2)
    starts_on: date
    ends_on: date


class SchoolYearOpened(EventPayload, event_type="vn.edurecords.identity.school_year.opened", topic=TOPIC):
    """A province-wide school year was opened, with the semesters known so far."""

    school_year_id: str
    code: str = Field(examples=["2025-2026"])
    starts_on: date
    ends_on: date
    semesters: list[SemesterDates] = Field(default_factory=list)


class SemesterScheduled(EventPayload, event_type="vn.edurecords.identity.semester.scheduled", topic=TOPIC):
    """A semester's dates were set for a school year."""

    school_year_id: str
    school_year: str
    number: int = Field(ge=1, le=2)
    starts_on: date
    ends_on: date


class CatalogueSubject(_Part):
    """A subject as taught: its periods per year decide the number of regular assessments (Thông tư 22)."""

    code: str
    name: str
    periods_per_year: int
    assessment: Assessment
    elective: bool = False


class SubjectCatalogued(EventPayload, event_type="vn.edurecords.identity.subject.catalogued", topic=TOPIC):
    """A catalogue entry was added or corrected (`school_year_id` None: the province default)."""

    subject_id: str
    school_year_id: str | None
    level: SchoolLevel
    grade: int
    subject: CatalogueSubject


class ClassOpened(EventPayload, event_type="vn.edurecords.identity.class.opened", topic=TOPIC):
    """A class of a school was opened for a school year (feeds every service's directory: class → school)."""

    class_id: str
    school_id: str
    school_year_id: str
    school_year: str = Field(examples=["2025-2026"])
    grade: int = Field(ge=1, le=12)
    level: SchoolLevel
    name: str = Field(examples=["6A1"])


class ClassSubjectsSet(EventPayload, event_type="vn.edurecords.identity.class_subjects.set", topic=TOPIC):
    """The full list of subjects a class studies this year (replaces the previous list)."""

    class_id: str
    school_id: str
    school_year_id: str
    subjects: list[CatalogueSubject]


class StaffRegistered(EventPayload, event_type="vn.edurecords.identity.staff.registered", topic=TOPIC):
    """A staff member joined a school's records (no contacts: those stay in identity)."""

    staff_id: str
    school_id: str
    family_name: str
    middle_name: str
    given_name: str
    full_name: str
    title: str
    subject_group: str | None = None
    status: str = "active"


class StaffProfileChanged(EventPayload, event_type="vn.edurecords.identity.staff.profile_changed", topic=TOPIC):
    """A staff member's name, title, group or status changed; the payload is the new snapshot."""

    staff_id: str
    school_id: str
    family_name: str
    middle_name: str
    given_name: str
    full_name: str
    title: str
    subject_group: str | None = None
    status: str
    changed: list[str]


class StudentSnapshot(_Part):
    """What other services keep of a student: enough for a gradebook row and a transcript header."""

    family_name: str
    middle_name: str
    given_name: str
    full_name: str
    date_of_birth: date
    sex: Sex
    place_of_birth: str | None = None
    ethnicity: str | None = None
    national_id: str | None = None
    moet_student_id: str | None = None
    status: str


class StudentRegistered(EventPayload, event_type="vn.edurecords.identity.student.registered", topic=TOPIC):
    """A student was added to a school's records."""

    student_id: str
    school_id: str
    student: StudentSnapshot


class StudentProfileChanged(EventPayload, event_type="vn.edurecords.identity.student.profile_changed", topic=TOPIC):
    """A student's record changed (`changed` names the fields); the payload is the new snapshot."""

    student_id: str
    school_id: str
    student: StudentSnapshot
    changed: list[str]


class StudentEnrolled(EventPayload, event_type="vn.edurecords.identity.student.enrolled", topic=TOPIC):
    """A student joined a class from a date; `previous_class_id` is set on a change of class within the year."""

    enrollment_id: str
    student_id: str
    school_id: str
    class_id: str
    school_year_id: str
    starts_on: date
    previous_class_id: str | None = None


class GuardianLinked(EventPayload, event_type="vn.edurecords.identity.guardian.linked", topic=TOPIC):
    """A guardian was linked to a student (names and occupation appear on the transcript; no contacts)."""

    student_id: str
    school_id: str
    guardian_id: str
    relation: str = Field(examples=["cha", "me", "nguoi_giam_ho"])
    full_name: str
    occupation: str | None = None


class GuardianContactChanged(EventPayload, event_type="vn.edurecords.identity.guardian.contact_changed", topic=TOPIC):
    """A guardian's contact details, for the notifications service only (sổ liên lạc điện tử).

    The one identity event that carries contacts: every other consumer must ignore it and never store them.
    The payload is the full current snapshot (None: no such contact), sent when a guardian is created or edited.
    """

    guardian_id: str
    school_id: str
    full_name: str
    phone: str | None = Field(default=None, examples=["0912345678"])
    email: str | None = None
    zalo_id: str | None = Field(default=None, description="Zalo user id, when the parent followed the school's OA")
    language: str = Field(default="vi", examples=["vi"])


class ConsentChanged(EventPayload, event_type="vn.edurecords.identity.consent.changed", topic=TOPIC):
    """Consent to process a student's data for a purpose was granted or revoked (Law 91/2025)."""

    consent_id: str
    student_id: str
    school_id: str
    purpose: str = Field(examples=["education_records", "parent_contact", "photo"])
    given_by: Literal["guardian", "student"]
    guardian_id: str | None = None
    granted: bool
    at: datetime
    complete: bool = Field(description="True when, after this change, the purpose has every consent it needs")


class TeachingAssigned(EventPayload, event_type="vn.edurecords.identity.teaching.assigned", topic=TOPIC):
    """Phân công giảng dạy: a staff member teaches a subject to a class (`semester` None: the whole year)."""

    assignment_id: str
    school_id: str
    class_id: str
    subject_code: str
    staff_id: str
    school_year_id: str
    semester: int | None = None


class TeachingUnassigned(EventPayload, event_type="vn.edurecords.identity.teaching.unassigned", topic=TOPIC):
    """A teaching assignment ended (the grant it gave stops)."""

    assignment_id: str
    school_id: str
    class_id: str
    subject_code: str
    staff_id: str
    ended_at: datetime


class HomeroomAssigned(EventPayload, event_type="vn.edurecords.identity.homeroom.assigned", topic=TOPIC):
    """Phân công chủ nhiệm: the class's homeroom teacher from `starts_on` (replacing `previous_staff_id`)."""

    assignment_id: str
    school_id: str
    class_id: str
    staff_id: str
    school_year_id: str
    starts_on: date
    previous_staff_id: str | None = None


# Student lifecycle: year rollover, transfers between schools of the province, drop-out (DOMAIN §4).
# A transfer's events are keyed by the receiving school, the student's school from then on, so every later event
# about the student shares its key; they name both schools, and the sending school's consumers filter on
# `from_school_id`.


class StudentGraduated(EventPayload, event_type="vn.edurecords.identity.student.graduated", topic=TOPIC):
    """A student completed the school level (lớp 5, 9 or 12): their enrollment closed on `ends_on`."""

    student_id: str
    school_id: str
    enrollment_id: str
    class_id: str
    school_year_id: str
    grade: int = Field(ge=1, le=12)
    level: SchoolLevel
    ends_on: date


class StudentTransferRequested(
    EventPayload, event_type="vn.edurecords.identity.student.transfer_requested", topic=TOPIC
):
    """The sending school asked another school of the province to take a student (chuyển trường)."""

    transfer_id: str
    student_id: str
    from_school_id: str
    to_school_id: str
    to_class_id: str | None = None
    requested_at: datetime


class StudentTransferDecided(EventPayload, event_type="vn.edurecords.identity.student.transfer_decided", topic=TOPIC):
    """A transfer request was rejected by the receiving school or cancelled by the sending school."""

    transfer_id: str
    student_id: str
    from_school_id: str
    to_school_id: str
    status: Literal["rejected", "cancelled"]
    decided_at: datetime


class StudentTransferred(EventPayload, event_type="vn.edurecords.identity.student.transferred", topic=TOPIC):
    """The receiving school accepted a transfer: the old enrollment closed, the student now belongs to `to_school_id`.

    The transcript and the gradebook follow the student: their records at the old school stay there, read-only.
    """

    transfer_id: str
    student_id: str
    from_school_id: str
    from_enrollment_id: str | None = None
    from_class_id: str | None = None
    to_school_id: str
    to_enrollment_id: str
    to_class_id: str
    school_year_id: str
    starts_on: date
    student: StudentSnapshot


class StudentDroppedOut(EventPayload, event_type="vn.edurecords.identity.student.dropped_out", topic=TOPIC):
    """A student left school (thôi học) on `left_on`, the last day of their enrollment (if they had one)."""

    student_id: str
    school_id: str
    enrollment_id: str | None = None
    class_id: str | None = None
    left_on: date
    reason: str


class SchoolYearRolledOver(EventPayload, event_type="vn.edurecords.identity.school_year.rolled_over", topic=TOPIC):
    """Kết chuyển: a school carried its classes and students from one year to the next (counts of this run)."""

    school_id: str
    from_school_year_id: str
    to_school_year_id: str
    classes_opened: int
    promoted: int
    retained: int
    graduated: int
    unplaced: int
    blocked: int
