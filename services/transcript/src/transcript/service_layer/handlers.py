"""Use cases of the transcript service: reading transcripts, rendering them, the homeroom comment, verification."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from edu_shared.auth.permissions import ROLE_PERMISSIONS, Permission, Scope, ScopeResolver, authorize
from edu_shared.auth.principal import CurrentUserClaims, ScopeType
from edu_shared.errors import InvalidInput, NotFound, PermissionDenied
from transcript.adapters.pdf_transcript import render_pdf
from transcript.adapters.transcripts_repo import StoredTranscript
from transcript.adapters.xml_document import render_xml
from transcript.domain.lifecycle import check_unlocked, current_valid
from transcript.domain.transcript import Transcript, YearPage
from transcript.service_layer.drafts import rebuild_drafts
from transcript.service_layer.uow import TranscriptUnitOfWork

UowFactory = Callable[[], TranscriptUnitOfWork]
MAX_HOMEROOM_COMMENT = 2000
# Staff and families read with SCORES_READ; the Sở and unit admins, who hold no such right, with REPORT_READ.
_READ_PERMISSIONS = (Permission.SCORES_READ, Permission.REPORT_READ)


@dataclass(frozen=True)
class Caller:
    """Who acts, and how their grants are resolved against the org tree."""

    user: CurrentUserClaims
    resolver: ScopeResolver


@dataclass(frozen=True)
class _StudentScope:
    """Lineage of a student's scope that climbs through every class (and class subject) of their transcripts,
    so grants over those classes, their schools and the units above reach the student, beside their own grants."""

    resolver: ScopeResolver
    student_id: str
    class_ids: frozenset[str]
    class_subjects: frozenset[str]

    async def lineage(self, scope: Scope) -> set[Scope]:
        found = await self.resolver.lineage(scope)
        if scope == (ScopeType.STUDENT, self.student_id):
            for class_id in self.class_ids:
                found |= await self.resolver.lineage((ScopeType.CLASS, class_id))
            found |= {(ScopeType.CLASS_SUBJECT, cs) for cs in self.class_subjects}
        return found


async def _authorize_read(caller: Caller, student_id: str, class_ids: set[str], transcripts: list[Transcript]) -> None:
    """Any read right the caller holds over the student; only the rights their roles carry are tried, so a
    principal is not logged as denied a parent's right."""
    resolver = _StudentScope(
        caller.resolver,
        student_id,
        frozenset(class_ids | {p.class_id for t in transcripts for p in t.pages}),
        frozenset(f"{p.class_id}:{s.code}" for t in transcripts for p in t.pages for s in p.subjects),
    )
    held = [
        p for p in _READ_PERMISSIONS if any(p in ROLE_PERMISSIONS.get(g.role, frozenset()) for g in caller.user.grants)
    ] or [Permission.SCORES_READ]
    denied: PermissionDenied | None = None
    for permission in held:
        try:
            await authorize(caller.user, permission, (ScopeType.STUDENT, student_id), resolver=resolver)
            return
        except PermissionDenied as e:
            denied = e
    assert denied is not None
    raise denied


async def _stored(uow: TranscriptUnitOfWork, transcript_id: str) -> StoredTranscript:
    found = await uow.transcripts.get(transcript_id)
    if found is None:
        raise NotFound(f"Không có học bạ với mã định danh {transcript_id}.", field="transcript_id", value=transcript_id)
    return found


async def student_transcripts(uow_factory: UowFactory, *, caller: Caller, student_id: str) -> list[StoredTranscript]:
    """A student's transcripts (one per school level), for the student, their parents and staff in scope."""
    async with uow_factory() as uow:
        found = await uow.transcripts.of_student(student_id)
        class_ids = await uow.transcripts.classes_of_student(student_id)
    await _authorize_read(caller, student_id, class_ids, [s.transcript for s in found])
    return found


async def transcript(uow_factory: UowFactory, *, caller: Caller, transcript_id: str) -> StoredTranscript:
    """One transcript, for whoever may read its student's records."""
    async with uow_factory() as uow:
        found = await _stored(uow, transcript_id)
        class_ids = await uow.transcripts.classes_of_student(found.transcript.student_id)
    await _authorize_read(caller, found.transcript.student_id, class_ids, [found.transcript])
    return found


