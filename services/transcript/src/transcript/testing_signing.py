"""The signing service's side of the contract, played in tests: a test certificate, real PAdES signatures made by
pyHanko in each empty field, and the outcome events (`SignatureAdded`, `SigningCompleted`, `SigningRejected`)
published as the signing service would publish them. Nothing in the service imports it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from edu_shared.contracts.signing import (
    DocumentRef,
    SignatureAdded,
    SigningCompleted,
    SigningRejected,
    SigningRequested,
)
from edu_shared.events.envelope import CloudEvent
from transcript.adapters.signature_check import LocalSignatureVerifier
from transcript.testing import Transcripts

SIGNED_PREFIX = "signing/signed/"
REQUESTED = "vn.edurecords.signing.requested"


@dataclass(frozen=True)
class TestSigningKey:
    """A self-signed signing certificate (the trust root of the test) and the pyHanko signer holding its key."""

    __test__ = False

    certificate: asn1_x509.Certificate
    signer: signers.SimpleSigner

    @property
    def certificate_pem(self) -> bytes:
        der: bytes = self.certificate.dump()
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)

    def verifier(self) -> LocalSignatureVerifier:
        return LocalSignatureVerifier([self.certificate])


def new_signing_key(common_name: str = "Trường THCS Nguyễn Du") -> TestSigningKey:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=None,  # type: ignore[arg-type]
    )
    return TestSigningKey(certificate=certificate, signer=signer)


async def sign_field(pdf: bytes, field_name: str, key: TestSigningKey) -> bytes:
    """One PAdES signature in the named empty field, as an incremental update."""
    signed = await signers.async_sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf)), signers.PdfSignatureMetadata(field_name=field_name), signer=key.signer
    )
    data: bytes = signed.getvalue()
    return data


async def requests(tr: Transcripts) -> list[SigningRequested]:
    """The signing requests the transcript service has published, oldest first."""
    return [SigningRequested.model_validate(e["data"]) for e in await tr.events(REQUESTED)]


async def _put(tr: Transcripts, pdf: bytes) -> DocumentRef:
    stored = await tr.service.runtime.object_store.put(pdf, content_type="application/pdf", prefix=SIGNED_PREFIX)
    return DocumentRef(
        role="pdf", object_key=stored.key, sha256=stored.sha256, size=stored.size, media_type="application/pdf"
    )


async def sign_all(
    tr: Transcripts, request: SigningRequested, key: TestSigningKey, *, at: dt.datetime
) -> list[CloudEvent]:
    """Every signer signs in step order (a `SignatureAdded` each), then the request completes."""
    store = tr.service.runtime.object_store
    pdf_ref = next(d for d in request.documents if d.role == "pdf")
    others = [d for d in request.documents if d.role != "pdf"]
    pdf = await store.get(pdf_ref.object_key)
    events: list[CloudEvent] = []
    for step in sorted(request.steps, key=lambda s: s.order):
        for spec in step.signers:
            pdf = await sign_field(pdf, spec.field_name, key)
            pdf_ref = await _put(tr, pdf)
            events += await tr.publish(
                SignatureAdded(
                    request_id=request.request_id,
                    school_id=request.school_id,
                    reference=request.reference,
                    signer=spec,
                    signed_by=spec.staff_id or "seal",
                    signed_at=at,
                    certificate_subject=f"CN={spec.name or 'seal'}",
                    documents=[pdf_ref, *others],
                ),
                key=request.school_id,
            )
    events += await tr.publish(
        SigningCompleted(
            request_id=request.request_id,
            school_id=request.school_id,
            reference=request.reference,
            documents=[pdf_ref, *others],
            completed_at=at,
            retain_until=(at + dt.timedelta(days=365 * 50)).date(),
        ),
        key=request.school_id,
    )
    return events


async def reject(tr: Transcripts, request: SigningRequested, *, reason: str, at: dt.datetime) -> list[CloudEvent]:
    """The homeroom teacher refuses to sign, with a reason."""
    return await tr.publish(
        SigningRejected(
            request_id=request.request_id,
            school_id=request.school_id,
            reference=request.reference,
            rejected_by="gvcn",
            role="homeroom_teacher",
            reason=reason,
            rejected_at=at,
        ),
        key=request.school_id,
    )
