"""Batch writes of the score repository and its one-query class read, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from gradebook.domain.sheet import CellValue, Rating
from gradebook.testing import C6A1, SCHOOL, Gradebook

AT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


async def test_batch_write_upserts_clears_and_reads_back_per_sheet_and_per_class(gradebook: Gradebook) -> None:
    toan1 = (C6A1, "toan", 1)
    first: dict[tuple[str, str], CellValue | None] = {
        ("st-1", "TX1"): Decimal("7.5"),
        ("st-1", "TX2"): Decimal("10.0"),
        ("st-2", "TX1"): Decimal("0.0"),
        ("st-3", "GK"): Decimal("8.0"),
    }
    async with gradebook.service.uow() as uow:
        await uow.scores.set_values(toan1, school_id=SCHOOL, values=first, by="a", at=AT)
        await uow.scores.set_values(
            (C6A1, "gdtc", 2), school_id=SCHOOL, values={("st-1", "TX1"): Rating.CHUA_DAT}, by="a", at=AT
        )
        await uow.commit()
    async with gradebook.service.uow() as uow:
        # A second batch: one cell changes, one is cleared, one is new; the rest stay as they were.
        await uow.scores.set_values(
            toan1,
            school_id=SCHOOL,
            values={("st-1", "TX1"): Decimal("6.5"), ("st-2", "TX1"): None, ("st-2", "CK"): Decimal("9.3")},
            by="b",
            at=AT,
        )
        await uow.scores.set_value(
            (C6A1, "gdtc", 2), school_id=SCHOOL, student_id="st-1", column="TX1", value=Rating.DAT, by="b", at=AT
        )
        await uow.commit()
    async with gradebook.service.uow() as uow:
        sheet = await uow.scores.sheet_values(toan1)
        by_class = await uow.scores.class_values(C6A1)
    expected = {
        ("st-1", "TX1"): Decimal("6.5"),
        ("st-1", "TX2"): Decimal("10.0"),
        ("st-2", "CK"): Decimal("9.3"),
        ("st-3", "GK"): Decimal("8.0"),
    }
    assert sheet == expected
    assert by_class == {
        "st-1": {("toan", 1): {"TX1": Decimal("6.5"), "TX2": Decimal("10.0")}, ("gdtc", 2): {"TX1": Rating.DAT}},
        "st-2": {("toan", 1): {"CK": Decimal("9.3")}},
        "st-3": {("toan", 1): {"GK": Decimal("8.0")}},
    }
    # Same text as the per-sheet read, so whatever prints a cell prints it the same way (10.0, not 10).
    assert [str(v) for v in by_class["st-1"][("toan", 1)].values()] == ["6.5", "10.0"]


async def test_history_batch_keeps_every_row_in_order(gradebook: Gradebook) -> None:
    rows: list[dict[str, object]] = [
        {
            "school_id": SCHOOL,
            "class_id": C6A1,
            "subject_code": "toan",
            "semester": 1,
            "student_id": f"st-{i % 3 + 1}",
            "column": "TX1",
            "old_value": None if i == 0 else str(Decimal(i - 1)),
            "new_value": str(Decimal(i)),
            "source": "entry",
            "changed_by": "a",
            "changed_by_name": "anvn.gv",
            "changed_at": AT,
            "approved_by": None,
            "correction_id": None,
        }
        for i in range(5)
    ]
    async with gradebook.service.uow() as uow:
        await uow.scores.append_history(rows)
        await uow.commit()
    async with gradebook.service.uow() as uow:
        history = await uow.scores.history((C6A1, "toan", 1))
    assert [(h.student_id, h.old_value, h.new_value) for h in history] == [
        ("st-1", None, "0"),
        ("st-2", "0", "1"),
        ("st-3", "1", "2"),
        ("st-1", "2", "3"),
        ("st-2", "3", "4"),
    ]
