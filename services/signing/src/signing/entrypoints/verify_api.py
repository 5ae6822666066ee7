"""Public verification: anyone holding a document's request id sees who signed it and whether the archive holds."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile

from edu_shared.errors import InvalidInput
from signing.adapters.verification import PdfVerificationReport
from signing.domain.ports import SignerInfo
from signing.entrypoints.api import ServiceDep
from signing.entrypoints.schemas import (
    ArchivedFileRead,
    CertificateRead,
    PublicSignerRead,
    PublicStatusRead,
    SignatureCheckRead,
    VerificationRead,
)
from signing.service_layer.verification import public_status, verify_upload

MAX_UPLOAD = 50 * 1024 * 1024

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


def _certificate(info: SignerInfo | None) -> CertificateRead | None:
    if info is None:
        return None
    return CertificateRead(
        subject=info.subject,
        common_name=info.common_name,
        serial_number=info.serial_number,
        issuer=info.issuer,
        not_after=info.not_after,
    )


@router.post("/verify", summary="Kiểm tra chữ ký số của một tệp PDF hoặc XML (công khai)")
async def verify_file(file: UploadFile, service: ServiceDep) -> VerificationRead:
    """Every signature of the uploaded file: signer, times, chain, revocation, and whether the file changed."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput("Tệp quá lớn để kiểm tra (tối đa 50 MB).", field="file", value=f"{len(data)} byte")
    kind, report = await verify_upload(data, verifier=service.verifier)
    if isinstance(report, PdfVerificationReport):
        return VerificationRead(
            kind=kind,
            valid=report.valid,
            problems=list(report.problems),
            signatures=[
                SignatureCheckRead(
                    field_name=s.field_name,
                    certificate=_certificate(s.signer),
                    signing_time=s.signing_time,
                    timestamp_time=s.timestamp_time,
                    intact=s.intact,
                    trusted=s.trusted,
                    revocation=s.revocation,
                    certification=s.certification,
                    problems=list(s.problems),
                )
                for s in report.signatures
            ],
        )
    return VerificationRead(
        kind=kind,
        valid=report.valid,
        problems=list(report.problems),
        # Every signature of the XML twin, oldest first (each signer adds one).
        signatures=[
            SignatureCheckRead(
                field_name=None,
                certificate=_certificate(x.signer),
                signing_time=x.signing_time,
                timestamp_time=x.timestamp_time,
                intact=x.valid,
                trusted=x.trusted,
                revocation=x.revocation,
                certification=False,
                problems=list(x.problems),
            )
            for x in report.signatures
        ],
    )
