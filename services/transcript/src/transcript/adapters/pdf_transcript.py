"""The transcript as PDF, laid out like MOET's học bạ: a profile page, then one page per school year.

Every page carries the QR code and short code of the verification page; each required signer gets an empty
signature field (subject teachers over their subject's line, the homeroom teacher, the principal, the school seal).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from edu_shared.pdf.document import MOTTO, NATION, dated_line, print_date_label
from transcript.adapters.pdf_writer import Cell, PdfDocument, TableColumn
from transcript.domain.labels import (
    COMPETENCES,
    EDUCATION_RESULTS,
    FORMS,
    LEVEL_TITLES,
    QUALITIES,
    RELATIONS,
    SEX,
    learning_heading,
    outcome_label,
)
from transcript.domain.transcript import SignatureSlot, Transcript, YearPage, mark_text

PDF_MEDIA_TYPE = "application/pdf"
_DOTS = "…" * 12
_STATUS: dict[str, str] = {"draft": "Bản nháp (chưa ký)"}


def verify_url(base_url: str, code: str) -> str:
    """Where the QR code leads: the portal's public verification page (it reads `/api/transcript/verify/<code>`)."""
    return f"{base_url.rstrip('/')}/#/xac-thuc/{code}"


def _national_header(doc: PdfDocument, school_name: str) -> None:
    left_w, right_w = doc.width * 0.42, doc.width * 0.58
    top = doc.y
    for i, line in enumerate(doc.wrap(school_name.upper(), left_w, size=9, bold=True)):
        doc.text_in(doc.margin, top + i * 4.5, left_w, line, size=9, bold=True, align="C")
    right = doc.margin + left_w
    doc.text_in(right, top, right_w, NATION, size=9, bold=True, align="C")
    doc.text_in(right, top + 4.5, right_w, MOTTO, size=10, bold=True, align="C")
    motto_w = doc.text_width(MOTTO, 10, bold=True)
    centre = right + right_w / 2
    doc.line(centre - motto_w / 2, top + 9.7, centre + motto_w / 2, top + 9.7)
    doc.y = top + 16


def _pairs(doc: PdfDocument, pairs: Sequence[tuple[str, str | None]]) -> None:
    """Label-value pairs, two to a line ("Họ và tên: …   Giới tính: …")."""
    half = doc.width / 2
    for i in range(0, len(pairs), 2):
        doc.ensure(6)
        for j, (label, value) in enumerate(pairs[i : i + 2]):
            x = doc.margin + j * half
            doc.text(x, doc.y, f"{label}:", size=10)
            doc.text(x + doc.text_width(f"{label}: ", 10), doc.y, value or _DOTS, size=10, bold=bool(value))
        doc.y += 6.5


def _profile_page(doc: PdfDocument, t: Transcript) -> None:
    doc.new_page()
    _national_header(doc, t.school_name)
    doc.y += 8
    doc.text_in(doc.margin, doc.y, doc.width, "HỌC BẠ", size=24, bold=True, align="C")
    doc.y += 12
    doc.text_in(doc.margin, doc.y, doc.width, LEVEL_TITLES[t.level].upper(), size=14, bold=True, align="C")
    doc.y += 14
    p = t.profile
    _pairs(
        doc,
        [
            ("Họ và tên", p.full_name),
            ("Giới tính", SEX.get(p.sex, p.sex)),
            ("Ngày sinh", f"{p.date_of_birth:%d/%m/%Y}"),
            ("Dân tộc", p.ethnicity),
            ("Nơi sinh", p.place_of_birth),
            ("Mã học sinh", p.moet_student_id),
            ("Số định danh cá nhân", p.national_id),
        ],
    )
    guardians: list[tuple[str, str | None]] = []
    for g in t.guardians:
        guardians += [(f"Họ và tên {RELATIONS.get(g.relation, g.relation).lower()}", g.full_name)]
        guardians += [("Nghề nghiệp", g.occupation)]
    if not any(g.relation == "cha" for g in t.guardians):
        guardians = [("Họ và tên cha", None), ("Nghề nghiệp", None), *guardians]
    if not any(g.relation == "me" for g in t.guardians):
        guardians += [("Họ và tên mẹ", None), ("Nghề nghiệp", None)]
    _pairs(doc, guardians)
    doc.y += 4
    doc.text_in(doc.margin, doc.y, doc.width, "QUÁ TRÌNH HỌC TẬP", size=11, bold=True, align="C")
    doc.y += 7
    doc.table(
        [
            TableColumn("Năm học", 30),
            TableColumn("Lớp", 20),
            TableColumn("Tên trường", 90, "L"),
            TableColumn("Thực hiện theo", 40),
        ],
        [
            [Cell(y.school_year), Cell(y.class_name), Cell(y.school_name), Cell(y.form.upper().replace("TT", "TT "))]
            for y in t.pages
        ]
        or [[Cell(), Cell(), Cell(), Cell()]],
        size=9,
    )


