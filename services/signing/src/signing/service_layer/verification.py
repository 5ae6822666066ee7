"""Public verification: who signed a request when, whether its archived files still hash as archived, and reports
on uploaded files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from edu_shared.errors import InvalidInput, ServiceUnavailable
from edu_shared.objectstore.port import ObjectNotFound, ObjectStore
from signing.adapters.requests_repo import ArchivedFile
from signing.adapters.verification import PdfVerificationReport, XmlVerificationReport
from signing.domain.requests import SigningRequest, not_found
from signing.service_layer.uow import SigningUnitOfWork


@dataclass(frozen=True)
class ArchiveCheck:
    file: ArchivedFile
    intact: bool  # the stored bytes hash to the SHA-256 recorded at archiving


@dataclass(frozen=True)
class PublicStatus:
    request: SigningRequest
    school_name: str | None
    archive: list[ArchiveCheck]


async def _intact(store: ObjectStore, file: ArchivedFile) -> bool:
    try:
        stored = await store.stat(file.object_key)
        return stored.sha256 == file.sha256 and await store.verify(file.object_key)
    except ObjectNotFound:
        return False


async def public_status(request_id: str, uow: SigningUnitOfWork, *, store: ObjectStore) -> PublicStatus:
    """What a third party may learn from the request id printed on a document (no personal data beyond signers)."""
    async with uow:
        request = await uow.requests.get(request_id)
        if request is None:
            raise not_found(request_id)
        archives = await uow.requests.archives(request_id)
        school = await uow.requests.school_name(request.school_id)
    return PublicStatus(
        request=request,
        school_name=school,
        archive=[ArchiveCheck(file=f, intact=await _intact(store, f)) for f in archives],
    )


class DocumentVerifier(Protocol):
    """Checks every signature of an uploaded file (the signer backends' verification adapter)."""

    async def verify_pdf(self, pdf: bytes) -> PdfVerificationReport: ...

    async def verify_xml(self, xml: bytes) -> XmlVerificationReport: ...


Uploaded = tuple[Literal["pdf"], PdfVerificationReport] | tuple[Literal["xml"], XmlVerificationReport]


async def verify_upload(data: bytes, *, verifier: DocumentVerifier | None) -> Uploaded:
    """A report on an uploaded PDF (every signature) or XML twin (its signatures), told apart by their bytes."""
    if verifier is None:
        raise ServiceUnavailable("Máy chủ chưa cấu hình kiểm tra chữ ký số (chứng thư gốc tin cậy).")
    head = data.lstrip()[:5]
    if head.startswith(b"%PDF"):
        return "pdf", await verifier.verify_pdf(data)
    if head.startswith(b"<"):
        return "xml", await verifier.verify_xml(data)
    raise InvalidInput("Chỉ kiểm tra được tệp PDF hoặc XML.", field="file", value=f"{len(data)} byte")
