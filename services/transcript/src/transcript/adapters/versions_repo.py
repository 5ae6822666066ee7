"""Keeps transcript versions (frozen content, submitted and signed files, signatures), the lifecycle columns of a
transcript, the per-year locks and imported packages."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.contracts.signing import DocumentRef
from transcript.adapters import orm_lifecycle as lc
from transcript.adapters import orm_transcripts as t
from transcript.adapters.json_document import TranscriptDocument, from_document
from transcript.domain.lifecycle import Signature, Status, Version
from transcript.domain.transcript import Transcript


@dataclass(frozen=True)
class FrozenVersion:
    """A version with its frozen content and its files."""

    version: Version
    transcript: Transcript
    document: TranscriptDocument
    submitted_documents: tuple[DocumentRef, ...]
    signed_documents: tuple[DocumentRef, ...]


@dataclass(frozen=True)
class ImportedPackage:
    """A package accepted from another school (or another installation)."""

    id: str
    transcript_id: str
    student_id: str
    school_id: str
    source_school_name: str
    source_transcript_id: str
    school_years: tuple[str, ...]
    package_key: str
    package_sha256: str
    manifest: dict[str, Any]
    imported_by: str
    imported_at: datetime


def _documents(raw: str | None) -> tuple[DocumentRef, ...]:
    return tuple(DocumentRef.model_validate(d) for d in json.loads(raw or "[]"))


def _dump(documents: Sequence[DocumentRef]) -> str:
    return json.dumps([d.model_dump() for d in documents])


def _version(r: Any) -> Version:
    return Version(
        transcript_id=r.transcript_id,
        version=r.version,
        status=r.status,
        request_id=r.request_id,
        content_sha256=r.content_sha256,
        submitted_by=r.submitted_by,
        submitted_at=r.submitted_at,
        supersedes=r.supersedes,
        superseded_by=r.superseded_by,
        signatures=tuple(
            Signature(**{**s, "signed_at": datetime.fromisoformat(s["signed_at"])}) for s in json.loads(r.signatures)
        ),
        signed_at=r.signed_at,
        retain_until=r.retain_until,
        returned_reason=r.returned_reason,
        issued_reason=r.issued_reason,
        issued_by=r.issued_by,
        issued_at=r.issued_at,
    )


class VersionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Versions.

    async def of_transcript(self, transcript_id: str) -> list[Version]:
        """Every version, oldest first."""
        rows = await self.session.execute(
            sa.select(lc.versions).where(lc.versions.c.transcript_id == transcript_id).order_by(lc.versions.c.version)
        )
        return [_version(r) for r in rows]

    async def frozen(self, transcript_id: str, version: int) -> FrozenVersion | None:
        v = lc.versions.c
        row = (
            await self.session.execute(
                sa.select(lc.versions).where(v.transcript_id == transcript_id, v.version == version)
            )
        ).first()
        if row is None:
            return None
        document = TranscriptDocument.model_validate_json(row.content)
        return FrozenVersion(
            version=_version(row),
            transcript=from_document(document),
            document=document,
            submitted_documents=_documents(row.submitted_documents),
            signed_documents=_documents(row.signed_documents),
        )

    async def by_request(self, request_id: str) -> Version | None:
        row = (await self.session.execute(sa.select(lc.versions).where(lc.versions.c.request_id == request_id))).first()
        return None if row is None else _version(row)

    async def add(
        self,
        *,
        transcript_id: str,
        version: int,
        request_id: str,
        document: TranscriptDocument,
        content_sha256: str,
        documents: Sequence[DocumentRef],
        supersedes: int | None,
        by: str,
        at: datetime,
    ) -> None:
        await self.session.execute(
            sa.insert(lc.versions).values(
                transcript_id=transcript_id,
                version=version,
                status="submitted",
                request_id=request_id,
                content=document.model_dump_json(),
                content_sha256=content_sha256,
                submitted_documents=_dump(documents),
                signatures="[]",
                supersedes=supersedes,
                submitted_by=by,
                submitted_at=at,
            )
        )

    async def _update(self, transcript_id: str, version: int, **values: Any) -> None:
        v = lc.versions.c
        await self.session.execute(
            sa.update(lc.versions).where(v.transcript_id == transcript_id, v.version == version).values(**values)
        )

    async def add_signature(
        self, transcript_id: str, version: int, signature: Signature, documents: Sequence[DocumentRef]
    ) -> None:
        """Record a signature and the revision it produced (the latest files until the request completes)."""
        v = lc.versions.c
        raw = await self.session.scalar(
            sa.select(v.signatures).where(v.transcript_id == transcript_id, v.version == version)
        )
        signatures = [s for s in json.loads(raw or "[]") if s["field_name"] != signature.field_name]
        signatures.append({**signature.__dict__, "signed_at": signature.signed_at.isoformat()})
        await self._update(
            transcript_id,
            version,
            signatures=json.dumps(signatures, ensure_ascii=False),
            signed_documents=_dump(documents),
        )

    async def complete(
        self, transcript_id: str, version: int, *, documents: Sequence[DocumentRef], at: datetime, retain_until: date
    ) -> None:
        await self._update(
            transcript_id,
            version,
            status="signed",
            signed_documents=_dump(documents),
            signed_at=at,
            retain_until=retain_until,
        )

    async def returned(self, transcript_id: str, version: int, *, reason: str, at: datetime) -> None:
        await self._update(transcript_id, version, status="returned", returned_reason=reason, returned_at=at)

    async def superseded(self, transcript_id: str, version: int, *, by: int) -> None:
        await self._update(transcript_id, version, status="superseded", superseded_by=by)

    async def issued(self, transcript_id: str, version: int, *, reason: str, by: str, at: datetime) -> None:
        await self._update(transcript_id, version, status="issued", issued_reason=reason, issued_by=by, issued_at=at)

    # The transcript's lifecycle columns.

    async def set_lifecycle(
        self,
        transcript_id: str,
        *,
        status: Status,
        version: int | None = None,
        returned_reason: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "returned_reason": returned_reason}
        if version is not None:
            values["version"] = version
        await self.session.execute(sa.update(t.transcripts).where(t.transcripts.c.id == transcript_id).values(**values))
        await self.refresh_stale(transcript_id)

    async def refresh_stale(self, transcript_id: str) -> None:
        """Stale: the working content differs from the version that stands (open submission, else last valid)."""
        v = lc.versions.c
        frozen = await self.session.scalar(
            sa.select(v.content_sha256)
            .where(v.transcript_id == transcript_id, v.status.in_(("submitted", "signed", "issued")))
            .order_by(v.version.desc())
            .limit(1)
        )
        current = await self.session.scalar(
            sa.select(t.transcripts.c.content_sha256).where(t.transcripts.c.id == transcript_id)
        )
        await self.session.execute(
            sa.update(t.transcripts)
            .where(t.transcripts.c.id == transcript_id)
            .values(stale=frozen is not None and frozen != current)
        )

    # Locks.

    async def locked_years(self, class_ids: Iterable[str]) -> set[str]:
        """The school years locked for any of these classes."""
        ids = list(class_ids)
        if not ids:
            return set()
        found = await self.session.scalars(sa.select(lc.locks.c.school_year).where(lc.locks.c.class_id.in_(ids)))
        return set(found)

    async def is_locked(self, class_id: str, school_year: str) -> bool:
        found = await self.session.scalar(
            sa.select(lc.locks.c.class_id).where(lc.locks.c.class_id == class_id, lc.locks.c.school_year == school_year)
        )
        return found is not None

    async def lock(self, *, school_id: str, class_id: str, school_year: str, by: str, at: datetime) -> None:
        await self.session.execute(
            sa.insert(lc.locks).values(
                class_id=class_id, school_year=school_year, school_id=school_id, locked_by=by, locked_at=at
            )
        )

    async def unlock(self, *, class_id: str, school_year: str) -> None:
        await self.session.execute(
            sa.delete(lc.locks).where(lc.locks.c.class_id == class_id, lc.locks.c.school_year == school_year)
        )

    # Imports.

    async def add_import(self, package: ImportedPackage) -> None:
        await self.session.execute(
            sa.insert(lc.imports).values(
                id=package.id,
                transcript_id=package.transcript_id,
                student_id=package.student_id,
                school_id=package.school_id,
                source_school_name=package.source_school_name,
                source_transcript_id=package.source_transcript_id,
                school_years=",".join(package.school_years),
                package_key=package.package_key,
                package_sha256=package.package_sha256,
                manifest=json.dumps(package.manifest, ensure_ascii=False),
                imported_by=package.imported_by,
                imported_at=package.imported_at,
            )
        )

    async def imports_of(self, transcript_id: str) -> list[ImportedPackage]:
        rows = await self.session.execute(
            sa.select(lc.imports).where(lc.imports.c.transcript_id == transcript_id).order_by(lc.imports.c.imported_at)
        )
        return [
            ImportedPackage(
                id=r.id,
                transcript_id=r.transcript_id,
                student_id=r.student_id,
                school_id=r.school_id,
                source_school_name=r.source_school_name,
                source_transcript_id=r.source_transcript_id,
                school_years=tuple(y for y in r.school_years.split(",") if y),
                package_key=r.package_key,
                package_sha256=r.package_sha256,
                manifest=json.loads(r.manifest),
                imported_by=r.imported_by,
                imported_at=r.imported_at,
            )
            for r in rows
        ]
