"""The school calendar and structure: school years, semesters, classes, the subjects a class studies, and the
teaching and homeroom assignments over them. Plain dataclasses and rules, free of I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from edu_shared.contracts.identity import SchoolLevel
from edu_shared.errors import Conflict, InvalidInput
from identity.domain.subjects import GRADES_OF_LEVEL, Assessment, curriculum_level

YEAR_CODE = re.compile(r"^(\d{4})-(\d{4})$")
SUBJECT_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
CLASS_NAME_MAX = 32

# Assignments keep giving access a while after the year ends: retests (kiểm tra lại) and summer training
# (rèn luyện hè) results are entered in July. *(unconfirmed length; one place to change)*
ASSIGNMENT_GRACE_AFTER_YEAR = timedelta(days=62)


@dataclass(frozen=True)
class Semester:
    number: int
    starts_on: date
    ends_on: date

    def __post_init__(self) -> None:
        if self.number not in (1, 2):
            raise InvalidInput("Học kỳ phải là 1 hoặc 2.", field="number", value=self.number)
        if self.ends_on <= self.starts_on:
            raise InvalidInput(
                f"Học kỳ {self.number}: ngày kết thúc phải sau ngày bắt đầu.",
                field="ends_on",
                value=self.ends_on.isoformat(),
            )


@dataclass(frozen=True)
class SchoolYear:
    """A province-wide school year, e.g. 2025-2026 from 05/09/2025 to 31/05/2026."""

    id: str
    code: str
    starts_on: date
    ends_on: date
    semesters: tuple[Semester, ...] = ()

    def __post_init__(self) -> None:
        match = YEAR_CODE.fullmatch(self.code)
        if match is None or int(match[2]) != int(match[1]) + 1:
            raise InvalidInput(
                f"Mã năm học '{self.code}' không hợp lệ: dạng NNNN-NNNN với hai năm liên tiếp, ví dụ 2025-2026.",
                field="code",
                value=self.code,
            )
        first, second = int(match[1]), int(match[2])
        if self.starts_on.year != first:
            raise InvalidInput(
                f"Năm học {self.code} phải bắt đầu trong năm {first}.",
                field="starts_on",
                value=self.starts_on.isoformat(),
            )
        if self.ends_on.year != second:
            raise InvalidInput(
                f"Năm học {self.code} phải kết thúc trong năm {second}.",
                field="ends_on",
                value=self.ends_on.isoformat(),
            )
        check_semesters(self, self.semesters)

    @property
    def first_year(self) -> int:
        return self.starts_on.year

    def semester(self, number: int) -> Semester | None:
        return next((s for s in self.semesters if s.number == number), None)


def check_semesters(year: SchoolYear, semesters: tuple[Semester, ...]) -> None:
    """Semesters lie inside their year, are numbered once each, and semester I ends before semester II starts."""
    seen: dict[int, Semester] = {}
    for s in semesters:
        if s.number in seen:
            raise Conflict(f"Năm học {year.code} đã có học kỳ {s.number}.", field="number", value=s.number)
        if s.starts_on < year.starts_on or s.ends_on > year.ends_on:
            raise InvalidInput(
                f"Học kỳ {s.number} ({s.starts_on:%d/%m/%Y}–{s.ends_on:%d/%m/%Y}) phải nằm trong năm học "
                f"{year.code} ({year.starts_on:%d/%m/%Y}–{year.ends_on:%d/%m/%Y}).",
                field="starts_on" if s.starts_on < year.starts_on else "ends_on",
                value=(s.starts_on if s.starts_on < year.starts_on else s.ends_on).isoformat(),
            )
        seen[s.number] = s
    if 1 in seen and 2 in seen and seen[2].starts_on <= seen[1].ends_on:
        raise InvalidInput(
            "Học kỳ II phải bắt đầu sau khi học kỳ I kết thúc.", field="starts_on", value=seen[2].starts_on.isoformat()
        )


@dataclass(frozen=True)
class Subject:
    """A catalogue entry: the province default (`school_year_id` None) or a school year's own."""

    id: str
    code: str
    name: str
    level: SchoolLevel
    grade: int
    periods_per_year: int
    assessment: Assessment
    elective: bool = False
    school_year_id: str | None = None

    def __post_init__(self) -> None:
        check_subject_code(self.code)
        if not self.name.strip():
            raise InvalidInput("Tên môn học không được để trống.", field="name", value=self.name)
        if curriculum_level(self.grade) != self.level:
            raise InvalidInput(
                f"Khối {self.grade} không thuộc cấp học {self.level.value}.", field="grade", value=self.grade
            )
        check_periods(self.periods_per_year)