async def transcript_pdf(
    uow_factory: UowFactory, *, caller: Caller, transcript_id: str, base_url: str, printed_at: datetime
) -> tuple[StoredTranscript, bytes]:
    """The transcript rendered as PDF (empty signature fields for every required signer)."""
    found = await transcript(uow_factory, caller=caller, transcript_id=transcript_id)
    return found, render_pdf(found.transcript, base_url=base_url, printed_at=printed_at)


async def transcript_xml(
    uow_factory: UowFactory, *, caller: Caller, transcript_id: str
) -> tuple[StoredTranscript, bytes]:
    """The transcript as XML (docs/schemas/hoc-ba.xsd)."""
    found = await transcript(uow_factory, caller=caller, transcript_id=transcript_id)
    return found, render_xml(found.document)


@dataclass(frozen=True)
class WriteHomeroomComment:
    transcript_id: str
    school_year: str
    text: str | None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(unicodedata.normalize("NFC", text).split())
    if len(cleaned) > MAX_HOMEROOM_COMMENT:
        raise InvalidInput(
            f"Nhận xét của giáo viên chủ nhiệm dài {len(cleaned)} kí tự, tối đa {MAX_HOMEROOM_COMMENT}.",
            field="text",
            value=cleaned[:50],
        )
    return cleaned or None


def _year(found: StoredTranscript, school_year: str) -> YearPage:
    page = found.transcript.page(school_year)
    if page is None:
        raise NotFound(
            f"Học bạ của học sinh {found.transcript.profile.full_name} không có năm học {school_year}.",
            field="school_year",
            value=school_year,
        )
    return page


async def write_homeroom_comment(
    cmd: WriteHomeroomComment, uow_factory: UowFactory, *, caller: Caller, now: datetime
) -> StoredTranscript:
    """The homeroom teacher's comment for a school year (TRANSCRIPT_WRITE over that year's class); redrafts."""
    text = _clean(cmd.text)
    async with uow_factory() as uow:
        found = await _stored(uow, cmd.transcript_id)
    page = _year(found, cmd.school_year)
    # Checked outside the write transaction: the resolver reads the directory in its own session (one SQLite writer).
    await authorize(
        caller.user, Permission.TRANSCRIPT_WRITE, (ScopeType.CLASS, page.class_id), resolver=caller.resolver
    )
    async with uow_factory() as uow:
        # A frozen version is never edited: the comment goes into the working draft (marking it stale); only a year
        # the principal locked refuses it.
        locked = await uow.versions.locked_years(p.class_id for p in found.transcript.pages)
        check_unlocked(found.transcript, locked, school_year=cmd.school_year)
        await uow.transcripts.set_homeroom_comment(
            student_id=found.transcript.student_id,
            school_year=cmd.school_year,
            class_id=page.class_id,
            text=text,
            by=caller.user.username,
            at=now,
        )
        await rebuild_drafts(uow, [found.transcript.student_id], now=now)
        await uow.commit()
        return await _stored(uow, cmd.transcript_id)


@dataclass(frozen=True)
class Verification:
    """What the public verification page shows: identity, status and content hash; nothing more personal than the
    student's name and their classes and years."""

    transcript_id: str
    verification_code: str
    status: str
    level: str
    student_name: str
    school_name: str
    years: list[tuple[str, str]]  # (school year, class name)
    content_sha256: str
    updated_at: datetime
    version: int | None = None  # the signed version that stands, whose content hash is shown
    signed_at: datetime | None = None


async def verify(uow: TranscriptUnitOfWork, *, code: str) -> Verification:
    """Look a transcript up by the short code printed on it (public: no login)."""
    normalised = code.strip().upper()
    async with uow:
        found = await uow.transcripts.by_code(normalised)
        valid = current_valid(await uow.versions.of_transcript(found.transcript.id)) if found else None
    if found is None:
        raise NotFound(f"Không có học bạ với mã tra cứu {code}.", field="code", value=code)
    t = found.transcript
    return Verification(
        transcript_id=t.id,
        verification_code=t.verification_code,
        status=found.status,
        level=t.level,
        student_name=t.profile.full_name,
        school_name=t.school_name,
        years=[(p.school_year, p.class_name) for p in t.pages],
        # Once signed, what a third party checks is the signed version, not the working draft.
        content_sha256=valid.content_sha256 if valid else found.content_sha256,
        updated_at=found.updated_at,
        version=valid.version if valid else None,
        signed_at=valid.signed_at if valid else None,
    )
