"""Every signer backend against its real peer: PKCS#12 files, a SoftHSM2 token (key generated on it), the
certomancer CSC dummy server, and client-side signing with the key held by the test (the desktop signer)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from edu_shared.errors import InvalidInput, NotFound
from signing.adapters.keys.client_side import ClientSideSigning
from signing.adapters.keys.csc import CscBackend
from signing.adapters.keys.pkcs11 import Pkcs11Backend
from signing.adapters.keys.pkcs12 import Pkcs12Backend
from signing.adapters.pades import PadesSigner, TrustSettings
from signing.adapters.testpki import TestPki
from signing.adapters.verification import Verifier
from signing.domain.ports import PdfSignatureSpec, SignerBackend, WrongPin


@dataclass(frozen=True)
class Opened:
    """A backend, the credential to open and its secret, and whose name its certificate carries."""

    backend: SignerBackend
    credential_id: str
    secret: str
    common_name: str


@pytest.fixture(params=["pkcs12", "pkcs11", "csc", "csc-scal2"])
async def opened(
    request: pytest.FixtureRequest,
    trust: TrustSettings,
    p12_files: dict[str, Path],
    p12_password: str,
    softhsm: Any,
    csc_url: str,
    csc_scal2_url: str,
) -> AsyncIterator[Opened]:
    if request.param == "pkcs12":
        yield Opened(Pkcs12Backend(p12_files, trust), "principal", p12_password, "Trần Thị Bình")
    elif request.param == "pkcs11":
        backend = Pkcs11Backend(softhsm.module, trust)
        yield Opened(backend, softhsm.credential_id, softhsm.pin, "Trường THCS Hòa Lạc (thiết bị ký)")
    elif request.param == "csc":
        # the dummy service ignores the PIN; the call still goes through credentials/authorize
        yield Opened(CscBackend(csc_url, trust), "edu/teacher", "123456", "Nguyễn Văn An")
    else:
        yield Opened(CscBackend(csc_scal2_url, trust), "edu/homeroom", "123456", "Phạm Thị Hoa")


async def _unlock(opened: Opened) -> PadesSigner:
    signer = await opened.backend.unlock(opened.credential_id, secret=opened.secret)
    assert isinstance(signer, PadesSigner)
    return signer


async def test_every_backend_signs_pdf_and_xml_that_verify_as_trusted(
    opened: Opened, trust: TrustSettings, school_pdf: bytes, school_xml: bytes, pdfsig: Any
) -> None:
    signer = await _unlock(opened)
    try:
        assert signer.info.common_name == opened.common_name
        assert signer.info.issuer.startswith("CN=EduRecords Test Issuing CA")
        spec = PdfSignatureSpec(field_name="Sig_HT", reason="Hiệu trưởng phê duyệt", location="Hòa Lạc", certify=True)
        signed = await signer.sign_pdf(school_pdf, spec)
        signed = await signer.sign_pdf(signed, PdfSignatureSpec("Sig_Dau", "Đóng dấu", "Hòa Lạc", level="B-LT"))
        signed_xml = await signer.sign_xml(school_xml)
    finally:
        await signer.aclose()

    report = await Verifier(trust).verify_pdf(signed)
    assert report.valid, report
    assert [s.signer.common_name for s in report.signatures if s.signer] == [opened.common_name] * 2
    assert report.has_revocation_data
    assert pdfsig(signed).count("Signature Validation: Signature is Valid.") == 2
    xml_report = await Verifier(trust).verify_xml(signed_xml)
    assert xml_report.valid, xml_report
    assert xml_report.signer is not None and xml_report.signer.common_name == opened.common_name


async def test_one_unlock_signs_a_whole_batch(opened: Opened, trust: TrustSettings, school_pdf: bytes) -> None:
    signer = await _unlock(opened)
    try:
        spec = PdfSignatureSpec("Sig_HT", "Hiệu trưởng phê duyệt", "Hòa Lạc", level="B-B")
        batch = [await signer.sign_pdf(school_pdf, spec) for _ in range(5)]
    finally:
        await signer.aclose()
    for pdf in batch:
        assert (await Verifier(trust).verify_pdf(pdf)).valid


async def test_documents_signed_concurrently_with_one_unlocked_key_all_verify(
    opened: Opened, trust: TrustSettings, school_pdf: bytes
) -> None:
    signer = await _unlock(opened)
    try:
        spec = PdfSignatureSpec("Sig_HT", "Hiệu trưởng phê duyệt", "Hòa Lạc", level="B-T")
        batch = await asyncio.gather(*(signer.sign_pdf(school_pdf, spec) for _ in range(6)))
    finally:
        await signer.aclose()
    for pdf in batch:
        assert (await Verifier(trust).verify_pdf(pdf)).valid


async def test_wrong_pkcs12_password_is_a_clear_error(trust: TrustSettings, p12_files: dict[str, Path]) -> None:
    with pytest.raises(WrongPin) as refused:
        await Pkcs12Backend(p12_files, trust).unlock("teacher", secret="sai-mat-khau")
    assert refused.value.status == 422
    assert "Mật khẩu" in refused.value.detail


async def test_unknown_credential_is_not_found(
    trust: TrustSettings, p12_files: dict[str, Path], softhsm: Any, csc_url: str
) -> None:
    with pytest.raises(NotFound):
        await Pkcs12Backend(p12_files, trust).unlock("khong-co", secret="x")
    with pytest.raises(NotFound):
        await Pkcs11Backend(softhsm.module, trust).unlock(f"{softhsm.token_label}/khong-co", secret=softhsm.pin)
    with pytest.raises(NotFound):
        await CscBackend(csc_url, trust).unlock("edu/khong-co", secret="x")


async def test_wrong_token_pin_is_refused_once_and_the_token_still_opens(trust: TrustSettings, softhsm: Any) -> None:
    import pkcs11
    from pkcs11 import TokenFlag

    backend = Pkcs11Backend(softhsm.module, trust)
    with pytest.raises(WrongPin) as refused:
        await backend.unlock(softhsm.credential_id, secret="000000")
    assert "PIN" in refused.value.detail and "không tự thử lại" in refused.value.detail
    token = pkcs11.lib(softhsm.module).get_token(token_label=softhsm.token_label)
    assert TokenFlag.USER_PIN_LOCKED not in token.flags
    signer = await backend.unlock(softhsm.credential_id, secret=softhsm.pin)
    await signer.aclose()


async def test_secrets_never_reach_the_logs(
    caplog: pytest.LogCaptureFixture,
    trust: TrustSettings,
    p12_files: dict[str, Path],
    p12_password: str,
    softhsm: Any,
    csc_url: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(WrongPin):
        await Pkcs12Backend(p12_files, trust).unlock("teacher", secret="bi-mat-12")
    with pytest.raises(WrongPin):
        await Pkcs11Backend(softhsm.module, trust).unlock(softhsm.credential_id, secret="bi-mat-34")
    for backend, credential, secret in (
        (Pkcs12Backend(p12_files, trust), "teacher", p12_password),
        (Pkcs11Backend(softhsm.module, trust), softhsm.credential_id, softhsm.pin),
        (CscBackend(csc_url, trust), "edu/teacher", "bi-mat-56"),
    ):
        signer = await backend.unlock(credential, secret=secret)
        await signer.aclose()
    for secret in ("bi-mat-12", "bi-mat-34", "bi-mat-56", p12_password, softhsm.pin):
        assert secret not in caplog.text


async def test_token_key_was_generated_inside_and_cannot_leave(softhsm: Any) -> None:
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    token = pkcs11.lib(softhsm.module).get_token(token_label=softhsm.token_label)
    with token.open(user_pin=softhsm.pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=softhsm.key_label)
        assert key[Attribute.LOCAL] is True  # generated on the token, never imported
        assert key[Attribute.NEVER_EXTRACTABLE] is True
        assert key[Attribute.SENSITIVE] is True


async def test_csc_service_lists_the_credentials(trust: TrustSettings, csc_url: str) -> None:
    credentials = await CscBackend(csc_url, trust).list_credentials()
    assert {"edu/teacher", "edu/principal", "edu/seal"} <= set(credentials)


def _desktop_sign(pki: TestPki, label: str, data: bytes) -> bytes:
    """What the user's desktop signer does with the data it is handed (the key never reaches the service)."""
    key = serialization.load_pem_private_key(pki.private_key_pem(label), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


async def test_client_side_signature_is_embedded_and_verifies(
    pki: TestPki, trust: TrustSettings, school_pdf: bytes, pdfsig: Any
) -> None:
    client = ClientSideSigning(trust)
    spec = PdfSignatureSpec("Sig_GVCN", "Giáo viên chủ nhiệm xác nhận", "Hòa Lạc", certify=True, level="B-T")
    prepared = await client.prepare(
        school_pdf, spec, certificate=pki.cert("homeroom").dump(), chain=[pki.cert("issuing").dump()]
    )
    assert len(prepared.digest_to_sign) == 32
    signature = _desktop_sign(pki, "homeroom", prepared.data_to_sign)
    signed = await client.finish(prepared, signature)

    report = await Verifier(trust).verify_pdf(signed)
    assert report.valid, report
    [only] = report.signatures
    assert only.signer is not None and only.signer.common_name == "Phạm Thị Hoa"
    assert only.certification and only.timestamp_time is not None
    assert "Signature Validation: Signature is Valid." in pdfsig(signed)


async def test_client_side_rejects_a_signature_from_another_key(
    pki: TestPki, trust: TrustSettings, school_pdf: bytes
) -> None:
    client = ClientSideSigning(trust)
    spec = PdfSignatureSpec("Sig_GVCN", "Giáo viên chủ nhiệm xác nhận", "Hòa Lạc", level="B-B")
    prepared = await client.prepare(school_pdf, spec, certificate=pki.cert("homeroom").dump())
    with pytest.raises(InvalidInput) as refused:
        await client.finish(prepared, _desktop_sign(pki, "teacher", prepared.data_to_sign))
    assert refused.value.extensions["field"] == "signature_value"
