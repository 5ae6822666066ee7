"""A batch signing job: many requests signed with one unlocked key, each success kept whatever the others do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class BatchStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    INTERRUPTED = "interrupted"  # the service stopped: the unlocked key is gone, the rest waits for a new batch


class ItemStatus(StrEnum):
    PENDING = "pending"
    SIGNED = "signed"
    FAILED = "failed"


@dataclass(frozen=True)
class BatchItem:
    request_id: str
    status: ItemStatus = ItemStatus.PENDING
    error: str | None = None


@dataclass(frozen=True)
class Batch:
    id: str
    account_id: str
    username: str
    status: BatchStatus
    created_at: datetime
    items: tuple[BatchItem, ...]
    finished_at: datetime | None = None

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.status == ItemStatus.SIGNED)

    @property
    def failed(self) -> int:
        return sum(1 for i in self.items if i.status == ItemStatus.FAILED)

    @property
    def pending(self) -> list[str]:
        return [i.request_id for i in self.items if i.status == ItemStatus.PENDING]
