"""Identity's unit of work: one transaction over its repositories, events to the outbox on commit."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork
from identity.adapters.repository import KeyRepository, OrgRepository


class IdentityUnitOfWork(SqlUnitOfWork):
    org: OrgRepository
    keys: KeyRepository

    def _open_repositories(self) -> None:
        self.org = OrgRepository(self.session)
        self.keys = KeyRepository(self.session)
