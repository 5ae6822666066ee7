"""Session-wide real peers for the signing tests: the test PKI (certomancer: CA, OCSP, CRL, TSA on a free port),
a SoftHSM2 token whose key was generated inside it, PKCS#12 files, and a certomancer CSC dummy server."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import keys, pem

from edu_shared.pdf import SchoolDocument, Signatory
from edu_shared.testing.processes import ManagedProcess, free_port, wait_for_http_sync
from signing.adapters.pades import TrustSettings
from signing.adapters.testpki import ExternalKey, TestPki, serve_test_pki

PKI_TEMPLATE = Path(__file__).parent / "pki" / "certomancer.yml"
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "edu-seal"
HSM_KEY_LABEL = "hsm-seal"
HSM_KEY_ID = b"\x01"
SO_PIN = "87654321"
USER_PIN = "246810"
P12_PASSWORD = "mat-khau-thu"
P12_SIGNERS = ("teacher", "homeroom", "principal", "seal", "revoked")


@dataclass(frozen=True)
class SoftHsm:
    """A SoftHSM2 token in a private directory; the seal's key pair was generated on it."""

    module: str
    token_label: str
    key_label: str
    pin: str
    conf: Path
    public_key_pem: bytes

    @property
    def credential_id(self) -> str:
        return f"{self.token_label}/{self.key_label}"


def _init_softhsm(root: Path) -> SoftHsm:
    tokens = root / "tokens"
    tokens.mkdir(parents=True)
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    # SoftHSM reads its configuration when the module is first initialised in this process
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL, "--so-pin", SO_PIN, "--pin", USER_PIN],
        check=True,
        capture_output=True,
    )
    import pkcs11
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.rsa import encode_rsa_public_key

    token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=USER_PIN) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA,
            2048,
            id=HSM_KEY_ID,
            label=HSM_KEY_LABEL,
            store=True,
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
        )
        rsa_public = keys.RSAPublicKey.load(encode_rsa_public_key(public))
    spki = keys.PublicKeyInfo({"algorithm": {"algorithm": "rsa"}, "public_key": rsa_public})
    return SoftHsm(
        module=SOFTHSM_MODULE,
        token_label=TOKEN_LABEL,
        key_label=HSM_KEY_LABEL,
        pin=USER_PIN,
        conf=conf,
        public_key_pem=bytes(pem.armor("PUBLIC KEY", spki.dump())),
    )


def _store_certificate(hsm: SoftHsm, cert_der: bytes) -> None:
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.x509 import decode_x509_certificate

    token = pkcs11.lib(hsm.module).get_token(token_label=hsm.token_label)
    with token.open(rw=True, user_pin=hsm.pin) as session:
        attributes = decode_x509_certificate(cert_der)
        attributes.update({Attribute.TOKEN: True, Attribute.LABEL: hsm.key_label, Attribute.ID: HSM_KEY_ID})
        session.create_object(attributes)


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> SoftHsm:
    return _init_softhsm(tmp_path_factory.mktemp("softhsm"))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory, softhsm: SoftHsm) -> Iterator[TestPki]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    external = ExternalKey(HSM_KEY_LABEL, "Trường THCS Hòa Lạc (thiết bị ký)", softhsm.public_key_pem)
    with serve_test_pki(PKI_TEMPLATE, tmp_path_factory.mktemp("pki"), external_keys=[external]) as running:
        _store_certificate(softhsm, running.cert(HSM_KEY_LABEL).dump())
        yield running


@pytest.fixture(scope="session")
def trust(pki: TestPki) -> TrustSettings:
    return TrustSettings(trust_roots=[pki.root], other_certs=[pki.cert("issuing")], tsa_url=pki.tsa_url)


