"""Use cases of a signing request's life apart from signing itself: creation (event or HTTP), reading, rejection."""

from __future__ import annotations

import hashlib
import logging

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.contracts.signing import SigningRejected, SigningRequested, SigningRequestRefused
from edu_shared.errors import Conflict, DomainError, InvalidInput
from edu_shared.objectstore.port import InvalidObjectKey, ObjectNotFound, ObjectStore
from signing.domain.requests import (
    SEAL,
    Document,
    Signer,
    SigningRequest,
    Step,
    check_documents,
    check_steps,
    reject,
)
from signing.service_layer.context import Caller, load, now, seal_schools
from signing.service_layer.uow import SigningUnitOfWork

log = logging.getLogger(__name__)

ENTITY = "signing_request"


def _request_of(cmd: SigningRequested) -> SigningRequest:
    steps = tuple(
        Step(
            order=step.order,
            signers=tuple(
                Signer(
                    role=s.role, staff_id=s.staff_id, name=s.name, field_name=s.field_name, subject_code=s.subject_code
                )
                for s in step.signers
            ),
        )
        for step in sorted(cmd.steps, key=lambda st: st.order)
    )
    documents = tuple(
        Document(role=d.role, object_key=d.object_key, sha256=d.sha256, media_type=d.media_type, size=d.size)
        for d in cmd.documents
    )
    return SigningRequest(
        id=cmd.request_id,
        school_id=cmd.school_id,
        requester=cmd.requester,
        document_kind=cmd.document_kind,
        title=cmd.title,
        reference=cmd.reference,
        steps=steps,
        documents=documents,
        requested_by=cmd.requested_by,
        requested_at=cmd.requested_at,
        step_opened_at=cmd.requested_at,
    )


