"""Gradebook locks (khóa sổ): which cells a lock covers and when, and the error a locked cell gives (DOMAIN §4).

A lock has a window: it takes effect at `starts_at` (None: when it was set) and ends at `ends_at` (None: when it
is lifted). Locks are evaluated at the time of each write, so a scheduled lock needs no job to take effect.
A lock is set by the school's leaders (`kind="school"`) or is one school's share of an inspection window opened by
an upper level (`kind="inspection"`, DOMAIN §2), which only an inspector may lift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

from edu_shared.errors import Conflict, InvalidInput

LockScope = Literal["column", "class_subject", "class", "school"]
LockKind = Literal["school", "inspection"]
LockState = Literal["scheduled", "in_force", "ended"]

# Schools enter times on the wall clock of Vietnam (UTC+7, no daylight saving); a time without offset means that.
VIETNAM = timezone(timedelta(hours=7), "ICT")


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
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    kind: LockKind = "school"
    # An inspection lock: its window, the org unit it covers and why it was opened (the inspection decision).
    window_id: str | None = None
    org_unit_id: str | None = None
    reason: str | None = None
    # Set when this lock re-locked cells that were opened for one fix (relock after save).
    relock_of: str | None = None

    @property
    def effective_from(self) -> datetime:
        """When the lock takes effect: its scheduled start, or when it was set."""
        return self.starts_at if self.starts_at is not None else self.locked_at

    def state(self, at: datetime) -> LockState:
        """Scheduled before its start, in force inside its window, ended after `ends_at`."""
        if at < self.effective_from:
            return "scheduled"
        if self.ends_at is not None and at >= self.ends_at:
            return "ended"
        return "in_force"

    def reaches(self, cell: Cell) -> bool:
        """Whether the cell is inside the lock's scope, whatever the time."""
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

    def covers(self, cell: Cell, at: datetime | None = None) -> bool:
        """The lock covers a cell of its scope while in force at `at` (None: now); a semester narrows wider scopes."""
        return self.state(at if at is not None else datetime.now(UTC)) == "in_force" and self.reaches(cell)


@dataclass(frozen=True)
class Upcoming:
    """A scheduled lock and the columns of one sheet it will lock when it starts."""

    lock: Lock
    columns: list[str]


def upcoming(locks: list[Lock], cells: list[Cell], *, at: datetime) -> list[Upcoming]:
    """Locks not yet in force at `at` that will lock some of `cells`, soonest first."""
    found = [
        Upcoming(lk, [c.column for c in cells if lk.reaches(c)])
        for lk in locks
        if lk.state(at) == "scheduled" and any(lk.reaches(c) for c in cells)
    ]
    return sorted(found, key=lambda u: (u.lock.effective_from, u.lock.id))


def as_utc(at: datetime) -> datetime:
    """A time in UTC; a time without offset is read as Vietnam time."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=VIETNAM)).astimezone(UTC)


def check_window(
    *, starts_at: datetime | None, ends_at: datetime | None, now: datetime, ends_required: bool = False
) -> tuple[datetime | None, datetime | None]:
    """A lock window in UTC: it must end in the future and after it starts (an inspection window must end)."""
    start = as_utc(starts_at) if starts_at is not None else None
    end = as_utc(ends_at) if ends_at is not None else None
    if end is None and ends_required:
        raise InvalidInput("Đợt kiểm tra cần có thời điểm kết thúc (ends_at).", field="ends_at", value=None)
    if end is not None and end <= now:
        raise InvalidInput(
            f"Thời điểm kết thúc {_local(end)} đã qua; khóa sẽ không có hiệu lực.",
            field="ends_at",
            value=end.isoformat(),
        )
    if start is not None and end is not None and end <= start:
        raise InvalidInput(
            f"Thời điểm kết thúc {_local(end)} phải sau thời điểm bắt đầu {_local(start)}.",
            field="ends_at",
            value=end.isoformat(),
            starts_at=start.isoformat(),
        )
    return start, end


def relock(lifted: Lock, *, lock_id: str, by: str, at: datetime) -> Lock:
    """The lock that closes again what `lifted` covered, from `at`, once the one fix it was opened for is saved."""
    return Lock(
        id=lock_id,
        school_id=lifted.school_id,
        scope=lifted.scope,
        class_id=lifted.class_id,
        subject_code=lifted.subject_code,
        semester=lifted.semester,
        column=lifted.column,
        locked_by=by,
        locked_at=at,
        ends_at=lifted.ends_at,
        relock_of=lifted.id,
    )


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


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%H:%M %d/%m/%Y") + " UTC"


def _local(at: datetime) -> str:
    return at.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y") + " (giờ Việt Nam)"


def locked_error(
    lock: Lock, cell: Cell, *, student_id: str, student_name: str, cells: list[dict[str, str]]
) -> ScoreLocked:
    """The error for a change to a locked cell: which column, since when, until when, by whom and why."""
    where = f"Cột {cell.column} (học sinh {student_name}, học kì {cell.semester})"
    window = {
        "starts_at": lock.effective_from.isoformat(),
        "ends_at": lock.ends_at.isoformat() if lock.ends_at is not None else None,
    }
    if lock.kind == "inspection":
        until = _local(lock.ends_at) if lock.ends_at is not None else "khi được mở"
        detail = (
            f"{where} không thể thay đổi: trường đang trong đợt kiểm tra"
            f"{' «' + lock.reason + '»' if lock.reason else ''} do {lock.locked_by} mở, "
            f"từ {_local(lock.effective_from)} đến {until}; trong thời gian này sổ điểm chỉ được xem. "
            "Chỉ cấp mở đợt kiểm tra mới có thể kết thúc sớm."
        )
    else:
        until = f" đến {_local(lock.ends_at)}" if lock.ends_at is not None else ""
        detail = (
            f"{where} đã bị khóa từ {_utc(lock.effective_from)}{until} bởi {lock.locked_by}; không thể thay đổi. "
            "Sau khi khóa, hãy gửi yêu cầu sửa điểm để Hiệu trưởng phê duyệt."
        )
    return ScoreLocked(
        detail,
        column=cell.column,
        student_id=student_id,
        lock_id=lock.id,
        lock_scope=lock.scope,
        lock_kind=lock.kind,
        locked_at=lock.locked_at.isoformat(),
        locked_by=lock.locked_by,
        window_id=lock.window_id,
        reason=lock.reason,
        cells=cells,
        **window,
    )
