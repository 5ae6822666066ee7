"""PKCS#12 files as signer keys — development and tests only (the settings refuse them in production).

The file is decrypted once per `unlock`; the parsed key then signs a whole batch without re-reading it (re-parsing
the PKCS#12 on every document is what makes the naive pyHanko path slow).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from asn1crypto import keys, x509  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from edu_shared.errors import NotFound
from signing.adapters.pades import PadesSigner, TrustSettings
from signing.domain.ports import WrongPin


def _parse(data: bytes, password: str | None) -> signers.SimpleSigner:
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError as exc:
        raise WrongPin("Mật khẩu của tệp khóa PKCS#12 không đúng.", field="secret") from exc
    if key is None or cert is None:
        raise WrongPin("Tệp PKCS#12 không chứa khóa ký và chứng thư số.", field="secret")
    signing_cert = x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    signing_key = keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    chain = [x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in others]
    return signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs([signing_cert, *chain]),  # type: ignore[no-untyped-call]
    )


async def open_pkcs12(data: bytes, password: str | None, trust: TrustSettings) -> PadesSigner:
    """A signer from PKCS#12 bytes; the key derivation runs off the event loop."""
    simple = await asyncio.to_thread(_parse, data, password)
    return PadesSigner(simple, trust)


class Pkcs12Backend:
    """`SignerBackend` over PKCS#12 files registered by credential id (development settings)."""

    def __init__(self, credentials: Mapping[str, Path], trust: TrustSettings) -> None:
        self._credentials = dict(credentials)
        self._trust = trust

    async def unlock(self, credential_id: str, *, secret: str | None) -> PadesSigner:
        path = self._credentials.get(credential_id)
        if path is None:
            raise NotFound(f"Không có khóa ký «{credential_id}».", field="credential_id", value=credential_id)
        data = await asyncio.to_thread(path.read_bytes)
        return await open_pkcs12(data, secret, self._trust)
