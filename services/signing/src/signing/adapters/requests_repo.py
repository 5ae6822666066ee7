"""Signing requests in SQL: the request row, its signers by step, every file revision and the archived finals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from signing.adapters import orm
from signing.domain.requests import Document, FileRole, Rejection, Signer, SigningRequest, Status, Step


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; they were written in UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class ArchivedFile:
    role: FileRole
    object_key: str
    sha256: str
    size: int
    retain_until: datetime
    archived_at: datetime


class RequestRepository:
    """Load and store `SigningRequest`s; `save` refuses a request someone else changed since it was loaded."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, request_id: str) -> bool:
        t = orm.requests
        return (await self.session.scalar(sa.select(sa.literal(1)).where(t.c.id == request_id))) is not None

    async def add(self, request: SigningRequest, *, at: datetime) -> None:
        await self.session.execute(sa.insert(orm.requests).values(**self._row(request), version=0))
        await self.session.execute(
            sa.insert(orm.signers),
            [
                {"request_id": request.id, "step": step.order, "position": i, **self._signer(s)}
                for step in request.steps
                for i, s in enumerate(step.signers)
            ],
        )
        await self._add_revisions(request.id, request.documents, revision=0, at=at)

    async def get(self, request_id: str) -> SigningRequest | None:
        row = (await self.session.execute(sa.select(orm.requests).where(orm.requests.c.id == request_id))).first()
        if row is None:
            return None
        s = orm.signers
        signer_rows = (
            await self.session.execute(
                sa.select(s).where(s.c.request_id == request_id).order_by(s.c.step, s.c.position)
            )
        ).all()
        d = orm.documents
        latest = (
            sa.select(d.c.role, sa.func.max(d.c.revision).label("revision"))
            .where(d.c.request_id == request_id)
            .group_by(d.c.role)
            .subquery()
        )
        doc_rows = (
            await self.session.execute(
                sa.select(d)
                .join(latest, sa.and_(d.c.role == latest.c.role, d.c.revision == latest.c.revision))
                .where(d.c.request_id == request_id)
                .order_by(d.c.role)
            )
        ).all()
        steps: dict[int, list[Signer]] = {}
        for r in signer_rows:
            steps.setdefault(r.step, []).append(
                Signer(
                    role=r.role,
                    staff_id=r.staff_id,
                    name=r.name,
                    field_name=r.field_name,
                    subject_code=r.subject_code,
                    signed_at=_utc(r.signed_at),
                    signed_by=r.signed_by,
                    certificate_subject=r.certificate_subject,
                )
            )
        rejection = None
        if row.rejected_at is not None:
            rejection = Rejection(
                by=row.rejected_by,
                by_name=row.rejected_by_name,
                role=row.rejected_role,
                reason=row.rejected_reason,
                at=cast(datetime, _utc(row.rejected_at)),
            )
        return SigningRequest(
            id=row.id,
            school_id=row.school_id,
            requester=row.requester,
            document_kind=row.document_kind,
            title=row.title,
            reference=row.reference,
            steps=tuple(Step(order=o, signers=tuple(ss)) for o, ss in sorted(steps.items())),
            documents=tuple(
                Document(role=r.role, object_key=r.object_key, sha256=r.sha256, media_type=r.media_type, size=r.size)
                for r in doc_rows
            ),
            requested_by=row.requested_by,
            requested_at=cast(datetime, _utc(row.requested_at)),
            status=Status(row.status),
            step_opened_at=_utc(row.step_opened_at),
            reminded_at=_utc(row.reminded_at),
            completed_at=_utc(row.completed_at),
            rejection=rejection,
            version=row.version,
        )

    async def save(self, request: SigningRequest, *, at: datetime) -> bool:
        """Write the request if nobody saved it since it was loaded (its `version`); new revisions are appended."""
        t = orm.requests
        updated = await self.session.execute(
            sa.update(t)
            .where(t.c.id == request.id, t.c.version == request.version)
            .values(**{k: v for k, v in self._row(request).items() if k != "id"}, version=request.version + 1)
        )
        if updated.rowcount != 1:  # type: ignore[attr-defined]
            return False
        s = orm.signers
        for step in request.steps:
            for signer in step.signers:
                if signer.signed:
                    await self.session.execute(
                        sa.update(s)
                        .where(s.c.request_id == request.id, s.c.field_name == signer.field_name)
                        .values(
                            signed_at=signer.signed_at,
                            signed_by=signer.signed_by,
                            certificate_subject=signer.certificate_subject,
                        )
                    )
        d = orm.documents
        for doc in request.documents:
            current = (
                await self.session.execute(
                    sa.select(d.c.revision, d.c.sha256)
                    .where(d.c.request_id == request.id, d.c.role == doc.role)
                    .order_by(d.c.revision.desc())
                    .limit(1)
                )
            ).first()
            if current is None or current.sha256 != doc.sha256:
                await self._add_revisions(
                    request.id, [doc], revision=0 if current is None else current.revision + 1, at=at
                )
        return True

    async def revisions(self, request_id: str) -> list[tuple[FileRole, int, str]]:
        """(role, revision, sha256) of every stored revision, oldest first."""
        d = orm.documents
        rows = await self.session.execute(
            sa.select(d.c.role, d.c.revision, d.c.sha256).where(d.c.request_id == request_id).order_by(d.c.revision)
        )
        return [(r.role, r.revision, r.sha256) for r in rows]

    async def add_archives(self, request_id: str, files: Sequence[ArchivedFile]) -> None:
        await self.session.execute(
            sa.insert(orm.archives),
            [
                {
                    "request_id": request_id,
                    "role": f.role,
                    "object_key": f.object_key,
                    "sha256": f.sha256,
                    "size": f.size,
                    "retain_until": f.retain_until,
                    "archived_at": f.archived_at,
                }
                for f in files
            ],
        )

    async def archives(self, request_id: str) -> list[ArchivedFile]:
        a = orm.archives
        rows = await self.session.execute(sa.select(a).where(a.c.request_id == request_id).order_by(a.c.role))
        return [
            ArchivedFile(
                role=r.role,
                object_key=r.object_key,
                sha256=r.sha256,
                size=r.size,
                retain_until=cast(datetime, _utc(r.retain_until)),
                archived_at=cast(datetime, _utc(r.archived_at)),
            )
            for r in rows
        ]

    async def open_ids(
        self,
        *,
        school_id: str | None = None,
        document_kind: str | None = None,
        staff_id: str | None = None,
        seal_schools: Sequence[str] = (),
        limit: int = 1000,
    ) -> list[str]:
        """Open requests, oldest first, optionally only those naming the staff member (or a seal of these schools)
        among signers who have not signed yet."""
        t, s = orm.requests, orm.signers
        query = sa.select(t.c.id).where(t.c.status.in_([Status.PENDING.value, Status.IN_PROGRESS.value]))
        if school_id is not None:
            query = query.where(t.c.school_id == school_id)
        if document_kind is not None:
            query = query.where(t.c.document_kind == document_kind)
        if staff_id is not None or seal_schools:
            mine = sa.and_(s.c.request_id == t.c.id, s.c.signed_at.is_(None))
            who: list[sa.ColumnElement[bool]] = []
            if staff_id is not None:
                who.append(s.c.staff_id == staff_id)
            if seal_schools:
                who.append(sa.and_(s.c.role == "school_seal", t.c.school_id.in_(list(seal_schools))))
            query = query.where(sa.exists(sa.select(sa.literal(1)).where(mine, sa.or_(*who))))
        rows = await self.session.scalars(query.order_by(t.c.requested_at, t.c.id).limit(limit))
        return list(rows)

    async def waiting_since(self, cutoff: datetime, *, limit: int = 500) -> list[str]:
        """Open requests whose step opened (or was last reminded) at or before `cutoff`."""
        t = orm.requests
        rows = await self.session.scalars(
            sa.select(t.c.id)
            .where(
                t.c.status.in_([Status.PENDING.value, Status.IN_PROGRESS.value]),
                t.c.step_opened_at <= cutoff,
                sa.or_(t.c.reminded_at.is_(None), t.c.reminded_at <= cutoff),
            )
            .order_by(t.c.step_opened_at)
            .limit(limit)
        )
        return list(rows)

    async def mark_reminded(self, request_id: str, *, at: datetime) -> None:
        t = orm.requests
        await self.session.execute(sa.update(t).where(t.c.id == request_id).values(reminded_at=at))

    async def school_name(self, school_id: str) -> str | None:
        t = orm.directory.schools
        name: str | None = await self.session.scalar(sa.select(t.c.name).where(t.c.id == school_id))
        return name

    @staticmethod
    def _row(r: SigningRequest) -> dict[str, Any]:
        rej = r.rejection
        return {
            "id": r.id,
            "school_id": r.school_id,
            "requester": r.requester,
            "document_kind": r.document_kind,
            "title": r.title,
            "reference": r.reference,
            "status": r.status.value,
            "requested_by": r.requested_by,
            "requested_at": r.requested_at,
            "step_opened_at": r.step_opened_at,
            "reminded_at": r.reminded_at,
            "completed_at": r.completed_at,
            "rejected_by": rej.by if rej else None,
            "rejected_by_name": rej.by_name if rej else None,
            "rejected_role": rej.role if rej else None,
            "rejected_reason": rej.reason if rej else None,
            "rejected_at": rej.at if rej else None,
        }

    @staticmethod
    def _signer(s: Signer) -> dict[str, Any]:
        return {
            "role": s.role,
            "staff_id": s.staff_id,
            "name": s.name,
            "field_name": s.field_name,
            "subject_code": s.subject_code,
            "signed_at": s.signed_at,
            "signed_by": s.signed_by,
            "certificate_subject": s.certificate_subject,
        }

    async def _add_revisions(self, request_id: str, docs: Sequence[Document], *, revision: int, at: datetime) -> None:
        await self.session.execute(
            sa.insert(orm.documents),
            [
                {
                    "request_id": request_id,
                    "role": doc.role,
                    "revision": revision,
                    "object_key": doc.object_key,
                    "sha256": doc.sha256,
                    "media_type": doc.media_type,
                    "size": doc.size,
                    "created_at": at,
                }
                for doc in docs
            ],
        )
