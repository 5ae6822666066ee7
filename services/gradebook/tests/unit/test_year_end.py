"""A class's period results before approval: what is missing, and rows built by the rules engine."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from gradebook.domain.approval import Approval, ApprovalConflict, check_can_submit, decide, snapshot_hash
from gradebook.domain.rules.tt22 import Level
from gradebook.domain.sheet import Rating
from gradebook.domain.year_end import StudentYear, SubjectPlan, missing, semester_row, summer_round_missing, year_row

SCORED = [SubjectPlan(code, code.upper(), 35, True) for code in ("toan", "van", "anh", "khtn", "lsdl", "gdcd")]
GDTC = SubjectPlan("gdtc", "Giáo dục thể chất", 35, False)
SUBJECTS = [*SCORED, GDTC]
NOW = datetime(2026, 5, 25, tzinfo=UTC)


def cells(score: str, *, toan: str | None = None) -> dict[tuple[str, int], dict[str, Decimal | Rating]]:
    found: dict[tuple[str, int], dict[str, Decimal | Rating]] = {}
    for semester in (1, 2):
        for s in SCORED:
            value = Decimal(toan if toan is not None and s.code == "toan" else score)
            found[(s.code, semester)] = dict.fromkeys(("TX1", "TX2", "GK", "CK"), value)
        found[("gdtc", semester)] = dict.fromkeys(("TX1", "TX2", "GK", "CK"), Rating.DAT)
    return found


def student(score: str = "8", **kwargs: object) -> StudentYear:
    defaults: dict[str, object] = {
        "student_id": "st-1",
        "full_name": "Nguyễn Văn An",
        "cells": cells(score),
        "training": {1: Level.TOT, 2: Level.TOT},
    }
    return StudentYear(**{**defaults, **kwargs})  # type: ignore[arg-type]


def test_missing_names_the_student_subject_semester_and_columns() -> None:
    partial = cells("8")
    partial[("toan", 1)] = {"TX1": Decimal(8)}
    found = missing("hk1", SUBJECTS, [student(cells=partial, training={})])
    assert found == [
        "Nguyễn Văn An: môn TOAN học kì 1 thiếu TX2, GK, CK",
        "Nguyễn Văn An: chưa đánh giá kết quả rèn luyện học kì 1",
    ]


def test_an_exempt_subject_is_not_missing_and_shows_mien() -> None:
    partial = cells("8")
    partial[("gdtc", 1)] = {}
    exempt = student(cells=partial, exempt=frozenset({("gdtc", 1)}))
    assert missing("hk1", SUBJECTS, [exempt]) == []
    row = semester_row(1, SUBJECTS, exempt)
    assert next(s for s in row["subjects"] if s["code"] == "gdtc")["hk1"] == "Miễn"
    assert row["learning"] == {"hk1": "Tốt"}


@pytest.mark.parametrize(
    ("score", "toan", "training2", "absent", "outcome", "retest", "award"),
    [
        ("9", None, Level.TOT, 0, "len_lop", [], "xuat_sac"),
        ("8", None, Level.TOT, 0, "len_lop", [], "gioi"),
        ("7", "2", Level.KHA, 0, "kiem_tra_lai", ["toan"], None),
        ("6", None, Level.CHUA_DAT, 0, "ren_luyen_he", [], None),
        ("9", None, Level.TOT, 46, "o_lai_lop", [], None),
    ],
)
def test_year_row_carries_the_engine_outcome(
    score: str, toan: str | None, training2: Level, absent: int, outcome: str, retest: list[str], award: str | None
) -> None:
    row = year_row(
        SUBJECTS,
        student(cells=cells(score, toan=toan), training={1: Level.TOT, 2: training2}, absent_sessions=absent),
    )
    assert (row["outcome"], row["retest_subjects"], row["award"]) == (outcome, retest, award)
    assert row["explanations"]["outcome"]


def test_summer_round_lists_what_is_still_owed_then_settles() -> None:
    owing = student(cells=cells("7", toan="2"), training={1: Level.TOT, 2: Level.CHUA_DAT})
    row = year_row(SUBJECTS, owing)
    assert summer_round_missing([row], {"st-1": owing}) == [
        "Nguyễn Văn An: chưa có kết quả kiểm tra lại môn toan",
        "Nguyễn Văn An: chưa có kết quả rèn luyện hè",
    ]
    done = student(
        cells=cells("7", toan="2"),
        training={1: Level.TOT, 2: Level.CHUA_DAT},
        retest={"toan": Decimal("6.0")},
        summer_training=Level.DAT,
    )
    assert summer_round_missing([row], {"st-1": done}) == []
    assert year_row(SUBJECTS, done, with_summer_round=True)["outcome"] == "len_lop"


def approval(status: str = "submitted", period: str = "hk1") -> Approval:
    return Approval(
        id="a-1",
        school_id="sch",
        class_id="c",
        school_year="2025-2026",
        period=period,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        snapshot=[{"student_id": "st-1"}],
        snapshot_hash=snapshot_hash([{"student_id": "st-1"}]),
        submitted_by="u",
        submitted_by_name="gvcn",
        submitted_at=NOW,
        decided_at=NOW if status == "approved" else None,
    )


def test_year_waits_for_both_semesters_and_an_approved_period_is_final() -> None:
    with pytest.raises(ApprovalConflict, match="học kì II"):
        check_can_submit(None, approved_periods={"hk1"}, period="year")
    check_can_submit(None, approved_periods={"hk1", "hk2"}, period="year")
    check_can_submit(approval("returned"), approved_periods=set(), period="hk1")
    with pytest.raises(ApprovalConflict, match="đã được phê duyệt"):
        check_can_submit(approval("approved"), approved_periods={"hk1"}, period="hk1")


def test_approval_needs_the_results_unchanged_since_submission() -> None:
    submitted = approval()
    with pytest.raises(ApprovalConflict, match="đã thay đổi"):
        decide(submitted, approve=True, by="ht", at=NOW, note=None, current_hash=snapshot_hash([]))
    returned = decide(submitted, approve=False, by="ht", at=NOW, note="Sai", current_hash=snapshot_hash([]))
    assert (returned.status, returned.note) == ("returned", "Sai")
    approved = decide(submitted, approve=True, by="ht", at=NOW, note=None, current_hash=submitted.snapshot_hash)
    assert approved.status == "approved"
    with pytest.raises(ApprovalConflict, match="không ở trạng thái chờ duyệt"):
        decide(approved, approve=True, by="ht", at=NOW, note=None, current_hash=submitted.snapshot_hash)
