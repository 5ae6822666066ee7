"""Public verification of a signing request: who signed when, and whether the archived files still hash as archived."""

from __future__ import annotations

from dataclasses import dataclass

from edu_shared.objectstore.port import ObjectNotFound, ObjectStore
from signing.adapters.requests_repo import ArchivedFile
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
