"""A report written out: .xlsx laid out like an official report form, CSV, and PDF (the shared PDF toolkit)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from edu_shared.pdf import MOTTO, NATION, SchoolDocument, Signatory, dated_line
from edu_shared.pdf import Column as PdfColumn
from reporting.domain.report import Report

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return "" if value is None else str(value)


def to_xlsx(report: Report, *, authority: str, printed_at: datetime) -> bytes:
    """One sheet: authority and national title, report title and period, the bordered table, the signature line."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.name[:31]
    width = max(len(report.columns), 4)
    last = get_column_letter(width)
    half = max(width // 2, 1)
    bold = Font(bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=half)
    sheet.cell(1, 1, authority.upper()).font = bold
    sheet.cell(1, 1).alignment = center
    sheet.merge_cells(start_row=1, start_column=half + 1, end_row=1, end_column=width)
    sheet.cell(1, half + 1, NATION).font = bold
    sheet.cell(1, half + 1).alignment = center
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    sheet.cell(2, 1, report.scope_label).alignment = center
    sheet.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=width)
    sheet.cell(2, half + 1, MOTTO).font = Font(bold=True, underline="single")
    sheet.cell(2, half + 1).alignment = center
    for line, text, font in ((4, report.title, Font(bold=True, size=14)), (5, report.subtitle, Font(italic=True))):
        sheet.merge_cells(f"A{line}:{last}{line}")
        sheet.cell(line, 1, text).font = font
        sheet.cell(line, 1).alignment = center
    header = 7
    fill = PatternFill("solid", fgColor="DDDDDD")
    for i, column in enumerate(report.columns, start=1):
        heading = sheet.cell(header, i, column.label)
        heading.font, heading.alignment, heading.border, heading.fill = bold, center, _BOX, fill
        sheet.column_dimensions[get_column_letter(i)].width = 28 if column.kind == "text" else 13
    sheet.row_dimensions[header].height = 45
    for r, row in enumerate(report.rows, start=header + 1):
        for i, column in enumerate(report.columns, start=1):
            body = sheet.cell(r, i, _cell(row.get(column.key)))
            body.border = _BOX
            if column.kind == "rate":
                body.number_format = "0.00"
    sheet.freeze_panes = f"A{header + 1}"
    end = header + len(report.rows) + 2
    sheet.merge_cells(start_row=end, start_column=half + 1, end_row=end, end_column=width)
    sheet.cell(end, half + 1, dated_line(printed_at, "…")).alignment = center
    sheet.merge_cells(start_row=end + 1, start_column=half + 1, end_row=end + 1, end_column=width)
    sheet.cell(end + 1, half + 1, "THỦ TRƯỞNG ĐƠN VỊ").font = bold
    sheet.cell(end + 1, half + 1).alignment = center
    sheet.merge_cells(start_row=end + 2, start_column=half + 1, end_row=end + 2, end_column=width)
    sheet.cell(end + 2, half + 1, "(Ký, ghi rõ họ tên, đóng dấu)").alignment = center
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(report: Report) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs show the Vietnamese headings correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in report.columns])
    for row in report.rows:
        writer.writerow(
            [
                _cell(row.get(c.key)) if not isinstance(row.get(c.key), Decimal) else str(row.get(c.key))
                for c in report.columns
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_pdf(report: Report, *, authority: str, printed_at: datetime) -> bytes:
    """A4 landscape when the table is wide; heading repeated on every page; signature block."""
    doc = SchoolDocument(
        school_name=report.scope_label,
        authority=authority,
        printed_at=printed_at,
        title=report.title,
        landscape=len(report.columns) > 6,
        created_at=printed_at,
    )
    doc.new_page()
    doc.national_header()
    doc.title(report.title, report.subtitle)
    columns = [
        PdfColumn(c.label, width=2.5 if c.kind == "text" else 1.0, align="LEFT" if c.kind == "text" else "RIGHT")
        for c in report.columns
    ]
    doc.table(
        columns,
        [[_text(row.get(c.key)) for c in report.columns] for row in report.rows],
        font_size=7 if len(report.columns) > 12 else 9,
    )
    doc.signatures(
        [Signatory(title="Người lập biểu"), Signatory(title="Thủ trưởng đơn vị", hint="(Ký, ghi rõ họ tên, đóng dấu)")]
    )
    return doc.output()


def render(report: Report, fmt: str, *, authority: str, printed_at: datetime) -> bytes:
    """The report in `fmt` (xlsx, csv or pdf)."""
    if fmt == "xlsx":
        return to_xlsx(report, authority=authority, printed_at=printed_at)
    if fmt == "csv":
        return to_csv(report)
    return to_pdf(report, authority=authority, printed_at=printed_at)
