"""Gradebook's unit of work."""

from __future__ import annotations

from datetime import datetime

from edu_shared.audit.uow import AuditedUnitOfWork
from edu_shared.contracts.gradebook_results import AuditHeadAdvanced
from edu_shared.events.registry import EventPayload
from gradebook.adapters import orm
from gradebook.adapters.calendar_repo import CalendarRepository
from gradebook.adapters.comments_repo import CommentsRepository
from gradebook.adapters.records_repo import RecordsRepository
from gradebook.adapters.results_repo import ResultsRepository
from gradebook.adapters.scores_repo import ScoreRepository


class GradebookUnitOfWork(AuditedUnitOfWork):
    """One transaction over the gradebook database; events reach the outbox and audit entries the trail on commit."""

    audit_table = orm.audit
    scores: ScoreRepository
    calendars: CalendarRepository
    records: RecordsRepository
    results: ResultsRepository
    comments: CommentsRepository

    def _open_repositories(self) -> None:
        super()._open_repositories()
        self.scores = ScoreRepository(self.session)
        self.calendars = CalendarRepository(self.session)
        self.records = RecordsRepository(self.session)
        self.results = ResultsRepository(self.session)
        self.comments = CommentsRepository(self.session)

    def head_event(self, *, school_id: str, seq: int, digest: str, recorded_at: datetime) -> EventPayload:
        return AuditHeadAdvanced(school_id=school_id, seq=seq, hash=digest, recorded_at=recorded_at)
