"""Transcript's unit of work."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork
from transcript.adapters.jobs_repo import JobRepository
from transcript.adapters.school_keys_repo import SchoolKeyRepository
from transcript.adapters.transcripts_repo import TranscriptRepository
from transcript.adapters.versions_repo import VersionRepository


class TranscriptUnitOfWork(SqlUnitOfWork):
    """One transaction over the transcript database; events reach the outbox on commit."""

    transcripts: TranscriptRepository
    versions: VersionRepository
    jobs: JobRepository
    school_keys: SchoolKeyRepository

    def _open_repositories(self) -> None:
        self.transcripts = TranscriptRepository(self.session)
        self.versions = VersionRepository(self.session)
        self.jobs = JobRepository(self.session)
        self.school_keys = SchoolKeyRepository(self.session)
