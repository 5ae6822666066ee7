"""Daily attendance (điểm danh) of a class: marks per school day, session and optionally period, and the totals.

Pure: no I/O. A student who is not marked is present; a mark is an excused absence (có phép, P), an unexcused
absence (không phép, K) or late arrival (đi muộn, M), with an optional note.

Reading of the 45-session rule (DOMAIN §3.1, "absences (excused or not) ≤ 45 sessions"): a *session* counts as
absent when the student is marked absent for the whole session (a mark without a period). A mark on a single
period (tiết 1–10) is a period absence: it counts toward the per-period totals only, never toward the absent
sessions, even when every period of a session is marked (the supervisor marks the session for that). Late
arrivals are counted apart and are never absences. The year total is semester I plus semester II.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from edu_shared.errors import InvalidInput

Session = Literal["sang", "chieu"]
SESSIONS: tuple[Session, ...] = ("sang", "chieu")
SESSION_LABELS: dict[str, str] = {"sang": "buổi sáng", "chieu": "buổi chiều"}
MAX_PERIOD = 10
SUNDAY = 6


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    EXCUSED = "excused"  # vắng có phép (P)
    UNEXCUSED = "unexcused"  # vắng không phép (K)
    LATE = "late"  # đi muộn (M)

    @property
    def label(self) -> str:
        return {
            "present": "Có mặt",
            "excused": "Vắng có phép",
            "unexcused": "Vắng không phép",
            "late": "Đi muộn",
        }[self.value]


# The letters of the paper register are accepted as well as the API names.
_STATUS_ALIASES = {
    "present": AttendanceStatus.PRESENT,
    "excused": AttendanceStatus.EXCUSED,
    "unexcused": AttendanceStatus.UNEXCUSED,
    "late": AttendanceStatus.LATE,
    "p": AttendanceStatus.EXCUSED,
    "k": AttendanceStatus.UNEXCUSED,
    "m": AttendanceStatus.LATE,
    "có phép": AttendanceStatus.EXCUSED,
    "không phép": AttendanceStatus.UNEXCUSED,
    "đi muộn": AttendanceStatus.LATE,
    "có mặt": AttendanceStatus.PRESENT,
}

_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def school_year_bounds(school_year: str) -> tuple[date, date]:
    """First and last day a record of "2025-2026" may carry: 1 August to 31 July.

    Wider than the teaching weeks on purpose: until the school calendar lands, any day of the year's
    administrative span is accepted (opening days in August, summer training in June and July).
    """
    found = _SCHOOL_YEAR.match(school_year)
    if found is None or int(found.group(2)) != int(found.group(1)) + 1:
        raise InvalidInput(
            f"Năm học '{school_year}' không hợp lệ (dạng 2025-2026).", field="school_year", value=school_year
        )
    start = int(found.group(1))
    return date(start, 8, 1), date(start + 1, 7, 31)


def check_record_date(on: date, *, school_year: str, today: date, field_name: str = "date") -> None:
    """A record's date lies within the school year and is not in the future."""
    first, last = school_year_bounds(school_year)
    if not first <= on <= last:
        raise InvalidInput(
            f"Ngày {on:%d/%m/%Y} không thuộc năm học {school_year} (từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}).",
            field=field_name,
            value=on.isoformat(),
        )
    if on > today:
        raise InvalidInput(
            f"Ngày {on:%d/%m/%Y} là ngày trong tương lai: chưa thể ghi nhận.", field=field_name, value=on.isoformat()
        )


def check_school_day(
    on: date, *, school_year: str, today: date, semester: int, session: str, period: int | None
) -> None:
    """A day attendance can be taken on: in the school year, not in the future, not a Sunday; a valid session."""
    check_record_date(on, school_year=school_year, today=today)
    if on.weekday() == SUNDAY:
        raise InvalidInput(
            f"Ngày {on:%d/%m/%Y} là Chủ nhật: không có buổi học để điểm danh.", field="date", value=on.isoformat()
        )
    if semester not in (1, 2):
        raise InvalidInput(f"Học kì {semester} không hợp lệ: chỉ có học kì 1 hoặc 2.", field="semester", value=semester)
    if session not in SESSIONS:
        raise InvalidInput(
            f"Buổi '{session}' không hợp lệ: chỉ nhận 'sang' (buổi sáng) hoặc 'chieu' (buổi chiều).",
            field="session",
            value=session,
        )
    if period is not None and not 1 <= period <= MAX_PERIOD:
        raise InvalidInput(
            f"Tiết {period} không hợp lệ: tiết học đánh số từ 1 đến {MAX_PERIOD}.", field="period", value=period
        )


def parse_status(raw: object) -> AttendanceStatus | None:
    """A status as typed (API name, register letter P/K/M, or Vietnamese words); None when unknown."""
    if not isinstance(raw, str):
        return None
    return _STATUS_ALIASES.get(unicodedata.normalize("NFC", raw).strip().lower())


@dataclass(frozen=True)
class MarkEntry:
    """One student's mark as sent (status as typed; absent students need only be listed)."""

    student_id: str
    status: str
    note: str | None = None