@pytest.fixture(scope="session")
def p12_files(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """PKCS#12 files by credential id (the certificate labels), all with `P12_PASSWORD`."""
    root = tmp_path_factory.mktemp("p12")
    files: dict[str, Path] = {}
    for label in P12_SIGNERS:
        path = root / f"{label}.p12"
        path.write_bytes(pki.pkcs12(label, P12_PASSWORD))
        files[label] = path
    return files


def _csc_server(pki: TestPki, workdir: Path, scal: int) -> Iterator[str]:
    port = free_port()
    process = ManagedProcess(
        name=f"csc-dummy-scal{scal}",
        argv=[sys.executable, "-m", "csc_dummy", str(pki.config_path), str(port), str(scal)],
        log_path=workdir / "csc.log",
        port=port,
        host="localhost",
    )
    process.start()
    try:
        wait_for_http_sync(f"{process.url}/info", processes=[process])
        yield process.url
    finally:
        process.stop()


@pytest.fixture(scope="session")
def csc_url(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A certomancer-csc-dummy server (SCAL 1: one authorization for a batch) over the test PKI's config and keys."""
    yield from _csc_server(pki, tmp_path_factory.mktemp("csc1"), 1)


@pytest.fixture(scope="session")
def csc_scal2_url(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same server with SCAL 2: every authorization is pinned to the hashes it may sign."""
    yield from _csc_server(pki, tmp_path_factory.mktemp("csc2"), 2)


def school_document(title: str = "Học bạ") -> bytes:
    """A transcript-like PDF printed the way the services print them (fpdf2, embedded DejaVu fonts)."""
    doc = SchoolDocument(
        school_name="Trường THCS Hòa Lạc",
        printed_at=datetime(2026, 5, 30, 8, 0, tzinfo=UTC),
        title=title,
        authority="UBND xã Hòa Lạc",
    )
    doc.new_page()
    doc.national_header()
    doc.title(title, "Năm học 2025-2026")
    doc.fields([("Họ và tên", "Nguyễn Thị Ánh"), ("Lớp", "9A"), ("Kết quả học tập", "Tốt")])
    doc.signatures([Signatory("GIÁO VIÊN CHỦ NHIỆM"), Signatory("HIỆU TRƯỞNG")], place="Hòa Lạc")
    return doc.output()


@pytest.fixture(scope="session")
def school_pdf() -> bytes:
    return school_document()


SCHOOL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<HocBa xmlns="urn:edurecords:transcript:1">
  <Truong>Trường THCS Hòa Lạc</Truong>
  <HocSinh><HoTen>Nguyễn Thị Ánh</HoTen><Lop>9A</Lop></HocSinh>
  <KetQua nam="2025-2026"><HocTap>Tốt</HocTap><RenLuyen>Tốt</RenLuyen></KetQua>
</HocBa>
""".encode()


@pytest.fixture(scope="session")
def school_xml() -> bytes:
    return SCHOOL_XML


@pytest.fixture(scope="session")
def p12_password() -> str:
    return P12_PASSWORD


@dataclass(frozen=True)
class Pdfsig:
    """poppler's pdfsig with an NSS database that trusts the test root: an independent second opinion."""

    nssdir: Path
    workdir: Path

    def __call__(self, pdf: bytes) -> str:
        path = self.workdir / "checked.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(
            ["pdfsig", "-nssdir", f"sql:{self.nssdir}", str(path)], capture_output=True, text=True, timeout=120
        )
        return done.stdout


@pytest.fixture(scope="session")
def pdfsig(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Pdfsig:
    nssdir = tmp_path_factory.mktemp("nssdb")
    subprocess.run(["certutil", "-N", "-d", f"sql:{nssdir}", "--empty-password"], check=True, capture_output=True)
    root_pem = nssdir / "root.pem"
    root_pem.write_bytes(pki.cert_pem("root"))
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nssdir}", "-n", "EduRecords Test Root CA", "-t", "CT,C,C", "-i", str(root_pem)],
        check=True,
        capture_output=True,
    )
    return Pdfsig(nssdir=nssdir, workdir=tmp_path_factory.mktemp("pdfsig"))