def check_subject_code(code: str, *, field_name: str = "code") -> str:
    """Subject codes become parts of scopes (`<class id>:<subject code>`): lower-case ASCII, digits and '_'."""
    if not SUBJECT_CODE.fullmatch(code):
        raise InvalidInput(
            f"Mã môn '{code}' không hợp lệ: chữ thường không dấu, chữ số hoặc '_', bắt đầu bằng chữ, dài 2–32 ký tự.",
            field=field_name,
            value=code,
        )
    return code


def check_periods(periods: int, *, field_name: str = "periods_per_year") -> int:
    if not 1 <= periods <= 1000:
        raise InvalidInput("Số tiết mỗi năm phải từ 1 đến 1000.", field=field_name, value=periods)
    return periods


def grades_of_school(levels: tuple[SchoolLevel, ...]) -> tuple[int, ...]:
    return tuple(sorted({g for level in levels for g in GRADES_OF_LEVEL[level]}))


_LEADING_DIGITS = re.compile(r"^(\d+)")


@dataclass(frozen=True)
class SchoolClass:
    """A class of one school in one school year ("6A1", grade 6)."""

    id: str
    school_id: str
    school_year_id: str
    grade: int
    name: str

    @property
    def level(self) -> SchoolLevel:
        return curriculum_level(self.grade)


def new_class(
    *, id: str, school_id: str, school_year_id: str, grade: int, name: str, school_levels: tuple[SchoolLevel, ...]
) -> SchoolClass:
    """Check a class against its school: a grade the school teaches, a name that agrees with the grade."""
    grades = grades_of_school(school_levels)
    if grade not in grades:
        taught = ", ".join(str(g) for g in grades) or "không có khối lớp nào"
        raise InvalidInput(
            f"Trường không dạy khối {grade} (các khối của trường: {taught}).", field="grade", value=grade
        )
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > CLASS_NAME_MAX:
        raise InvalidInput(f"Tên lớp dài 1–{CLASS_NAME_MAX} ký tự.", field="name", value=name)
    leading = _LEADING_DIGITS.match(cleaned)
    if leading and int(leading[1]) != grade:
        raise InvalidInput(
            f"Tên lớp '{cleaned}' bắt đầu bằng {leading[1]} nhưng khối là {grade}.", field="name", value=name
        )
    return SchoolClass(id=id, school_id=school_id, school_year_id=school_year_id, grade=grade, name=cleaned)


@dataclass(frozen=True)
class ClassSubject:
    """A subject a class studies, with the periods the school plans for it (the catalogue's, or corrected)."""

    subject_id: str
    code: str
    name: str
    periods_per_year: int
    assessment: Assessment
    elective: bool = False


def class_subject_scope(class_id: str, subject_code: str) -> str:
    """The scope id of a subject teacher's grant: `<class id>:<subject code>`."""
    return f"{class_id}:{subject_code}"


@dataclass(frozen=True)
class TeachingAssignment:
    """Phân công giảng dạy: a staff member teaches a subject to a class, for the year or one semester."""

    id: str
    school_id: str
    class_id: str
    subject_code: str
    staff_id: str
    school_year_id: str
    semester: int | None = None  # None: the whole year

    def __post_init__(self) -> None:
        if self.semester not in (None, 1, 2):
            raise InvalidInput("Học kỳ phải là 1, 2 hoặc để trống (cả năm).", field="semester", value=self.semester)


@dataclass(frozen=True)
class HomeroomAssignment:
    """Phân công chủ nhiệm: one homeroom teacher per class at a time, from a date."""

    id: str
    school_id: str
    class_id: str
    staff_id: str
    school_year_id: str
    starts_on: date
    ends_on: date | None = None


@dataclass(frozen=True)
class AccessWindow:
    """Days on which an assignment gives its grant (both ends included)."""

    starts_on: date
    ends_on: date

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def teaching_window(year: SchoolYear, semester: Semester | None) -> AccessWindow:
    """From the start of the semester (or year) to the end of the year plus the grace period.

    A semester-I teacher keeps access until the year closes: corrections to semester-I scores are approved later.
    """
    start = semester.starts_on if semester is not None else year.starts_on
    return AccessWindow(start, year.ends_on + ASSIGNMENT_GRACE_AFTER_YEAR)


def homeroom_window(year: SchoolYear, assignment: HomeroomAssignment) -> AccessWindow:
    end = assignment.ends_on if assignment.ends_on is not None else year.ends_on + ASSIGNMENT_GRACE_AFTER_YEAR
    return AccessWindow(max(year.starts_on, assignment.starts_on), end)


class SubjectNotOffered(InvalidInput):
    slug = "subject-not-offered"
    title = "Lớp không học môn này"


class AssignmentExists(Conflict):
    slug = "assignment-exists"
    title = "Phân công đã có"
