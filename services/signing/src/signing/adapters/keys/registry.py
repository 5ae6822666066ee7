"""From settings to signer backends: the trust anchors, the TSA and one `SignerBackend` per configured key store.

Backend names match `CredentialSetting.backend`: "pkcs12", "pkcs11", "csc". Client-side signing has no backend
here: its key is on the user's device, so the workflow drives `ClientSideSigning` directly.
"""

from __future__ import annotations

from pathlib import Path

from asn1crypto import pem, x509  # type: ignore[import-untyped]

from signing.adapters.keys.csc import CscBackend
from signing.adapters.keys.pkcs11 import Pkcs11Backend
from signing.adapters.keys.pkcs12 import Pkcs12Backend
from signing.adapters.pades import TrustSettings
from signing.config import SigningSettings
from signing.domain.ports import SignerBackend


def load_certificate(path: Path) -> x509.Certificate:
    """A certificate from a PEM or DER file."""
    data = path.read_bytes()
    if pem.detect(data):
        _kind, _headers, data = pem.unarmor(data)
    return x509.Certificate.load(data)


def trust_from_settings(settings: SigningSettings) -> TrustSettings:
    """The configured roots, intermediates and TSA."""
    config = settings.trust
    return TrustSettings(
        trust_roots=[load_certificate(p) for p in config.trust_roots],
        other_certs=[load_certificate(p) for p in config.intermediates],
        tsa_url=config.tsa_url,
        tsa_timeout_s=config.timeout_s,
    )


def backends_from_settings(settings: SigningSettings, trust: TrustSettings) -> dict[str, SignerBackend]:
    """Every key store the settings configure, by backend name."""
    keys = settings.keys
    backends: dict[str, SignerBackend] = {}
    if keys.pkcs12_files:
        backends["pkcs12"] = Pkcs12Backend(keys.pkcs12_files, trust)
    if keys.pkcs11_module:
        backends["pkcs11"] = Pkcs11Backend(keys.pkcs11_module, trust, token_label=keys.pkcs11_token)
    if keys.csc_url:
        token = keys.csc_oauth_token.get_secret_value() if keys.csc_oauth_token else None
        backends["csc"] = CscBackend(keys.csc_url, trust, oauth_token=token, batch_allowance=keys.csc_batch_allowance)
    return backends
