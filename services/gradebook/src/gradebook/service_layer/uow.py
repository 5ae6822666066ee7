"""Gradebook's unit of work."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork
from gradebook.adapters.scores_repo import ScoreRepository


class GradebookUnitOfWork(SqlUnitOfWork):
    """One transaction over the gradebook database; events reach the outbox on commit."""

    scores: ScoreRepository

    def _open_repositories(self) -> None:
        self.scores = ScoreRepository(self.session)
