"""Gradebook's unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

from edu_shared.audit.trail import AuditTrail
from edu_shared.contracts.gradebook_results import AuditHeadAdvanced
from edu_shared.db.uow import SqlUnitOfWork
from gradebook.adapters import orm
from gradebook.adapters.calendar_repo import CalendarRepository
from gradebook.adapters.records_repo import RecordsRepository
from gradebook.adapters.results_repo import ResultsRepository
from gradebook.adapters.scores_repo import ScoreRepository


class GradebookUnitOfWork(SqlUnitOfWork):
    """One transaction over the gradebook database; events reach the outbox and audit entries the trail on commit."""

    scores: ScoreRepository
    audit: AuditTrail
    calendars: CalendarRepository
    records: RecordsRepository
    results: ResultsRepository

    def _open_repositories(self) -> None:
        self.scores = ScoreRepository(self.session)
        self.audit = AuditTrail(self.session, orm.audit)
        self.calendars = CalendarRepository(self.session)
        self.records = RecordsRepository(self.session)
        self.results = ResultsRepository(self.session)

    async def commit(self) -> None:
        heads = await self.audit.flush()
        now = datetime.now(UTC)
        for school_id, (seq, digest) in heads.items():
            # The head leaves the database with the change: a later deletion of the newest entries shows.
            self.emit(
                AuditHeadAdvanced(school_id=school_id, seq=seq, hash=digest, recorded_at=now), partition_key=school_id
            )
        await super().commit()

    async def rollback(self) -> None:
        if hasattr(self, "audit"):
            self.audit.discard()
        await super().rollback()
