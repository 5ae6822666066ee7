"""Notifications's unit of work."""

from __future__ import annotations

from edu_shared.db.uow import SqlUnitOfWork
from notifications.adapters.contacts_repo import ContactsRepository
from notifications.adapters.digests_repo import DigestsRepository
from notifications.adapters.messages_repo import MessagesRepository


class NotificationsUnitOfWork(SqlUnitOfWork):
    """One transaction over the notifications database; events reach the outbox on commit."""

    contacts: ContactsRepository
    messages: MessagesRepository
    digests: DigestsRepository

    def _open_repositories(self) -> None:
        self.contacts = ContactsRepository(self.session)
        self.messages = MessagesRepository(self.session)
        self.digests = DigestsRepository(self.session)
