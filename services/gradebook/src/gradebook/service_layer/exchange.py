"""Use cases of Excel exchange: export a score sheet to .xlsx, import it back as one all-or-nothing batch.

An import is a batch of `record_scores`: the same checks, locks, history and event, written once or not at all.
Empty cells mean "no change" (never "clear"): a teacher sending back a half-filled file loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.gradebook import ScoreChange
from edu_shared.directory import DirectoryResolver
from gradebook.adapters import xlsx_sheets
from gradebook.adapters.xlsx_sheets import ImportedCell, InvalidWorkbook, SheetRowData, SheetWorkbook
from gradebook.domain.sheet import Entry, InvalidEntries, format_value
from gradebook.service_layer import handlers
from gradebook.service_layer.handlers import Caller, RecordScores
from gradebook.service_layer.printing import Printed, ascii_filename, school_name
from gradebook.service_layer.uow import GradebookUnitOfWork


async def export_sheet(
    uow: GradebookUnitOfWork,
    *,
    caller: Caller,
    directory: DirectoryResolver,
    class_id: str,
    subject_code: str,
    semester: int,
) -> Printed:
    """The sheet as .xlsx in the teachers' layout, with the student ids an import matches rows by."""
    sheet = await handlers.score_sheet(
        uow, caller=caller, class_id=class_id, subject_code=subject_code, semester=semester
    )
    content = xlsx_sheets.write_sheet(
        SheetWorkbook(
            school_name=await school_name(directory, sheet.school_id),
            class_id=sheet.class_id,
            class_name=sheet.class_name,
            school_year=sheet.school_year,
            subject_code=sheet.subject.code,
            subject_name=sheet.subject.name,
            assessment=sheet.subject.assessment,
            semester=sheet.semester,
            columns=sheet.columns,
            rows=[
                SheetRowData(
                    student_id=r.student_id,
                    full_name=r.full_name,
                    values=r.values,
                    result=format_value(r.result.average if r.result.average is not None else r.result.rating),
                )
                for r in sheet.rows
            ],
            locked=frozenset(sheet.locked_columns),
        )
    )
    filename = ascii_filename("so-diem", sheet.class_name, subject_code, f"hk{semester}", extension="xlsx")
    return Printed(filename, content, media_type=xlsx_sheets.XLSX_MEDIA_TYPE)


@dataclass(frozen=True)
class SheetImported:
    rows: int  # student rows read from the file
    changes: list[ScoreChange]


async def import_sheet(
    content: bytes,
    uow_factory: Callable[[], GradebookUnitOfWork],
    *,
    caller: Caller,
    class_id: str,
    subject_code: str,
    semester: int,
) -> SheetImported:
    """Read every row of an uploaded sheet, then record all its cells in one batch; any problem writes nothing.

    Problems name the Excel row and cell (e.g. "E7"), the sheet column, the student and the value.
    """
    await authorize(
        caller.user,
        Permission.SCORES_ENTER,
        (ScopeType.CLASS_SUBJECT, f"{class_id}:{subject_code}"),
        resolver=caller.resolver,
    )
    sheet = await handlers.score_sheet(
        uow_factory(), caller=caller, class_id=class_id, subject_code=subject_code, semester=semester
    )
    imported = xlsx_sheets.read_sheet(content, columns=sheet.columns)
    target = (class_id, subject_code, semester)
    if imported.exported_for is not None and imported.exported_for != target:
        their_class, their_subject, their_semester = imported.exported_for
        raise InvalidWorkbook(
            f"Tệp này là sổ điểm của lớp {their_class}, môn {their_subject}, học kì {their_semester}; "
            f"không nhập vào lớp {sheet.class_name}, môn {sheet.subject.name}, học kì {semester}.",
            field="file",
            value=f"{their_class}/{their_subject}/{their_semester}",
        )
    roster = {r.student_id: r.full_name for r in sheet.rows}
    problems: list[dict[str, Any]] = []
    first_row: dict[str, int] = {}
    entries: list[Entry] = []
    cells: dict[tuple[str, str], ImportedCell] = {}
    for row in imported.rows:
        if row.student_id is None:
            problems.append(
                _problem(
                    row.row, row.id_ref, "student_id", None, f"Dòng {row.row}: thiếu mã học sinh (ô {row.id_ref})."
                )
            )
        elif row.student_id not in roster:
            problems.append(
                _problem(
                    row.row,
                    row.id_ref,
                    "student_id",
                    row.student_id,
                    f"Dòng {row.row}: mã học sinh {row.student_id} ({row.full_name or 'không rõ tên'}) "
                    f"không thuộc danh sách lớp {sheet.class_name}.",
                )
            )
        elif row.student_id in first_row:
            problems.append(
                _problem(
                    row.row,
                    row.id_ref,
                    "student_id",
                    row.student_id,
                    f"Dòng {row.row}: học sinh {roster[row.student_id]} ({row.student_id}) đã có ở dòng "
                    f"{first_row[row.student_id]}.",
                )
            )
        else:
            first_row[row.student_id] = row.row
            for cell in row.cells:
                entries.append(Entry(student_id=row.student_id, column=cell.column, value=cell.value))
                cells[(row.student_id, cell.column)] = cell
    if problems:
        raise InvalidWorkbook(_summary(problems), errors=problems)
    try:
        changes = await handlers.record_scores(
            RecordScores(class_id=class_id, subject_code=subject_code, semester=semester, entries=entries),
            uow_factory(),
            caller=caller,
        )
    except InvalidEntries as exc:
        raise locate_problems(exc, cells) from None
    return SheetImported(rows=len(imported.rows), changes=changes)


def _problem(row: int, ref: str, field: str, value: str | None, message: str) -> dict[str, Any]:
    return {
        "row": row,
        "cell": ref,
        "column_letter": ref.rstrip("0123456789"),
        "field": field,
        "value": value,
        "message": message,
    }


def _summary(problems: list[dict[str, Any]]) -> str:
    more = f" (và {len(problems) - 1} lỗi khác)" if len(problems) > 1 else ""
    return f"Không nhập điểm nào: {problems[0]['message']}{more}"


def locate_problems(exc: InvalidEntries, cells: Mapping[tuple[str, str], ImportedCell]) -> InvalidEntries:
    """The domain's problems (student, column) placed back on the Excel cells they came from."""
    located: list[dict[str, Any]] = []
    for error in exc.extensions.get("errors", []):
        cell = cells.get((error["student_id"], error["column"]))
        where = f"Ô {cell.ref} (dòng {cell.row}, cột {cell.column}): " if cell is not None else ""
        located.append(
            {
                **error,
                "row": cell.row if cell else None,
                "cell": cell.ref if cell else None,
                "column_letter": cell.letter if cell else None,
                "message": where + error["message"],
            }
        )
    return InvalidEntries(_summary(located), errors=located)
