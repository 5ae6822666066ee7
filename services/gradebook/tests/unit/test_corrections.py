"""Deciding a correction request after lock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gradebook.domain.corrections import Correction, CorrectionAlreadyDecided, CorrectionStale, decide

AT = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
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
    requested_at=AT,
)


def test_approval_records_the_approver() -> None:
    decided = decide(PENDING, approve=True, by="hieutruong", at=AT, note="ok", current="5.0")
    assert (decided.status, decided.decided_by, decided.decision_note) == ("approved", "hieutruong", "ok")


def test_approval_refuses_a_cell_changed_since_the_request() -> None:
    with pytest.raises(CorrectionStale):
        decide(PENDING, approve=True, by="hieutruong", at=AT, note=None, current="6.0")
    # Rejecting needs no such check.
    assert decide(PENDING, approve=False, by="hieutruong", at=AT, note=None, current="6.0").status == "rejected"


def test_a_decided_request_cannot_be_decided_again() -> None:
    decided = decide(PENDING, approve=False, by="hieutruong", at=AT, note=None, current="5.0")
    with pytest.raises(CorrectionAlreadyDecided):
        decide(decided, approve=True, by="hieutruong", at=AT, note=None, current="5.0")
