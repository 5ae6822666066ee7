"""PAdES signatures with pyHanko, shared by every key backend.

A backend opens a pyHanko `Signer` (a parsed PKCS#12 key, a PKCS#11 token session, a CSC credential); `PadesSigner`
turns it into the port's `DocumentSigner`. Profile: the first signature certifies the document (DocMDP "fill forms",
which still allows the later signatures), each signature may lock fields (FieldMDP, usually its own), B-T adds an
RFC 3161 signature timestamp, B-LT the revocation data in the DSS, B-LTA a document timestamp over all of it.
Everything reusable across a batch (parsed key, certificates, time-stamping client) is built once per signer.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import requests
from asn1crypto import algos, cms, tsp, x509  # type: ignore[import-untyped]
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import SigningError, as_signing_certificate_v2
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from edu_shared.errors import InvalidInput
from signing.domain.ports import PadesLevel, PdfSignatureSpec, SignerInfo, SignerUnavailable

log = logging.getLogger(__name__)

DIGEST = "sha256"
# Room for the CMS (signer and CA certificates, signature, timestamp token with the TSA's chain), written as hex.
# A fixed reservation skips pyHanko's dry-run estimate (a dummy signature and, for B-T, a dummy timestamp).
RESERVED_BYTES = 24_000
TIMESTAMP_LEVELS: frozenset[PadesLevel] = frozenset({"B-T", "B-LT", "B-LTA"})
LTV_LEVELS: frozenset[PadesLevel] = frozenset({"B-LT", "B-LTA"})


class KeepAliveTimeStamper(RequestsHTTPTimeStamper):
    """An RFC 3161 client that keeps its HTTP connection open across a batch.

    pyHanko's default client opens a new aiohttp session (and TLS context) per request, which cost more than the
    timestamp itself; this one posts through one `requests.Session` per worker thread, so it is also not tied
    to the event loop it was created on.
    """

    def __init__(self, url: str, *, timeout: float) -> None:
        super().__init__(url, timeout=timeout)  # type: ignore[no-untyped-call]
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _post(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            response = self._session().post(
                self.url, request.dump(), headers=self.request_headers(), timeout=self.timeout
            )
        except (OSError, requests.RequestException) as exc:
            raise TimestampRequestError("Error in communication with timestamp server") from exc
        if response.status_code != 200 or response.headers.get("Content-Type") != "application/timestamp-reply":
            raise TimestampRequestError("Timestamp server response is malformed.", response)
        return tsp.TimeStampResp.load(response.content)

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return await asyncio.to_thread(self._post, req)


@dataclass
class TrustSettings:
    """What every signature and verification of the service shares: trusted roots, known CAs, the TSA."""

    trust_roots: Sequence[x509.Certificate]
    other_certs: Sequence[x509.Certificate] = ()
    tsa_url: str | None = None
    tsa_timeout_s: float = 10.0
    _timestamper: TimeStamper | None = field(default=None, init=False, repr=False)

    def timestamper(self) -> TimeStamper:
        """The TSA client, created once (it caches the TSA's certificates between documents)."""
        if self.tsa_url is None:
            raise SignerUnavailable("Chưa cấu hình máy chủ cấp dấu thời gian (TSA) cho chữ ký có dấu thời gian.")
        if self._timestamper is None:
            self._timestamper = KeepAliveTimeStamper(self.tsa_url, timeout=self.tsa_timeout_s)
        return self._timestamper

    def validation_context(self, *, extra_certs: Sequence[x509.Certificate] = ()) -> ValidationContext:
        """A fresh context fetching OCSP responses and CRLs over HTTP (requests: not tied to an event loop)."""
        return ValidationContext(
            trust_roots=list(self.trust_roots),
            other_certs=[*self.other_certs, *extra_certs],
            allow_fetching=True,
            revocation_mode="soft-fail",
            fetcher_backend=RequestsFetcherBackend(per_request_timeout=int(self.tsa_timeout_s)),
        )


def _name_text(name: x509.Name) -> str:
    """RFC 4514 order: the most specific attribute (CN) first."""
    return ", ".join(f"{key}={value}" for key, value in _name_pairs(name))


def _name_pairs(name: x509.Name) -> list[tuple[str, str]]:
    short = {
        "common_name": "CN",
        "organizational_unit_name": "OU",
        "organization_name": "O",
        "locality_name": "L",
        "state_or_province_name": "ST",
        "country_name": "C",
        "serial_number": "SERIALNUMBER",
        "email_address": "E",
    }
    pairs: list[tuple[str, str]] = []
    for rdn in name.chosen:
        for attribute in rdn:
            kind = attribute["type"].native
            pairs.append((short.get(kind, kind), str(attribute["value"].native)))
    return list(reversed(pairs))


def signer_info(cert: x509.Certificate) -> SignerInfo:
    """The certificate as people read it: RFC 4514-like subject, common name, serial, issuer, expiry."""
    common_name = cert.subject.native.get("common_name", "")
    return SignerInfo(
        subject=_name_text(cert.subject),
        common_name=str(common_name),
        serial_number=format(cert.serial_number, "x"),
        issuer=_name_text(cert.issuer),
        not_after=cert["tbs_certificate"]["validity"]["not_after"].native.date().isoformat(),
    )


@dataclass(frozen=True)
class _CmsParts:
    certificates: list[cms.CertificateChoices]
    sid: cms.SignerIdentifier
    signing_certificate_v2: tsp.SigningCertificateV2


class _CachedSigningCertificate(CMSAttributeProvider):
    attribute_type = "signing_certificate_v2"

    def __init__(self, value: tsp.SigningCertificateV2) -> None:
        self._value = value

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return self._value


class CachedCmsParts:
    """Mixin for a pyHanko `Signer`: what is the same in every CMS of a batch is serialised once.

    asn1crypto re-serialises every structure built from Python values, so pyHanko rebuilding the certificate
    set, the signer identifier and the ESS signing-certificate-v2 attribute for each document cost more than
    the RSA signature. Here they are built once, dumped, and re-loaded: parsed values are emitted as stored.
    The signer certificate also appears once (pyHanko adds it beside the registry's copy).
    """

    _cms_parts: _CmsParts | None = None

    def _parts(self) -> _CmsParts:
        if self._cms_parts is None:
            signer: Any = self
            cert: x509.Certificate = signer.signing_cert
            seen: dict[bytes, x509.Certificate] = {cert.dump(): cert}
            for other in signer.cert_registry or ():
                if signer.embed_roots or other.self_signed == "no":
                    seen.setdefault(other.dump(), other)
            sid = cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": cert.issuer, "serial_number": cert.serial_number}
                    )
                }
            )
            self._cms_parts = _CmsParts(
                certificates=[
                    cms.CertificateChoices.load(cms.CertificateChoices(name="certificate", value=c).dump())
                    for c in seen.values()
                ],
                sid=cms.SignerIdentifier.load(sid.dump()),
                signing_certificate_v2=tsp.SigningCertificateV2.load(as_signing_certificate_v2(cert).dump()),
            )
        return self._cms_parts

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterable[CMSAttributeProvider]:
        providers: Iterable[CMSAttributeProvider] = super()._signed_attr_providers(*args, **kwargs)  # type: ignore[misc]
        cached = _CachedSigningCertificate(self._parts().signing_certificate_v2)
        return [cached if isinstance(p, SigningCertificateV2Provider) else p for p in providers]

    def signer_info(self, digest_algorithm: str, signed_attrs: Any, signature: bytes) -> cms.SignerInfo:
        signer: Any = self
        return cms.SignerInfo(
            {
                "version": "v1",
                "sid": self._parts().sid,
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest_algorithm}),
                "signature_algorithm": signer.get_signature_mechanism_for_digest(digest_algorithm),
                "signed_attrs": signed_attrs,
                "signature": signature,
            }
        )

    def _package_signature(
        self,
        *,
        digest_algorithm: str,
        cms_version: Any,
        signed_attrs: cms.CMSAttributes,
        signature: bytes,
        unsigned_attrs: cms.CMSAttributes | None,
        encap_content_info: Any,
    ) -> cms.ContentInfo:
        info = self.signer_info(digest_algorithm, signed_attrs, signature)
        if unsigned_attrs is not None:
            info["unsigned_attrs"] = unsigned_attrs
        signed_data = {
            "version": cms_version,
            "digest_algorithms": cms.DigestAlgorithms((info["digest_algorithm"],)),
            "encap_content_info": encap_content_info or {"content_type": "data"},
            "certificates": self._parts().certificates,
            "signer_infos": [info],
        }
        return cms.ContentInfo({"content_type": cms.ContentType("signed_data"), "content": cms.SignedData(signed_data)})


