"""Score sheets as .xlsx: the export reads back as it was written, bad cells are named by row and column letter,
and files that are not the sheet's template are refused with a clear problem."""

from __future__ import annotations

from decimal import Decimal as D
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from gradebook.adapters.xlsx_sheets import (
    HEADING_ROW,
    ImportedCell,
    InvalidWorkbook,
    SheetRowData,
    SheetWorkbook,
    read_sheet,
    write_sheet,
)
from gradebook.domain.sheet import Entry, InvalidEntries, Rating, check_entries
from gradebook.service_layer.exchange import locate_problems

COLUMNS = ["TX1", "TX2", "TX3", "TX4", "GK", "CK"]
STUDENTS = {"st-2": "Nguyễn Thị Ánh", "st-3": "Lê Thanh Bình", "st-1": "Trần Văn Dũng"}
FIRST = HEADING_ROW + 1  # Excel row of the first student


def _workbook(*, locked: frozenset[str] = frozenset(), comment: bool = False) -> bytes:
    values = {"TX1": D("7.0"), "GK": D("7.3")} if not comment else {"TX1": Rating.DAT, "GK": Rating.CHUA_DAT}
    return write_sheet(
        SheetWorkbook(
            school_name="Trường THCS A",
            class_id="cls-6a1",
            class_name="6A1",
            school_year="2025-2026",
            subject_code="toan",
            subject_name="Toán",
            assessment="comment" if comment else "scored",
            semester=1,
            columns=COLUMNS,
            rows=[
                SheetRowData(student_id=sid, full_name=name, values=values if sid == "st-2" else {}, result=None)
                for sid, name in STUDENTS.items()
            ],
            locked=locked,
        )
    )


def _edit(content: bytes, **cells: object) -> bytes:
    wb = load_workbook(BytesIO(content))
    ws = wb.worksheets[0]
    for ref, value in cells.items():
        ws[ref] = value
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def test_export_has_the_layout_teachers_know() -> None:
    ws = load_workbook(BytesIO(_workbook(locked=frozenset({"GK"})))).worksheets[0]
    assert ws["A1"].value == "TRƯỜNG THCS A"
    assert ws["A2"].value == "SỔ ĐIỂM MÔN TOÁN — LỚP 6A1"
    assert ws["A3"].value == "Học kì I — Năm học 2025-2026"
    assert "không thay đổi" in str(ws["A4"].value) and "GK" in str(ws["A4"].value)
    assert [c.value for c in ws[HEADING_ROW]] == ["STT", "Mã học sinh", "Họ và tên", *COLUMNS, "ĐTBmhk"]
    assert [ws.cell(row=FIRST + i, column=2).value for i in range(3)] == ["st-2", "st-3", "st-1"]
    # The locked column is greyed and stays protected; open score cells are editable.
    assert ws.protection.sheet
    assert ws[f"H{FIRST}"].protection.locked and ws[f"H{FIRST}"].fill.fgColor.rgb.endswith("D9D9D9")
    assert not ws[f"D{FIRST}"].protection.locked


def test_round_trip_reads_back_the_written_values() -> None:
    sheet = read_sheet(_workbook(), columns=COLUMNS)
    assert sheet.exported_for == ("cls-6a1", "toan", 1)
    assert [(r.row, r.student_id, r.full_name) for r in sheet.rows] == [
        (FIRST, "st-2", "Nguyễn Thị Ánh"),
        (FIRST + 1, "st-3", "Lê Thanh Bình"),
        (FIRST + 2, "st-1", "Trần Văn Dũng"),
    ]
    assert [(c.ref, c.column, c.value) for c in sheet.rows[0].cells] == [
        (f"D{FIRST}", "TX1", D("7.0")),
        (f"H{FIRST}", "GK", D("7.3")),
    ]
    assert sheet.rows[1].cells == []  # empty cells mean "no change"
    comment = read_sheet(_workbook(comment=True), columns=COLUMNS)
    assert [(c.column, c.value) for c in comment.rows[0].cells] == [("TX1", "Đ"), ("GK", "CĐ")]


