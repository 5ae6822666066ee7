"""Checking import rows: Vietnamese headers matched loosely, every error reported with the API's message."""

from __future__ import annotations

from datetime import date

import pytest

from edu_shared.contracts.identity import SchoolLevel
from edu_shared.errors import InvalidInput
from identity.domain.imports import (
    SCHOOL_SHEET,
    STAFF_SHEET,
    STUDENT_SHEET,
    TEACHING_SHEET,
    Table,
    check_class_rows,
    check_school_rows,
    check_staff_rows,
    check_student_rows,
    check_teaching_rows,
    match_headers,
    parse_date,
    parse_levels,
)
from identity.domain.names import check_national_id
from identity.domain.org import check_code
from identity.domain.people import Relation, Sex, StaffTitle, check_phone

TODAY = date(2026, 11, 23)
HEADERS = tuple(c.header for c in STUDENT_SHEET.columns)


def student(**cells: str) -> tuple[str, ...]:
    values = {"full_name": "Nguyễn Văn An", "date_of_birth": "05/09/2013", "sex": "Nam"} | cells
    return tuple(values.get(c.key, "") for c in STUDENT_SHEET.columns)


def table(*rows: tuple[str, ...], headers: tuple[str, ...] = HEADERS) -> Table:
    return Table(headers=headers, rows=tuple((i + 2, r) for i, r in enumerate(rows)))


def test_headers_match_regardless_of_case_diacritics_and_spaces() -> None:
    found, errors = match_headers(STUDENT_SHEET, ["  HO VA TEN ", "ngày  sinh", "Gioi tinh", "Ghi chú"])
    assert errors == []
    assert found == {"full_name": 0, "date_of_birth": 1, "sex": 2}


def test_missing_required_column_is_reported_on_the_header_row() -> None:
    _, errors = match_headers(STUDENT_SHEET, ["Họ và tên", "Giới tính"])
    assert [(e.row, e.column) for e in errors] == [(1, "Ngày sinh")]
    assert "Thiếu cột bắt buộc" in errors[0].message


@pytest.mark.parametrize("text", ["05/09/2013", "5/9/2013", "05.09.2013", "2013-09-05", "2013-09-05 00:00:00"])
def test_dates_are_read_day_first_or_iso(text: str) -> None:
    assert parse_date(text) == date(2013, 9, 5)


def test_an_impossible_date_is_refused_in_vietnamese() -> None:
    with pytest.raises(InvalidInput, match="không có trên lịch"):
        parse_date("31/02/2013")


def test_a_good_row_becomes_a_student_with_a_guardian() -> None:
    checked = check_student_rows(
        table(
            student(
                national_id="001213004567",
                class_name="6A1",
                guardian_name="nguyễn văn bình",
                relation="cha",
                guardian_phone="+84 912 345 678",
            )
        ),
        today=TODAY,
        max_age=25,
    )
    assert checked.errors == []
    (row,) = checked.rows
    assert row.row == 2 and row.profile.sex == Sex.MALE and row.class_name == "6A1"
    assert row.guardian is not None
    assert row.guardian.name.full == "Nguyễn Văn Bình" and row.guardian.relation == Relation.FATHER
    assert row.guardian.phone == "0912345678"


def test_every_bad_cell_of_a_row_is_reported_with_the_api_message() -> None:
    checked = check_student_rows(
        table(student(full_name="An", sex="X", national_id="12345", guardian_phone="12")), today=TODAY, max_age=25
    )
    assert checked.rows == []
    by_column = {e.column: e for e in checked.errors}
    assert set(by_column) == {
        "Họ và tên",
        "Giới tính",
        "Số CCCD/Mã định danh",
        "Số điện thoại",
        "Họ tên cha/mẹ/người giám hộ",
        "Quan hệ",
    }
    assert all(e.row == 2 for e in checked.errors)
    with pytest.raises(InvalidInput) as national:
        check_national_id("12345")
    assert by_column["Số CCCD/Mã định danh"].message == national.value.detail
    assert by_column["Số CCCD/Mã định danh"].value == "12345"
    with pytest.raises(InvalidInput) as phone:
        check_phone("012")
    assert by_column["Số điện thoại"].message == phone.value.detail


def test_national_id_must_agree_with_sex_and_year_of_birth() -> None:
    checked = check_student_rows(table(student(national_id="001313004567")), today=TODAY, max_age=25)
    assert len(checked.errors) == 1
    assert "không khớp" in checked.errors[0].message


def test_excel_number_columns_lose_no_leading_zero() -> None:
    checked = check_student_rows(
        table(student(national_id="1213004567", guardian_name="Lê Thị Hà", relation="Mẹ", guardian_phone="912345678")),
        today=TODAY,
        max_age=25,
    )
    # A phone or CCCD read as a number lost its leading zero: restored; a number missing more digits is wrong.
    assert [(e.column, e.value) for e in checked.errors] == [("Số CCCD/Mã định danh", "1213004567")]
    checked = check_student_rows(
        table(
            student(
                national_id="1213004567".zfill(11), guardian_name="Lê Thị Hà", relation="Mẹ", guardian_phone="912345678"
            )
        ),
        today=TODAY,
        max_age=25,
    )
    assert checked.errors == []
    assert checked.rows[0].profile.national_id == "001213004567"
    guardian = checked.rows[0].guardian
    assert guardian is not None and guardian.phone == "0912345678"


