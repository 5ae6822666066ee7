"""Year-end batch generation: a job over a class or a whole school, one item per student, resumable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

JobStatus = Literal["running", "done", "failed"]
ItemStatus = Literal["pending", "done", "error"]


@dataclass(frozen=True)
class StoredFile:
    """A file a job wrote (or found already signed) in the object store."""

    role: Literal["pdf", "xml"]
    object_key: str
    sha256: str
    size: int


@dataclass(frozen=True)
class JobItem:
    job_id: str
    student_id: str
    class_id: str
    position: int
    status: ItemStatus
    transcript_id: str | None = None
    signed: bool = False
    files: tuple[StoredFile, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Archive:
    """A class's archive bundle: a zip with every PDF and XML and a manifest of their SHA-256."""

    class_id: str
    school_year: str
    object_key: str
    sha256: str
    size: int
    manifest_sha256: str
    files: int


@dataclass(frozen=True)
class Job:
    id: str
    school_id: str
    class_id: str | None
    status: JobStatus
    total: int
    done: int
    errors: int
    requested_by: str
    created_at: datetime
    finished_at: datetime | None = None
    archives: tuple[Archive, ...] = ()

    @property
    def finished(self) -> bool:
        return self.status != "running"
