"""Identity's unit of work: one transaction over its repositories, events to the outbox on commit."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork
from identity.adapters.accounts_repo import AccountRepository
from identity.adapters.audit import AuditRepository
from identity.adapters.grants_repo import GrantRepository
from identity.adapters.people_repo import PeopleRepository
from identity.adapters.repository import KeyRepository, OrgRepository
from identity.adapters.structure_repo import StructureRepository


class IdentityUnitOfWork(SqlUnitOfWork):
    org: OrgRepository
    keys: KeyRepository
    audit: AuditRepository
    accounts: AccountRepository
    structure: StructureRepository
    people: PeopleRepository
    grants: GrantRepository

    def _open_repositories(self) -> None:
        self.org = OrgRepository(self.session)
        self.keys = KeyRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.accounts = AccountRepository(self.session)
        self.structure = StructureRepository(self.session)
        self.people = PeopleRepository(self.session)
        self.grants = GrantRepository(self.session)

    async def commit(self) -> None:
        """The audit entries of this unit of work are written with it, in the same transaction."""
        await self.audit.flush()
        await super().commit()

    async def rollback(self) -> None:
        if hasattr(self, "audit"):
            self.audit.discard()
        await super().rollback()
