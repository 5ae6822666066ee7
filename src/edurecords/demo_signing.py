"""Development signing for the embedded demo: a local PKI under the data dir and one key per demo signer.

At first start a root CA "EduRecords Dev CA (không dùng cho văn bản thật)" is created under `<data_dir>/dev-pki/`
with a PKCS#12 file (no PIN) for every demo staff member and one for the school's seal; later starts reuse them.
The signing service's settings name them as the demo signers' credentials and trust the dev root. Development
only: the signing settings refuse PKCS#12 keys in production, and nothing here runs outside the embedded demo.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from edurecords.demo import demo_id
from edurecords.demo_people import SCHOOL, STAFF
from signing.config import CredentialSetting, SigningSettings

log = logging.getLogger(__name__)
ROOT_NAME = "EduRecords Dev CA (không dùng cho văn bản thật)"
SCHOOL_NAME = "Trường THCS Hòa Lạc"
SEAL_KEY = "seal"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, unit: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, SCHOOL_NAME),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if unit:
        attrs.insert(2, x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    return x509.Name(attrs)


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _root(directory: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """The dev root CA, created once; its key stays next to the PEM so later starts can issue new signers."""
    key_path, cert_path = directory / "root.key.pem", directory / "root.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key, at = _key(), datetime.now(UTC) - timedelta(days=1)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, ROOT_NAME)]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(at)
        .not_valid_after(at + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _issue(path: Path, *, subject: x509.Name, friendly: str, ca_key: rsa.RSAPrivateKey, ca: x509.Certificate) -> None:
    """A signer's PKCS#12 (key, certificate and the root), unless the file is already there."""
    if path.exists():
        return
    key, at = _key(), datetime.now(UTC) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(at)
        .not_valid_after(at + timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(friendly.encode(), key, cert, [ca], serialization.NoEncryption())
    path.write_bytes(data)


def ensure_dev_pki(data_dir: Path) -> tuple[Path, dict[str, Path]]:
    """Create the dev PKI under `data_dir/dev-pki` if missing; the root's PEM and the PKCS#12 files by key name."""
    directory = data_dir / "dev-pki"
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca = _root(directory)
    files: dict[str, Path] = {}
    for staff in STAFF:
        path = directory / f"{staff.key}.p12"
        _issue(path, subject=_name(staff.name, staff.group), friendly=staff.key, ca_key=ca_key, ca=ca)
        files[staff.key] = path
    seal = directory / f"{SCHOOL}-{SEAL_KEY}.p12"
    _issue(seal, subject=_name(SCHOOL_NAME, "Con dấu"), friendly=f"{SCHOOL}-{SEAL_KEY}", ca_key=ca_key, ca=ca)
    files[f"{SCHOOL}-{SEAL_KEY}"] = seal
    return directory / "root.pem", files


def with_dev_signing(settings: SigningSettings) -> SigningSettings:
    """The settings plus the dev PKI's keys for the demo signers and its root as trust anchor (development only)."""
    if settings.environment != "development":
        return settings  # the dev PKI never signs outside a development machine
    root, files = ensure_dev_pki(settings.data_dir.resolve())
    credentials = {f"staff:{demo_id(f'staff:{s.key}')}": s.key for s in STAFF}
    credentials[f"seal:{demo_id(SCHOOL)}"] = f"{SCHOOL}-{SEAL_KEY}"
    # An operator's own settings win: only owners and credential ids they did not configure are filled in.
    configured = {
        owner: CredentialSetting(backend="pkcs12", credential_id=cid, label="Khóa thử nghiệm (Dev CA)")
        for owner, cid in credentials.items()
    }
    keys = settings.keys.model_copy(update={"pkcs12_files": {**files, **settings.keys.pkcs12_files}})
    trust = settings.trust.model_copy(update={"trust_roots": [*settings.trust.trust_roots, root]})
    log.warning(
        "development signing: demo keys from %s (root %r), PAdES level %s%s",
        root.parent,
        ROOT_NAME,
        settings.pades_level,
        "" if settings.trust.tsa_url else " (no TSA configured)",
    )
    return settings.model_copy(
        update={"credentials": {**configured, **settings.credentials}, "keys": keys, "trust": trust}
    )
