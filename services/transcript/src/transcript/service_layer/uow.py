"""Transcript's unit of work."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork
from transcript.adapters.transcripts_repo import TranscriptRepository


class TranscriptUnitOfWork(SqlUnitOfWork):
    """One transaction over the transcript database; events reach the outbox on commit."""

    transcripts: TranscriptRepository

    def _open_repositories(self) -> None:
        self.transcripts = TranscriptRepository(self.session)
