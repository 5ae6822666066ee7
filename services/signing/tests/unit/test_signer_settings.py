"""Key settings: PKCS#12 refused in production, credential ids, certificates as people read them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from edu_shared.errors import NotFound
from signing.adapters.keys.pkcs11 import split_credential
from signing.adapters.keys.registry import backends_from_settings, load_certificate, trust_from_settings
from signing.adapters.pades import signer_info
from signing.config import CredentialSetting, SigningSettings

POSTGRES = "postgresql+asyncpg://edu:pw@db/signing"


def _certificate() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Trường THCS Hòa Lạc"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Trần Thị Bình"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1F2E)
        .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2030, 6, 30, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )


def test_pkcs12_files_are_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="PKCS#12"):
        SigningSettings(
            environment="production", database_url=POSTGRES, keys={"pkcs12_files": {"seal": Path("seal.p12")}}
        )


def test_a_pkcs12_credential_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="PKCS#12"):
        SigningSettings(
            environment="production",
            database_url=POSTGRES,
            credentials={"seal:truong-1": CredentialSetting(backend="pkcs12", credential_id="seal")},
        )


def test_pkcs12_is_fine_in_development_and_tokens_in_production() -> None:
    dev = SigningSettings(keys={"pkcs12_files": {"seal": Path("seal.p12")}})
    assert set(backends_from_settings(dev, trust_from_settings(dev))) == {"pkcs12"}
    prod = SigningSettings(
        environment="production",
        database_url=POSTGRES,
        keys={"pkcs11_module": "/usr/lib/softhsm/libsofthsm2.so", "csc_url": "https://ca.example/csc"},
    )
    assert set(backends_from_settings(prod, trust_from_settings(prod))) == {"pkcs11", "csc"}


def test_credential_ids_name_token_and_key() -> None:
    assert split_credential("con-dau/seal", None) == ("con-dau", "seal")
    assert split_credential("seal", "con-dau") == ("con-dau", "seal")
    with pytest.raises(NotFound):
        split_credential("seal", None)


def test_signer_info_reads_the_certificate_like_a_person() -> None:
    cert = asn1_x509.Certificate.load(_certificate().public_bytes(serialization.Encoding.DER))
    info = signer_info(cert)
    assert info.common_name == "Trần Thị Bình"
    assert info.subject == "CN=Trần Thị Bình, O=Trường THCS Hòa Lạc, C=VN"
    assert info.serial_number == "1f2e"
    assert info.not_after == "2030-06-30"


def test_trust_roots_load_from_pem_and_der(tmp_path: Path) -> None:
    cert = _certificate()
    (tmp_path / "root.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "root.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    assert load_certificate(tmp_path / "root.pem").dump() == load_certificate(tmp_path / "root.der").dump()
    settings = SigningSettings(trust={"trust_roots": [tmp_path / "root.pem"], "tsa_url": "http://tsa.example"})
    trust = trust_from_settings(settings)
    assert len(trust.trust_roots) == 1 and trust.tsa_url == "http://tsa.example"