def test_edited_cells_are_read_with_their_excel_reference() -> None:
    edited = _edit(_workbook(), **{f"E{FIRST + 1}": 8, f"F{FIRST + 1}": "6,5", f"I{FIRST + 2}": 9.25})
    rows = {r.student_id: r for r in read_sheet(edited, columns=COLUMNS).rows}
    assert [(c.ref, c.letter, c.row, c.column, c.value) for c in rows["st-3"].cells] == [
        (f"E{FIRST + 1}", "E", FIRST + 1, "TX2", 8),
        (f"F{FIRST + 1}", "F", FIRST + 1, "TX3", "6,5"),
    ]
    assert [(c.ref, c.value) for c in rows["st-1"].cells] == [(f"I{FIRST + 2}", D("9.25"))]


def test_bad_cells_are_mapped_back_to_row_and_column_letter() -> None:
    edited = _edit(_workbook(), **{f"E{FIRST + 1}": 11, f"G{FIRST + 2}": "bảy", f"D{FIRST + 2}": 5})
    sheet = read_sheet(edited, columns=COLUMNS)
    cells: dict[tuple[str, str], ImportedCell] = {}
    entries = []
    for row in sheet.rows:
        assert row.student_id is not None
        for cell in row.cells:
            cells[(row.student_id, cell.column)] = cell
            entries.append(Entry(row.student_id, cell.column, cell.value))
    with pytest.raises(InvalidEntries) as caught:
        check_entries(entries, kind="scored", sheet_columns=COLUMNS, students=STUDENTS)
    located = locate_problems(caught.value, cells)
    assert [
        (e["cell"], e["row"], e["column_letter"], e["column"], e["value"]) for e in located.extensions["errors"]
    ] == [
        (f"E{FIRST + 1}", FIRST + 1, "E", "TX2", "11"),
        (f"G{FIRST + 2}", FIRST + 2, "G", "TX4", "bảy"),
    ]
    assert located.detail.startswith(f"Không nhập điểm nào: Ô E{FIRST + 1} (dòng {FIRST + 1}, cột TX2)")
    assert "Lê Thanh Bình" in located.extensions["errors"][0]["message"]


def test_a_sheet_without_the_student_id_heading_is_not_the_template() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["STT", "Họ và tên", *COLUMNS])
    ws.append([1, "Nguyễn Thị Ánh", 7])
    out = BytesIO()
    wb.save(out)
    with pytest.raises(InvalidWorkbook) as caught:
        read_sheet(out.getvalue(), columns=COLUMNS)
    assert caught.value.extensions["field"] == "header"
    assert caught.value.extensions["missing"] == ["Mã học sinh"]
    assert "Mã học sinh" in caught.value.detail


def test_a_missing_or_unknown_score_column_is_named() -> None:
    missing = _edit(_workbook(), **{f"I{HEADING_ROW}": "Ghi chú"})
    with pytest.raises(InvalidWorkbook) as caught:
        read_sheet(missing, columns=COLUMNS)
    assert caught.value.extensions["missing"] == ["CK"]
    extra = _edit(_workbook(), **{f"K{HEADING_ROW}": "TX5"})
    with pytest.raises(InvalidWorkbook) as caught:
        read_sheet(extra, columns=COLUMNS)
    assert (caught.value.extensions["value"], caught.value.extensions["cell"]) == ("TX5", f"K{HEADING_ROW}")


def test_a_file_that_is_not_xlsx_is_refused() -> None:
    with pytest.raises(InvalidWorkbook) as caught:
        read_sheet(b"STT;Ma hoc sinh\n1;st-1\n", columns=COLUMNS)
    assert caught.value.extensions["field"] == "file"
    assert "Excel" in caught.value.detail
