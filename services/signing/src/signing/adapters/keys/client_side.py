"""Client-side signing: the user's own desktop or browser signer holds the key; the service does the PDF work.

pyHanko's interrupted signing, in two calls that may be minutes apart:
1. `prepare`: the signature field and placeholder are written, the document's ByteRange digest is taken and the
   CMS signed attributes are built; the client receives `data_to_sign` (the DER signed attributes; the signer
   hashes it with SHA-256 and signs, RSA PKCS#1 v1.5 or ECDSA).
2. `finish`: the client's signature value is checked against its certificate, wrapped in a CMS (with the RFC 3161
   timestamp for B-T) and embedded into the prepared PDF.
Everything between the two is a plain `PreparedPdfSignature` (bytes and integers) the workflow may store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import cast

from asn1crypto import cms, x509  # type: ignore[import-untyped]
from cryptography import x509 as crypto_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from edu_shared.errors import InvalidInput
from signing.adapters.pades import (
    DIGEST,
    RESERVED_BYTES,
    TIMESTAMP_LEVELS,
    TrustSettings,
    field_spec,
    lock_existing_field,
    open_pdf,
    signature_metadata,
    signer_info,
    signing_failed,
)
from signing.domain.ports import PadesLevel, PdfSignatureSpec, SignerInfo


@dataclass(frozen=True)
class PreparedPdfSignature:
    """The state between `prepare` and `finish`; plain values, safe to store (no key material)."""

    prepared_pdf: bytes  # the document with the field and an empty placeholder
    document_digest: bytes
    reserved_region_start: int
    reserved_region_end: int
    signed_attributes: bytes  # DER: what the client signs
    certificate: bytes  # DER of the signer's certificate
    chain: tuple[bytes, ...]
    level: PadesLevel

    @property
    def data_to_sign(self) -> bytes:
        return self.signed_attributes

    @property
    def digest_to_sign(self) -> bytes:
        """SHA-256 of `data_to_sign`, for signers that take a prehashed digest."""
        return hashlib.sha256(self.signed_attributes).digest()


def _check_signature_value(certificate: bytes, data: bytes, signature: bytes) -> None:
    public_key = crypto_x509.load_der_x509_certificate(certificate).public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            raise InvalidInput("Loại khóa của chứng thư số không được hỗ trợ.", field="certificate")
    except InvalidSignature as exc:
        raise InvalidInput(
            "Giá trị chữ ký gửi về không khớp với dữ liệu cần ký hoặc với chứng thư số.",
            field="signature_value",
            value=f"{len(signature)} byte",
        ) from exc


class ClientSideSigning:
    """Prepares PDFs for, and finishes them with, signatures made on the user's device."""

    def __init__(self, trust: TrustSettings) -> None:
        self.trust = trust

    def signer_info(self, certificate: bytes) -> SignerInfo:
        return signer_info(x509.Certificate.load(certificate))

    def _external_signer(
        self, certificate: bytes, chain: Sequence[bytes], value: bytes | int
    ) -> signers.ExternalSigner:
        cert = x509.Certificate.load(certificate)
        others = [x509.Certificate.load(c) for c in chain]
        return signers.ExternalSigner(
            signing_cert=cert,
            cert_registry=SimpleCertificateStore.from_certs([cert, *others]),  # type: ignore[no-untyped-call]
            signature_value=value,
        )

    async def prepare(
        self, pdf: bytes, spec: PdfSignatureSpec, *, certificate: bytes, chain: Sequence[bytes] = ()
    ) -> PreparedPdfSignature:
        """Write the field and placeholder, digest the document and build the attributes the client signs."""
        if spec.level not in ("B-B", "B-T"):
            raise InvalidInput(
                "Ký phía người dùng hỗ trợ mức PAdES B-B và B-T; mức cao hơn được bổ sung bằng dấu thời gian tài liệu.",
                field="level",
                value=spec.level,
            )
        try:
            cert = x509.Certificate.load(certificate)
            cert.subject.native  # noqa: B018 - parse now: a bad certificate fails here, not after the round trip
        except ValueError as exc:
            raise InvalidInput("Chứng thư số gửi lên không đọc được.", field="certificate") from exc
        external = self._external_signer(certificate, chain, 512)
        writer = open_pdf(pdf)
        lock_existing_field(writer, spec)
        pdf_signer = signers.PdfSigner(
            signature_metadata(spec, self.trust, signer_name=signer_info(cert).common_name),
            signer=external,
            new_field_spec=field_spec(spec),
        )
        try:
            prepared, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
                writer, bytes_reserved=RESERVED_BYTES
            )
            attributes = await external.signed_attrs(prepared.document_digest, DIGEST, use_pades=True)
        except (SigningError, PdfError) as exc:
            raise signing_failed(exc, spec.field_name) from exc
        return PreparedPdfSignature(
            prepared_pdf=cast(BytesIO, output).getvalue(),
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.reserved_region_start,
            reserved_region_end=prepared.reserved_region_end,
            signed_attributes=attributes.dump(),
            certificate=certificate,
            chain=tuple(chain),
            level=spec.level,
        )

    async def finish(self, prepared: PreparedPdfSignature, signature_value: bytes) -> bytes:
        """Embed the client's signature value (and a signature timestamp for B-T); the signed PDF."""
        _check_signature_value(prepared.certificate, prepared.signed_attributes, signature_value)
        external = self._external_signer(prepared.certificate, prepared.chain, signature_value)
        timestamper = self.trust.timestamper() if prepared.level in TIMESTAMP_LEVELS else None
        try:
            signature_cms = await external.async_sign_prescribed_attributes(
                DIGEST,
                signed_attrs=cms.CMSAttributes.load(prepared.signed_attributes),
                timestamper=timestamper,
            )
            output = BytesIO(prepared.prepared_pdf)
            await PdfTBSDocument.async_finish_signing(
                output,
                prepared_digest=PreparedByteRangeDigest(
                    document_digest=prepared.document_digest,
                    reserved_region_start=prepared.reserved_region_start,
                    reserved_region_end=prepared.reserved_region_end,
                ),
                signature_cms=signature_cms,
            )
        except (SigningError, TimestampRequestError) as exc:
            raise signing_failed(exc, "") from exc
        return output.getvalue()
