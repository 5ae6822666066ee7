"""Gradebook's unit of work."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork


class GradebookUnitOfWork(SqlUnitOfWork):
    """One transaction over the gradebook database; events reach the outbox on commit."""
