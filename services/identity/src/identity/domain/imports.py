"""Bulk import from a spreadsheet: a unit's schools, a school's people, classes and teaching assignments.

The columns of each sheet kind and the row rules.

Pure: a table of text cells in, validated rows and a list of row errors out. Every field goes through the same
validators as the HTTP API (names, national id, dates of birth, phone, email), so a row error reads exactly like
the API's message for the same value. Rows are numbered as the spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from edu_shared.contracts.identity import SchoolLevel
from edu_shared.errors import InvalidInput
from identity.domain.names import (
    PersonName,
    check_date_of_birth,
    check_national_id,
    fold_for_search,
    national_id_birth_mismatch,
    split_full_name,
)
from identity.domain.org import check_code
from identity.domain.people import (
    STAFF_TITLE_NAMES,
    STUDENT_MIN_AGE,
    Relation,
    Sex,
    StaffTitle,
    StudentProfile,
    check_email,
    check_moet_student_id,
    check_phone,
    optional_text,
)
from identity.domain.structure import new_class

T = TypeVar("T")


class _NumberedRow(Protocol):
    @property
    def row(self) -> int: ...


RowT = TypeVar("RowT", bound=_NumberedRow)

MAX_ROWS = 10_000


class ImportKind(StrEnum):
    STUDENTS = "students"
    STAFF = "staff"
    CLASSES = "classes"
    TEACHING_ASSIGNMENTS = "teaching_assignments"
    SCHOOLS = "schools"  # imported under an org unit, not a school


class SchoolImportKind(StrEnum):
    """The kinds a school imports into itself (the path parameter of the school's import endpoints)."""

    STUDENTS = "students"
    STAFF = "staff"
    CLASSES = "classes"
    TEACHING_ASSIGNMENTS = "teaching_assignments"


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"  # any bad row: nothing is written
    VALID_ROWS_ONLY = "valid_rows_only"  # the user asked explicitly: write the good rows, report the bad ones


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    header: str
    required: bool = False
    example: str = ""
    note: str = ""
    choices: tuple[str, ...] = ()  # offered as a drop-down list in the template
    text: bool = True  # formatted as text in the template, so Excel keeps leading zeros


@dataclass(frozen=True)
class SheetSpec:
    kind: ImportKind
    title: str  # the data sheet's name in the template
    columns: tuple[ColumnSpec, ...]

    def column(self, key: str) -> ColumnSpec:
        return next(c for c in self.columns if c.key == key)


SEX_NAMES: dict[Sex, str] = {Sex.MALE: "Nam", Sex.FEMALE: "Nữ"}
RELATION_NAMES: dict[Relation, str] = {
    Relation.FATHER: "Cha",
    Relation.MOTHER: "Mẹ",
    Relation.GUARDIAN: "Người giám hộ",
    Relation.GRANDPARENT: "Ông/Bà",
    Relation.SIBLING: "Anh/Chị",
    Relation.OTHER: "Khác",
}
# Words people type for a relation, folded (no diacritics, lower case).
_RELATION_WORDS: dict[str, Relation] = {
    "cha": Relation.FATHER,
    "bo": Relation.FATHER,
    "me": Relation.MOTHER,
    "nguoi giam ho": Relation.GUARDIAN,
    "giam ho": Relation.GUARDIAN,
    "ong/ba": Relation.GRANDPARENT,
    "ong": Relation.GRANDPARENT,
    "ba": Relation.GRANDPARENT,
    "anh/chi": Relation.SIBLING,
    "anh": Relation.SIBLING,
    "chi": Relation.SIBLING,
    "khac": Relation.OTHER,
}

_DATE_NOTE = "Ngày/tháng/năm (dd/mm/yyyy), ví dụ 05/09/2013; cũng nhận yyyy-mm-dd."

STUDENT_SHEET = SheetSpec(
    kind=ImportKind.STUDENTS,
    title="Học sinh",
    columns=(
        ColumnSpec("full_name", "Họ và tên", True, "Nguyễn Văn An", "Họ, đệm và tên; họ là từ đầu, tên là từ cuối."),
        ColumnSpec("date_of_birth", "Ngày sinh", True, "05/09/2013", _DATE_NOTE),
        ColumnSpec("sex", "Giới tính", True, "Nam", "Nam hoặc Nữ.", choices=tuple(SEX_NAMES.values())),
        ColumnSpec("ethnicity", "Dân tộc", False, "Kinh"),
        ColumnSpec("place_of_birth", "Nơi sinh", False, "Hà Nội"),
        ColumnSpec("address", "Địa chỉ", False, "Thôn 3, xã Hòa Lạc"),
        ColumnSpec("national_id", "Số CCCD/Mã định danh", False, "001213004567", "Đúng 12 chữ số."),
        ColumnSpec("moet_student_id", "Mã học sinh (Bộ GDĐT)", False, "0123456789", "6–20 chữ cái hoặc chữ số."),
        ColumnSpec("class_name", "Lớp", False, "6A1", "Tên lớp đã tạo trong năm học; để trống nếu chưa xếp lớp."),
        ColumnSpec("guardian_name", "Họ tên cha/mẹ/người giám hộ", False, "Nguyễn Văn Bình"),
        ColumnSpec(
            "relation",
            "Quan hệ",
            False,
            "Cha",
            "Bắt buộc khi có họ tên phụ huynh.",
            choices=tuple(RELATION_NAMES.values()),
        ),
        ColumnSpec("guardian_phone", "Số điện thoại", False, "0912345678", "Số của phụ huynh."),
        ColumnSpec("guardian_email", "Email", False, "binh@example.com", "Email của phụ huynh."),
    ),
)

STAFF_SHEET = SheetSpec(
    kind=ImportKind.STAFF,
    title="Cán bộ",
    columns=(
        ColumnSpec("full_name", "Họ và tên", True, "Trần Thị Hoa"),
        ColumnSpec(
            "title",
            "Chức danh",
            True,
            "Giáo viên",
            "Một trong danh sách chọn.",
            choices=tuple(STAFF_TITLE_NAMES.values()),
        ),
        ColumnSpec("subject_group", "Tổ chuyên môn", False, "Tổ Khoa học tự nhiên"),
        ColumnSpec("date_of_birth", "Ngày sinh", False, "12/03/1985", _DATE_NOTE),
        ColumnSpec("sex", "Giới tính", False, "Nữ", "Nam hoặc Nữ.", choices=tuple(SEX_NAMES.values())),
        ColumnSpec("phone", "Số điện thoại", False, "0987654321"),
        ColumnSpec("email", "Email", False, "hoa.tt@example.edu.vn"),
    ),
)

CLASS_SHEET = SheetSpec(
    kind=ImportKind.CLASSES,
    title="Lớp",
    columns=(
        ColumnSpec("school_year", "Năm học", True, "2025-2026", "Năm học đã mở, dạng yyyy-yyyy."),
        ColumnSpec("grade", "Khối", True, "6", "Số khối lớp 1–12, phù hợp cấp học của trường."),
        ColumnSpec("name", "Tên lớp", True, "6A1", "Lớp được học các môn bắt buộc của khối theo danh mục."),
    ),
)

LEVEL_NAMES: dict[SchoolLevel, str] = {
    SchoolLevel.PRESCHOOL: "Mầm non",
    SchoolLevel.PRIMARY: "Tiểu học",
    SchoolLevel.LOWER_SECONDARY: "THCS",
    SchoolLevel.UPPER_SECONDARY: "THPT",
    SchoolLevel.CONTINUING: "GDTX",
}
# Longer words people write for a level, folded.
_LEVEL_WORDS: dict[str, SchoolLevel] = {
    "truong mam non": SchoolLevel.PRESCHOOL,
    "mau giao": SchoolLevel.PRESCHOOL,
    "trung hoc co so": SchoolLevel.LOWER_SECONDARY,
    "trung hoc pho thong": SchoolLevel.UPPER_SECONDARY,
    "giao duc thuong xuyen": SchoolLevel.CONTINUING,
}

SCHOOL_SHEET = SheetSpec(
    kind=ImportKind.SCHOOLS,
    title="Trường",
    columns=(
        ColumnSpec(
            "moet_code",
            "Mã trường",
            True,
            "thcshoalac",
            "Mã trường trên hệ thống: chữ thường không dấu, chữ số, '_' hoặc '-', dài 2–64 ký tự; không trùng.",
        ),
        ColumnSpec("name", "Tên trường", True, "Trường THCS Hòa Lạc"),
        ColumnSpec(
            "levels",
            "Cấp học",
            True,
            "THCS",
            "Một hoặc nhiều cấp, cách nhau bằng dấu phẩy: " + ", ".join(LEVEL_NAMES.values()) + ".",
        ),
        ColumnSpec(
            "org_unit_code",
            "Đơn vị quản lý (mã)",
            False,
            "xa-hoa-lac",
            "Mã đơn vị quản lý trực tiếp, thuộc đơn vị đang nhập; để trống là chính đơn vị đang nhập.",
        ),
    ),
)

HOMEROOM_YES = "x"

TEACHING_SHEET = SheetSpec(
    kind=ImportKind.TEACHING_ASSIGNMENTS,
    title="Phân công",
    columns=(
        ColumnSpec("class_name", "Lớp", True, "6A1", "Tên lớp của trường."),
        ColumnSpec(
            "subject",
            "Môn",
            False,
            "Toán",
            "Mã môn (ví dụ toan) hoặc tên môn như trong danh mục; để trống nếu dòng chỉ phân công chủ nhiệm.",
        ),
        ColumnSpec(
            "teacher",
            "Giáo viên",
            True,
            "Nguyễn Văn An",
            "Họ tên, email hoặc số điện thoại của cán bộ; nếu trường có hai người trùng họ tên, ghi email.",
        ),
        ColumnSpec(
            "homeroom",
            "Chủ nhiệm",
            False,
            HOMEROOM_YES,
            "Ghi 'x' (hoặc 'có') nếu giáo viên này chủ nhiệm lớp.",
            choices=(HOMEROOM_YES,),
        ),
        ColumnSpec("semester", "Học kỳ", False, "", "1 hoặc 2; để trống là cả năm.", choices=("1", "2")),
        ColumnSpec(
            "school_year", "Năm học", False, "2025-2026", "Để trống là năm học mới nhất mà trường có lớp tên đó."
        ),
    ),
)

SHEETS: dict[ImportKind, SheetSpec] = {
    s.kind: s for s in (STUDENT_SHEET, STAFF_SHEET, CLASS_SHEET, TEACHING_SHEET, SCHOOL_SHEET)
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the Vietnamese header, as the user sees it
    value: str | None
    message: str


@dataclass(frozen=True)
class Table:
    """A sheet as read: its header cells and its non-empty data rows with their spreadsheet row numbers."""

    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def _header_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w/()]+", " ", fold_for_search(text)).split())


def match_headers(spec: SheetSpec, headers: Sequence[str]) -> tuple[dict[str, int], list[RowError]]:
    """Which column holds which field; tolerant to case, diacritics and spaces. Unknown headers are ignored."""
    wanted = {_header_key(c.header): c for c in spec.columns}
    found: dict[str, int] = {}
    errors: list[RowError] = []
    for index, text in enumerate(headers):
        column = wanted.get(_header_key(text))
        if column is None:
            continue
        if column.key in found:
            errors.append(RowError(1, column.header, text, f"Cột '{column.header}' xuất hiện hai lần."))
        else:
            found[column.key] = index
    for column in spec.columns:
        if column.required and column.key not in found:
            errors.append(RowError(1, column.header, None, f"Thiếu cột bắt buộc '{column.header}'."))
    return found, errors


_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def parse_date(text: str) -> date:
    """dd/mm/yyyy (also with . or -) or ISO yyyy-mm-dd; InvalidInput otherwise."""
    cleaned = text.strip()
    try:
        if m := _DMY.fullmatch(cleaned):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO.fullmatch(cleaned):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise InvalidInput(f"Ngày {cleaned} không có trên lịch.", field="date", value=text) from None
    raise InvalidInput("Ngày phải viết dạng dd/mm/yyyy (ví dụ 05/09/2013) hoặc yyyy-mm-dd.", field="date", value=text)


def parse_sex(text: str) -> Sex:
    folded = fold_for_search(text)
    for sex, name in SEX_NAMES.items():
        if folded in {fold_for_search(name), sex.value}:
            return sex
    raise InvalidInput("Giới tính ghi 'Nam' hoặc 'Nữ'.", field="sex", value=text)


def parse_relation(text: str) -> Relation:
    folded = fold_for_search(text).replace(" / ", "/")
    found = _RELATION_WORDS.get(folded) or next((r for r in Relation if r.value == folded), None)
    if found is None:
        raise InvalidInput(
            "Quan hệ ghi một trong: " + ", ".join(RELATION_NAMES.values()) + ".", field="relation", value=text
        )
    return found


def parse_staff_title(text: str) -> StaffTitle:
    folded = fold_for_search(text)
    for title, name in STAFF_TITLE_NAMES.items():
        if folded in {fold_for_search(name), title.value}:
            return title
    raise InvalidInput(
        "Chức danh ghi một trong: " + ", ".join(STAFF_TITLE_NAMES.values()) + ".", field="title", value=text
    )


def _restore_leading_zero(text: str, *, length: int) -> str:
    # A number column in Excel drops the leading zero of phones and CCCD numbers (which always start with 0).
    compact = text.strip()
    return "0" + compact if compact.isdigit() and len(compact) == length - 1 else compact


class _Row:
    """One data row being checked: reads cells by field key and collects every error, not only the first."""

    def __init__(self, spec: SheetSpec, index: Mapping[str, int], number: int, cells: Sequence[str]) -> None:
        self.spec = spec
        self.index = index
        self.number = number
        self.cells = cells
        self.errors: list[RowError] = []

    def raw(self, key: str) -> str | None:
        i = self.index.get(key)
        if i is None or i >= len(self.cells):
            return None
        value = self.cells[i].strip()
        return value or None

    def fail(self, key: str, value: str | None, message: str) -> None:
        self.errors.append(RowError(self.number, self.spec.column(key).header, value, message))

    def check(self, key: str, parse: Callable[[str], T]) -> T | None:
        """The parsed cell, None when empty (or an error recorded when required) or when the parser refuses it."""
        value = self.raw(key)
        if value is None:
            column = self.spec.column(key)
            if column.required:
                self.fail(key, None, f"Cột '{column.header}' không được để trống.")
            return None
        try:
            return parse(value)
        except InvalidInput as exc:
            self.fail(key, value, exc.detail)
            return None


@dataclass(frozen=True)
class GuardianRow:
    name: PersonName
    relation: Relation
    phone: str | None
    email: str | None

    @property
    def identity(self) -> tuple[str, str]:
        """Two rows naming the same guardian (siblings' parent) share one guardian record."""
        return fold_for_search(self.name.full), self.phone or self.email or ""


@dataclass(frozen=True)
class StudentRow:
    row: int
    profile: StudentProfile
    class_name: str | None
    guardian: GuardianRow | None


@dataclass(frozen=True)
class StaffRow:
    row: int
    name: PersonName
    title: StaffTitle
    subject_group: str | None
    date_of_birth: date | None
    sex: Sex | None
    phone: str | None
    email: str | None


@dataclass
class Checked(Generic[RowT]):
    """The outcome of checking a file: the good rows, and every error (a row may have several)."""

    total_rows: int
    rows: list[RowT] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def drop_rows(self, bad: set[int]) -> None:
        self.rows = [r for r in self.rows if r.row not in bad]

    @property
    def bad_rows(self) -> set[int]:
        return {e.row for e in self.errors}


def _text(key: str, max_length: int) -> Callable[[str], str | None]:
    return lambda v: optional_text(v, field_name=key, max_length=max_length)


def check_student_rows(table: Table, *, today: date, max_age: int | None) -> Checked[StudentRow]:
    """Validate every row of a student sheet and find the same student twice within the file."""
    index, header_errors = match_headers(STUDENT_SHEET, table.headers)
    out: Checked[StudentRow] = Checked(total_rows=len(table.rows), errors=header_errors)
    if header_errors:
        return out
    seen_ids: dict[tuple[str, str], int] = {}
    seen_people: dict[tuple[str, date], int] = {}
    for number, cells in table.rows:
        r = _Row(STUDENT_SHEET, index, number, cells)
        name = r.check("full_name", split_full_name)
        born = r.check("date_of_birth", parse_date)
        if born is not None:
            try:
                check_date_of_birth(born, on=today, min_age=STUDENT_MIN_AGE, max_age=max_age)
            except InvalidInput as exc:
                r.fail("date_of_birth", r.raw("date_of_birth"), exc.detail)
                born = None
        sex = r.check("sex", parse_sex)
        national_id = r.check("national_id", lambda v: check_national_id(_restore_leading_zero(v, length=12)))
        if national_id and born and sex:
            problem = national_id_birth_mismatch(national_id, date_of_birth=born, female=sex == Sex.FEMALE)
            if problem:
                r.fail("national_id", r.raw("national_id"), problem)
        moet_id = r.check("moet_student_id", check_moet_student_id)
        ethnicity = r.check("ethnicity", _text("ethnicity", 64))
        place = r.check("place_of_birth", _text("place_of_birth", 255))
        address = r.check("address", _text("address", 500))
        class_name = r.check("class_name", _text("class_name", 32))
        guardian = _guardian(r)
        for key, value in (("national_id", national_id), ("moet_student_id", moet_id)):
            if value is None:
                continue
            if (key, value) in seen_ids:
                r.fail(key, r.raw(key), f"Mã {value} bị nhập cho hai học sinh (trùng với dòng {seen_ids[key, value]}).")
            else:
                seen_ids[key, value] = number
        if name and born:
            person = (fold_for_search(name.full), born)
            if person in seen_people:
                r.fail(
                    "full_name",
                    r.raw("full_name"),
                    f"Trùng họ tên và ngày sinh với dòng {seen_people[person]} trong tệp.",
                )
            else:
                seen_people[person] = number
        out.errors.extend(r.errors)
        if r.errors or name is None or born is None or sex is None:
            continue
        profile = StudentProfile(
            name=name,
            date_of_birth=born,
            sex=sex,
            place_of_birth=place,
            ethnicity=ethnicity,
            address=address,
            national_id=national_id,
            moet_student_id=moet_id,
        )
        out.rows.append(StudentRow(row=number, profile=profile, class_name=class_name, guardian=guardian))
    return out


def _guardian(r: _Row) -> GuardianRow | None:
    keys = ("guardian_name", "relation", "guardian_phone", "guardian_email")
    if all(r.raw(k) is None for k in keys):
        return None
    before = len(r.errors)
    name = r.check("guardian_name", split_full_name)
    relation = r.check("relation", parse_relation)
    phone = r.check("guardian_phone", lambda v: check_phone(_restore_leading_zero(v, length=10)))
    email = r.check("guardian_email", check_email)
    if r.raw("guardian_name") is None:
        r.fail("guardian_name", None, "Cần họ tên phụ huynh khi nhập quan hệ, số điện thoại hoặc email.")
    if r.raw("relation") is None:
        r.fail("relation", None, "Cần ghi quan hệ của phụ huynh với học sinh.")
    if len(r.errors) > before or name is None or relation is None:
        return None
    return GuardianRow(name=name, relation=relation, phone=phone, email=email)


def check_staff_rows(table: Table, *, today: date) -> Checked[StaffRow]:
    """Validate every row of a staff sheet and find the same person twice within the file."""
    index, header_errors = match_headers(STAFF_SHEET, table.headers)
    out: Checked[StaffRow] = Checked(total_rows=len(table.rows), errors=header_errors)
    if header_errors:
        return out
    seen: dict[tuple[str, date | None], int] = {}
    for number, cells in table.rows:
        r = _Row(STAFF_SHEET, index, number, cells)
        name = r.check("full_name", split_full_name)
        title = r.check("title", parse_staff_title)
        born = r.check("date_of_birth", parse_date)
        if born is not None:
            try:
                check_date_of_birth(born, on=today, min_age=18, max_age=75)
            except InvalidInput as exc:
                r.fail("date_of_birth", r.raw("date_of_birth"), exc.detail)
        sex = r.check("sex", parse_sex)
        phone = r.check("phone", lambda v: check_phone(_restore_leading_zero(v, length=10)))
        email = r.check("email", check_email)
        group = r.check("subject_group", _text("subject_group", 128))
        if name is not None:
            person = (fold_for_search(name.full), born)
            if person in seen:
                r.fail("full_name", r.raw("full_name"), f"Trùng họ tên và ngày sinh với dòng {seen[person]} trong tệp.")
            else:
                seen[person] = number
        out.errors.extend(r.errors)
        if r.errors or name is None or title is None:
            continue
        out.rows.append(
            StaffRow(
                row=number,
                name=name,
                title=title,
                subject_group=group,
                date_of_birth=born,
                sex=sex,
                phone=phone,
                email=email,
            )
        )
    return out


@dataclass(frozen=True)
class ClassRow:
    row: int
    school_year: str
    grade: int
    name: str


def parse_grade(text: str) -> int:
    compact = text.strip().removeprefix("Khối ").removeprefix("khối ")
    if not compact.isdigit() or not 1 <= int(compact) <= 12:
        raise InvalidInput("Khối là một số từ 1 đến 12.", field="grade", value=text)
    return int(compact)


def check_class_rows(table: Table, *, school_levels: tuple[SchoolLevel, ...]) -> Checked[ClassRow]:
    """Validate a class sheet with the rules of opening one class (grades the school teaches, name and grade)."""
    index, header_errors = match_headers(CLASS_SHEET, table.headers)
    out: Checked[ClassRow] = Checked(total_rows=len(table.rows), errors=header_errors)
    if header_errors:
        return out
    seen: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        r = _Row(CLASS_SHEET, index, number, cells)
        year = r.check("school_year", _text("school_year", 16))
        grade = r.check("grade", parse_grade)
        name = r.raw("name")
        if name is None:
            r.check("name", str)
        elif grade is not None:
            try:
                name = new_class(
                    id="", school_id="", school_year_id="", grade=grade, name=name, school_levels=school_levels
                ).name
            except InvalidInput as exc:
                column = "grade" if exc.extensions.get("field") == "grade" else "name"
                r.fail(column, r.raw(column), exc.detail)
                name = None
        if year and name:
            key = (year, name.lower())
            if key in seen:
                r.fail("name", r.raw("name"), f"Lớp {name} năm học {year} trùng với dòng {seen[key]} trong tệp.")
            else:
                seen[key] = number
        out.errors.extend(r.errors)
        if r.errors or year is None or grade is None or name is None:
            continue
        out.rows.append(ClassRow(row=number, school_year=year, grade=grade, name=name))
    return out


@dataclass(frozen=True)
class SchoolRow:
    row: int
    moet_code: str
    name: str
    levels: tuple[SchoolLevel, ...]
    org_unit_code: str | None  # None: the unit the file is imported under


def parse_levels(text: str) -> tuple[SchoolLevel, ...]:
    """'THCS', 'Tiểu học, THCS', 'thcs; thpt' → levels in the order written; unknown or repeated refused."""
    levels: list[SchoolLevel] = []
    for part in re.split(r"[,;+]", text):
        folded = " ".join(fold_for_search(part).split())
        if not folded:
            continue
        level = _LEVEL_WORDS.get(folded) or next(
            (lv for lv, name in LEVEL_NAMES.items() if folded in {fold_for_search(name), lv.value}), None
        )
        if level is None:
            raise InvalidInput(
                f"Cấp học '{part.strip()}' không hợp lệ; ghi một hoặc nhiều trong: "
                + ", ".join(LEVEL_NAMES.values())
                + ", cách nhau bằng dấu phẩy.",
                field="levels",
                value=text,
            )
        if level in levels:
            raise InvalidInput("Cấp học bị lặp lại.", field="levels", value=text)
        levels.append(level)
    if not levels:
        raise InvalidInput("Trường phải có ít nhất một cấp học.", field="levels", value=text)
    return tuple(levels)


def check_school_rows(table: Table) -> Checked[SchoolRow]:
    """Validate a school sheet with the rules of registering one school, and find a code used twice in the file."""
    index, header_errors = match_headers(SCHOOL_SHEET, table.headers)
    out: Checked[SchoolRow] = Checked(total_rows=len(table.rows), errors=header_errors)
    if header_errors:
        return out
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        r = _Row(SCHOOL_SHEET, index, number, cells)
        code = r.check("moet_code", lambda v: check_code(v, field_name="moet_code"))
        name = r.check("name", _text("name", 255))
        levels = r.check("levels", parse_levels)
        unit = r.check("org_unit_code", lambda v: check_code(v, field_name="org_unit_code"))
        if code is not None:
            if code in seen:
                r.fail("moet_code", code, f"Mã trường '{code}' trùng với dòng {seen[code]} trong tệp.")
            else:
                seen[code] = number
        out.errors.extend(r.errors)
        if r.errors or code is None or name is None or levels is None:
            continue
        out.rows.append(SchoolRow(row=number, moet_code=code, name=name, levels=levels, org_unit_code=unit))
    return out


@dataclass(frozen=True)
class TeachingRow:
    row: int
    class_name: str
    subject: str | None  # a code or a name, resolved against the class's subjects
    teacher: str  # a full name, an email or a phone, resolved against the school's staff
    homeroom: bool
    semester: int | None
    school_year: str | None


def parse_homeroom(text: str) -> bool:
    folded = fold_for_search(text)
    if folded in {"x", "co", "yes", "1", "chu nhiem", "gvcn"}:
        return True
    if folded in {"khong", "no", "0", "-"}:
        return False
    raise InvalidInput("Cột chủ nhiệm ghi 'x' (hoặc 'có'), hoặc để trống.", field="homeroom", value=text)


def parse_semester(text: str) -> int:
    compact = fold_for_search(text).removeprefix("hoc ky").removeprefix("hk").strip()
    if compact not in {"1", "2"}:
        raise InvalidInput("Học kỳ ghi 1 hoặc 2; để trống là cả năm.", field="semester", value=text)
    return int(compact)


def check_teaching_rows(table: Table) -> Checked[TeachingRow]:
    """Validate the cells of a teaching-assignment sheet; classes, subjects and staff are looked up by the caller."""
    index, header_errors = match_headers(TEACHING_SHEET, table.headers)
    out: Checked[TeachingRow] = Checked(total_rows=len(table.rows), errors=header_errors)
    if header_errors:
        return out
    for number, cells in table.rows:
        r = _Row(TEACHING_SHEET, index, number, cells)
        class_name = r.check("class_name", _text("class_name", 32))
        subject = r.check("subject", _text("subject", 255))
        teacher = r.check("teacher", _text("teacher", 255))
        homeroom_cell = r.check("homeroom", parse_homeroom)
        homeroom = bool(homeroom_cell)
        semester = r.check("semester", parse_semester)
        year = r.check("school_year", _text("school_year", 16))
        if subject is None and (homeroom_cell is False or r.raw("homeroom") is None):
            r.fail("subject", None, "Ghi môn dạy, hoặc đánh dấu 'x' ở cột chủ nhiệm.")
        out.errors.extend(r.errors)
        if r.errors or class_name is None or teacher is None:
            continue
        out.rows.append(
            TeachingRow(
                row=number,
                class_name=class_name,
                subject=subject,
                teacher=teacher,
                homeroom=homeroom,
                semester=semester,
                school_year=year,
            )
        )
    return out


def example_row(spec: SheetSpec) -> list[str]:
    return [c.example for c in spec.columns]