async def _check_stored(store: ObjectStore, doc: Document) -> None:
    """The author's file is in the store and hashes to what the request says (claim check)."""
    try:
        data = await store.get(doc.object_key)
    except (ObjectNotFound, InvalidObjectKey) as exc:
        raise InvalidInput(
            f"Không tìm thấy tệp {doc.role.upper()} «{doc.object_key}» trong kho lưu trữ.",
            field="documents.object_key",
            value=doc.object_key,
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != doc.sha256.lower():
        raise InvalidInput(
            f"Tệp {doc.role.upper()} «{doc.object_key}» có SHA-256 {digest}, không khớp {doc.sha256} trong yêu cầu.",
            field="documents.sha256",
            value=doc.sha256,
        )


async def request_signing(cmd: SigningRequested, uow: SigningUnitOfWork, *, store: ObjectStore) -> SigningRequest:
    """Open a signing request whose files are in the store with the SHA-256 the author named."""
    request = _request_of(cmd)
    check_steps(request.steps)
    check_documents(request.documents)
    for doc in request.documents:
        await _check_stored(store, doc)
    async with uow:
        if await uow.requests.exists(request.id):
            raise Conflict(f"Yêu cầu ký {request.id} đã tồn tại.", request_id=request.id)
        await uow.requests.add(request, at=now())
        uow.audit.record(
            chain=request.school_id,
            actor_id=cmd.requested_by,
            actor_name=cmd.requested_by,
            action="signing.requested",
            entity=ENTITY,
            entity_id=request.id,
            after={
                "title": request.title,
                "reference": request.reference,
                "kind": request.document_kind,
                "documents": {d.role: d.sha256 for d in request.documents},
                "steps": [[s.label for s in step.signers] for step in request.steps],
            },
        )
        await uow.commit()
    return request


async def request_over_http(
    cmd: SigningRequested, uow: SigningUnitOfWork, *, store: ObjectStore, caller: Caller
) -> SigningRequest:
    """The same as the event, for authors without events: the caller must hold transcript.sign over the school."""
    await authorize(
        caller.user, Permission.TRANSCRIPT_SIGN, (ScopeType.SCHOOL, cmd.school_id), resolver=caller.resolver
    )
    return await request_signing(cmd.model_copy(update={"requested_by": caller.user.sub}), uow, store=store)


async def accept_requested_event(cmd: SigningRequested, uow: SigningUnitOfWork, *, store: ObjectStore) -> None:
    """Apply a `SigningRequested` inside the consumer's transaction; a request that cannot be opened goes back.

    The consumer's unit of work is already open (its inbox row commits with the effect), so this writes into it.
    """
    if await uow.requests.exists(cmd.request_id):
        return  # the same request sent twice under two event ids (an author's retry)
    request = _request_of(cmd)
    try:
        check_steps(request.steps)
        check_documents(request.documents)
        for doc in request.documents:
            await _check_stored(store, doc)
    except DomainError as exc:
        log.warning("signing request refused", extra={"request_id": cmd.request_id, "reason": exc.detail})
        uow.emit(
            SigningRequestRefused(
                request_id=cmd.request_id,
                school_id=cmd.school_id,
                reference=cmd.reference,
                reason=exc.detail,
                refused_at=now(),
            ),
            partition_key=cmd.school_id,
        )
        return
    await uow.requests.add(request, at=now())
    uow.audit.record(
        chain=request.school_id,
        actor_id=cmd.requested_by,
        actor_name=f"{cmd.requester}:{cmd.requested_by}",
        action="signing.requested",
        entity=ENTITY,
        entity_id=request.id,
        after={
            "title": request.title,
            "reference": request.reference,
            "kind": request.document_kind,
            "documents": {d.role: d.sha256 for d in request.documents},
            "steps": [[s.label for s in step.signers] for step in request.steps],
        },
    )


async def get_request(request_id: str, uow: SigningUnitOfWork, *, caller: Caller) -> SigningRequest:
    """A request, for its signers and for anyone who may read the school's records."""
    loaded = await load(uow, caller, request_id)
    request, who = loaded.request, loaded.who
    named = any(
        (s.staff_id is not None and s.staff_id == who.staff_id) or (s.role == SEAL and who.may_seal)
        for step in request.steps
        for s in step.signers
    )
    if not named:
        await authorize(
            caller.user, Permission.SCHOOL_READ, (ScopeType.SCHOOL, request.school_id), resolver=caller.resolver
        )
    return request


async def reject_request(request_id: str, reason: str, uow: SigningUnitOfWork, *, caller: Caller) -> SigningRequest:
    """A signer of the open step refuses with a reason; the author learns it from `SigningRejected`."""
    loaded = await load(uow, caller, request_id)
    request, who = loaded.request, loaded.who
    at = now()
    rejected = reject(request, who, reason=reason, at=at)
    async with uow:
        if not await uow.requests.save(rejected, at=at):
            raise Conflict(
                f"Yêu cầu ký «{request.title}» vừa được người khác cập nhật; hãy tải lại và thử lại.",
                request_id=request_id,
            )
        rejection = rejected.rejection
        assert rejection is not None
        uow.audit.record(
            chain=request.school_id,
            actor_id=who.account_id,
            actor_name=who.name,
            action="signing.rejected",
            entity=ENTITY,
            entity_id=request.id,
            before={"status": request.status.value},
            after={"status": rejected.status.value, "role": rejection.role},
            reason=rejection.reason,
        )
        uow.emit(
            SigningRejected(
                request_id=request.id,
                school_id=request.school_id,
                reference=request.reference,
                rejected_by=who.staff_id or who.account_id,
                role=rejection.role,
                reason=rejection.reason,
                rejected_at=at,
            ),
            partition_key=request.school_id,
        )
        await uow.commit()
    return rejected


async def pending_for_me(
    uow: SigningUnitOfWork,
    *,
    caller: Caller,
    school_id: str | None = None,
    document_kind: str | None = None,
    limit: int = 200,
) -> list[SigningRequest]:
    """Open requests naming the caller (or, for whoever holds the seal right, their school's seal) as a signer
    still to sign, oldest first; whether it is already their turn shows in each request's open step."""
    async with uow:
        staff = await uow.people.staff_of(caller.user.sub)
        seals = seal_schools(caller.user)
        if staff is None and not seals:
            return []
        ids = await uow.requests.open_ids(
            school_id=school_id,
            document_kind=document_kind,
            staff_id=staff[0] if staff else None,
            seal_schools=seals,
            limit=limit,
        )
        found = [await uow.requests.get(i) for i in ids]
    return [r for r in found if r is not None]