def _subjects_tt22(doc: PdfDocument, page: YearPage, fields: dict[str, str]) -> None:
    columns = [
        TableColumn("Môn học / Hoạt động giáo dục", 38, "L"),
        TableColumn("Học kì I", 14),
        TableColumn("Học kì II", 14),
        TableColumn("Cả năm", 14),
        TableColumn("Kiểm tra lại", 15),
        TableColumn("Nhận xét", 45, "L"),
        TableColumn("Giáo viên (họ tên, chữ kí)", 40),
    ]
    doc.table(
        columns,
        [
            [
                Cell(s.name),
                Cell(mark_text(s.hk1)),
                Cell(mark_text(s.hk2)),
                Cell(mark_text(s.year), bold=True),
                Cell(mark_text(s.retest)),
                Cell(s.comment or ""),
                Cell(s.teacher_name or "", field=fields.get(s.code)),
            ]
            for s in page.subjects
        ],
    )


def _subjects_tt27(doc: PdfDocument, page: YearPage, fields: dict[str, str]) -> None:
    columns = [
        TableColumn("Môn học và hoạt động giáo dục", 38, "L"),
        TableColumn("Mức đạt được CHK I", 15),
        TableColumn("Điểm KTĐK CHK I", 15),
        TableColumn("Mức đạt được CN", 15),
        TableColumn("Điểm KTĐK CN", 15),
        TableColumn("Nhận xét", 44, "L"),
        TableColumn("Giáo viên (họ tên, chữ kí)", 38),
    ]
    doc.table(
        columns,
        [
            [
                Cell(s.name),
                Cell(mark_text(s.hk1)),
                Cell(str(s.tests.get("hk1", ""))),
                Cell(mark_text(s.year), bold=True),
                Cell(str(s.tests.get("year", ""))),
                Cell(s.comment or ""),
                Cell(s.teacher_name or "", field=fields.get(s.code)),
            ]
            for s in page.subjects
        ],
    )
    rows: list[list[Cell]] = [[Cell("Phẩm chất chủ yếu", bold=True), Cell(), Cell()]]
    rows += [
        [Cell(QUALITIES.get(code, code), align="L"), Cell(levels.get("hk1", "")), Cell(levels.get("year", ""))]
        for code, levels in page.qualities.items()
    ]
    rows.append([Cell("Năng lực cốt lõi", bold=True), Cell(), Cell()])
    rows += [
        [Cell(COMPETENCES.get(code, code), align="L"), Cell(levels.get("hk1", "")), Cell(levels.get("year", ""))]
        for code, levels in page.competences.items()
    ]
    doc.table(
        [
            TableColumn("Phẩm chất và năng lực", 80, "L"),
            TableColumn("Mức đạt được CHK I", 30),
            TableColumn("Mức đạt được CN", 30),
        ],
        rows,
    )


def _summary_tt22(doc: PdfDocument, page: YearPage) -> None:
    learning, training = learning_heading(page)
    doc.table(
        [
            TableColumn("", 50, "L"),
            TableColumn("Học kì I", 30),
            TableColumn("Học kì II", 30),
            TableColumn("Cả năm", 30),
        ],
        [
            [Cell(learning, bold=True), *(Cell(page.learning.get(k, "")) for k in ("hk1", "hk2", "year"))],
            [Cell(training, bold=True), *(Cell(page.training.get(k, "")) for k in ("hk1", "hk2", "year"))],
        ],
        size=9,
    )


def _summary_tt27(doc: PdfDocument, page: YearPage) -> None:
    results = [
        f"{label}: {EDUCATION_RESULTS.get(page.education_result[k], page.education_result[k])}"
        for k, label in (("hk1", "Cuối học kì I"), ("year", "Cuối năm học"))
        if k in page.education_result
    ]
    doc.paragraph(f"Kết quả giáo dục — {'; '.join(results) if results else _DOTS}", size=10)


def _signature_block(
    doc: PdfDocument, x: float, w: float, top: float, title: str, hint: str, slot: SignatureSlot | None
) -> None:
    doc.text_in(x, top, w, title, size=10, bold=True, align="C")
    doc.text_in(x, top + 5, w, hint, size=8, align="C")
    if slot is not None:
        doc.signature_field(slot.field_name, x + 4, top + 9, w - 8, 18)
        if slot.name and slot.role != "school_seal":
            doc.text_in(x, top + 29, w, slot.name, size=10, bold=True, align="C")