def signature_metadata(
    spec: PdfSignatureSpec, trust: TrustSettings, *, signer_name: str
) -> signers.PdfSignatureMetadata:
    """pyHanko's metadata for one signature of the given level."""
    ltv = spec.level in LTV_LEVELS
    return signers.PdfSignatureMetadata(
        field_name=spec.field_name,
        reason=spec.reason,
        location=spec.location,
        name=signer_name,
        md_algorithm=DIGEST,
        certify=spec.certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=ltv,
        use_pades_lta=spec.level == "B-LTA",
        validation_context=trust.validation_context() if ltv else None,
        signer_key_usage={"non_repudiation"},
    )


def field_spec(spec: PdfSignatureSpec) -> fields.SigFieldSpec:
    lock = (
        fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE, fields=list(spec.lock_fields)) if spec.lock_fields else None
    )
    return fields.SigFieldSpec(sig_field_name=spec.field_name, field_mdp_spec=lock)


def lock_existing_field(writer: IncrementalPdfFileWriter, spec: PdfSignatureSpec) -> None:
    """Fields the author placed without a /Lock get FieldMDP locks, all in the first signature's revision.

    Once a signature exists, adding a /Lock to another field is a change the earlier signatures' modification
    check refuses; so the first signer's revision locks every empty field (each its own, as every signer does)
    and later revisions leave field dictionaries alone.
    """
    if not spec.lock_fields or any(True for _ in fields.enumerate_sig_fields(writer, filled_status=True)):
        return
    for name, _value, ref in fields.enumerate_sig_fields(writer, filled_status=False):
        sig_field = ref.get_object()
        if "/Lock" in sig_field:
            continue
        locked = list(spec.lock_fields) if name == spec.field_name else [name]
        sig_field[pdf_name("/Lock")] = fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE, fields=locked).as_pdf_object()
        writer.update_container(sig_field)


