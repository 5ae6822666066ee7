"""Signing's unit of work."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork


class SigningUnitOfWork(SqlUnitOfWork):
    """One transaction over the signing database; events reach the outbox on commit."""
