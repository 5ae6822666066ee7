"""Signing HTTP API: requests, signatures, rejections, batches, the credential registry. Thin: command in, handler."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request, status

from edu_shared.contracts.signing import DocumentKind, DocumentRef, SigningRequested
from edu_shared.web.app import CurrentUser
from edu_shared.web.directory_api import directory_router
from signing.bootstrap import SigningService
from signing.domain.batches import Batch
from signing.domain.credentials import Credential
from signing.domain.requests import SigningRequest
from signing.entrypoints.schemas import (
    BatchCreate,
    BatchItemRead,
    BatchRead,
    CredentialCreate,
    CredentialRead,
    RejectCreate,
    RejectionRead,
    SignCreate,
    SignerRead,
    SigningRequestCreate,
    SigningRequestRead,
    StepRead,
)
from signing.service_layer import batches, credentials, requests, signatures
from signing.service_layer.context import Caller

router = directory_router()


def service_of(request: Request) -> SigningService:
    service: SigningService = request.app.state.service
    return service


ServiceDep = Annotated[SigningService, Depends(service_of)]


def _caller(service: SigningService, user: CurrentUser) -> Caller:
    return Caller(user=user, resolver=service.resolver)


def request_read(r: SigningRequest) -> SigningRequestRead:
    open_step = r.open_step
    return SigningRequestRead(
        id=r.id,
        school_id=r.school_id,
        requester=r.requester,
        document_kind=r.document_kind,
        title=r.title,
        reference=r.reference,
        status=r.status.value,
        open_step=open_step.order if open_step else None,
        steps=[
            StepRead(
                order=step.order,
                done=step.done,
                signers=[
                    SignerRead(
                        role=s.role,
                        staff_id=s.staff_id,
                        name=s.name,
                        field_name=s.field_name,
                        subject_code=s.subject_code,
                        signed=s.signed,
                        signed_at=s.signed_at,
                        certificate_subject=s.certificate_subject,
                    )
                    for s in step.signers
                ],
            )
            for step in r.steps
        ],
        documents=[
            DocumentRef(role=d.role, object_key=d.object_key, sha256=d.sha256, media_type=d.media_type, size=d.size)
            for d in r.documents
        ],
        requested_at=r.requested_at,
        completed_at=r.completed_at,
        rejection=(
            RejectionRead(
                by_name=r.rejection.by_name, role=r.rejection.role, reason=r.rejection.reason, at=r.rejection.at
            )
            if r.rejection
            else None
        ),
    )


def _batch_read(b: Batch) -> BatchRead:
    return BatchRead(
        id=b.id,
        status=b.status.value,
        total=b.total,
        done=b.done,
        failed=b.failed,
        created_at=b.created_at,
        finished_at=b.finished_at,
        items=[BatchItemRead(request_id=i.request_id, status=i.status.value, error=i.error) for i in b.items],
    )


def _credential_read(c: Credential) -> CredentialRead:
    return CredentialRead(owner=c.owner, backend=c.backend, credential_id=c.credential_id, label=c.label)


@router.post(
    "/signing-requests",
    tags=["signing"],
    status_code=status.HTTP_201_CREATED,
    summary="Tạo yêu cầu ký (cho nơi soạn tài liệu không dùng sự kiện)",
)
async def create_signing_request(
    body: SigningRequestCreate, user: CurrentUser, service: ServiceDep
) -> SigningRequestRead:
    """Open a request over files already in the object store; their SHA-256 is checked."""
    cmd = SigningRequested(
        request_id=body.request_id or str(uuid.uuid4()),
        requester=body.requester,
        school_id=body.school_id,
        document_kind=body.document_kind,
        title=body.title,
        reference=body.reference,
        documents=body.documents,
        steps=body.steps,
        requested_by=user.sub,
        requested_at=datetime.now(UTC),
    )
    created = await requests.request_over_http(
        cmd, service.uow(), store=service.runtime.object_store, caller=_caller(service, user)
    )
    return request_read(created)


@router.get("/signing-requests", tags=["signing"], summary="Tài liệu đang chờ tôi ký")
async def list_pending_for_me(
    user: CurrentUser,
    service: ServiceDep,
    school_id: Annotated[str | None, Query(max_length=64)] = None,
    document_kind: Annotated[DocumentKind | None, Query()] = None,
) -> list[SigningRequestRead]:
    """Open requests where the caller (or the seal they may apply) has yet to sign, oldest first."""
    found = await requests.pending_for_me(
        service.uow(), caller=_caller(service, user), school_id=school_id, document_kind=document_kind
    )
    return [request_read(r) for r in found]


@router.get("/signing-requests/{request_id}", tags=["signing"], summary="Xem yêu cầu ký và tiến độ các bước")
async def get_signing_request(request_id: str, user: CurrentUser, service: ServiceDep) -> SigningRequestRead:
    """A request with its steps, who signed when, and the current revision of its files."""
    return request_read(await requests.get_request(request_id, service.uow(), caller=_caller(service, user)))


@router.post("/signing-requests/{request_id}/sign", tags=["signing"], summary="Ký tài liệu (đến lượt mình)")
async def sign_signing_request(
    request_id: str, body: SignCreate, user: CurrentUser, service: ServiceDep
) -> SigningRequestRead:
    """Sign the PDF and its XML twin with the caller's key; out of turn → 409, not a signer → 403."""
    cmd = signatures.SignDocument(
        request_id=request_id,
        secret=body.secret.get_secret_value() if body.secret else None,
        credential_id=body.credential_id,
    )
    signed = await signatures.sign_request(cmd, service.uow(), caller=_caller(service, user), ctx=service.context)
    return request_read(signed)


