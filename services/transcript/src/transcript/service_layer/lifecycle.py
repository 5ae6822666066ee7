"""Lifecycle use cases: submit a version for signing, follow the signing service's outcomes, lock a class's year,
issue a signed version, read the version history."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.signing import (
    DocumentRef,
    SignatureAdded,
    SignerSpec,
    SigningCompleted,
    SigningRejected,
    SigningRequested,
    SigningRequestRefused,
    SigningStep,
)
from edu_shared.contracts.transcript import (
    TranscriptIssued,
    TranscriptSigned,
    TranscriptSigningReturned,
    TranscriptSubmitted,
    TranscriptSuperseded,
    TranscriptYearLocked,
)
from edu_shared.errors import Conflict, NotFound
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import parse_payload
from edu_shared.objectstore.port import ObjectStore
from transcript.adapters.pdf_transcript import PDF_MEDIA_TYPE, render_pdf
from transcript.adapters.transcripts_repo import StoredTranscript
from transcript.adapters.versions_repo import FrozenVersion, ImportedPackage
from transcript.adapters.xml_document import XML_MEDIA_TYPE, render_xml
from transcript.domain.lifecycle import (
    IssueReason,
    Signature,
    Version,
    check_issuable,
    check_submittable,
    check_unlocked,
    current_valid,
    parse_reference,
    reference,
    signing_steps,
    status_after_return,
)
from transcript.service_layer.drafts import rebuild_drafts
from transcript.service_layer.handlers import Caller, UowFactory, _stored, transcript
from transcript.service_layer.uow import TranscriptUnitOfWork

OBJECT_PREFIX = "transcripts/"
SIGNING_TYPES = frozenset(
    e.event_meta().type for e in (SignatureAdded, SigningRejected, SigningRequestRefused, SigningCompleted)
)


async def put_document(store: ObjectStore, data: bytes, *, role: str, media_type: str) -> DocumentRef:
    """Write one file under the transcripts prefix (content-addressed: the same bytes, the same key)."""
    stored = await store.put(data, content_type=media_type, prefix=OBJECT_PREFIX)
    return DocumentRef(
        role="pdf" if role == "pdf" else "xml",
        object_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        media_type=media_type,
    )


def _latest_class(found: StoredTranscript) -> str:
    return found.transcript.pages[-1].class_id if found.transcript.pages else ""


async def submit(
    transcript_id: str, uow_factory: UowFactory, *, caller: Caller, store: ObjectStore, base_url: str, now: datetime
) -> StoredTranscript:
    """The homeroom teacher of the latest year's class freezes the transcript as a new version and asks for it to
    be signed: subject teachers of each year → homeroom teacher → principal → school seal."""
    async with uow_factory() as uow:
        found = await _stored(uow, transcript_id)
    await authorize(
        caller.user, Permission.TRANSCRIPT_WRITE, (ScopeType.CLASS, _latest_class(found)), resolver=caller.resolver
    )
    async with uow_factory() as uow:
        # The content frozen is the one the facts give now, not whatever was last stored.
        await rebuild_drafts(uow, [found.transcript.student_id], now=now)
        found = await _stored(uow, transcript_id)
        t = found.transcript
        locked = await uow.versions.locked_years(p.class_id for p in t.pages)
        check_submittable(found.status, transcript=t, locked_years=locked)
        steps = signing_steps(t)
        number = found.version + 1
        supersedes = current_valid(await uow.versions.of_transcript(t.id))
        label = f"Phiên bản {number} · trình ký"
        pdf = await asyncio.to_thread(render_pdf, t, base_url=base_url, printed_at=now, status_label=label)
        xml = await asyncio.to_thread(render_xml, found.document)
        documents = [
            await put_document(store, pdf, role="pdf", media_type=PDF_MEDIA_TYPE),
            await put_document(store, xml, role="xml", media_type=XML_MEDIA_TYPE),
        ]
        request_id = str(uuid.uuid4())
        await uow.versions.add(
            transcript_id=t.id,
            version=number,
            request_id=request_id,
            document=found.document,
            content_sha256=found.content_sha256,
            documents=documents,
            supersedes=supersedes.version if supersedes else None,
            by=caller.user.username,
            at=now,
        )
        await uow.versions.set_lifecycle(t.id, status="submitted", version=number)
        page = t.pages[-1]
        uow.emit(
            SigningRequested(
                request_id=request_id,
                requester="transcript",
                school_id=t.school_id,
                document_kind="transcript",
                title=f"Học bạ — {t.profile.full_name} — lớp {page.class_name} — {page.school_year}",
                reference=reference(t.id, number),
                documents=documents,
                steps=[
                    SigningStep(
                        order=i,
                        signers=[
                            SignerSpec(
                                role=s.role,
                                staff_id=s.staff_id,
                                name=s.name,
                                field_name=s.field_name,
                                subject_code=s.subject_code,
                            )
                            for s in slots
                        ],
                    )
                    for i, slots in enumerate(steps, start=1)
                ],
                requested_by=caller.user.username,
                requested_at=now,
            ),
            partition_key=t.school_id,
            subject=t.id,
        )
        uow.emit(
            TranscriptSubmitted(
                transcript_id=t.id,
                school_id=t.school_id,
                student_id=t.student_id,
                version=number,
                request_id=request_id,
                content_sha256=found.content_sha256,
                supersedes=supersedes.version if supersedes else None,
                submitted_by=caller.user.username,
                submitted_at=now,
            ),
            partition_key=t.school_id,
            subject=t.id,
        )
        await uow.commit()
        return await _stored(uow, transcript_id)


async def apply_signing_event(uow: TranscriptUnitOfWork, event: CloudEvent) -> None:
    """Follow a signing outcome of one of our versions (another author's requests are ignored)."""
    if event.type not in SIGNING_TYPES:
        return
    payload = parse_payload(event.type, event.data)
    assert isinstance(payload, SignatureAdded | SigningRejected | SigningRequestRefused | SigningCompleted)
    if parse_reference(payload.reference) is None:
        return
    version = await uow.versions.by_request(payload.request_id)
    if version is None or version.status != "submitted":
        return  # not ours, or already settled: a late or repeated outcome changes nothing
    tid, number = version.transcript_id, version.version
    if isinstance(payload, SignatureAdded):
        signature = Signature(
            field_name=payload.signer.field_name,
            role=payload.signer.role,
            name=payload.signer.name,
            signed_by=payload.signed_by,
            signed_at=payload.signed_at,
            certificate_subject=payload.certificate_subject,
        )
        await uow.versions.add_signature(tid, number, signature, payload.documents)
        return
    if isinstance(payload, SigningRejected | SigningRequestRefused):
        if isinstance(payload, SigningRejected):
            reason = f"{payload.reason} (người trả lại: {payload.rejected_by})"
            at = payload.rejected_at
        else:
            reason = f"Dịch vụ ký số không nhận yêu cầu: {payload.reason}"
            at = payload.refused_at
        await uow.versions.returned(tid, number, reason=reason, at=at)
        status = status_after_return(await uow.versions.of_transcript(tid))
        await uow.versions.set_lifecycle(tid, status=status, returned_reason=reason)
        uow.emit(
            TranscriptSigningReturned(
                transcript_id=tid, school_id=payload.school_id, version=number, reason=reason, returned_at=at
            ),
            partition_key=payload.school_id,
            subject=tid,
        )
        return
    await _complete(uow, version, payload)


async def _complete(uow: TranscriptUnitOfWork, version: Version, payload: SigningCompleted) -> None:
    tid, number = version.transcript_id, version.version
    await uow.versions.complete(
        tid, number, documents=payload.documents, at=payload.completed_at, retain_until=payload.retain_until
    )
    if version.supersedes is not None:
        await uow.versions.superseded(tid, version.supersedes, by=number)
        uow.emit(
            TranscriptSuperseded(
                transcript_id=tid,
                school_id=payload.school_id,
                version=version.supersedes,
                by_version=number,
                superseded_at=payload.completed_at,
            ),
            partition_key=payload.school_id,
            subject=tid,
        )
    await uow.versions.set_lifecycle(tid, status="signed")
    pdf = next((d for d in payload.documents if d.role == "pdf"), None)
    xml = next((d for d in payload.documents if d.role == "xml"), None)
    stored = await uow.transcripts.get(tid)
    uow.emit(
        TranscriptSigned(
            transcript_id=tid,
            school_id=payload.school_id,
            student_id=stored.transcript.student_id if stored else "",
            version=number,
            content_sha256=version.content_sha256,
            pdf_key=pdf.object_key if pdf else "",
            pdf_sha256=pdf.sha256 if pdf else "0" * 64,
            xml_key=xml.object_key if xml else None,
            xml_sha256=xml.sha256 if xml else None,
            signed_at=payload.completed_at,
        ),
        partition_key=payload.school_id,
        subject=tid,
    )


@dataclass(frozen=True)
class ClassLock:
    class_id: str
    school_id: str
    school_year: str
    locked: bool


async def set_year_lock(
    class_id: str, locked: bool, uow_factory: UowFactory, *, caller: Caller, now: datetime
) -> ClassLock:
    """The principal locks (chốt) or unlocks the transcripts of a class for its school year (seed 000 Điều 12)."""
    async with uow_factory() as uow:
        klass = await uow.transcripts.class_info(class_id)
    if klass is None:
        raise NotFound(f"Không có lớp với mã định danh {class_id}.", field="class_id", value=class_id)
    school_id, school_year = klass
    await authorize(caller.user, Permission.TRANSCRIPT_SIGN, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    async with uow_factory() as uow:
        if await uow.versions.is_locked(class_id, school_year) != locked:
            if locked:
                await uow.versions.lock(
                    school_id=school_id, class_id=class_id, school_year=school_year, by=caller.user.username, at=now
                )
            else:
                await uow.versions.unlock(class_id=class_id, school_year=school_year)
            uow.emit(
                TranscriptYearLocked(
                    school_id=school_id,
                    class_id=class_id,
                    school_year=school_year,
                    locked=locked,
                    by=caller.user.username,
                    at=now,
                ),
                partition_key=school_id,
                subject=class_id,
            )
            await uow.commit()
    return ClassLock(class_id=class_id, school_id=school_id, school_year=school_year, locked=locked)


async def check_year_unlocked(uow: TranscriptUnitOfWork, found: StoredTranscript, school_year: str) -> None:
    """Refuse writing into a locked year of this transcript."""
    locked = await uow.versions.locked_years(p.class_id for p in found.transcript.pages)
    check_unlocked(found.transcript, locked, school_year=school_year)


async def issue(
    transcript_id: str, reason: IssueReason, uow_factory: UowFactory, *, caller: Caller, now: datetime
) -> StoredTranscript:
    """The principal issues the signed version to the student (graduation, transfer, on request)."""
    async with uow_factory() as uow:
        found = await _stored(uow, transcript_id)
    await authorize(
        caller.user,
        Permission.TRANSCRIPT_SIGN,
        (ScopeType.SCHOOL, found.transcript.school_id),
        resolver=caller.resolver,
    )
    async with uow_factory() as uow:
        found = await _stored(uow, transcript_id)
        if found.status == "submitted":
            raise Conflict(
                "Học bạ đang được trình ký một phiên bản mới: chờ ký xong rồi mới cấp.",
                field="status",
                value="submitted",
            )
        version = check_issuable(current_valid(await uow.versions.of_transcript(transcript_id)))
        await uow.versions.issued(transcript_id, version.version, reason=reason, by=caller.user.username, at=now)
        await uow.versions.set_lifecycle(transcript_id, status="issued")
        t = found.transcript
        uow.emit(
            TranscriptIssued(
                transcript_id=t.id,
                school_id=t.school_id,
                student_id=t.student_id,
                version=version.version,
                reason=reason,
                issued_by=caller.user.username,
                issued_at=now,
            ),
            partition_key=t.school_id,
            subject=t.id,
        )
        await uow.commit()
        return await _stored(uow, transcript_id)


async def history(uow_factory: UowFactory, transcript_id: str) -> tuple[list[Version], list[ImportedPackage]]:
    """Versions and imported packages of a transcript the caller was already allowed to read."""
    async with uow_factory() as uow:
        return await uow.versions.of_transcript(transcript_id), await uow.versions.imports_of(transcript_id)


async def versions(uow_factory: UowFactory, *, caller: Caller, transcript_id: str) -> list[Version]:
    """The version history, oldest first, for whoever may read the transcript."""
    await transcript(uow_factory, caller=caller, transcript_id=transcript_id)
    async with uow_factory() as uow:
        return await uow.versions.of_transcript(transcript_id)


async def frozen_version(uow_factory: UowFactory, *, caller: Caller, transcript_id: str, version: int) -> FrozenVersion:
    """One version's frozen content and files."""
    await transcript(uow_factory, caller=caller, transcript_id=transcript_id)
    async with uow_factory() as uow:
        found = await uow.versions.frozen(transcript_id, version)
    if found is None:
        raise NotFound(f"Học bạ không có phiên bản {version}.", field="version", value=version)
    return found


async def version_file(
    uow_factory: UowFactory, *, caller: Caller, store: ObjectStore, transcript_id: str, version: int, role: str
) -> tuple[FrozenVersion, bytes]:
    """A version's file: the signed one once signing completed (or the latest revision), else the submitted one."""
    found = await frozen_version(uow_factory, caller=caller, transcript_id=transcript_id, version=version)
    for documents in (found.signed_documents, found.submitted_documents):
        ref = next((d for d in documents if d.role == role), None)
        if ref is not None:
            return found, await store.get(ref.object_key)
    raise NotFound(f"Phiên bản {version} không có tệp {role}.", field="role", value=role)
