"""Signing's unit of work."""

from __future__ import annotations

from edu_shared.audit.uow import AuditedUnitOfWork
from edu_shared.contracts.signing import SigningAuditHeadAdvanced
from signing.adapters import orm
from signing.adapters.batches_repo import BatchRepository
from signing.adapters.credentials_repo import CredentialRepository
from signing.adapters.people_repo import PeopleRepository
from signing.adapters.requests_repo import RequestRepository


class SigningUnitOfWork(AuditedUnitOfWork):
    """One transaction over the signing database; events reach the outbox and audit entries the trail on commit."""

    audit_table = orm.audit
    head_event = SigningAuditHeadAdvanced
    requests: RequestRepository
    credentials: CredentialRepository
    batches: BatchRepository
    people: PeopleRepository

    def _open_repositories(self) -> None:
        super()._open_repositories()
        self.requests = RequestRepository(self.session)
        self.credentials = CredentialRepository(self.session)
        self.batches = BatchRepository(self.session)
        self.people = PeopleRepository(self.session)
