"""Checking a PDF's signatures before an imported package is accepted: the port and its two adapters.

`HttpSignatureVerifier` asks the signing service (`POST /api/signing/verify`), which holds the trust anchors and
fetches revocation data: the production path. `LocalSignatureVerifier` validates with pyHanko against trust roots
given to this service, for an installation without the signing service and for tests.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Protocol

import httpx
from asn1crypto import pem, x509  # type: ignore[import-untyped]
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from edu_shared.errors import ServiceUnavailable

log = logging.getLogger(__name__)

NOT_READABLE = "Tệp PDF không đọc được hoặc đã bị hỏng."


@dataclass(frozen=True)
class SignatureResult:
    """One signed field: whether the signed bytes are unchanged and the certificate leads to a trusted root."""

    field_name: str
    intact: bool
    trusted: bool
    signer: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted and not self.problems


@dataclass(frozen=True)
class PdfSignatures:
    """Every signature of a PDF, and the signature fields still empty (when the verifier can tell)."""

    signatures: tuple[SignatureResult, ...]
    empty_fields: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def signed_fields(self) -> set[str]:
        return {s.field_name for s in self.signatures}


class SignatureVerifier(Protocol):
    """Verifies every signature of a PDF."""

    async def verify_pdf(self, pdf: bytes) -> PdfSignatures: ...


class LocalSignatureVerifier:
    """pyHanko's validator against the given roots; revocation is soft-fail (no responder is asked)."""

    def __init__(self, trust_roots: Sequence[x509.Certificate]) -> None:
        self.trust_roots = list(trust_roots)

    @classmethod
    def from_pem(cls, blobs: Sequence[bytes]) -> LocalSignatureVerifier:
        roots = []
        for blob in blobs:
            der = pem.unarmor(blob)[2] if pem.detect(blob) else blob
            roots.append(x509.Certificate.load(der))
        return cls(roots)

    async def verify_pdf(self, pdf: bytes) -> PdfSignatures:
        try:
            reader = PdfFileReader(BytesIO(pdf), strict=False)
            empty = tuple(name for name, value, _ in enumerate_sig_fields(reader) if value is None)
            embedded = list(reader.embedded_signatures)
        except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
            log.info("unreadable PDF: %s", exc)
            return PdfSignatures(signatures=(), problems=(NOT_READABLE,))
        results = []
        for sig in embedded:
            name = str(sig.field_name)
            context = ValidationContext(
                trust_roots=self.trust_roots,
                other_certs=list(sig.other_embedded_certs),
                allow_fetching=False,
                revocation_mode="soft-fail",
            )
            try:
                status = await async_validate_pdf_signature(sig, signer_validation_context=context)
            except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
                log.info("signature %s could not be validated: %s", name, exc)
                results.append(SignatureResult(field_name=name, intact=False, trusted=False))
                continue
            # A signature covering less than its revision, or a later change outside form filling, is a tamper.
            problems = () if status.docmdp_ok is not False else ("Tài liệu bị sửa ngoài phạm vi cho phép sau khi ký.",)
            results.append(
                SignatureResult(
                    field_name=name,
                    intact=bool(status.intact and status.valid),
                    trusted=bool(status.trusted),
                    signer=status.signing_cert.subject.human_friendly if status.signing_cert else None,
                    problems=problems,
                )
            )
        return PdfSignatures(signatures=tuple(results), empty_fields=empty)


class HttpSignatureVerifier:
    """The signing service's public verification endpoint (multipart upload of the file)."""

    def __init__(self, url: str, *, client: httpx.AsyncClient | None = None, timeout_s: float = 30.0) -> None:
        self.url = url
        self._client = client
        self.timeout_s = timeout_s

    async def verify_pdf(self, pdf: bytes) -> PdfSignatures:
        files = {"file": ("hoc-ba.pdf", pdf, "application/pdf")}
        try:
            if self._client is not None:
                response = await self._client.post(self.url, files=files)
            else:
                async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                    response = await client.post(self.url, files=files)
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(
                "Không kết nối được dịch vụ ký số để kiểm tra chữ ký; thử lại sau.", url=self.url
            ) from exc
        if response.status_code >= 500:
            raise ServiceUnavailable(
                "Dịch vụ ký số chưa kiểm tra được chữ ký (chưa cấu hình chứng thư gốc tin cậy?).",
                status=response.status_code,
            )
        if response.status_code != 200:
            return PdfSignatures(signatures=(), problems=(NOT_READABLE,))
        body = response.json()
        return PdfSignatures(
            signatures=tuple(
                SignatureResult(
                    field_name=s.get("field_name") or "",
                    intact=bool(s["intact"]),
                    trusted=bool(s["trusted"]),
                    signer=(s.get("certificate") or {}).get("subject"),
                    problems=tuple(s.get("problems", [])),
                )
                for s in body.get("signatures", [])
            ),
            problems=tuple(body.get("problems", [])),
        )
