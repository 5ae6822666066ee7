"""Keeps batch jobs, their per-student items and the class archives they produced."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from transcript.adapters import orm_lifecycle as lc
from transcript.domain.batch import Archive, Job, JobItem, JobStatus, StoredFile


def _item(r: Any) -> JobItem:
    return JobItem(
        job_id=r.job_id,
        student_id=r.student_id,
        class_id=r.class_id,
        position=r.position,
        status=r.status,
        transcript_id=r.transcript_id,
        signed=bool(r.signed),
        files=tuple(StoredFile(**f) for f in json.loads(r.files or "[]")),
        error=r.error,
    )


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        job_id: str,
        school_id: str,
        class_id: str | None,
        students: Sequence[tuple[str, str]],
        by: str,
        at: datetime,
    ) -> None:
        """A running job with one pending item per (student, class)."""
        await self.session.execute(
            sa.insert(lc.jobs).values(
                id=job_id,
                school_id=school_id,
                class_id=class_id,
                status="running",
                total=len(students),
                requested_by=by,
                created_at=at,
            )
        )
        if students:
            await self.session.execute(
                sa.insert(lc.job_items),
                [
                    {"job_id": job_id, "student_id": s, "class_id": c, "position": i, "status": "pending"}
                    for i, (s, c) in enumerate(students)
                ],
            )

    async def get(self, job_id: str) -> Job | None:
        row = (await self.session.execute(sa.select(lc.jobs).where(lc.jobs.c.id == job_id))).first()
        if row is None:
            return None
        i = lc.job_items.c
        rows = await self.session.execute(
            sa.select(i.status, sa.func.count()).where(i.job_id == job_id).group_by(i.status)
        )
        counts: dict[str, int] = {str(r[0]): int(r[1]) for r in rows}
        archives = tuple(
            Archive(
                class_id=a.class_id,
                school_year=a.school_year,
                object_key=a.object_key,
                sha256=a.sha256,
                size=a.size,
                manifest_sha256=a.manifest_sha256,
                files=a.files,
            )
            for a in await self.session.execute(
                sa.select(lc.archives).where(lc.archives.c.job_id == job_id).order_by(lc.archives.c.class_id)
            )
        )
        return Job(
            id=row.id,
            school_id=row.school_id,
            class_id=row.class_id,
            status=row.status,
            total=row.total,
            done=int(counts.get("done", 0)),
            errors=int(counts.get("error", 0)),
            requested_by=row.requested_by,
            created_at=row.created_at,
            finished_at=row.finished_at,
            archives=archives,
        )

    async def running(self, *, school_id: str | None = None, class_id: str | None = None) -> list[str]:
        """Running jobs, oldest first (all of them, or the one over the same school and class)."""
        j = lc.jobs.c
        query = sa.select(j.id).where(j.status == "running").order_by(j.created_at)
        if school_id is not None:
            query = query.where(
                j.school_id == school_id, j.class_id.is_(None) if class_id is None else j.class_id == class_id
            )
        return list(await self.session.scalars(query))

    async def items(self, job_id: str, *, status: str | None = None) -> list[JobItem]:
        i = lc.job_items.c
        query = sa.select(lc.job_items).where(i.job_id == job_id).order_by(i.position)
        if status is not None:
            query = query.where(i.status == status)
        return [_item(r) for r in await self.session.execute(query)]

    async def finish_item(
        self,
        job_id: str,
        student_id: str,
        *,
        transcript_id: str | None,
        signed: bool,
        files: Sequence[StoredFile],
        error: str | None,
    ) -> None:
        await self.session.execute(
            sa.update(lc.job_items)
            .where(lc.job_items.c.job_id == job_id, lc.job_items.c.student_id == student_id)
            .values(
                status="error" if error else "done",
                transcript_id=transcript_id,
                signed=signed,
                files=json.dumps([f.__dict__ for f in files]),
                error=error,
            )
        )

    async def add_archive(self, job_id: str, archive: Archive, *, at: datetime) -> None:
        a = lc.archives.c
        await self.session.execute(sa.delete(lc.archives).where(a.job_id == job_id, a.class_id == archive.class_id))
        await self.session.execute(sa.insert(lc.archives).values(job_id=job_id, created_at=at, **archive.__dict__))

    async def finish(self, job_id: str, *, status: JobStatus, at: datetime) -> None:
        await self.session.execute(
            sa.update(lc.jobs).where(lc.jobs.c.id == job_id).values(status=status, finished_at=at)
        )
