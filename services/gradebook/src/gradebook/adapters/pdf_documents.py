"""The gradebook's printed documents (DOMAIN §4 Printing): personal gradebook page, class register, report cards
and the correction record, laid out with the shared PDF toolkit. Pure rendering: data in, PDF bytes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from edu_shared.pdf import Column, SchoolDocument, Signatory, vietnam_zone
from gradebook.domain.corrections import Correction
from gradebook.domain.results import SubjectYear
from gradebook.domain.rules import tt27
from gradebook.domain.rules.tt22 import LearningResult
from gradebook.domain.sheet import SemesterResult, format_value
from gradebook.service_layer.handlers import ClassResults, Sheet

_STATUS = {"pending": "Chờ phê duyệt", "approved": "Đã phê duyệt", "rejected": "Từ chối"}


def semester_name(semester: int) -> str:
    return "Học kì I" if semester == 1 else "Học kì II"


def _result_text(result: SemesterResult) -> str | None:
    if result.level is not None:  # a primary (TT27) sheet: the end-of-semester level and its test score
        return result.level.value if result.test is None else f"{result.level.value} ({result.test})"
    return format_value(result.average if result.average is not None else result.rating)


def _primary(sheet: Sheet) -> bool:
    return sheet.layout is not None and sheet.layout.rule_set == tt27.RULE_SET


def _sheet_columns(sheet: Sheet) -> list[Column]:
    return [
        Column("STT", 1.2),
        Column("Họ và tên", 7, "LEFT"),
        *(Column(c, 1.6) for c in sheet.columns),
        Column("Đánh giá" if _primary(sheet) or sheet.subject.assessment != "scored" else "ĐTBmhk", 2.2),
    ]


def _sheet_rows(sheet: Sheet) -> list[list[str | None]]:
    return [
        [str(n), row.full_name, *(format_value(row.values.get(c)) for c in sheet.columns), _result_text(row.result)]
        for n, row in enumerate(sheet.rows, start=1)
    ]


def _sheet_subtitle(sheet: Sheet) -> list[str]:
    locked = [c for c in sheet.columns if c in sheet.locked_columns]
    lines = [
        f"Môn: {sheet.subject.name} — Lớp: {sheet.class_name}",
        f"{semester_name(sheet.semester)} — Năm học {sheet.school_year}",
    ]
    if locked:
        lines.append(f"Cột đã khóa: {', '.join(locked)}")
    return lines


def personal_gradebook(sheet: Sheet, *, school_name: str, printed_at: datetime) -> bytes:
    """Sổ điểm cá nhân of one sheet: the class list with every column, blank cells left blank for writing in."""
    doc = SchoolDocument(school_name=school_name, printed_at=printed_at, title="Sổ điểm cá nhân", landscape=True)
    doc.new_page()
    doc.national_header()
    doc.title("Sổ điểm cá nhân", *_sheet_subtitle(sheet))
    doc.table(_sheet_columns(sheet), _sheet_rows(sheet), row_height=7)
    doc.signatures([Signatory("Giáo viên bộ môn")])
    return doc.output()


def _learning_text(result: LearningResult | None) -> str | None:
    return result.level.label if result is not None else None


def class_register(
    sheets: Sequence[Sheet], results: ClassResults, *, semester: int, school_name: str, printed_at: datetime
) -> bytes:
    """Sổ ghi điểm của lớp for a semester: one section per subject, then the class summary with learning results."""
    doc = SchoolDocument(school_name=school_name, printed_at=printed_at, title="Sổ ghi điểm của lớp", landscape=True)
    doc.new_page()
    doc.national_header()
    doc.title(
        "Sổ ghi điểm của lớp",
        f"Lớp: {results.class_name} — {semester_name(semester)} — Năm học {results.school_year}",
    )
    for i, sheet in enumerate(sheets):
        if i:
            doc.new_page()
        doc.heading(f"Môn {sheet.subject.name}")
        locked = [c for c in sheet.columns if c in sheet.locked_columns]
        if locked:
            doc.paragraph(f"Cột đã khóa: {', '.join(locked)}")
        doc.table(_sheet_columns(sheet), _sheet_rows(sheet))
    doc.new_page()
    doc.heading(f"Tổng hợp kết quả học kì {'I' if semester == 1 else 'II'}")
    key = "semester1" if semester == 1 else "semester2"
    summary_columns = [
        Column("STT", 1.2),
        Column("Họ và tên", 7, "LEFT"),
        *(Column(s.name, 2.2) for s in results.subjects),
        Column("Kết quả học tập", 3),
    ]
    summary_rows = [
        [
            str(n),
            student.full_name,
            *(_result_text(_of_semester(s, semester)) for s in student.subjects),
            _learning_text(student.learning.get(key)),
        ]
        for n, student in enumerate(results.students, start=1)
    ]
    doc.table(summary_columns, summary_rows, font_size=8)
    doc.signatures([Signatory("Giáo viên chủ nhiệm"), Signatory("Hiệu trưởng")])
    return doc.output()


def _of_semester(subject: SubjectYear, semester: int) -> SemesterResult:
    return subject.semester1 if semester == 1 else subject.semester2


def report_cards(results: ClassResults, *, semester: int, school_name: str, printed_at: datetime) -> bytes:
    """Phiếu báo điểm: one page per student with each subject's result and, when complete, the learning result."""
    doc = SchoolDocument(school_name=school_name, printed_at=printed_at, title="Phiếu báo điểm")
    names = {s.code: s.name for s in results.subjects}
    key = "semester1" if semester == 1 else "semester2"
    for student in results.students:
        doc.new_page()
        doc.national_header()
        doc.title("Phiếu báo điểm", f"{semester_name(semester)} — Năm học {results.school_year}")
        doc.fields([("Học sinh", student.full_name), ("Lớp", results.class_name)], label_width=30)
        rows = []
        for n, subject in enumerate(student.subjects, start=1):
            result = _of_semester(subject, semester)
            rows.append(
                [
                    str(n),
                    names.get(subject.code, subject.code),
                    format_value(result.average) if subject.scored else None,
                    None if subject.scored else format_value(result.rating),
                ]
            )
        doc.table(
            [Column("STT", 1), Column("Môn học", 6, "LEFT"), Column("Điểm TB môn", 2.5), Column("Đánh giá", 2.5)],
            rows,
            font_size=10,
        )
        learning = student.learning.get(key)
        doc.fields(
            [("Kết quả học tập", _learning_text(learning) or "Chưa đủ điểm các môn để xếp loại")], label_width=45
        )
        doc.signatures([Signatory("Phụ huynh học sinh"), Signatory("Giáo viên chủ nhiệm")])
    return doc.output()


