"""Verifiable credentials: a signed year's results as an Open Badges 3.0 VC-JWT, and the school's public key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from edu_shared.errors import Conflict, NotFound
from transcript.adapters.credential_signer import new_school_key, sign_credential
from transcript.adapters.pdf_transcript import verify_url
from transcript.adapters.school_keys_repo import SchoolKey
from transcript.domain.credential import did_document, school_did, year_credential
from transcript.domain.lifecycle import current_valid
from transcript.service_layer.handlers import Caller, UowFactory, transcript


@dataclass(frozen=True)
class IssuedCredential:
    jwt: str
    credential: dict[str, Any]
    issuer_did: str
    verification_method: str
    version: int


async def school_key(uow_factory: UowFactory, school_id: str, *, now: datetime, create: bool) -> SchoolKey | None:
    """The school's key; created on first use when `create` (a concurrent creation wins and is reused)."""
    async with uow_factory() as uow:
        found = await uow.school_keys.get(school_id)
        if found is not None or not create:
            return found
        key = new_school_key(school_id)
        try:
            await uow.school_keys.add(key, at=now)
            await uow.commit()
            return key
        except IntegrityError:
            pass
    async with uow_factory() as uow:
        return await uow.school_keys.get(school_id)


async def year_results_credential(
    uow_factory: UowFactory,
    *,
    caller: Caller,
    transcript_id: str,
    school_year: str | None,
    base_url: str,
    now: datetime,
) -> IssuedCredential:
    """The year's results of the signed version that stands, signed by the school's key."""
    await transcript(uow_factory, caller=caller, transcript_id=transcript_id)
    async with uow_factory() as uow:
        valid = current_valid(await uow.versions.of_transcript(transcript_id))
        frozen = await uow.versions.frozen(transcript_id, valid.version) if valid else None
    if frozen is None or frozen.version.signed_at is None:
        raise Conflict("Chỉ cấp chứng nhận số cho học bạ đã ký xong.", field="transcript_id", value=transcript_id)
    t = frozen.transcript
    page = t.page(school_year) if school_year else (t.pages[-1] if t.pages else None)
    if page is None:
        raise NotFound(f"Học bạ đã ký không có năm học {school_year}.", field="school_year", value=school_year)
    did = school_did(base_url, page.school_id)
    key = await school_key(uow_factory, page.school_id, now=now, create=True)
    assert key is not None
    valid_from = frozen.version.signed_at
    credential = year_credential(
        t,
        page,
        version=frozen.version.version,
        issuer_did=did,
        verify_url=verify_url(base_url, t.verification_code),
        valid_from=valid_from,
    )
    token = sign_credential(credential, key=key, issuer_did=did, valid_from=valid_from)
    return IssuedCredential(
        jwt=token,
        credential=credential,
        issuer_did=did,
        verification_method=f"{did}#{key.kid}",
        version=frozen.version.version,
    )


async def published_key(uow_factory: UowFactory, *, school_id: str, base_url: str, now: datetime) -> dict[str, Any]:
    """The school's DID document (public): what a verifier resolves the credential's `kid` with."""
    key = await school_key(uow_factory, school_id, now=now, create=False)
    if key is None:
        raise NotFound(
            f"Trường {school_id} chưa cấp chứng nhận số nào (chưa có khóa công khai).",
            field="school_id",
            value=school_id,
        )
    return did_document(school_did(base_url, school_id), key.kid, key.public_jwk)
