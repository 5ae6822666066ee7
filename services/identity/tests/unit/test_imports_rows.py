"""Checking import rows: Vietnamese headers matched loosely, every error reported with the API's message."""

from __future__ import annotations

from datetime import date

import pytest

from edu_shared.contracts.identity import SchoolLevel
from edu_shared.errors import InvalidInput
from identity.domain.imports import (
    STAFF_SHEET,
    STUDENT_SHEET,
    Table,
    check_class_rows,
    check_staff_rows,
    check_student_rows,
    match_headers,
    parse_date,
)
from identity.domain.names import check_national_id
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
