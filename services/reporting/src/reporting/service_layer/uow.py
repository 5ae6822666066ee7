"""Reporting's unit of work."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork


class ReportingUnitOfWork(SqlUnitOfWork):
    """One transaction over the reporting database; events reach the outbox on commit."""
