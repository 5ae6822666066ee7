"""Notifications's unit of work."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork


class NotificationsUnitOfWork(SqlUnitOfWork):
    """One transaction over the notifications database; events reach the outbox on commit."""
