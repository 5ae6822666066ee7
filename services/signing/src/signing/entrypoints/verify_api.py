"""Public verification: anyone holding a document's request id sees who signed it and whether the archive holds."""

from __future__ import annotations

from fastapi import APIRouter

from signing.entrypoints.api import ServiceDep
from signing.entrypoints.schemas import ArchivedFileRead, PublicSignerRead, PublicStatusRead
from signing.service_layer.verification import public_status

router = APIRouter(tags=["verification"])


@router.get("/verify/{request_id}", summary="Tra cứu tài liệu đã ký (công khai)")
async def verify_request(request_id: str, service: ServiceDep) -> PublicStatusRead:
    """Status, signers and times, and whether the archived final files still hash to what was archived."""
    found = await public_status(request_id, service.uow(), store=service.runtime.object_store)
    r = found.request
    archive = [
        ArchivedFileRead(
            role=c.file.role,
            object_key=c.file.object_key,
            sha256=c.file.sha256,
            size=c.file.size,
            retain_until=c.file.retain_until,
            intact=c.intact,
        )
        for c in found.archive
    ]
    return PublicStatusRead(
        request_id=r.id,
        title=r.title,
        school_name=found.school_name,
        document_kind=r.document_kind,
        status=r.status.value,
        signers=[
            PublicSignerRead(role=s.role, name=s.name, signed_at=s.signed_at, certificate_subject=s.certificate_subject)
            for step in r.steps
            for s in step.signers
        ],
        completed_at=r.completed_at,
        archive=archive,
        intact=all(a.intact for a in archive) if archive else None,
    )
