"""A report written as .xlsx, CSV and PDF: the official layout, Vietnamese labels intact."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from openpyxl import load_workbook

from reporting.adapters.exports import render
from reporting.domain.report import Column, Report

AT = datetime(2026, 5, 30, 8, 0, tzinfo=UTC)


def _report() -> Report:
    return Report(
        name="dropouts",
        title="THỐNG KÊ HỌC SINH BỎ HỌC",
        subtitle="Năm học 2025-2026",
        scope_label="Trường THCS Hòa Lạc",
        columns=[Column("grade", "Khối", "text"), Column("total", "Tổng số bỏ học"), Column("rate", "Tỉ lệ %", "rate")],
        rows=[
            {"grade": "Khối 6", "total": 3, "rate": Decimal("1.25")},
            {"grade": "Khối 7", "total": 0, "rate": Decimal("0.00")},
        ],
    )


def test_xlsx_has_the_national_header_title_table_and_signature() -> None:
    sheet = load_workbook(io.BytesIO(render(_report(), "xlsx", authority="UBND xã Hòa Lạc", printed_at=AT))).active
    assert sheet is not None
    assert sheet["A1"].value == "UBND XÃ HÒA LẠC"
    assert sheet["A2"].value == "Trường THCS Hòa Lạc"
    assert sheet["A4"].value == "THỐNG KÊ HỌC SINH BỎ HỌC"
    assert [c.value for c in sheet[7]][:3] == ["Khối", "Tổng số bỏ học", "Tỉ lệ %"]
    assert (sheet["A8"].value, sheet["B8"].value, sheet["C8"].value) == ("Khối 6", 3, 1.25)
    texts = [c.value for row in sheet.iter_rows(min_row=10) for c in row if c.value]
    assert "THỦ TRƯỞNG ĐƠN VỊ" in texts


def test_csv_opens_with_its_headings_in_vietnamese() -> None:
    data = render(_report(), "csv", authority="Sở", printed_at=AT)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Khối", "Tổng số bỏ học", "Tỉ lệ %"], ["Khối 6", "3", "1.25"], ["Khối 7", "0", "0.00"]]


def test_pdf_is_a_pdf_and_the_same_inputs_give_the_same_bytes() -> None:
    first = render(_report(), "pdf", authority="Sở GDĐT", printed_at=AT)
    assert first.startswith(b"%PDF")
    assert render(_report(), "pdf", authority="Sở GDĐT", printed_at=AT) == first
