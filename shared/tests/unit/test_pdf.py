"""The shared PDF toolkit: Vietnamese text survives, pages are numbered, table headings repeat, output is stable."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

from pypdf import PdfReader

from edu_shared.pdf import Column, SchoolDocument, Signatory, dated_line, print_date_label

# 17:30 UTC is already the next day in Hà Nội (UTC+7): the print date follows the Vietnamese calendar.
PRINTED = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)
COLUMNS = [Column("STT", 1), Column("Họ và tên", 6, "LEFT"), Column("Điểm trung bình", 3)]


def _document(rows: int) -> bytes:
    doc = SchoolDocument(school_name="Trường THCS Hải Lâm", authority="UBND xã Hải Lâm", printed_at=PRINTED, title="Sổ")
    doc.new_page()
    doc.national_header()
    doc.title("Sổ điểm cá nhân", "Môn Toán — Lớp 6A1")
    doc.fields([("Học sinh", "Nguyễn Thị Ánh"), ("Giáo viên", None)])
    doc.table(COLUMNS, [[str(i), f"Nguyễn Thị Ánh {i}", "7.5" if i % 2 else None] for i in range(1, rows + 1)])
    doc.signatures([Signatory("Giáo viên bộ môn", "Lê Văn Đức"), Signatory("Hiệu trưởng")], place="Hải Lâm")
    return doc.output()


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def test_vietnamese_text_survives_in_the_pdf() -> None:
    text = "\n".join(_pages(_document(3)))
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TRƯỜNG THCS HẢI LÂM",
        "SỔ ĐIỂM CÁ NHÂN",
        "Nguyễn Thị Ánh",
        "Điểm trung bình",
        "GIÁO VIÊN BỘ MÔN",
        "Lê Văn Đức",
    ):
        assert expected in text, expected


def test_every_page_is_numbered_and_dated_in_vietnam_time() -> None:
    pages = _pages(_document(120))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Trang {number}/{len(pages)}" in text
        assert "In ngày 24/11/2026" in text
    assert "Hải Lâm, ngày 24 tháng 11 năm 2026" in pages[-1]


def test_table_heading_is_repeated_on_every_page() -> None:
    pages = _pages(_document(120))
    assert all("STT Họ và tên Điểm trung bình" in text for text in pages)
    assert "Nguyễn Thị Ánh 120" in pages[-1]


def test_same_inputs_give_the_same_bytes() -> None:
    assert _document(5) == _document(5)
    assert b"/CreationDate (D:20261123173000Z" in _document(1)


def test_date_labels() -> None:
    assert print_date_label(datetime(2026, 1, 5, 3, 0, tzinfo=UTC)) == "In ngày 05/01/2026"
    assert dated_line(datetime(2026, 1, 5, 3, 0, tzinfo=UTC)) == "Ngày 05 tháng 01 năm 2026"