def _year_page(doc: PdfDocument, t: Transcript, page: YearPage, printed_at: datetime) -> None:
    doc.new_page()
    doc.text(doc.margin, doc.y, page.school_name.upper(), size=9, bold=True)
    doc.y += 8
    title = "KẾT QUẢ GIÁO DỤC" if page.form == "tt27" else "KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN"
    doc.text_in(doc.margin, doc.y, doc.width, title, size=13, bold=True, align="C")
    doc.y += 6.5
    doc.text_in(doc.margin, doc.y, doc.width, f"Năm học {page.school_year}", size=10, align="C")
    doc.y += 7
    _pairs(doc, [("Họ và tên", t.profile.full_name), ("Lớp", page.class_name)])
    doc.text(doc.margin, doc.y, f"Đánh giá theo {FORMS[page.form]}", size=8)
    doc.y += 5
    by_subject = {s.subject_code: s.field_name for s in page.signers if s.role == "subject_teacher" and s.subject_code}
    if page.form == "tt27":
        _subjects_tt27(doc, page, by_subject)
        _summary_tt27(doc, page)
    else:
        _subjects_tt22(doc, page, by_subject)
        _summary_tt22(doc, page)
    facts: list[str] = [f"Tổng số buổi nghỉ học cả năm: {page.absent_sessions}"]
    facts.append(f"Kết quả cả năm: {outcome_label(page) or _DOTS}")
    facts.append(f"Khen thưởng: {page.award or 'Không'}")
    facts += [f"Ghi chú: {text}" for _, text in sorted(page.explanations.items())]
    for line in facts:
        doc.paragraph(line, size=10)
    doc.y += 2
    doc.paragraph("Nhận xét của giáo viên chủ nhiệm:", size=10, bold=True)
    doc.paragraph(page.homeroom_comment or _DOTS * 3, size=10)
    doc.y += 2
    signers = {s.role: s for s in page.signers}
    doc.ensure(48)
    w = doc.width / 3
    doc.text_in(doc.margin + w, doc.y, 2 * w, dated_line(printed_at, None), size=10, align="C")
    doc.y += 6
    top = doc.y
    _signature_block(
        doc, doc.margin, w, top, "GIÁO VIÊN CHỦ NHIỆM", "(Ký, ghi rõ họ tên)", signers.get("homeroom_teacher")
    )
    _signature_block(
        doc, doc.margin + w, w, top, "XÁC NHẬN CỦA HIỆU TRƯỞNG", "(Ký, ghi rõ họ tên)", signers.get("principal")
    )
    _signature_block(
        doc, doc.margin + 2 * w, w, top, "DẤU CỦA TRƯỜNG", "(Chữ ký số của trường)", signers.get("school_seal")
    )
    doc.y = top + 36


def _footers(doc: PdfDocument, t: Transcript, url: str, printed_at: datetime, status_label: str | None) -> None:
    total = len(doc.pages)
    bottom = 297 - 19.0
    for index in range(total):
        doc.select(index)
        doc.line(doc.margin, bottom - 1.5, doc.margin + doc.width, bottom - 1.5, width=0.3)
        doc.qr(doc.margin, bottom, 16, url)
        x = doc.margin + 19
        doc.text(x, bottom + 0.5, f"Mã tra cứu: {t.verification_code}", size=8, bold=True)
        doc.text(x, bottom + 4.5, f"Tra cứu: {url}", size=7)
        doc.text(
            x,
            bottom + 8.5,
            f"{status_label or _STATUS.get(t.status, t.status)} · {print_date_label(printed_at)}",
            size=7,
        )
        doc.text_in(doc.margin, bottom + 0.5, doc.width, f"Trang {index + 1}/{total}", size=8, align="R")
    doc.select(-1)


def render_pdf(t: Transcript, *, base_url: str, printed_at: datetime, status_label: str | None = None) -> bytes:
    """The transcript's PDF (PDF/A-2b metadata, fonts embedded, empty signature fields named as in the model);
    `status_label` replaces the draft mark in the footer of a version handed to signing."""
    doc = PdfDocument(
        title=f"Học bạ — {t.profile.full_name}", author=t.school_name or "EduRecords", created_at=printed_at
    )
    doc.bottom = 24
    _profile_page(doc, t)
    for page in t.pages:
        _year_page(doc, t, page, printed_at)
    _footers(doc, t, verify_url(base_url, t.verification_code), printed_at, status_label)
    return doc.output()