def test_the_same_student_twice_in_a_file_is_reported_on_the_second_row() -> None:
    checked = check_student_rows(
        table(
            student(national_id="001213004567"),
            student(full_name="Trần Thị Bích", sex="Nữ", national_id="001213004567"),
            student(date_of_birth="2013-09-05"),
        ),
        today=TODAY,
        max_age=25,
    )
    assert [(e.row, e.column) for e in checked.errors] == [
        (3, "Số CCCD/Mã định danh"),
        (3, "Số CCCD/Mã định danh"),
        (4, "Họ và tên"),
    ]
    assert "dòng 2" in checked.errors[-1].message
    assert [r.row for r in checked.rows] == [2]


def test_a_student_too_young_is_refused_with_the_age_rule() -> None:
    checked = check_student_rows(table(student(date_of_birth="01/01/2025")), today=TODAY, max_age=25)
    assert "ngoài khoảng hợp lý" in checked.errors[0].message


def test_guardian_details_without_a_name_or_relation_are_reported() -> None:
    checked = check_student_rows(table(student(guardian_phone="0912345678")), today=TODAY, max_age=25)
    assert {e.column for e in checked.errors} == {"Họ tên cha/mẹ/người giám hộ", "Quan hệ"}


def test_staff_rows_read_titles_by_their_vietnamese_names() -> None:
    headers = tuple(c.header for c in STAFF_SHEET.columns)
    rows = (
        ("Trần Thị Hoa", "giáo viên", "Tổ Toán", "12/03/1985", "Nữ", "0987654321", "Hoa@Example.edu.vn"),
        ("Lê Văn Nam", "Bảo vệ", "", "", "", "", ""),
    )
    checked = check_staff_rows(Table(headers=headers, rows=((2, rows[0]), (3, rows[1]))), today=TODAY)
    (row,) = checked.rows
    assert row.title == StaffTitle.TEACHER and row.email == "hoa@example.edu.vn"
    assert [(e.row, e.column, e.value) for e in checked.errors] == [(3, "Chức danh", "Bảo vệ")]


def test_class_rows_follow_the_rules_of_opening_a_class() -> None:
    rows = ((2, ("2025-2026", "6", " 6a1 ")), (3, ("2025-2026", "10", "10A1")), (4, ("2025-2026", "6", "6A1")))
    checked = check_class_rows(
        Table(headers=("Năm học", "Khối", "Tên lớp"), rows=rows), school_levels=(SchoolLevel.LOWER_SECONDARY,)
    )
    assert [(r.row, r.grade, r.name) for r in checked.rows] == [(2, 6, "6a1")]
    assert [(e.row, e.column) for e in checked.errors] == [(3, "Khối"), (4, "Tên lớp")]
    assert "dòng 2" in checked.errors[1].message


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("THCS", (SchoolLevel.LOWER_SECONDARY,)),
        ("Tiểu học, THCS", (SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY)),
        ("mầm non; trung học phổ thông", (SchoolLevel.PRESCHOOL, SchoolLevel.UPPER_SECONDARY)),
        ("gdtx", (SchoolLevel.CONTINUING,)),
    ],
)
def test_school_levels_are_read_from_their_vietnamese_labels(text: str, levels: tuple[SchoolLevel, ...]) -> None:
    assert parse_levels(text) == levels


@pytest.mark.parametrize(("text", "reason"), [("Đại học", "không hợp lệ"), ("THCS, thcs", "bị lặp lại")])
def test_unknown_or_repeated_school_levels_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_levels(text)


def test_school_rows_follow_the_rules_of_registering_a_school() -> None:
    headers = tuple(c.header for c in SCHOOL_SHEET.columns)
    rows = (
        (2, ("thcshoalac", "Trường THCS Hòa Lạc", "THCS", "")),
        (3, ("THCS Hòa Lạc", "Trường THCS Hòa Lạc 2", "THCS", "xa-hoa-lac")),
        (4, ("thcshoalac", "Trường THCS khác", "THCS", "")),
        (5, ("thhoalac", "", "Tiểu học", "Xã Hòa Lạc")),
    )
    checked = check_school_rows(Table(headers=headers, rows=rows))
    assert [(r.row, r.moet_code, r.org_unit_code) for r in checked.rows] == [(2, "thcshoalac", None)]
    assert [(e.row, e.column) for e in checked.errors] == [
        (3, "Mã trường"),
        (4, "Mã trường"),
        (5, "Tên trường"),
        (5, "Đơn vị quản lý (mã)"),
    ]
    with pytest.raises(InvalidInput) as api:
        check_code("THCS Hòa Lạc", field_name="moet_code")
    assert checked.errors[0].message == api.value.detail
    assert "dòng 2" in checked.errors[1].message


def test_teaching_rows_need_a_subject_or_the_homeroom_mark() -> None:
    headers = tuple(c.header for c in TEACHING_SHEET.columns)
    rows = (
        (2, ("6A1", "Toán", "Nguyễn Văn An", "x", "", "")),
        (3, ("6A1", "", "Trần Thị Hoa", "Có", "", "2025-2026")),
        (4, ("6A1", "", "Lê Văn Nam", "", "", "")),
        (5, ("6A1", "Ngữ văn", "Lê Văn Nam", "chắc chắn", "3", "")),
        (6, ("", "Toán", "", "", "HK2", "")),
    )
    checked = check_teaching_rows(Table(headers=headers, rows=rows))
    assert [(r.row, r.subject, r.homeroom, r.school_year) for r in checked.rows] == [
        (2, "Toán", True, None),
        (3, None, True, "2025-2026"),
    ]
    assert [(e.row, e.column) for e in checked.errors] == [
        (4, "Môn"),
        (5, "Chủ nhiệm"),
        (5, "Học kỳ"),
        (6, "Lớp"),
        (6, "Giáo viên"),
    ]