@dataclass(frozen=True)
class Mark:
    """A stored mark: never PRESENT (a present student has no mark)."""

    status: AttendanceStatus
    note: str | None = None


@dataclass(frozen=True)
class MarkChange:
    student_id: str
    old: Mark | None
    new: Mark | None


class InvalidAttendance(InvalidInput):
    """A roll with at least one bad mark: nothing of it is written."""

    slug = "invalid-attendance"
    title = "Điểm danh không hợp lệ"


MAX_NOTE = 500


def check_marks(entries: Sequence[MarkEntry], *, students: Mapping[str, str]) -> dict[str, Mark | None]:
    """Every listed student's new mark (None: present); raise InvalidAttendance listing every bad entry."""
    problems: list[dict[str, object]] = []
    checked: dict[str, Mark | None] = {}
    for e in entries:
        name = students.get(e.student_id)
        message: str | None = None
        status = parse_status(e.status)
        if name is None:
            message = f"Học sinh {e.student_id} không thuộc danh sách lớp."
        elif e.student_id in checked:
            message = f"Học sinh {name} được điểm danh nhiều lần trong cùng một lượt."
        elif status is None:
            message = (
                f"Trạng thái '{e.status}' của học sinh {name} không hợp lệ: chỉ nhận có mặt (present), "
                "vắng có phép (excused, P), vắng không phép (unexcused, K) hoặc đi muộn (late, M)."
            )
        elif e.note is not None and len(e.note) > MAX_NOTE:
            message = f"Ghi chú của học sinh {name} dài quá {MAX_NOTE} ký tự."
        if message is not None or status is None:
            problems.append({"student_id": e.student_id, "status": e.status, "message": message})
            continue
        note = (e.note or "").strip() or None
        checked[e.student_id] = None if status == AttendanceStatus.PRESENT else Mark(status, note)
    if problems:
        more = f" (và {len(problems) - 1} lỗi khác)" if len(problems) > 1 else ""
        raise InvalidAttendance(f"Không ghi điểm danh nào: {problems[0]['message']}{more}", errors=problems)
    return checked


def roll_changes(current: Mapping[str, Mark], sent: Mapping[str, Mark | None]) -> list[MarkChange]:
    """What a re-posted roll changes: sent marks that differ, and earlier marks of students no longer listed."""
    changes: list[MarkChange] = []
    for student_id in sorted(set(current) | set(sent)):
        old = current.get(student_id)
        new = sent.get(student_id)
        if old != new:
            changes.append(MarkChange(student_id, old, new))
    return changes


@dataclass(frozen=True)
class StoredMark:
    """A mark as read back for the totals."""

    student_id: str
    semester: int
    period: int | None
    status: AttendanceStatus


@dataclass(frozen=True)
class AbsenceCounts:
    excused: int = 0  # sessions absent with permission
    unexcused: int = 0  # sessions absent without permission
    late: int = 0  # sessions or periods arrived late
    excused_periods: int = 0
    unexcused_periods: int = 0

    @property
    def total(self) -> int:
        """Absent sessions, excused or not: what the 45-session rule counts."""
        return self.excused + self.unexcused

    @property
    def total_periods(self) -> int:
        return self.excused_periods + self.unexcused_periods

    def __add__(self, other: AbsenceCounts) -> AbsenceCounts:
        return AbsenceCounts(
            excused=self.excused + other.excused,
            unexcused=self.unexcused + other.unexcused,
            late=self.late + other.late,
            excused_periods=self.excused_periods + other.excused_periods,
            unexcused_periods=self.unexcused_periods + other.unexcused_periods,
        )


@dataclass(frozen=True)
class AttendanceTotals:
    semester1: AbsenceCounts = field(default_factory=AbsenceCounts)
    semester2: AbsenceCounts = field(default_factory=AbsenceCounts)
    year: AbsenceCounts = field(default_factory=AbsenceCounts)


def _count(mark: StoredMark) -> AbsenceCounts:
    session = mark.period is None
    if mark.status == AttendanceStatus.LATE:
        return AbsenceCounts(late=1)
    if mark.status == AttendanceStatus.EXCUSED:
        return AbsenceCounts(excused=1) if session else AbsenceCounts(excused_periods=1)
    if mark.status == AttendanceStatus.UNEXCUSED:
        return AbsenceCounts(unexcused=1) if session else AbsenceCounts(unexcused_periods=1)
    return AbsenceCounts()


def totals(marks: Iterable[StoredMark], *, students: Iterable[str] = ()) -> dict[str, AttendanceTotals]:
    """Per student, the counts of semester I, semester II and the year (every listed student gets an entry)."""
    per: dict[str, list[AbsenceCounts]] = {s: [AbsenceCounts(), AbsenceCounts()] for s in students}
    for mark in marks:
        pair = per.setdefault(mark.student_id, [AbsenceCounts(), AbsenceCounts()])
        index = 0 if mark.semester == 1 else 1
        pair[index] = pair[index] + _count(mark)
    return {s: AttendanceTotals(semester1=a, semester2=b, year=a + b) for s, (a, b) in per.items()}
