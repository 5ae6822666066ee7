"""Reading uploaded spreadsheets (.xlsx, .csv) into a plain table, and writing the import templates (.xlsx).

openpyxl reads and writes .xlsx in pure Python (no LibreOffice, no native code). CSV must be UTF-8 (with or
without the BOM Excel adds): other encodings, Windows-1258 included, are refused with a message saying how to
save the file, rather than guessed and imported with broken diacritics.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from edu_shared.errors import DomainError, InvalidInput
from identity.domain.imports import MAX_ROWS, SheetSpec, Table, example_row

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 64
NOTES_SHEET = "Hướng dẫn"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_ZIP_MAGIC = b"PK\x03\x04"
# Compound File Binary: legacy .xls, and also any .xlsx saved with a password (Office encrypts it into a CFB).
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnreadableSpreadsheet(InvalidInput):
    slug = "unreadable-spreadsheet"
    title = "Không đọc được tệp"


class SpreadsheetTooLarge(DomainError):
    slug = "spreadsheet-too-large"
    title = "Tệp quá lớn"
    status = 413


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(rows: list[tuple[int, list[str]]], *, filename: str) -> Table:
    if not rows:
        raise UnreadableSpreadsheet(f"Tệp {filename} không có dòng tiêu đề.", field="file", value=filename)
    (_, headers), data = rows[0], rows[1:]
    width = len(headers)
    return Table(
        headers=tuple(headers),
        rows=tuple((n, tuple((cells + [""] * width)[:width])) for n, cells in data if any(c for c in cells)),
    )


def _too_many_rows(filename: str) -> SpreadsheetTooLarge:
    return SpreadsheetTooLarge(
        f"Tệp {filename} có hơn {MAX_ROWS:,} dòng dữ liệu; hãy chia thành nhiều tệp.".replace(",", "."),
        field="file",
        value=filename,
    )


def _read_xlsx(data: bytes, *, filename: str) -> Table:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableSpreadsheet(
            f"Tệp {filename} không phải tệp Excel .xlsx hợp lệ.", field="file", value=filename
        ) from exc
    try:
        sheets = [s for s in book.worksheets if s.title != NOTES_SHEET]
        if not sheets:
            raise UnreadableSpreadsheet(f"Tệp {filename} không có trang dữ liệu.", field="file", value=filename)
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            cells = [_cell_text(v) for v in values]
            if not rows and not any(cells):
                continue  # blank lines above the header
            rows.append((number, cells))
            if len(rows) > MAX_ROWS + 1:
                raise _too_many_rows(filename)
        return _table(_trim(rows), filename=filename)
    finally:
        book.close()


def _trim(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    # Read-only sheets report every formatted column; keep those up to the last header.
    if not rows:
        return rows
    header = rows[0][1]
    width = max((i + 1 for i, h in enumerate(header) if h), default=0)
    return [(n, cells[:width]) for n, cells in rows]


def _read_csv(data: bytes, *, filename: str) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableSpreadsheet(
            f"Tệp CSV {filename} không ở mã UTF-8 (dòng có lỗi mã hóa ở byte {exc.start}). Hệ thống chỉ nhận CSV "
            "UTF-8, không nhận Windows-1258 hay TCVN3: trong Excel chọn Lưu thành → 'CSV UTF-8 (Comma delimited)', "
            "hoặc gửi tệp .xlsx.",
            field="file",
            value=filename,
        ) from exc
    if "\x00" in text:
        raise UnreadableSpreadsheet(f"Tệp {filename} không phải tệp CSV.", field="file", value=filename)
    first_line = text.split("\n", 1)[0]
    # Excel with Vietnamese regional settings saves CSV with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            if not rows and not any(c.strip() for c in cells):
                continue
            rows.append((reader.line_num, [c.strip() for c in cells[:MAX_COLUMNS]]))
            if len(rows) > MAX_ROWS + 1:
                raise _too_many_rows(filename)
    except csv.Error as exc:
        raise UnreadableSpreadsheet(
            f"Tệp CSV {filename} sai định dạng ở dòng {reader.line_num}: {exc}.", field="file", value=filename
        ) from exc
    return _table(rows, filename=filename)


def read_table(data: bytes, *, filename: str) -> Table:
    """The first sheet of an .xlsx or a UTF-8 .csv as a table; problem errors for anything else."""
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetTooLarge(
            f"Tệp {filename} lớn hơn {MAX_FILE_BYTES // (1024 * 1024)} MB.", field="file", value=len(data)
        )
    if not data:
        raise UnreadableSpreadsheet(f"Tệp {filename} rỗng.", field="file", value=filename)
    if data.startswith(_CFB_MAGIC):
        raise UnreadableSpreadsheet(
            f"Tệp {filename} được đặt mật khẩu hoặc ở định dạng Excel cũ (.xls). Hãy bỏ mật khẩu và lưu thành .xlsx.",
            field="file",
            value=filename,
        )
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, filename=filename)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise UnreadableSpreadsheet(f"Tệp {filename} không phải tệp Excel .xlsx hợp lệ.", field="file", value=filename)
    return _read_csv(data, filename=filename)


def write_xlsx(headers: list[str], rows: list[list[Any]], *, title: str = "Dữ liệu") -> bytes:
    """A plain one-sheet workbook (tests and benchmarks build upload files with it)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_template(spec: SheetSpec) -> bytes:
    """The template for one kind: the data sheet (headers, drop-down lists) and a notes sheet with an example."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = spec.title
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.append([c.header for c in spec.columns])
    for i, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(i)
        cell = sheet.cell(row=1, column=i)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        note = column.note or ("Bắt buộc." if column.required else "Không bắt buộc.")
        cell.comment = Comment(f"{note}\nVí dụ: {column.example}", "EduRecords")
        sheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
        if column.text:
            # Text format keeps the leading zero of phone and CCCD numbers.
            for row in range(2, 1002):
                sheet.cell(row=row, column=i).number_format = "@"
        if column.choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(column.choices) + '"',
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="Giá trị không hợp lệ",
                error="Chọn một giá trị trong danh sách.",
            )
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(NOTES_SHEET)
    notes.append([f"Mẫu nhập {spec.title.lower()} — EduRecords"])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append([])
    for line in (
        f"Nhập mỗi người một dòng ở trang '{spec.title}', bắt đầu từ dòng 2; không đổi tên các cột.",
        "Cột tô vàng là bắt buộc. Ngày viết dd/mm/yyyy. Tệp CSV phải lưu dạng 'CSV UTF-8'.",
        "Hệ thống kiểm tra toàn bộ tệp trước khi ghi: nếu có dòng lỗi, không dòng nào được nhập "
        "(trừ khi bạn chọn chỉ nhập các dòng hợp lệ), và báo từng lỗi theo số dòng, cột, giá trị.",
        f"Tối đa {MAX_ROWS:,} dòng, {MAX_FILE_BYTES // (1024 * 1024)} MB mỗi tệp.".replace(",", "."),
    ):
        notes.append([line])
    notes.append([])
    notes.append(["Cột", "Bắt buộc", "Cách nhập", "Ví dụ"])
    for cell in notes[notes.max_row]:
        cell.font = bold
    for column in spec.columns:
        choices = ("Chọn: " + ", ".join(column.choices)) if column.choices else ""
        notes.append([column.header, "Có" if column.required else "", column.note or choices, column.example])
    notes.append([])
    notes.append(["Dòng ví dụ (có thể sao chép sang trang dữ liệu):"])
    notes.append([c.header for c in spec.columns])
    notes.append(example_row(spec))
    notes.column_dimensions["A"].width = 32
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
