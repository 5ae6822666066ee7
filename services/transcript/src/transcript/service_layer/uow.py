"""Transcript's unit of work."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork


class TranscriptUnitOfWork(SqlUnitOfWork):
    """One transaction over the transcript database; events reach the outbox on commit."""
