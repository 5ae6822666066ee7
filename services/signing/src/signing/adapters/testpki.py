"""A local test PKI for the signing service's tests, benchmark and development (never production).

Certomancer issues a root CA, an issuing CA and the signers' certificates from a YAML file; its animator serves
the OCSP responder, the CRLs and the RFC 3161 time-stamping authority over HTTP on a free local port, so pyHanko
fetches revocation data and timestamps exactly as it would from a real CA. Keys are generated at start-up (never
committed); a key held elsewhere (e.g. generated inside a PKCS#11 token) joins as a public key only and gets a
certificate like the others.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from asn1crypto import pem, x509  # type: ignore[import-untyped]
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, PKIArchitecture
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import BaseWSGIServer, make_server

ARCH = "edu"
ISSUING_CA = "issuing"
TSA = "tsa"


@dataclass(frozen=True)
class ExternalKey:
    """A signer whose private key lives elsewhere (a token): the PKI only sees its public key."""

    label: str
    common_name: str
    public_key_pem: bytes


@dataclass
class TestPki:
    """The running PKI: certificates by label, keys of the software signers, service URLs."""

    __test__ = False  # not a pytest test class, despite the name

    config: CertomancerConfig
    workdir: Path
    base_url: str

    @property
    def arch(self) -> PKIArchitecture:
        return self.config.get_pki_arch(ArchLabel(ARCH))

    def cert(self, label: str) -> x509.Certificate:
        return self.arch.get_cert(CertLabel(label))

    def cert_pem(self, label: str) -> bytes:
        return bytes(pem.armor("CERTIFICATE", self.cert(label).dump()))

    @property
    def root(self) -> x509.Certificate:
        return self.cert("root")

    def chain(self, label: str) -> list[x509.Certificate]:
        """The CA certificates above `label`, issuing CA first."""
        return [self.arch.get_cert(ca) for ca in self.arch.get_chain(CertLabel(label))]

    def private_key_pem(self, label: str) -> bytes:
        return (self.workdir / "keys" / f"{label}.key.pem").read_bytes()

    def pkcs12(self, label: str, password: str) -> bytes:
        data: bytes = self.arch.package_pkcs12(CertLabel(label), password=password.encode())
        return data

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/{ARCH}/tsa/{TSA}"

    @property
    def config_path(self) -> Path:
        return self.workdir / "certomancer.yml"


def _generate_key(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def write_config(template: Path, workdir: Path, *, base_url: str, external_keys: Sequence[ExternalKey] = ()) -> Path:
    """Copy the YAML config into `workdir` with the URL prefix set, generate missing keys, add external keys."""
    config: dict[str, Any] = yaml.safe_load(template.read_text(encoding="utf-8"))
    config["external-url-prefix"] = base_url
    keyset = config["keysets"][ARCH]
    keys_dir = workdir / keyset["path-prefix"]
    keys_dir.mkdir(parents=True, exist_ok=True)
    for entry in keyset["keys"].values():
        path = keys_dir / entry["path"]
        if not path.exists():
            _generate_key(path)
    arch = config["pki-architectures"][ARCH]
    for external in external_keys:
        (keys_dir / f"{external.label}.pub.pem").write_bytes(external.public_key_pem)
        keyset["keys"][external.label] = {"path": f"{external.label}.pub.pem", "public-only": True}
        arch["entities"][external.label] = {"common-name": external.common_name}
        arch["certs"][external.label] = {
            "template": "teacher",
            "subject": external.label,
            "subject-key": external.label,
        }
    path = workdir / "certomancer.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load_pki(workdir: Path, *, base_url: str) -> TestPki:
    config = CertomancerConfig.from_file(str(workdir / "certomancer.yml"), key_search_dir=str(workdir))
    return TestPki(config=config, workdir=workdir, base_url=base_url)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_forever(template: Path, workdir: Path, *, port: int) -> None:
    """Build the PKI in `workdir` and serve it on `port` until the process is stopped (a separate process, so
    that a benchmark does not count the TSA's and OCSP responder's work as its own)."""
    base_url = f"http://127.0.0.1:{port}"
    write_config(template, workdir, base_url=base_url)
    pki = load_pki(workdir, base_url=base_url)
    animator = Animator(AnimatorArchStore(pki.config.pki_archs), with_web_ui=False)
    make_server("127.0.0.1", port, animator, threaded=True).serve_forever()


@contextmanager
def serve_test_pki(template: Path, workdir: Path, *, external_keys: Sequence[ExternalKey] = ()) -> Iterator[TestPki]:
    """Build the PKI in `workdir` and serve OCSP, CRLs and the TSA on 127.0.0.1 until the block exits."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    write_config(template, workdir, base_url=base_url, external_keys=external_keys)
    pki = load_pki(workdir, base_url=base_url)
    animator = Animator(AnimatorArchStore(pki.config.pki_archs), with_web_ui=False)
    server: BaseWSGIServer = make_server("127.0.0.1", port, animator, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="test-pki", daemon=True)
    thread.start()
    try:
        yield pki
    finally:
        server.shutdown()
        thread.join(timeout=10)


if __name__ == "__main__":
    import argparse
    import logging

    parser = argparse.ArgumentParser(description="Serve the test PKI (OCSP, CRLs, TSA) until stopped.")
    parser.add_argument("template", type=Path)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    serve_forever(args.template, args.workdir, port=args.port)
