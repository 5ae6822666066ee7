"""Gradebook's unit of work."""

from __future__ import annotations

from edu_shared.audit.uow import AuditedUnitOfWork
from edu_shared.contracts.gradebook_results import AuditHeadAdvanced
from gradebook.adapters import orm
from gradebook.adapters.calendar_repo import CalendarRepository
from gradebook.adapters.comments_repo import CommentsRepository
from gradebook.adapters.records_repo import RecordsRepository
from gradebook.adapters.results_repo import ResultsRepository
from gradebook.adapters.scores_repo import ScoreRepository


class GradebookUnitOfWork(AuditedUnitOfWork):
    """One transaction over the gradebook database; events reach the outbox and audit entries the trail on commit."""

    audit_table = orm.audit
    head_event = AuditHeadAdvanced
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
