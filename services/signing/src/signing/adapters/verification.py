"""Verification of signed documents: a report a person can read, for PDF (PAdES) and XML (XAdES).

For every PDF signature: who signed (certificate subject), when (the signer's clock and the TSA's timestamp),
whether the chain leads to our configured roots, whether the certificate was revoked (OCSP/CRL, hard-fail: an
unreachable responder counts as not verified), whether the signed bytes are intact, what the signature covers
(the whole file or an earlier revision) and whether later revisions stayed within the DocMDP/FieldMDP rules.
A document that cannot even be parsed gets a report saying so, never an exception.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from typing import Literal

from asn1crypto import x509  # type: ignore[import-untyped]
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel, SignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from signing.adapters.pades import TrustSettings, signer_info
from signing.domain.ports import SignerInfo

log = logging.getLogger(__name__)

Coverage = Literal["whole_document", "earlier_revision", "partial"]
Revocation = Literal["good", "revoked", "unknown"]

NOT_INTACT = "Nội dung đã bị thay đổi sau khi ký: chữ ký không còn khớp với tài liệu."
NOT_VALID = "Chữ ký số không hợp lệ."
NOT_TRUSTED = "Chứng thư số không dẫn về tổ chức chứng thực gốc được tin cậy, hoặc chưa kiểm tra được."
REVOKED = "Chứng thư số của người ký đã bị thu hồi."
MDP_VIOLATED = "Tài liệu bị sửa đổi ngoài phạm vi cho phép sau khi ký (DocMDP/FieldMDP)."
PARTIAL = "Chữ ký chỉ bao phủ một phần tài liệu."
TIMESTAMP_INVALID = "Dấu thời gian của chữ ký không hợp lệ."


@dataclass(frozen=True)
class PdfSignatureReport:
    """One signature or document timestamp of a PDF, as verified now."""

    field_name: str
    kind: Literal["signature", "document_timestamp"]
    signer: SignerInfo | None
    signing_time: datetime | None  # the signer's own clock (signed attribute)
    timestamp_time: datetime | None  # RFC 3161 time: signature timestamp, or the document timestamp itself
    intact: bool
    valid: bool
    trusted: bool
    revocation: Revocation
    coverage: Coverage
    modification: str  # none / lta_updates / form_filling / annotations / other
    certification: bool  # the DocMDP (certifying) signature
    mdp_ok: bool | None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class PdfVerificationReport:
    """Every signature of a PDF, earliest first; `valid` only when there is at least one and none has a problem."""

    signatures: tuple[PdfSignatureReport, ...]
    readable: bool = True
    has_revocation_data: bool = False  # a DSS (B-LT and up)
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.readable and bool(self.signatures) and not self.problems and all(s.ok for s in self.signatures)


@dataclass(frozen=True)
class XmlSignatureReport:
    """One enveloped XAdES/XMLDSig signature of an XML document."""

    valid: bool
    signer: SignerInfo | None = None
    signing_time: datetime | None = None  # xades:SigningTime (the signer's clock)
    timestamp_time: datetime | None = None  # xades:SignatureTimeStamp (B-T)
    trusted: bool = False
    revocation: Revocation = "unknown"
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class XmlVerificationReport:
    """The signatures of an XML twin: `signatures` oldest first, the other fields about the latest one, except
    `valid`, `trusted` and `problems`, which cover all of them."""

    valid: bool
    signer: SignerInfo | None = None
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    trusted: bool = False
    revocation: Revocation = "unknown"
    problems: tuple[str, ...] = field(default_factory=tuple)
    signatures: tuple[XmlSignatureReport, ...] = ()


def _coverage(level: SignatureCoverageLevel | None) -> Coverage:
    if level == SignatureCoverageLevel.ENTIRE_FILE:
        return "whole_document"
    if level == SignatureCoverageLevel.ENTIRE_REVISION:
        return "earlier_revision"
    return "partial"


def _revocation(status: SignatureStatus) -> Revocation:
    if status.revoked:
        return "revoked"
    return "good" if status.trusted else "unknown"


def _modification(level: ModificationLevel | None) -> str:
    return "unknown" if level is None else level.name.lower()


class Verifier:
    """Verifies PDFs and XML twins against the service's trust settings."""

    def __init__(self, trust: TrustSettings) -> None:
        self.trust = trust

    def validation_context(self, *, extra_certs: list[x509.Certificate] | None = None) -> ValidationContext:
        """Revocation checked hard: a certificate whose status cannot be established is not reported as trusted."""
        return ValidationContext(
            trust_roots=list(self.trust.trust_roots),
            other_certs=[*self.trust.other_certs, *(extra_certs or [])],
            allow_fetching=True,
            revocation_mode="hard-fail",
            fetcher_backend=RequestsFetcherBackend(per_request_timeout=int(self.trust.tsa_timeout_s)),
        )

    async def verify_pdf(self, pdf: bytes) -> PdfVerificationReport:
        """A report on every signature of the PDF."""
        try:
            reader = PdfFileReader(BytesIO(pdf), strict=False)
            embedded = list(reader.embedded_signatures)
        except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
            log.info("unreadable PDF: %s", exc)
            return PdfVerificationReport(
                signatures=(), readable=False, problems=("Tệp PDF không đọc được hoặc đã bị hỏng.",)
            )
        if not embedded:
            return PdfVerificationReport(signatures=(), problems=("Tài liệu không có chữ ký số nào.",))
        reports = [await self._verify_one(sig) for sig in embedded]
        has_dss = "/DSS" in reader.root
        return PdfVerificationReport(signatures=tuple(reports), has_revocation_data=has_dss)

    async def _verify_one(self, sig: EmbeddedPdfSignature) -> PdfSignatureReport:
        name = str(sig.field_name)
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                return await self._verify_doc_timestamp(sig, name)
            return await self._verify_signature(sig, name)
        except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
            log.info("signature %s could not be validated: %s", name, exc)
            return PdfSignatureReport(
                field_name=name,
                kind="signature",
                signer=None,
                signing_time=None,
                timestamp_time=None,
                intact=False,
                valid=False,
                trusted=False,
                revocation="unknown",
                coverage="partial",
                modification="unknown",
                certification=False,
                mdp_ok=None,
                problems=(NOT_VALID, NOT_INTACT),
            )

    async def _verify_signature(self, sig: EmbeddedPdfSignature, name: str) -> PdfSignatureReport:
        context = self.validation_context(extra_certs=list(sig.other_embedded_certs))
        status = await async_validate_pdf_signature(
            sig,
            signer_validation_context=context,
            ts_validation_context=self.validation_context(),
        )
        problems = _common_problems(status.intact, status.valid, status.trusted, status.revoked)
        if status.docmdp_ok is False:
            problems.append(MDP_VIOLATED)
        coverage = _coverage(status.coverage)
        if coverage == "partial":
            problems.append(PARTIAL)
        ts = status.timestamp_validity
        if ts is not None and not (ts.intact and ts.valid and ts.trusted):
            problems.append(TIMESTAMP_INVALID)
        return PdfSignatureReport(
            field_name=name,
            kind="signature",
            signer=signer_info(status.signing_cert),
            signing_time=status.signer_reported_dt,
            timestamp_time=ts.timestamp if ts is not None else None,
            intact=status.intact,
            valid=status.valid,
            trusted=status.trusted,
            revocation=_revocation(status),
            coverage=coverage,
            modification=_modification(status.modification_level),
            certification=sig.docmdp_level is not None,
            mdp_ok=status.docmdp_ok,
            problems=tuple(problems),
        )

    async def _verify_doc_timestamp(self, sig: EmbeddedPdfSignature, name: str) -> PdfSignatureReport:
        status = await async_validate_pdf_timestamp(sig, validation_context=self.validation_context())
        problems = _common_problems(status.intact, status.valid, status.trusted, status.revoked)
        coverage = _coverage(status.coverage)
        if coverage == "partial":
            problems.append(PARTIAL)
        return PdfSignatureReport(
            field_name=name,
            kind="document_timestamp",
            signer=signer_info(status.signing_cert),
            signing_time=None,
            timestamp_time=status.timestamp,
            intact=status.intact,
            valid=status.valid,
            trusted=status.trusted,
            revocation=_revocation(status),
            coverage=coverage,
            modification=_modification(status.modification_level),
            certification=False,
            mdp_ok=status.docmdp_ok,
            problems=tuple(problems),
        )

    async def verify_xml(self, xml: bytes) -> XmlVerificationReport:
        """A report on the XML twin's enveloped signature."""
        from signing.adapters.xades import verify_enveloped

        return await verify_enveloped(xml, self)


def _common_problems(intact: bool, valid: bool, trusted: bool, revoked: bool) -> list[str]:
    problems: list[str] = []
    if not intact:
        problems.append(NOT_INTACT)
    elif not valid:
        problems.append(NOT_VALID)
    if revoked:
        problems.append(REVOKED)
    elif not trusted:
        problems.append(NOT_TRUSTED)
    return problems
