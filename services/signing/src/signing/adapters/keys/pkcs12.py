"""PKCS#12 files as signer keys — development and tests only (the settings refuse them in production).

The file is decrypted once per `unlock`; the parsed key then signs a whole batch without re-reading it (re-parsing
the PKCS#12 on every document is what makes the naive pyHanko path slow).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asn1crypto import keys, x509  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from edu_shared.errors import NotFound
from signing.adapters.pades import CachedCmsParts, PadesSigner, TrustSettings
from signing.domain.ports import WrongPin


class ParsedKeySigner(CachedCmsParts, signers.SimpleSigner):
    """pyHanko's `SimpleSigner`, minus re-loading the private key from DER on every signature (~20 ms for RSA)."""

    def __init__(self, key: PrivateKeyTypes, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)["algorithm"].native
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism.endswith("_rsa") or mechanism == "rsassa_pkcs1v15":
            if isinstance(self._key, rsa.RSAPrivateKey):
                return self._key.sign(data, padding.PKCS1v15(), digest)
        elif mechanism.endswith("_ecdsa") or mechanism == "ecdsa":
            if isinstance(self._key, ec.EllipticCurvePrivateKey):
                return self._key.sign(data, ec.ECDSA(digest))
        signature: bytes = super().sign_raw(data, digest_algorithm)  # PSS and the rarer key types
        return signature


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
    return ParsedKeySigner(
        key,
        signing_cert=signing_cert,
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs(chain),  # type: ignore[no-untyped-call]
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
