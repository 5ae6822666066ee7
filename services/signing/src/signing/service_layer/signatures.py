"""Signing a request's files with the caller's key, and archiving them under object lock after the last signer.

The key is unlocked once (the PIN goes to the backend and nowhere else) and may sign many documents (a batch).
Each signature is a new revision in the object store; the request row's version makes two signers of a parallel
step that raced each other sign again on the newer revision instead of losing one signature.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from edu_shared.contracts.signing import (
    ArchivedDocument,
    DocumentRef,
    SignatureAdded,
    SignedDocumentArchived,
    SignerSpec,
    SigningCompleted,
)
from edu_shared.errors import Conflict
from signing.adapters.requests_repo import ArchivedFile
from signing.domain.credentials import Credential, missing, seal_owner, staff_owner
from signing.domain.ports import DocumentSigner
from signing.domain.requests import (
    SEAL,
    Document,
    Signatory,
    Signer,
    SigningRequest,
    Status,
    pdf_spec,
    sign,
    signer_for,
)
from signing.service_layer.context import ARCHIVE_PREFIX, REVISIONS_PREFIX, Caller, SigningContext, load, now
from signing.service_layer.requests import ENTITY
from signing.service_layer.uow import SigningUnitOfWork

# Two signers of one parallel step racing each other: the loser signs again on the winner's revision.
ATTEMPTS = 3


@dataclass(frozen=True)
class SignDocument:
    request_id: str
    secret: str | None = None  # the PIN; passed to the backend only, never logged or stored
    credential_id: str | None = None  # another credential of the same backend (e.g. a second certificate)


class ConcurrentSignature(Conflict):
    slug = "signing-concurrent"
    title = "Có người vừa ký cùng lúc"


async def credential_for(
    uow: SigningUnitOfWork, request: SigningRequest, signer: Signer, ctx: SigningContext
) -> Credential:
    """The registered key of the signer (the school's seal key for the seal); settings fill in for development."""
    owner = seal_owner(request.school_id) if signer.role == SEAL else staff_owner(signer.staff_id or "")
    credential = await uow.credentials.get(owner) or ctx.configured.get(owner)
    if credential is None:
        raise missing(owner, name=signer.label)
    return credential


async def prepare(
    cmd: SignDocument, uow: SigningUnitOfWork, *, caller: Caller, ctx: SigningContext
) -> tuple[Signatory, Credential]:
    """Check that the caller may sign now and find their key, before any PIN is used."""
    loaded = await load(uow, caller, cmd.request_id)
    signer = signer_for(loaded.request, loaded.who)
    async with uow:
        credential = await credential_for(uow, loaded.request, signer, ctx)
    if cmd.credential_id:
        credential = Credential(
            owner=credential.owner, backend=credential.backend, credential_id=cmd.credential_id, label=credential.label
        )
    return loaded.who, credential


async def sign_request(
    cmd: SignDocument, uow: SigningUnitOfWork, *, caller: Caller, ctx: SigningContext
) -> SigningRequest:
    """Sign the current revision of the request's files as the caller; archive and complete after the last signer."""
    _, credential = await prepare(cmd, uow, caller=caller, ctx=ctx)
    key = await ctx.unlock(credential, secret=cmd.secret)
    return await sign_with(cmd.request_id, key, uow, caller=caller, ctx=ctx)


async def _signed_files(
    request: SigningRequest, signer: Signer, key: DocumentSigner, ctx: SigningContext, *, location: str
) -> list[Document]:
    files: list[Document] = []
    for doc in request.documents:
        data = await ctx.store.get(doc.object_key)
        if hashlib.sha256(data).hexdigest() != doc.sha256:
            raise Conflict(
                f"Tệp {doc.role.upper()} của «{request.title}» trong kho không còn khớp SHA-256 đã ghi; không ký.",
                request_id=request.id,
                object_key=doc.object_key,
            )
        if doc.role == "pdf":
            signed = await key.sign_pdf(data, pdf_spec(request, signer, location=location, level=ctx.level))
        else:
            signed = await key.sign_xml(data)
        stored = await ctx.store.put(
            signed,
            content_type=doc.media_type,
            metadata={"request-id": request.id, "role": doc.role},
            prefix=REVISIONS_PREFIX,
        )
        files.append(
            Document(
                role=doc.role, object_key=stored.key, sha256=stored.sha256, media_type=doc.media_type, size=stored.size
            )
        )
    return files


async def _archive(request: SigningRequest, ctx: SigningContext, *, at: datetime) -> list[ArchivedFile]:
    """Write the final files under object lock; the store never overwrites and refuses deletion until retention ends."""
    retain_until = ctx.retain_until(at)
    archived: list[ArchivedFile] = []
    for doc in request.documents:
        data = await ctx.store.get(doc.object_key)
        stored = await ctx.store.put(
            data,
            content_type=doc.media_type,
            metadata={
                "sha256": doc.sha256,
                "request-id": request.id,
                "school-id": request.school_id,
                "document-kind": request.document_kind,
                "reference": request.reference[:200],
            },
            retain_until=retain_until,
            prefix=ARCHIVE_PREFIX,
        )
        archived.append(
            ArchivedFile(
                role=doc.role,
                object_key=stored.key,
                sha256=stored.sha256,
                size=stored.size,
                retain_until=stored.retain_until or retain_until,
                archived_at=at,
            )
        )
    return archived


def _refs(documents: tuple[Document, ...] | list[Document]) -> list[DocumentRef]:
    return [
        DocumentRef(role=d.role, object_key=d.object_key, sha256=d.sha256, media_type=d.media_type, size=d.size)
        for d in documents
    ]


async def sign_with(
    request_id: str, key: DocumentSigner, uow: SigningUnitOfWork, *, caller: Caller, ctx: SigningContext
) -> SigningRequest:
    """Sign one request with an unlocked key (the batch reuses the key across requests)."""
    for _ in range(ATTEMPTS):
        loaded = await load(uow, caller, request_id)
        request, who = loaded.request, loaded.who
        signer = signer_for(request, who)
        # No transaction while signing: a token, a TSA or an OCSP responder may take seconds, and SQLite has one writer.
        files = await _signed_files(request, signer, key, ctx, location=loaded.school_name)
        at = now()
        info = key.info
        signed = sign(request, signer, by=who.account_id, at=at, certificate_subject=info.subject, documents=files)
        archived = await _archive(signed, ctx, at=at) if signed.status == Status.COMPLETED else []
        async with uow:
            if not await uow.requests.save(signed, at=at):
                continue  # a co-signer of the step saved first: sign again on their revision
            uow.audit.record(
                chain=request.school_id,
                actor_id=who.account_id,
                actor_name=who.name,
                action="signing.signed",
                entity=ENTITY,
                entity_id=request.id,
                before={"status": request.status.value, "documents": {d.role: d.sha256 for d in request.documents}},
                after={
                    "status": signed.status.value,
                    "role": signer.role,
                    "field": signer.field_name,
                    "certificate": {"subject": info.subject, "serial": info.serial_number, "issuer": info.issuer},
                    "documents": {d.role: d.sha256 for d in files},
                },
            )
            uow.emit(
                SignatureAdded(
                    request_id=request.id,
                    school_id=request.school_id,
                    reference=request.reference,
                    signer=SignerSpec(
                        role=signer.role,
                        staff_id=signer.staff_id,
                        name=signer.name,
                        field_name=signer.field_name,
                        subject_code=signer.subject_code,
                    ),
                    signed_by=who.staff_id or who.account_id,
                    signed_at=at,
                    certificate_subject=info.subject,
                    documents=_refs(files),
                ),
                partition_key=request.school_id,
            )
            if archived:
                await _complete(uow, signed, archived, who=who, at=at)
            await uow.commit()
            return signed
    raise ConcurrentSignature(
        f"Nhiều người ký «{request_id}» cùng lúc; chữ ký của bạn chưa được ghi, hãy thử lại.", request_id=request_id
    )


async def _complete(
    uow: SigningUnitOfWork, request: SigningRequest, archived: list[ArchivedFile], *, who: Signatory, at: datetime
) -> None:
    await uow.requests.add_archives(request.id, archived)
    retain_until = archived[0].retain_until
    uow.audit.record(
        chain=request.school_id,
        actor_id=who.account_id,
        actor_name=who.name,
        action="signing.archived",
        entity=ENTITY,
        entity_id=request.id,
        after={
            "files": {f.role: {"key": f.object_key, "sha256": f.sha256} for f in archived},
            "retain_until": retain_until.isoformat(),
        },
    )
    uow.emit(
        SignedDocumentArchived(
            request_id=request.id,
            school_id=request.school_id,
            reference=request.reference,
            documents=[
                ArchivedDocument(
                    role=f.role, object_key=f.object_key, sha256=f.sha256, size=f.size, retain_until=f.retain_until
                )
                for f in archived
            ],
            archived_at=at,
        ),
        partition_key=request.school_id,
    )
    media = {d.role: d.media_type for d in request.documents}
    uow.emit(
        SigningCompleted(
            request_id=request.id,
            school_id=request.school_id,
            reference=request.reference,
            documents=[
                DocumentRef(
                    role=f.role, object_key=f.object_key, sha256=f.sha256, media_type=media[f.role], size=f.size
                )
                for f in archived
            ],
            completed_at=at,
            retain_until=retain_until.date(),
        ),
        partition_key=request.school_id,
    )
