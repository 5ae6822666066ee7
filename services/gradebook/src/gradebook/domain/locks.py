"""Gradebook locks (khóa sổ): which cells a lock covers, and the error a locked cell gives (DOMAIN §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from edu_shared.errors import Conflict, InvalidInput

LockScope = Literal["column", "class_subject", "class", "school"]


@dataclass(frozen=True)
class Cell:
    """Where a score lives."""

    school_id: str
    class_id: str
    subject_code: str
    semester: int
    column: str


@dataclass(frozen=True)
class Lock:
    id: str
    school_id: str
    scope: LockScope
    class_id: str | None
    subject_code: str | None
    semester: int | None
    column: str | None
    locked_by: str
    locked_at: datetime

    def covers(self, cell: Cell) -> bool:
        """A lock covers its scope; a semester set on a wider lock narrows it to that semester."""
        if cell.school_id != self.school_id:
            return False
        if self.semester is not None and self.semester != cell.semester:
            return False
        if self.scope == "school":
            return True
        if cell.class_id != self.class_id:
            return False
        if self.scope == "class":
            return True
        if cell.subject_code != self.subject_code:
            return False
        return self.scope == "class_subject" or cell.column == self.column


_NEEDS: dict[LockScope, tuple[str, ...]] = {
    "school": (),
    "class": ("class_id",),
    "class_subject": ("class_id", "subject_code"),
    "column": ("class_id", "subject_code", "semester", "column"),
}
_FIELD_LABELS = {"class_id": "lớp", "subject_code": "môn", "semester": "học kì", "column": "cột điểm"}


def check_lock_target(
    *, scope: LockScope, class_id: str | None, subject_code: str | None, semester: int | None, column: str | None
) -> None:
    """Each scope names what it locks: a column needs class, subject, semester and column."""
    given = {"class_id": class_id, "subject_code": subject_code, "semester": semester, "column": column}
    missing = [name for name in _NEEDS[scope] if given[name] is None]
    if missing:
        raise InvalidInput(
            f"Khóa phạm vi '{scope}' cần chỉ rõ: {', '.join(_FIELD_LABELS[m] for m in missing)}.",
            scope=scope,
            missing=missing,
        )


class ScoreLocked(Conflict):
    slug = "score-locked"
    title = "Sổ điểm đã khóa"


def locked_error(
    lock: Lock, cell: Cell, *, student_id: str, student_name: str, cells: list[dict[str, str]]
) -> ScoreLocked:
    """The error for a change to a locked cell: which column, when and by whom it was locked."""
    at = lock.locked_at.strftime("%H:%M %d/%m/%Y")
    return ScoreLocked(
        f"Cột {cell.column} (học sinh {student_name}, học kì {cell.semester}) đã bị khóa lúc {at} UTC "
        f"bởi {lock.locked_by}; không thể thay đổi. Sau khi khóa, hãy gửi yêu cầu sửa điểm để Hiệu trưởng phê duyệt.",
        column=cell.column,
        student_id=student_id,
        lock_id=lock.id,
        lock_scope=lock.scope,
        locked_at=lock.locked_at.isoformat(),
        locked_by=lock.locked_by,
        cells=cells,
    )