def _local(at: datetime | None) -> str | None:
    return None if at is None else f"{at.astimezone(vietnam_zone()):%H:%M ngày %d/%m/%Y}"


def correction_record(
    correction: Correction,
    *,
    school_name: str,
    class_name: str,
    subject_name: str,
    student_name: str,
    printed_at: datetime,
) -> bytes:
    """Biên bản sửa chữa dữ liệu of a decided correction: what changed, why, on what evidence, who decided."""
    doc = SchoolDocument(school_name=school_name, printed_at=printed_at, title="Biên bản sửa chữa dữ liệu")
    doc.new_page()
    doc.national_header()
    doc.title("Biên bản sửa chữa dữ liệu", "(Sửa điểm sau khóa sổ)")
    decision = "Người phê duyệt" if correction.status == "approved" else "Người từ chối"
    doc.fields(
        [
            ("Trường", school_name),
            ("Lớp", class_name),
            ("Môn học", subject_name),
            ("Học kì", semester_name(correction.semester)),
            ("Học sinh", student_name),
            ("Cột điểm", correction.column),
            ("Giá trị cũ", correction.old_value or "(trống)"),
            ("Giá trị mới", correction.new_value or "(trống)"),
            ("Lý do", correction.reason),
            ("Minh chứng", correction.evidence or "(không có)"),
            ("Người đề nghị", f"{correction.requested_by_name}, lúc {_local(correction.requested_at)}"),
            ("Kết quả", _STATUS[correction.status]),
            (decision, f"{correction.decided_by}, lúc {_local(correction.decided_at)}"),
            ("Ghi chú", correction.decision_note or "(không có)"),
            ("Người chứng kiến", ", ".join(correction.witnesses) or "(không có)"),
            ("Mã yêu cầu", correction.id),
        ],
        label_width=45,
    )
    signatories = [Signatory("Người đề nghị", correction.requested_by_name)]
    signatories += [Signatory("Người chứng kiến", name) for name in correction.witnesses]
    signatories.append(Signatory("Hiệu trưởng", correction.decided_by))
    # Three blocks fit a row of A4; more witnesses sign on following rows.
    for start in range(0, len(signatories), 3):
        doc.signatures(signatories[start : start + 3], dated=start == 0)
    return doc.output()
