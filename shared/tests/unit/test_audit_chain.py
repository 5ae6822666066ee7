"""The audit hash chain: every kind of tampering with stored entries is found and named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from edu_shared.audit.chain import GENESIS, Anchor, AuditRecord, entry_hash, verify_chain

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def chain_of(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        fields = {
            "chain": "sch-1",
            "seq": seq,
            "recorded_at": T0 + timedelta(seconds=seq),
            "actor_id": "u-1",
            "actor_name": "anvn.thcshoalac",
            "action": "score.entered",
            "entity": "score",
            "entity_id": f"cls:toan:1:st-{seq}:TX1",
            "before": None,
            "after": "7.5",
            "reason": None,
            "request_id": None,
            "prev_hash": prev,
        }
        digest = entry_hash(**fields)  # type: ignore[arg-type]
        records.append(AuditRecord(**fields, hash=digest))  # type: ignore[arg-type]
        prev = digest
    return records


def test_untouched_chain_is_intact() -> None:
    report = verify_chain("sch-1", chain_of(5))
    assert report.intact
    assert (report.entries, report.head_seq) == (5, 5)


def test_empty_chain_is_intact() -> None:
    assert verify_chain("sch-1", []).intact


@pytest.mark.parametrize(
    "change",
    [
        {"after": "9.5"},
        {"before": "1.0"},
        {"actor_name": "someone.else"},
        {"actor_id": "u-2"},
        {"action": "score.corrected"},
        {"entity_id": "cls:toan:1:st-9:TX1"},
        {"reason": "sửa lại"},
        {"request_id": "abc"},
        {"recorded_at": T0},
    ],
)
def test_edited_field_is_detected_at_that_entry(change: dict[str, object]) -> None:
    records = chain_of(5)
    records[2] = replace(records[2], **change)  # type: ignore[arg-type]
    report = verify_chain("sch-1", records)
    assert not report.intact
    assert report.breaks[0].seq == 3
    assert "sửa" in report.breaks[0].reason


def test_deleted_entry_is_detected() -> None:
    records = chain_of(5)
    del records[1]
    report = verify_chain("sch-1", records)
    assert [b.seq for b in report.breaks][:1] == [3]


def test_rehashed_entry_still_breaks_the_next_link() -> None:
    records = chain_of(5)
    forged = replace(records[1], after="10")
    fields = {k: v for k, v in forged.__dict__.items() if k != "hash"}
    records[1] = replace(forged, hash=entry_hash(**fields))
    report = verify_chain("sch-1", records)
    assert report.breaks[0].seq == 3
    assert "prev_hash" in report.breaks[0].reason


def test_swapped_entries_are_detected() -> None:
    records = chain_of(4)
    records[1], records[2] = records[2], records[1]
    assert not verify_chain("sch-1", records).intact


def test_entries_removed_from_the_end_are_found_with_the_published_anchor() -> None:
    records = chain_of(5)
    anchor = Anchor(5, records[-1].hash)
    assert verify_chain("sch-1", records, anchor=anchor).intact
    truncated = verify_chain("sch-1", records[:3], anchor=anchor)
    assert not truncated.intact and "Thiếu các bản ghi cuối" in truncated.breaks[0].reason
    assert verify_chain("sch-1", records[:3]).intact  # without the anchor the chain alone cannot tell


def test_a_rewritten_tail_does_not_match_the_anchor() -> None:
    records = chain_of(5)
    anchor = Anchor(4, records[3].hash)
    forged = replace(records[3], after="10")
    fields = {k: v for k, v in forged.__dict__.items() if k != "hash"}
    records[3] = replace(forged, hash=entry_hash(**fields))
    records = records[:4]
    report = verify_chain("sch-1", records, anchor=anchor)
    assert [b.seq for b in report.breaks] == [4]
