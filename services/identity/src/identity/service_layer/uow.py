"""Identity's unit of work: one transaction over its repositories, events to the outbox on commit."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork
from identity.adapters.audit import AuditRepository
from identity.adapters.repository import KeyRepository, OrgRepository


class IdentityUnitOfWork(SqlUnitOfWork):
    org: OrgRepository
    keys: KeyRepository
    audit: AuditRepository

    def _open_repositories(self) -> None:
        self.org = OrgRepository(self.session)
        self.keys = KeyRepository(self.session)
        self.audit = AuditRepository(self.session)
