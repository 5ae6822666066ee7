"""The audit trail table a service adds to its metadata, and the repository that appends to and reads it.

Entries are buffered during a use case and written by `flush` in the same transaction as the change they
describe, just before commit. Writing takes the chain's lock (a transaction-scoped advisory lock on PostgreSQL;
SQLite has one writer), reads the chain's head and links each new entry to it, so concurrent writers of one
school never fork its chain. Rows are never updated or deleted by the application.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.audit.chain import GENESIS, Anchor, AuditRecord, ChainReport, canonical, entry_hash, verify_chain
from edu_shared.db.bulk import insert_many

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def add_audit_trail_table(metadata: sa.MetaData) -> sa.Table:
    """Define `audit_trail` in a service's metadata (its migrations create it)."""
    return sa.Table(
        "audit_trail",
        metadata,
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("chain", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=False),
        sa.Column("actor_name", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("chain", "seq", name="uq_audit_trail_chain_seq"),
        sa.Index("ix_audit_trail_entity", "chain", "entity", "entity_id"),
    )


def current_request_id() -> str | None:
    """The trace id of the request being served (the id a support desk and the logs use), if any."""
    ctx = trace.get_current_span().get_span_context()
    return f"{ctx.trace_id:032x}" if ctx.is_valid else None


@dataclass(frozen=True)
class _Pending:
    chain: str
    actor_id: str
    actor_name: str
    action: str
    entity: str
    entity_id: str
    before: str | None
    after: str | None
    reason: str | None
    request_id: str | None


def _encode(value: Any) -> str | None:
    return None if value is None else canonical(value)


def _decode(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class AuditTrail:
    """Append to and read one service's audit trail, in the caller's session."""

    def __init__(self, session: AsyncSession, table: sa.Table) -> None:
        self.session = session
        self.table = table
        self._pending: list[_Pending] = []

    def record(
        self,
        *,
        chain: str,
        actor_id: str,
        actor_name: str,
        action: str,
        entity: str,
        entity_id: str,
        before: Any = None,
        after: Any = None,
        reason: str | None = None,
        request_id: str | None = None,
    ) -> None:
        """Queue an entry; it is written with the change on commit, or dropped with it on rollback."""
        self._pending.append(
            _Pending(
                chain=chain,
                actor_id=actor_id,
                actor_name=actor_name,
                action=action,
                entity=entity,
                entity_id=entity_id,
                before=_encode(before),
                after=_encode(after),
                reason=reason,
                request_id=request_id or current_request_id(),
            )
        )

    def discard(self) -> None:
        self._pending = []

    async def flush(self) -> dict[str, tuple[int, str]]:
        """Link the queued entries to their chains' heads and insert them (call inside the transaction).

        Returns the new head (seq, hash) of every chain that grew.
        """
        if not self._pending:
            return {}
        pending, self._pending = self._pending, []
        chains = sorted({p.chain for p in pending})
        await self._lock(chains)
        heads: dict[str, tuple[int, str]] = {}
        t = self.table
        for chain in chains:
            row = (
                await self.session.execute(
                    sa.select(t.c.seq, t.c.hash).where(t.c.chain == chain).order_by(t.c.seq.desc()).limit(1)
                )
            ).first()
            heads[chain] = (int(row.seq), str(row.hash)) if row is not None else (0, GENESIS)
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        for p in pending:
            seq, prev_hash = heads[p.chain]
            seq += 1
            digest = entry_hash(
                chain=p.chain,
                seq=seq,
                recorded_at=now,
                actor_id=p.actor_id,
                actor_name=p.actor_name,
                action=p.action,
                entity=p.entity,
                entity_id=p.entity_id,
                before=_decode(p.before),
                after=_decode(p.after),
                reason=p.reason,
                request_id=p.request_id,
                prev_hash=prev_hash,
            )
            heads[p.chain] = (seq, digest)
            rows.append(
                {
                    "chain": p.chain,
                    "seq": seq,
                    "recorded_at": now,
                    "actor_id": p.actor_id,
                    "actor_name": p.actor_name,
                    "action": p.action,
                    "entity": p.entity,
                    "entity_id": p.entity_id,
                    "before": p.before,
                    "after": p.after,
                    "reason": p.reason,
                    "request_id": p.request_id,
                    "prev_hash": prev_hash,
                    "hash": digest,
                }
            )
        await insert_many(self.session, t, rows)
        return {chain: heads[chain] for chain in chains}

    async def _lock(self, chains: Sequence[str]) -> None:
        connection = await self.session.connection()
        if connection.dialect.name != "postgresql":
            return
        # Ascending lock ids, like the outbox's per-key locks: two writers never wait on each other in a cycle.
        await self.session.execute(
            sa.text(
                "SELECT count(pg_advisory_xact_lock(lock_id)) FROM ("
                " SELECT DISTINCT hashtextextended(key, 0) AS lock_id FROM unnest(CAST(:keys AS text[])) AS key"
                " ORDER BY lock_id) AS ordered"
            ),
            {"keys": [f"audit:{chain}" for chain in chains]},
        )

    async def entries(
        self,
        *,
        chain: str,
        after_seq: int = 0,
        limit: int = 100,
        entity: str | None = None,
        entity_id: str | None = None,
        actor_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AuditRecord]:
        """A page of one chain in seq order, filtered."""
        t = self.table
        query = sa.select(t).where(t.c.chain == chain, t.c.seq > after_seq)
        if entity is not None:
            query = query.where(t.c.entity == entity)
        if entity_id is not None:
            query = query.where(t.c.entity_id == entity_id)
        if actor_id is not None:
            query = query.where(t.c.actor_id == actor_id)
        if since is not None:
            query = query.where(t.c.recorded_at >= since)
        if until is not None:
            query = query.where(t.c.recorded_at < until)
        rows = await self.session.execute(query.order_by(t.c.seq).limit(limit))
        return [self._record(row) for row in rows]

    async def scan(self, *, chain: str, batch: int = 5000) -> AsyncIterator[AuditRecord]:
        """Every entry of a chain in seq order, read in batches (for verification and export)."""
        after = 0
        while True:
            page = await self.entries(chain=chain, after_seq=after, limit=batch)
            for record in page:
                yield record
            if len(page) < batch:
                return
            after = page[-1].seq

    async def chains(self) -> list[str]:
        """Every chain (school) that has entries."""
        t = self.table
        return list(await self.session.scalars(sa.select(t.c.chain).distinct().order_by(t.c.chain)))

    def _record(self, row: sa.Row[Any]) -> AuditRecord:
        recorded_at: datetime = row.recorded_at
        if recorded_at.tzinfo is None:  # SQLite returns naive datetimes; they were written in UTC
            recorded_at = recorded_at.replace(tzinfo=UTC)
        return AuditRecord(
            chain=row.chain,
            seq=int(row.seq),
            recorded_at=recorded_at,
            actor_id=row.actor_id,
            actor_name=row.actor_name,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            before=_decode(row.before),
            after=_decode(row.after),
            reason=row.reason,
            request_id=row.request_id,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )


async def verify_trail(
    trail: AuditTrail, *, chains: Sequence[str] | None = None, anchors: Mapping[str, Anchor] | None = None
) -> list[ChainReport]:
    """Recompute every chain (or the named ones) from the stored entries; one report per chain.

    `anchors` are heads recorded outside the database (from the AuditHeadAdvanced events): a chain must still
    reach each anchor with the same hash, or its newest entries were removed or rewritten.
    """
    reports: list[ChainReport] = []
    for chain in chains if chains is not None else await trail.chains():
        records = [record async for record in trail.scan(chain=chain)]
        reports.append(verify_chain(chain, records, anchor=(anchors or {}).get(chain)))
    return reports
