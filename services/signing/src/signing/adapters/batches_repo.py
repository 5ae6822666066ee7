"""Batch signing jobs in SQL: the job and one row per request with its outcome."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from signing.adapters import orm
from signing.domain.batches import Batch, BatchItem, BatchStatus, ItemStatus


class BatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, batch: Batch) -> None:
        await self.session.execute(
            sa.insert(orm.batches).values(
                id=batch.id,
                account_id=batch.account_id,
                username=batch.username,
                status=batch.status.value,
                created_at=batch.created_at,
            )
        )
        await self.session.execute(
            sa.insert(orm.batch_items),
            [
                {
                    "batch_id": batch.id,
                    "position": i,
                    "request_id": item.request_id,
                    "status": item.status.value,
                    "error": item.error,
                }
                for i, item in enumerate(batch.items)
            ],
        )

    async def get(self, batch_id: str) -> Batch | None:
        row = (await self.session.execute(sa.select(orm.batches).where(orm.batches.c.id == batch_id))).first()
        if row is None:
            return None
        i = orm.batch_items
        items = await self.session.execute(sa.select(i).where(i.c.batch_id == batch_id).order_by(i.c.position))
        created: datetime = row.created_at
        finished: datetime | None = row.finished_at
        return Batch(
            id=row.id,
            account_id=row.account_id,
            username=row.username,
            status=BatchStatus(row.status),
            created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
            finished_at=finished if finished is None or finished.tzinfo else finished.replace(tzinfo=UTC),
            items=tuple(BatchItem(request_id=r.request_id, status=ItemStatus(r.status), error=r.error) for r in items),
        )

    async def set_status(self, batch_id: str, status: BatchStatus, *, at: datetime | None = None) -> None:
        values: dict[str, object] = {"status": status.value}
        if status in (BatchStatus.DONE, BatchStatus.INTERRUPTED):
            values["finished_at"] = at
        await self.session.execute(sa.update(orm.batches).where(orm.batches.c.id == batch_id).values(**values))

    async def set_item(self, batch_id: str, request_id: str, status: ItemStatus, *, error: str | None = None) -> None:
        i = orm.batch_items
        await self.session.execute(
            sa.update(i)
            .where(i.c.batch_id == batch_id, i.c.request_id == request_id)
            .values(status=status.value, error=error)
        )

    async def with_status(self, *statuses: BatchStatus) -> list[str]:
        t = orm.batches
        rows = await self.session.scalars(
            sa.select(t.c.id).where(t.c.status.in_([s.value for s in statuses])).order_by(t.c.created_at)
        )
        return list(rows)
