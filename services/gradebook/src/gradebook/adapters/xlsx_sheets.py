"""A score sheet as an Excel workbook (.xlsx) in the layout teachers know, and back: bytes in, bytes out.

Layout: title rows (school, subject and class, semester and school year, how to fill in), then the heading row
STT | Mã học sinh | Họ và tên | TX1..TXn | GK | CK | ĐTBmhk, then one row per student. The student id column is what
an import matches rows by; a hidden sheet names the class, subject and semester the file was exported for.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from edu_shared.errors import InvalidInput
from gradebook.domain.sheet import Assessment, CellValue, Rating

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STT, STUDENT_ID, FULL_NAME, AVERAGE = "STT", "Mã học sinh", "Họ và tên", "ĐTBmhk"
META_SHEET = "_edurecords"
HEADING_ROW = 6
_REGULAR = re.compile(r"^TX\d+$")
_LOCKED_FILL = PatternFill("solid", fgColor="D9D9D9")
_HEADING_FILL = PatternFill("solid", fgColor="BDD7EE")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_SEARCH_ROWS = 30  # the heading row is looked for this far down (a teacher may add a line above it)


class InvalidWorkbook(InvalidInput):
    """An uploaded file that is not a readable score sheet of this class, subject and semester."""

    slug = "invalid-workbook"
    title = "Tệp Excel không hợp lệ"


@dataclass(frozen=True)
class SheetRowData:
    student_id: str
    full_name: str
    values: Mapping[str, CellValue]
    result: str | None  # ĐTBmhk or Đ/CĐ, None while incomplete


@dataclass(frozen=True)
class SheetWorkbook:
    """What an export writes."""

    school_name: str
    class_id: str
    class_name: str
    school_year: str
    subject_code: str
    subject_name: str
    assessment: Assessment
    semester: int
    columns: Sequence[str]
    rows: Sequence[SheetRowData]
    locked: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ImportedCell:
    column: str  # sheet column: TX1, GK, …
    ref: str  # Excel reference: "E7"
    letter: str  # Excel column letter: "E"
    row: int  # Excel row number
    value: Decimal | str | int


@dataclass(frozen=True)
class ImportedRow:
    row: int
    student_id: str | None
    id_ref: str
    full_name: str | None
    cells: list[ImportedCell] = field(default_factory=list)


@dataclass(frozen=True)
class ImportedSheet:
    rows: list[ImportedRow]
    exported_for: tuple[str, str, int] | None  # class id, subject code, semester from the hidden sheet


def semester_label(semester: int) -> str:
    return "Học kì I" if semester == 1 else "Học kì II"


def write_sheet(data: SheetWorkbook) -> bytes:
    """The workbook of one sheet: open score cells editable, everything else (ids, locked columns) protected."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has one sheet
    ws.title = f"{data.subject_name} {data.class_name}"[:31]
    headings = [STT, STUDENT_ID, FULL_NAME, *data.columns, AVERAGE]
    locked_note = ", ".join(c for c in data.columns if c in data.locked)
    titles = [
        (data.school_name.upper(), True),
        (f"SỔ ĐIỂM MÔN {data.subject_name.upper()} — LỚP {data.class_name}", True),
        (f"{semester_label(data.semester)} — Năm học {data.school_year}", False),
        (
            "Ô để trống khi nhập lại nghĩa là không thay đổi (không xóa điểm)."
            + (f" Cột đã khóa (tô xám): {locked_note}." if locked_note else "")
            + (" Chỉ nhập Đ hoặc CĐ." if data.assessment == "comment" else " Điểm từ 0 đến 10, một chữ số thập phân."),
            False,
        ),
    ]
    for i, (text, bold) in enumerate(titles, start=1):
        ws.cell(row=i, column=1, value=text).font = Font(bold=bold, size=13 if i == 2 else 11)
    for col, heading in enumerate(headings, start=1):
        cell = ws.cell(row=HEADING_ROW, column=col, value=heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = _BORDER
        cell.fill = _LOCKED_FILL if heading in data.locked else _HEADING_FILL
        if heading in data.locked:
            cell.comment = Comment("Cột đã khóa: thay đổi cần yêu cầu sửa điểm.", "EduRecords")
    if data.assessment == "comment":
        validation = DataValidation(type="list", formula1='"Đ,CĐ"', allow_blank=True)
    else:
        validation = DataValidation(type="decimal", operator="between", formula1="0", formula2="10", allow_blank=True)
    validation.error = "Chỉ nhập Đ hoặc CĐ." if data.assessment == "comment" else "Điểm từ 0 đến 10."
    ws.add_data_validation(validation)
    for n, student in enumerate(data.rows, start=1):
        r = HEADING_ROW + n
        ws.cell(row=r, column=1, value=n)
        ws.cell(row=r, column=2, value=student.student_id)
        ws.cell(row=r, column=3, value=student.full_name)
        for offset, column in enumerate(data.columns):
            value = student.values.get(column)
            cell = ws.cell(row=r, column=4 + offset, value=_excel_value(value))
            if isinstance(value, Decimal):
                cell.number_format = "0.0"
            cell.alignment = Alignment(horizontal="center")
            if column in data.locked:
                cell.fill = _LOCKED_FILL
            else:
                cell.protection = Protection(locked=False)
                validation.add(cell)
        average = ws.cell(row=r, column=len(headings), value=student.result)
        average.alignment = Alignment(horizontal="center")
        average.font = Font(bold=True)
        for col in range(1, len(headings) + 1):
            ws.cell(row=r, column=col).border = _BORDER
    for col, width in enumerate([6, 16, 28] + [7] * len(data.columns) + [9], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"D{HEADING_ROW + 1}"
    # Protected without a password: it guards against slips (typing over an id or a locked column), not people.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    meta = wb.create_sheet(META_SHEET)
    for i, (key, meta_value) in enumerate(
        (("class_id", data.class_id), ("subject_code", data.subject_code), ("semester", data.semester)), start=1
    ):
        meta.cell(row=i, column=1, value=key)
        meta.cell(row=i, column=2, value=meta_value)
    meta.sheet_state = "hidden"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _excel_value(value: CellValue | None) -> float | str | None:
    if value is None:
        return None
    if isinstance(value, Rating):
        return value.value
    return float(value)  # a number Excel can sort and check; scores have one decimal, exact enough to read back


def _heading(value: object) -> str:
    return unicodedata.normalize("NFC", str(value)).strip().casefold() if value is not None else ""


def _text(value: object) -> str | None:
    """A cell as text (ids typed as numbers too); None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def _score_value(value: object) -> Decimal | str | int | None:
    """What the domain parses: numbers as typed, text stripped; anything else as text, for a clear rejection."""
    if value is None or isinstance(value, bool | datetime | date | time):
        return None if value is None else str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def read_sheet(content: bytes, *, columns: Sequence[str]) -> ImportedSheet:
    """Every student row of an uploaded sheet with its non-empty score cells (empty means "no change").

    Raises InvalidWorkbook for a file that is not .xlsx or whose heading row lacks the student id or a sheet column.
    """
    try:
        wb = load_workbook(BytesIO(content), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, TypeError) as exc:
        raise InvalidWorkbook(
            "Không đọc được tệp: nội dung gửi lên không phải tệp Excel (.xlsx) hợp lệ.",
            field="file",
            value=type(exc).__name__,
        ) from None
    sheets = [ws for ws in wb.worksheets if ws.title != META_SHEET]
    if not sheets:
        raise InvalidWorkbook("Tệp Excel không có trang tính nào.", field="file")
    ws = sheets[0]
    heading_row, positions = _find_headings(ws, columns)
    rows: list[ImportedRow] = []
    for r in range(heading_row + 1, (ws.max_row or heading_row) + 1):
        id_cell = ws.cell(row=r, column=positions[STUDENT_ID])
        name = _text(ws.cell(row=r, column=positions[FULL_NAME]).value) if FULL_NAME in positions else None
        cells: list[ImportedCell] = []
        for column in columns:
            value = _score_value(ws.cell(row=r, column=positions[column]).value)
            if value is not None:
                letter = get_column_letter(positions[column])
                cells.append(ImportedCell(column=column, ref=f"{letter}{r}", letter=letter, row=r, value=value))
        student_id = _text(id_cell.value)
        if student_id is None and not cells:
            continue  # a blank line or a note below the table
        rows.append(ImportedRow(row=r, student_id=student_id, id_ref=id_cell.coordinate, full_name=name, cells=cells))
    return ImportedSheet(rows=rows, exported_for=_exported_for(wb))


def _find_headings(ws: Worksheet, columns: Sequence[str]) -> tuple[int, dict[str, int]]:
    wanted = {_heading(h): h for h in (STUDENT_ID, FULL_NAME, *columns)}
    for r in range(1, min(ws.max_row or 0, _SEARCH_ROWS) + 1):
        found: dict[str, int] = {}
        extra: list[tuple[str, str]] = []
        for col in range(1, (ws.max_column or 0) + 1):
            raw = ws.cell(row=r, column=col).value
            key = _heading(raw)
            if key in wanted:
                found.setdefault(wanted[key], col)
            elif _REGULAR.match(str(raw or "").strip().upper()):
                extra.append((str(raw).strip(), f"{get_column_letter(col)}{r}"))
        if STUDENT_ID not in found:
            continue
        missing = [c for c in columns if c not in found]
        if missing:
            raise InvalidWorkbook(
                f"Tệp không đúng mẫu sổ điểm: dòng tiêu đề {r} thiếu cột {', '.join(missing)}.",
                field="header",
                row=r,
                missing=missing,
            )
        if extra:
            heading, ref = extra[0]
            raise InvalidWorkbook(
                f"Tệp không đúng mẫu sổ điểm: cột {heading} (ô {ref}) không có trong sổ điểm "
                f"(các cột: {', '.join(columns)}).",
                field="header",
                value=heading,
                cell=ref,
            )
        return r, found
    raise InvalidWorkbook(
        f"Tệp không đúng mẫu sổ điểm: không thấy dòng tiêu đề có cột '{STUDENT_ID}' trong {_SEARCH_ROWS} dòng đầu.",
        field="header",
        missing=[STUDENT_ID],
    )


def _exported_for(wb: Workbook) -> tuple[str, str, int] | None:
    if META_SHEET not in wb.sheetnames:
        return None
    meta = wb[META_SHEET]
    values = {str(meta.cell(row=i, column=1).value): meta.cell(row=i, column=2).value for i in range(1, 4)}
    class_id, subject_code, semester = values.get("class_id"), values.get("subject_code"), values.get("semester")
    if class_id is None or subject_code is None or not isinstance(semester, int):
        return None
    return str(class_id), str(subject_code), semester
