"""Reading uploaded spreadsheets and writing templates: .xlsx and UTF-8 .csv, refusals as problems."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from identity.adapters.spreadsheets import (
    MAX_FILE_BYTES,
    NOTES_SHEET,
    SpreadsheetTooLarge,
    UnreadableSpreadsheet,
    read_table,
    write_template,
    write_xlsx,
)
from identity.domain.imports import MAX_ROWS, SCHOOL_SHEET, STUDENT_SHEET, TEACHING_SHEET, SheetSpec


def test_xlsx_rows_keep_their_spreadsheet_numbers_and_skip_blank_lines() -> None:
    data = write_xlsx(
        ["Họ và tên", "Ngày sinh"], [["Nguyễn Văn An", datetime(2013, 9, 5)], [None, None], ["Lê Thị Hà", "01/02/2013"]]
    )
    table = read_table(data, filename="hs.xlsx")
    assert table.headers == ("Họ và tên", "Ngày sinh")
    assert table.rows == ((2, ("Nguyễn Văn An", "2013-09-05")), (4, ("Lê Thị Hà", "01/02/2013")))


def test_csv_with_a_byte_order_mark_and_semicolons_is_read() -> None:
    data = "\ufeffHọ và tên;Giới tính\r\nNguyễn Văn An;Nam\r\n".encode()
    table = read_table(data, filename="hs.csv")
    assert table.headers == ("Họ và tên", "Giới tính")
    assert table.rows == ((2, ("Nguyễn Văn An", "Nam")),)


def test_csv_not_in_utf8_is_refused_saying_how_to_save_it() -> None:
    data = "Tên\nLê Văn Ân\n".encode("cp1258")
    with pytest.raises(UnreadableSpreadsheet, match="CSV UTF-8"):
        read_table(data, filename="hs.csv")


def test_password_protected_or_legacy_excel_is_refused() -> None:
    with pytest.raises(UnreadableSpreadsheet, match="mật khẩu"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, filename="hs.xlsx")


def test_a_file_that_is_not_a_spreadsheet_is_refused() -> None:
    with pytest.raises(UnreadableSpreadsheet):
        read_table(b"PK\x03\x04 not really a zip", filename="hs.xlsx")
    with pytest.raises(UnreadableSpreadsheet):
        read_table(b"\x89PNG\r\n\x1a\n\x00\x00", filename="anh.png")


def test_files_over_the_size_or_row_limit_are_refused() -> None:
    with pytest.raises(SpreadsheetTooLarge):
        read_table(b"a" * (MAX_FILE_BYTES + 1), filename="big.csv")
    rows = "Họ và tên\n" + "Nguyễn Văn An\n" * (MAX_ROWS + 1)
    with pytest.raises(SpreadsheetTooLarge):
        read_table(rows.encode(), filename="many.csv")


def test_template_has_the_headers_drop_down_lists_and_notes_with_an_example() -> None:
    book = load_workbook(io.BytesIO(write_template(STUDENT_SHEET)))
    data, notes = book.worksheets
    assert [c.value for c in data[1]] == [c.header for c in STUDENT_SHEET.columns]
    assert data.max_row == 1 or all(c.value is None for c in data[2])
    lists = {dv.formula1 for dv in data.data_validations.dataValidation}
    assert '"Nam,Nữ"' in lists
    assert notes.title == NOTES_SHEET
    texts = [c.value for row in notes.iter_rows() for c in row if c.value]
    assert "Nguyễn Văn An" in texts
    # Read back, the empty template is a header and no data.
    table = read_table(write_template(STUDENT_SHEET), filename="mau.xlsx")
    assert table.rows == ()


@pytest.mark.parametrize("spec", [SCHOOL_SHEET, TEACHING_SHEET], ids=lambda s: s.kind.value)
def test_the_school_and_teaching_templates_read_back_with_their_example(spec: SheetSpec) -> None:
    book = load_workbook(io.BytesIO(write_template(spec)))
    data = book.worksheets[0]
    for i, column in enumerate(spec.columns, start=1):
        data.cell(row=2, column=i, value=column.example)  # where a user types: the first row under the headers
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue(), filename="mau.xlsx")
    assert table.headers == tuple(c.header for c in spec.columns)
    assert table.rows == ((2, tuple(c.example for c in spec.columns)),)