@router.post("/signing-requests/{request_id}/reject", tags=["signing"], summary="Từ chối ký, trả lại nơi soạn")
async def reject_signing_request(
    request_id: str, body: RejectCreate, user: CurrentUser, service: ServiceDep
) -> SigningRequestRead:
    """A signer of the open step refuses with a reason; the author is told through `SigningRejected`."""
    rejected = await requests.reject_request(request_id, body.reason, service.uow(), caller=_caller(service, user))
    return request_read(rejected)


@router.post(
    "/signing-batches",
    tags=["signing"],
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ký hàng loạt (một lần nhập PIN)",
)
async def create_signing_batch(body: BatchCreate, user: CurrentUser, service: ServiceDep) -> BatchRead:
    """Unlock the key once and sign the chosen documents in the background; follow it with GET."""
    f = body.filter
    cmd = batches.StartBatch(
        request_ids=body.request_ids,
        school_id=f.school_id if f else None,
        document_kind=f.document_kind if f else None,
        pending_for_me=f.pending_for_me if f else False,
        secret=body.secret.get_secret_value() if body.secret else None,
        credential_id=body.credential_id,
    )
    batch = await batches.start_batch(
        cmd,
        service.uow(),
        caller=_caller(service, user),
        ctx=service.context,
        keys=service.batch_keys,
        limit=service.settings.batch_max_documents,
    )
    return _batch_read(batch)


@router.get("/signing-batches/{batch_id}", tags=["signing"], summary="Tiến độ ký hàng loạt")
async def get_signing_batch(batch_id: str, user: CurrentUser, service: ServiceDep) -> BatchRead:
    """Done, failed and total, with each document's error; only for the person who started the batch."""
    return _batch_read(await batches.batch_status(batch_id, service.uow(), caller=_caller(service, user)))


@router.put("/schools/{school_id}/credentials", tags=["credentials"], summary="Đăng ký chứng thư số dùng để ký")
async def put_credential(
    school_id: str, body: CredentialCreate, user: CurrentUser, service: ServiceDep
) -> CredentialRead:
    """Name the backend and credential a staff member (or the school seal, without `staff_id`) signs with."""
    credential = await credentials.register_credential(
        credentials.RegisterCredential(
            school_id=school_id,
            staff_id=body.staff_id,
            backend=body.backend,
            credential_id=body.credential_id,
            label=body.label,
        ),
        service.uow(),
        caller=_caller(service, user),
        backends=frozenset(service.backends),
    )
    return _credential_read(credential)


@router.get("/schools/{school_id}/credentials", tags=["credentials"], summary="Chứng thư số đã đăng ký của trường")
async def list_credentials(school_id: str, user: CurrentUser, service: ServiceDep) -> list[CredentialRead]:
    """Every key registered for the school's staff and seal."""
    found = await credentials.school_credentials(school_id, service.uow(), caller=_caller(service, user))
    return [_credential_read(c) for c in found]
