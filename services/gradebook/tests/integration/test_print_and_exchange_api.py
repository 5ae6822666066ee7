"""Printing (PDF) and Excel exchange through HTTP on the migrated database (SQLite, and PostgreSQL in CI).

Rosters are fed as identity feeds them in production: identity events through the gradebook's consumers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.pdf import print_date_label
from edu_shared.testing.servers import RealServers
from gradebook.adapters.xlsx_sheets import HEADING_ROW, XLSX_MEDIA_TYPE
from gradebook.testing import C6A1, C6A2, Gradebook, gradebook_on, seed

# (id, family, middle, given): class-list order is Ánh, Bình, Dũng.
STUDENTS = [("st-1", "Trần", "Văn", "Dũng"), ("st-2", "Nguyễn", "Thị", "Ánh"), ("st-3", "Lê", "Thanh", "Bình")]
BASE = f"/classes/{C6A1}/subjects/toan/semesters/1"
FIRST = HEADING_ROW + 1  # Excel row of the first student (Ánh), then Bình, then Dũng


async def _seed(gb: Gradebook) -> None:
    # A named school for the printed headings, and an accented first letter (Ánh) that must still sort first.
    await seed(gb, school_name="Trường THCS Hải Lâm", students=STUDENTS)


@pytest.fixture
async def gradebook(backend: str, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Gradebook]:
    async with gradebook_on(backend, tmp_path, real_servers.postgres_url, seed=_seed) as gb:
        yield gb


def entry(student: str, column: str, value: Any) -> dict[str, Any]:
    return {"student_id": student, "column": column, "value": value}


def _edit(content: bytes, cells: dict[str, Any]) -> bytes:
    wb = load_workbook(BytesIO(content))
    ws = wb.worksheets[0]
    for ref, value in cells.items():
        ws[ref] = value
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


async def _upload(gb: Gradebook, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return await gb.client.put(
        f"{BASE}/sheet.xlsx",
        content=content,
        headers={**(headers or gb.teacher()), "Content-Type": XLSX_MEDIA_TYPE},
    )


async def _sheet(gb: Gradebook) -> dict[str, dict[str, Any]]:
    body = (await gb.client.get(f"{BASE}/scores", headers=gb.teacher())).json()
    return {s["student_id"]: s for s in body["students"]}


def _pdf_text(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.isascii()
    return [page.extract_text() for page in PdfReader(BytesIO(response.content)).pages]


async def test_export_edit_import_shows_the_new_values_and_their_history(gradebook: Gradebook) -> None:
    teacher = gradebook.teacher()
    r = await gradebook.client.put(f"{BASE}/scores", headers=teacher, json={"entries": [entry("st-2", "TX1", "6")]})
    assert r.status_code == 200, r.text
    exported = await gradebook.client.get(f"{BASE}/sheet.xlsx", headers=teacher)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == XLSX_MEDIA_TYPE
    assert exported.headers["content-disposition"] == 'attachment; filename="so-diem-6A1-toan-hk1.xlsx"'
    ws = load_workbook(BytesIO(exported.content)).worksheets[0]
    assert ws["A1"].value == "TRƯỜNG THCS HẢI LÂM"
    assert [ws.cell(row=FIRST + i, column=3).value for i in range(3)] == [
        "Nguyễn Thị Ánh",
        "Lê Thanh Bình",
        "Trần Văn Dũng",
    ]
    assert ws[f"D{FIRST}"].value == 6.0

    # Ánh: TX1 6 → 7.5 and the rest of her row; Bình: TX2 only; Dũng untouched (empty cells: no change).
    edited = _edit(
        exported.content,
        {
            f"D{FIRST}": 7.5,
            f"E{FIRST}": 8,
            f"F{FIRST}": "6,5",
            f"G{FIRST}": 9.5,
            f"H{FIRST}": 7.25,
            f"I{FIRST}": 8,
            f"E{FIRST + 1}": "5",
        },
    )
    imported = await _upload(gradebook, edited)
    assert imported.status_code == 200, imported.text
    assert imported.json()["rows"] == 3
    assert len(imported.json()["changes"]) == 7
    sheet = await _sheet(gradebook)
    assert sheet["st-2"]["values"] == {"TX1": "7.5", "TX2": "8.0", "TX3": "6.5", "TX4": "9.5", "GK": "7.3", "CK": "8.0"}
    assert sheet["st-2"]["average"] == "7.8"  # (7.5 + 8 + 6.5 + 9.5 + 2·7.3 + 3·8) / 9 = 70.1 / 9 = 7.79
    assert sheet["st-3"]["values"]["TX2"] == "5.0"
    assert all(v is None for v in sheet["st-1"]["values"].values())
    history = (await gradebook.client.get(f"{BASE}/history", headers=teacher)).json()
    assert [
        (h["old_value"], h["new_value"]) for h in history if h["student_id"] == "st-2" and h["column"] == "TX1"
    ] == [
        (None, "6.0"),
        ("6.0", "7.5"),
    ]

    # Importing the same file again changes nothing.
    again = await _upload(gradebook, edited)
    assert again.status_code == 200 and again.json()["changes"] == []


async def test_a_file_with_one_bad_cell_writes_nothing_and_names_row_and_column(gradebook: Gradebook) -> None:
    exported = (await gradebook.client.get(f"{BASE}/sheet.xlsx", headers=gradebook.teacher())).content
    bad = _edit(exported, {f"D{FIRST}": 7, f"E{FIRST + 1}": 8, f"G{FIRST + 2}": "10,5", f"I{FIRST + 2}": "bảy"})
    r = await _upload(gradebook, bad)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/invalid-scores")
    assert [(e["cell"], e["row"], e["column_letter"], e["column"], e["value"]) for e in body["errors"]] == [
        (f"G{FIRST + 2}", FIRST + 2, "G", "TX4", "10,5"),
        (f"I{FIRST + 2}", FIRST + 2, "I", "CK", "bảy"),
    ]
    assert "Trần Văn Dũng" in body["errors"][0]["message"]
    assert f"G{FIRST + 2}" in body["detail"]
    sheet = await _sheet(gradebook)
    assert all(v is None for s in sheet.values() for v in s["values"].values())
    history = (await gradebook.client.get(f"{BASE}/history", headers=gradebook.teacher())).json()
    assert history == []


async def test_unknown_and_repeated_students_and_wrong_files_are_clear_problems(gradebook: Gradebook) -> None:
    exported = (await gradebook.client.get(f"{BASE}/sheet.xlsx", headers=gradebook.teacher())).content
    rows = _edit(
        exported,
        {
            f"B{FIRST + 3}": "st-9",
            f"C{FIRST + 3}": "Phạm Văn Lạ",
            f"D{FIRST + 3}": 5,
            f"B{FIRST + 4}": "st-2",
            f"D{FIRST + 4}": 6,
            f"D{FIRST}": 9,
        },
    )
    r = await _upload(gradebook, rows)
    assert r.status_code == 422
    body = r.json()
    assert body["type"].endswith("/invalid-workbook")
    assert [(e["cell"], e["field"], e["value"]) for e in body["errors"]] == [
        (f"B{FIRST + 3}", "student_id", "st-9"),
        (f"B{FIRST + 4}", "student_id", "st-2"),
    ]
    assert f"dòng {FIRST}" in body["errors"][1]["message"]  # where the student already is

    no_header = _edit(exported, {f"B{HEADING_ROW}": "Mã"})
    r = await _upload(gradebook, no_header)
    assert r.status_code == 422 and r.json()["field"] == "header" and r.json()["missing"] == ["Mã học sinh"]

    unreadable = await _upload(gradebook, b"not an excel file")
    assert unreadable.status_code == 422 and unreadable.json()["field"] == "file"

    other_sheet = (
        await gradebook.client.get(f"/classes/{C6A1}/subjects/toan/semesters/2/sheet.xlsx", headers=gradebook.teacher())
    ).content
    wrong = await _upload(gradebook, other_sheet)
    assert wrong.status_code == 422 and "học kì 2" in wrong.json()["detail"]

    as_json = await gradebook.client.put(f"{BASE}/sheet.xlsx", headers=gradebook.teacher(), json={"entries": []})
    assert as_json.status_code == 422 and as_json.json()["field"] == "content-type"
    assert all(v is None for s in (await _sheet(gradebook)).values() for v in s["values"].values())


async def test_teacher_of_another_class_cannot_print_export_or_import(gradebook: Gradebook) -> None:
    other = gradebook.teacher(class_id=C6A2)
    exported = (await gradebook.client.get(f"{BASE}/sheet.xlsx", headers=gradebook.teacher())).content
    for url in (
        f"{BASE}/print.pdf",
        f"{BASE}/sheet.xlsx",
        f"/classes/{C6A1}/semesters/1/register.pdf",
        f"/classes/{C6A1}/semesters/1/report-cards.pdf",
    ):
        assert (await gradebook.client.get(url, headers=other)).status_code == 403, url
    assert (await _upload(gradebook, _edit(exported, {f"D{FIRST}": 7}), headers=other)).status_code == 403
    # A subject teacher reads their own sheet, not the whole class register.
    assert (
        await gradebook.client.get(f"/classes/{C6A1}/semesters/1/register.pdf", headers=gradebook.teacher())
    ).status_code == 403


async def test_personal_gradebook_pdf_lists_the_class_with_blank_cells(gradebook: Gradebook) -> None:
    await gradebook.client.put(
        f"{BASE}/scores", headers=gradebook.teacher(), json={"entries": [entry("st-3", "GK", "8,5")]}
    )
    before = datetime.now(UTC)
    r = await gradebook.client.get(f"{BASE}/print.pdf", headers=gradebook.teacher())
    after = datetime.now(UTC)
    pages = _pdf_text(r)
    assert r.headers["content-disposition"] == 'attachment; filename="so-diem-6A1-toan-hk1.pdf"'
    text = "\n".join(pages)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "TRƯỜNG THCS HẢI LÂM", "SỔ ĐIỂM CÁ NHÂN", "ĐTBmhk"):
        assert expected in text
    assert text.index("Nguyễn Thị Ánh") < text.index("Lê Thanh Bình") < text.index("Trần Văn Dũng")
    assert "2 Lê Thanh Bình 8.5" in text  # TX1..TX4 blank, GK 8.5
    assert any(label in text for label in {print_date_label(before), print_date_label(after)})
    assert "Trang 1/1" in text


async def test_class_register_and_report_cards(gradebook: Gradebook) -> None:
    cells = [entry("st-2", c, v) for c, v in (("TX1", 8), ("TX2", 9), ("TX3", 8), ("TX4", 9), ("GK", 8), ("CK", 9))]
    r = await gradebook.client.put(f"{BASE}/scores", headers=gradebook.teacher(), json={"entries": cells})
    assert r.status_code == 200, r.text
    gdtc = [entry("st-2", c, "Đ") for c in ("TX1", "TX2", "TX3", "GK", "CK")]
    r = await gradebook.client.put(
        f"/classes/{C6A1}/subjects/gdtc/semesters/1/scores",
        headers=gradebook.teacher(subject="gdtc"),
        json={"entries": gdtc},
    )
    assert r.status_code == 200, r.text

    before = datetime.now(UTC)
    register = await gradebook.client.get(f"/classes/{C6A1}/semesters/1/register.pdf", headers=gradebook.homeroom())
    after = datetime.now(UTC)
    pages = _pdf_text(register)
    text = "\n".join(pages)
    assert "SỔ GHI ĐIỂM CỦA LỚP" in text
    assert "Môn Toán" in text and "Môn Giáo dục thể chất" in text
    assert "Tổng hợp kết quả học kì I" in text
    assert all(name in text for name in ("Nguyễn Thị Ánh", "Lê Thanh Bình", "Trần Văn Dũng"))
    assert "8.6" in text  # Ánh's ĐTBmhk in Toán: (8+9+8+9 + 2·8 + 3·9) / 9 = 77 / 9 = 8.56
    assert any(label in pages[0] for label in {print_date_label(before), print_date_label(after)})

    cards = await gradebook.client.get(f"/classes/{C6A1}/semesters/1/report-cards.pdf", headers=gradebook.principal())
    pages = _pdf_text(cards)
    assert len(pages) == 3  # one page per student
    assert "PHIẾU BÁO ĐIỂM" in pages[0] and "Nguyễn Thị Ánh" in pages[0]
    assert "Toán 8.6" in pages[0] and "Giáo dục thể chất Đ" in pages[0]
    assert "Chưa đủ điểm các môn để xếp loại" in pages[1]  # Bình has no scores yet


async def test_correction_record_is_printed_once_decided(gradebook: Gradebook) -> None:
    teacher = gradebook.bearer(
        Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, f"{C6A1}:toan", username="anvn.gv", sub="staff-1"
    )
    principal = gradebook.principal()
    r = await gradebook.client.put(f"{BASE}/scores", headers=teacher, json={"entries": [entry("st-1", "CK", "5")]})
    assert r.status_code == 200
    lock = await gradebook.client.post(
        "/locks", headers=principal, json={"scope": "class_subject", "class_id": C6A1, "subject_code": "toan"}
    )
    assert lock.status_code == 201, lock.text
    filed = await gradebook.client.post(
        "/corrections",
        headers=teacher,
        json={
            "class_id": C6A1,
            "subject_code": "toan",
            "semester": 1,
            "student_id": "st-1",
            "column": "CK",
            "value": "7,5",
            "reason": "Cộng sai điểm bài kiểm tra cuối kì",
            "evidence": "bai-kiem-tra-ck-st1.pdf",
            "witnesses": ["Phạm Thị Hoa", "Đỗ Văn Khánh"],
        },
    )
    assert filed.status_code == 201, filed.text
    cid = filed.json()["id"]
    record = f"/corrections/{cid}/record.pdf"
    pending = await gradebook.client.get(record, headers=principal)
    assert pending.status_code == 409
    assert "chưa được phê duyệt" in pending.json()["detail"]
    approved = await gradebook.client.post(
        f"/corrections/{cid}/approve", headers=principal, json={"note": "Đã đối chiếu bài làm"}
    )
    assert approved.status_code == 200, approved.text

    text = "\n".join(_pdf_text(await gradebook.client.get(record, headers=principal)))
    for expected in (
        "BIÊN BẢN SỬA CHỮA DỮ LIỆU",
        "Trường THCS Hải Lâm",
        "6A1",
        "Toán",
        "Học kì I",
        "Trần Văn Dũng",
        "CK",
        "5.0",
        "7.5",
        "Cộng sai điểm bài kiểm tra cuối kì",
        "bai-kiem-tra-ck-st1.pdf",
        "anvn.gv",
        "hieutruong",
        "Đã đối chiếu bài làm",
        "Phạm Thị Hoa",
        "Đỗ Văn Khánh",
    ):
        assert expected in text, expected
    # The requester may print it too; another teacher of the school may not.
    assert (await gradebook.client.get(record, headers=teacher)).status_code == 200
    assert (await gradebook.client.get(record, headers=gradebook.teacher(class_id=C6A2))).status_code == 403
    assert (await gradebook.client.get("/corrections/nope/record.pdf", headers=principal)).status_code == 404
