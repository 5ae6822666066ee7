"""Signing's unit of work."""

from __future__ import annotations

from datetime import datetime

from edu_shared.audit.uow import AuditedUnitOfWork
from edu_shared.contracts.signing import SigningAuditHeadAdvanced
from edu_shared.events.registry import EventPayload
from signing.adapters import orm
from signing.adapters.batches_repo import BatchRepository
from signing.adapters.credentials_repo import CredentialRepository
from signing.adapters.people_repo import PeopleRepository
from signing.adapters.requests_repo import RequestRepository


class SigningUnitOfWork(AuditedUnitOfWork):
    """One transaction over the signing database; events reach the outbox and audit entries the trail on commit."""

    audit_table = orm.audit
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

    def head_event(self, *, school_id: str, seq: int, digest: str, recorded_at: datetime) -> EventPayload:
        return SigningAuditHeadAdvanced(school_id=school_id, seq=seq, hash=digest, recorded_at=recorded_at)
