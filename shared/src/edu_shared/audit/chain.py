"""The hash chain of an audit trail: how an entry is hashed and how a chain is checked. Pure.

Each entry's hash covers its own fields and the hash of the entry before it in the same chain (a school), so
editing any field, deleting or reordering entries, or inserting one in the middle changes every later hash.
`verify_chain` recomputes the chain and names the first entry that does not match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    """One entry as stored: who did what to which record, the values before and after, and the chain links."""

    chain: str  # the school whose records the entry concerns
    seq: int  # 1, 2, 3 … within the chain
    recorded_at: datetime
    actor_id: str
    actor_name: str
    action: str  # e.g. score.entered, score.corrected, lock.set, attendance.recorded
    entity: str  # score, lock, correction, attendance, conduct, …
    entity_id: str
    before: Any
    after: Any
    reason: str | None
    request_id: str | None
    prev_hash: str
    hash: str


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(
    *,
    chain: str,
    seq: int,
    recorded_at: datetime,
    actor_id: str,
    actor_name: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
    reason: str | None,
    request_id: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical text of every field and the previous hash."""
    body = canonical(
        [
            chain,
            seq,
            recorded_at.isoformat(timespec="microseconds"),
            actor_id,
            actor_name,
            action,
            entity,
            entity_id,
            before,
            after,
            reason,
            request_id,
            prev_hash,
        ]
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record_hash(record: AuditRecord) -> str:
    """The hash a stored entry should carry, recomputed from its fields."""
    return entry_hash(
        chain=record.chain,
        seq=record.seq,
        recorded_at=record.recorded_at,
        actor_id=record.actor_id,
        actor_name=record.actor_name,
        action=record.action,
        entity=record.entity,
        entity_id=record.entity_id,
        before=record.before,
        after=record.after,
        reason=record.reason,
        request_id=record.request_id,
        prev_hash=record.prev_hash,
    )


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    chain: str
    entries: int
    head_seq: int
    head_hash: str
    breaks: tuple[ChainBreak, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks


@dataclass(frozen=True)
class Anchor:
    """A chain head recorded outside the database: entry `seq` had hash `hash`."""

    seq: int
    hash: str


def verify_chain(
    chain: str, records: Iterable[AuditRecord], *, anchor: Anchor | None = None, max_breaks: int = 20
) -> ChainReport:
    """Walk a chain in seq order; report every gap, broken link and altered entry (up to `max_breaks`).

    With an `anchor`, the chain must also reach it unchanged: entries removed from the end show up there.
    """
    breaks: list[ChainBreak] = []
    expected_seq, prev_hash, count = 1, GENESIS, 0
    for record in records:
        if anchor is not None and record.seq == anchor.seq and record.hash != anchor.hash:
            breaks.append(ChainBreak(record.seq, "Bản ghi khác với mốc đã công bố (hash không khớp mốc)."))
        count += 1
        if record.seq != expected_seq:
            breaks.append(
                ChainBreak(record.seq, f"Thiếu hoặc thừa bản ghi: mong đợi số thứ tự {expected_seq}, gặp {record.seq}.")
            )
        if record.prev_hash != prev_hash:
            breaks.append(ChainBreak(record.seq, "Liên kết với bản ghi trước bị thay đổi (prev_hash không khớp)."))
        if record_hash(record) != record.hash:
            breaks.append(ChainBreak(record.seq, "Nội dung bản ghi đã bị sửa (hash không khớp)."))
        expected_seq, prev_hash = record.seq + 1, record.hash
        if len(breaks) >= max_breaks:
            break
    if anchor is not None and expected_seq - 1 < anchor.seq:
        breaks.append(
            ChainBreak(
                expected_seq,
                f"Thiếu các bản ghi cuối: mốc đã công bố ở bản ghi số {anchor.seq}, lưu vết chỉ còn đến số "
                f"{expected_seq - 1}.",
            )
        )
    return ChainReport(chain, count, expected_seq - 1, prev_hash, tuple(breaks))
