"""A unit of work that keeps the audit trail: entries flushed in the change's transaction, heads published with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import sqlalchemy as sa

from edu_shared.audit.events import AuditHeadPayload
from edu_shared.audit.trail import AuditTrail
from edu_shared.db.uow import SqlUnitOfWork


class AuditedUnitOfWork(SqlUnitOfWork):
    """Base of every service unit of work that writes lưu vết; subclasses name their table and head event.

    On commit the queued entries are linked to their chains and inserted, and one head event per grown chain is
    emitted into the same outbox transaction: kept outside the database, the head shows a later deletion of the
    newest entries, which the chain alone cannot.
    """

    audit_table: ClassVar[sa.Table]
    head_event: ClassVar[type[AuditHeadPayload]]  # the service's own registered event, on its topic
    audit: AuditTrail

    def _open_repositories(self) -> None:
        self.audit = AuditTrail(self.session, self.audit_table)

    async def commit(self) -> None:
        heads = await self.audit.flush()
        now = datetime.now(UTC)
        for school_id, (seq, digest) in heads.items():
            self.emit(
                self.head_event(school_id=school_id, seq=seq, hash=digest, recorded_at=now), partition_key=school_id
            )
        await super().commit()

    async def rollback(self) -> None:
        if hasattr(self, "audit"):
            self.audit.discard()
        await super().rollback()