def open_pdf(pdf: bytes) -> IncrementalPdfFileWriter:
    """An incremental writer on the PDF (earlier revisions and signatures stay byte for byte)."""
    try:
        return IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as exc:
        raise InvalidInput("Tệp PDF không đọc được.", field="pdf", value=f"{len(pdf)} byte") from exc


def signing_failed(exc: Exception, field_name: str) -> Exception:
    """Map pyHanko's failures to the port's errors (a bad document is the caller's; an unreachable TSA is not).

    The Vietnamese detail says what went wrong for the user; pyHanko's own words go in `reason` for support.
    """
    if isinstance(exc, TimestampRequestError):
        return SignerUnavailable("Máy chủ cấp dấu thời gian (TSA) không phản hồi; chưa ký được.", reason=str(exc))
    if isinstance(exc, PathBuildingError | PathValidationError):
        return InvalidInput(
            "Chứng thư số của người ký không hợp lệ hoặc không được tin cậy.", field="certificate", reason=str(exc)
        )
    return InvalidInput(
        f"Không thể ký vào ô chữ ký «{field_name}»: ô đã được ký, tài liệu không cho phép thêm chữ ký chứng nhận, "
        "hoặc tài liệu không hợp lệ.",
        field="field_name",
        value=field_name,
        reason=str(exc),
    )


class PadesSigner:
    """The port's `DocumentSigner` over one opened pyHanko `Signer`; reuse it for a whole batch."""

    def __init__(
        self,
        signer: signers.Signer,
        trust: TrustSettings,
        *,
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        cert = signer.signing_cert
        if cert is None:
            raise SignerUnavailable("Không tìm thấy chứng thư số của khóa ký.")
        self.signer = signer
        self.trust = trust
        self.certificate: x509.Certificate = cert
        self._info = signer_info(cert)
        self._close = close
        self.reserved_bytes: int | None = RESERVED_BYTES  # None: pyHanko estimates (a dry-run signature)

    @property
    def info(self) -> SignerInfo:
        return self._info

    @property
    def chain(self) -> list[x509.Certificate]:
        """The signer's CA certificates known to the key's certificate store."""
        registry = self.signer.cert_registry
        return [c for c in registry if c.dump() != self.certificate.dump()] if registry is not None else []

    async def sign_pdf(self, pdf: bytes, spec: PdfSignatureSpec) -> bytes:
        """The PDF with one more signature, as an incremental update (earlier signatures stay valid)."""
        try:
            return await self._sign_pdf(pdf, spec)
        except SigningError as exc:
            if self.reserved_bytes is None or "larger than expected" not in str(exc):
                raise signing_failed(exc, spec.field_name) from exc
            # a longer chain or a bigger timestamp token than the fixed reservation: let pyHanko estimate,
            # for this document and the rest of the batch
            log.info("signature container outgrew %d bytes; estimating from now on", self.reserved_bytes)
            self.reserved_bytes = None
            try:
                return await self._sign_pdf(pdf, spec)
            except SigningError as again:
                raise signing_failed(again, spec.field_name) from again

    async def _sign_pdf(self, pdf: bytes, spec: PdfSignatureSpec) -> bytes:
        writer = open_pdf(pdf)
        lock_existing_field(writer, spec)
        timestamper = self.trust.timestamper() if spec.level in TIMESTAMP_LEVELS else None
        pdf_signer = signers.PdfSigner(
            signature_metadata(spec, self.trust, signer_name=self._info.common_name),
            signer=self.signer,
            timestamper=timestamper,
            new_field_spec=field_spec(spec),
        )
        try:
            output = await pdf_signer.async_sign_pdf(writer, bytes_reserved=self.reserved_bytes)
        except (PdfError, TimestampRequestError, PathBuildingError, PathValidationError) as exc:
            raise signing_failed(exc, spec.field_name) from exc
        signed: bytes = output.getvalue()
        return signed

    async def sign_xml(self, xml: bytes) -> bytes:
        """The XML with an enveloped XAdES signature (B-T when a TSA is configured)."""
        from signing.adapters.xades import sign_enveloped

        return await sign_enveloped(
            xml,
            signer=self.signer,
            certificate=self.certificate,
            chain=self.chain,
            timestamper=self.trust.timestamper() if self.trust.tsa_url else None,
        )

    async def aclose(self) -> None:
        """Release the key (log out of the token); the signer cannot sign afterwards."""
        if self._close is not None:
            await self._close()
            self._close = None
