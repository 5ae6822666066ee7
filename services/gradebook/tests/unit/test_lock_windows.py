"""Lock windows: when a lock is in force, what a scheduled lock will lock, window checks, relock and evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from edu_shared.errors import InvalidInput, PermissionDenied
from gradebook.domain.corrections import (
    Correction,
    CorrectionAlreadyDecided,
    EvidenceRequired,
    EvidenceTooLarge,
    check_can_attach,
    evidence_filename,
    require_evidence,
    sniff_evidence,
)
from gradebook.domain.locks import Cell, Lock, check_window, locked_error, relock, upcoming

SET = datetime(2026, 12, 20, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
GK = Cell("sch", "6a1", "toan", 1, "GK")
CK = Cell("sch", "6a1", "toan", 1, "CK")


def column_lock(column: str = "GK", **window: datetime | None) -> Lock:
    return Lock(
        id="lk",
        school_id="sch",
        scope="column",
        class_id="6a1",
        subject_code="toan",
        semester=1,
        column=column,
        locked_by="hieutruong",
        locked_at=SET,
        **window,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "at", "state"),
    [
        # No window: in force from the moment it was set, until lifted.
        (None, None, SET - H, "scheduled"),
        (None, None, SET, "in_force"),
        (None, None, SET + 1000 * H, "in_force"),
        # "Semester 1 locks on 28/12 00:00": nothing before, everything from that instant on.
        (SET + 8 * 24 * H, None, SET + 8 * 24 * H - timedelta(seconds=1), "scheduled"),
        (SET + 8 * 24 * H, None, SET + 8 * 24 * H, "in_force"),
        # A window [start, end): the end itself is already open again.
        (SET + H, SET + 3 * H, SET, "scheduled"),
        (SET + H, SET + 3 * H, SET + 2 * H, "in_force"),
        (SET + H, SET + 3 * H, SET + 3 * H, "ended"),
        (SET + H, SET + 3 * H, SET + 4 * H, "ended"),
        # Locked now until a given time.
        (None, SET + 2 * H, SET + H, "in_force"),
        (None, SET + 2 * H, SET + 2 * H, "ended"),
    ],
)
def test_a_lock_is_in_force_only_inside_its_window(
    starts_at: datetime | None, ends_at: datetime | None, at: datetime, state: str
) -> None:
    lock = column_lock(starts_at=starts_at, ends_at=ends_at)
    assert lock.state(at) == state
    assert lock.covers(GK, at=at) is (state == "in_force")
    # Another column is never covered, whatever the time.
    assert lock.covers(CK, at=at) is False


def test_covers_without_a_time_means_now() -> None:
    now = datetime.now(UTC)
    assert column_lock(starts_at=now - H).covers(GK)
    assert not column_lock(starts_at=now + H).covers(GK)
    assert not column_lock(starts_at=now - 2 * H, ends_at=now - H).covers(GK)


def test_upcoming_lists_scheduled_locks_with_the_columns_they_will_lock_soonest_first() -> None:
    cells = [replace(GK, column=c) for c in ("TX1", "GK", "CK")]
    semester = replace(column_lock(starts_at=SET + 5 * H), id="sem", scope="class", subject_code=None, column=None)
    gk = replace(column_lock(starts_at=SET + 2 * H), id="gk")
    in_force = replace(column_lock(), id="now")
    other_class = replace(column_lock(starts_at=SET + H), id="6a2", class_id="6a2")
    found = upcoming([semester, gk, in_force, other_class], cells, at=SET + H)
    assert [(u.lock.id, u.columns) for u in found] == [("gk", ["GK"]), ("sem", ["TX1", "GK", "CK"])]


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "field"),
    [
        (None, NOW - H, "ends_at"),  # already over
        (None, NOW, "ends_at"),
        (NOW + 3 * H, NOW + 2 * H, "ends_at"),  # ends before it starts
        (NOW + 2 * H, NOW + 2 * H, "ends_at"),
    ],
)
def test_a_window_that_could_never_be_in_force_is_refused(
    starts_at: datetime | None, ends_at: datetime | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_window(starts_at=starts_at, ends_at=ends_at, now=NOW)
    assert raised.value.extensions["field"] == field


def test_a_time_without_offset_is_vietnam_time_and_is_stored_in_utc() -> None:
    start, end = check_window(starts_at=datetime(2026, 12, 28, 0, 0), ends_at=None, now=NOW)
    assert start == datetime(2026, 12, 27, 17, 0, tzinfo=UTC) and end is None


def test_an_inspection_window_must_end() -> None:
    with pytest.raises(InvalidInput):
        check_window(starts_at=None, ends_at=None, now=NOW, ends_required=True)
    assert check_window(starts_at=None, ends_at=NOW + H, now=NOW, ends_required=True) == (None, NOW + H)


def test_the_inspection_error_names_the_window_and_who_opened_it() -> None:
    lock = replace(
        column_lock(starts_at=SET, ends_at=SET + 72 * H),
        scope="school",
        kind="inspection",
        window_id="w1",
        reason="Thanh tra học kì I",
        locked_by="admin.phonggd",
    )
    error = locked_error(lock, GK, student_id="st", student_name="Nguyễn Thị Anh", cells=[])
    assert "đợt kiểm tra" in error.detail and "Thanh tra học kì I" in error.detail
    assert "admin.phonggd" in error.detail and "23/12/2026" in error.detail  # ends 23/12 15:00 Vietnam time
    assert error.extensions["lock_kind"] == "inspection" and error.extensions["window_id"] == "w1"
    assert error.extensions["ends_at"] == (SET + 72 * H).isoformat()


def test_relock_closes_the_same_cells_again_from_the_save() -> None:
    lifted = column_lock(ends_at=SET + 100 * H)
    again = relock(lifted, lock_id="lk2", by="hieutruong", at=SET + 5 * H)
    assert (again.scope, again.column, again.relock_of, again.ends_at) == ("column", "GK", "lk", SET + 100 * H)
    assert again.covers(GK, at=SET + 5 * H) and not again.covers(GK, at=SET + 4 * H)


PENDING = Correction(
    id="c1",
    school_id="sch",
    class_id="6a1",
    subject_code="toan",
    semester=1,
    student_id="st",
    column="CK",
    old_value="5.0",
    new_value="7.5",
    reason="Cộng sai điểm",
    evidence=None,
    status="pending",
    requested_by="user:gv",
    requested_by_name="gv",
    requested_at=SET,
)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf"),
        (b"\r\n%PDF-1.4 after a stray line break", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    ],
)
def test_the_content_type_is_read_from_the_bytes(data: bytes, content_type: str) -> None:
    assert sniff_evidence(data, declared="application/octet-stream") == content_type


@pytest.mark.parametrize(
    "data",
    [b"", b"GIF89a\x01\x00", b"<html><script>alert(1)</script>", b"MZ\x90\x00 a windows executable"],
)
def test_anything_but_pdf_jpeg_or_png_is_refused_whatever_the_header_says(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        sniff_evidence(data, declared="application/pdf")


def test_more_than_10_mb_is_refused() -> None:
    with pytest.raises(EvidenceTooLarge):
        sniff_evidence(b"%PDF-" + bytes(10 * 1024 * 1024))
    assert sniff_evidence(b"%PDF-" + bytes(10 * 1024 * 1024 - 5)) == "application/pdf"


def test_only_the_requester_attaches_evidence_while_pending() -> None:
    check_can_attach(PENDING, by="user:gv", attached=0)
    with pytest.raises(PermissionDenied):
        check_can_attach(PENDING, by="user:other", attached=0)
    with pytest.raises(CorrectionAlreadyDecided):
        check_can_attach(replace(PENDING, status="approved"), by="user:gv", attached=0)
    with pytest.raises(InvalidInput):
        check_can_attach(PENDING, by="user:gv", attached=10)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("bai-kiem-tra.pdf", "bai-kiem-tra.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\gv\\Bài kiểm tra CK.pdf", "Bài kiểm tra CK.pdf"),
        (None, "minh-chung-2.pdf"),
        ("   ", "minh-chung-2.pdf"),
    ],
)
def test_the_display_name_never_carries_a_path(given: str | None, expected: str) -> None:
    assert evidence_filename(given, content_type="application/pdf", n=2) == expected


def test_approval_needs_a_file_or_a_written_reference() -> None:
    with pytest.raises(EvidenceRequired) as raised:
        require_evidence(PENDING, files=0)
    assert raised.value.status == 422 and "minh chứng" in raised.value.detail
    require_evidence(PENDING, files=1)
    require_evidence(replace(PENDING, evidence="Bài kiểm tra lưu tại tổ"), files=0)
    with pytest.raises(EvidenceRequired):
        require_evidence(replace(PENDING, evidence="  "), files=0)
