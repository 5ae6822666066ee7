"""XAdES enveloped signatures on the XML twin of a document, with signxml.

signxml wants a `cryptography` private key; ours may sit in a token or a remote service, so it gets a stand-in
whose `sign` hands the canonical SignedInfo to the backend's pyHanko `Signer` (the key never leaves its holder).
signxml runs in a worker thread and that call hops back onto the event loop. With a TSA the signature becomes
XAdES-B-T: an RFC 3161 token over the canonicalised ds:SignatureValue in xades:SignatureTimeStamp.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from asn1crypto import cms, tsp  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped]
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.xades.xades import XAdESSigner, XAdESVerifier

from edu_shared.errors import InvalidInput as BadDocument
from signing.adapters.pades import signer_info
from signing.domain.ports import SignerUnavailable

if TYPE_CHECKING:
    from signing.adapters.verification import Revocation, Verifier, XmlSignatureReport, XmlVerificationReport

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
NS = {"ds": DS, "xades": XADES}
NOT_VALID_XML = "Chữ ký số không hợp lệ: nội dung XML hoặc chữ ký đã bị thay đổi sau khi ký."

log = logging.getLogger(__name__)


class _DelegatedKey:
    """Looks enough like a `cryptography` private key for signxml; signing goes to the backend's signer."""

    def __init__(self, signer: signers.Signer, loop: asyncio.AbstractEventLoop, key_size: int) -> None:
        self._signer = signer
        self._loop = loop
        self.key_size = key_size

    def sign(self, data: bytes, *_args: Any, **_kwargs: Any) -> bytes:
        future = asyncio.run_coroutine_threadsafe(self._signer.async_sign_raw(data, "sha256"), self._loop)
        return future.result()


def _to_crypto(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def _signature_value_digest(signature: etree._Element) -> bytes:
    value = signature.find("ds:SignatureValue", NS)
    if value is None:
        raise BadDocument("Chữ ký XML thiếu ds:SignatureValue.", field="xml")
    return hashlib.sha256(etree.tostring(value, method="c14n")).digest()


def _add_signature_timestamp(signature: etree._Element, token: cms.ContentInfo) -> None:
    properties = signature.find("ds:Object/xades:QualifyingProperties", NS)
    if properties is None:
        raise BadDocument("Chữ ký XML thiếu xades:QualifyingProperties.", field="xml")
    unsigned = etree.SubElement(properties, f"{{{XADES}}}UnsignedProperties")
    unsigned_sig = etree.SubElement(unsigned, f"{{{XADES}}}UnsignedSignatureProperties")
    stamp = etree.SubElement(unsigned_sig, f"{{{XADES}}}SignatureTimeStamp", Id=f"{signature.get('Id')}-TS")
    etree.SubElement(stamp, f"{{{DS}}}CanonicalizationMethod", Algorithm=C14N)
    encapsulated = etree.SubElement(stamp, f"{{{XADES}}}EncapsulatedTimeStamp")
    encapsulated.text = base64.b64encode(token.dump()).decode("ascii")


async def sign_enveloped(
    xml: bytes,
    *,
    signer: signers.Signer,
    certificate: asn1_x509.Certificate,
    chain: list[asn1_x509.Certificate],
    timestamper: TimeStamper | None,
) -> bytes:
    """The XML with an enveloped XAdES signature appended to its root element (B-T with a timestamper)."""
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError as exc:
        raise BadDocument("Tệp XML không hợp lệ.", field="xml", value=str(exc)) from exc
    is_ec = certificate.public_key.algorithm == "ec"
    key = _DelegatedKey(signer, asyncio.get_running_loop(), certificate.public_key.bit_size)
    xades = XAdESSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA256 if is_ec else SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
    )
    certs = [_to_crypto(certificate), *(_to_crypto(c) for c in chain)]
    signed_root: etree._Element = await asyncio.to_thread(
        xades.sign, root, key=cast(Any, key), cert=certs, always_add_key_value=False
    )
    if timestamper is not None:
        # ours is the last one: earlier signers' signatures come first
        signatures = signed_root.findall("ds:Signature", NS)
        if not signatures:
            raise BadDocument("Không tạo được chữ ký XML.", field="xml")
        signature = signatures[-1]
        try:
            token = await timestamper.async_timestamp(_signature_value_digest(signature), "sha256")
        except TimestampRequestError as exc:
            raise SignerUnavailable("Máy chủ cấp dấu thời gian (TSA) không phản hồi; chưa ký được.") from exc
        _add_signature_timestamp(signature, token)
    out: bytes = etree.tostring(signed_root, xml_declaration=True, encoding="UTF-8")
    return out


class _LatestSignatureVerifier(XAdESVerifier):
    """Verifies the last ds:Signature under the root: with the later ones cut off, that is signature i as made."""

    def _get_signature(self, root: etree._Element) -> etree._Element:
        if root.tag == f"{{{DS}}}Signature":
            return root
        signatures = root.findall("ds:Signature", NS)
        if not signatures:
            raise InvalidInput("Expected to find a ds:Signature under the document root")
        return signatures[-1]


def _parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))


def _as_signed(xml: bytes, index: int) -> bytes:
    """The document as signature `index` saw it: every signature added after it removed."""
    root = _parse(xml)
    for later in root.findall("ds:Signature", NS)[index + 1 :]:
        root.remove(later)
    out: bytes = etree.tostring(root, encoding="UTF-8")
    return out


async def verify_enveloped(xml: bytes, verifier: Verifier) -> XmlVerificationReport:
    """Every enveloped signature of the document, oldest first; each one covers the document and the earlier
    signatures. The top-level fields describe the latest signature; `valid` needs all of them valid."""
    from signing.adapters.verification import XmlVerificationReport

    try:
        root = _parse(xml)
    except etree.XMLSyntaxError:
        return XmlVerificationReport(valid=False, problems=("Tệp XML không đọc được hoặc đã bị hỏng.",))
    count = len(root.findall("ds:Signature", NS))
    if count == 0:
        return XmlVerificationReport(valid=False, problems=("Tài liệu XML không có chữ ký số.",))
    reports = [await _verify_one(_as_signed(xml, i), verifier) for i in range(count)]
    latest = reports[-1]
    problems = tuple(dict.fromkeys(p for r in reports for p in r.problems))
    return XmlVerificationReport(
        valid=all(r.valid for r in reports),
        signer=latest.signer,
        signing_time=latest.signing_time,
        timestamp_time=latest.timestamp_time,
        trusted=all(r.trusted for r in reports),
        revocation=latest.revocation,
        problems=problems,
        signatures=tuple(reports),
    )


async def _verify_one(xml: bytes, verifier: Verifier) -> XmlSignatureReport:
    """Signature value, references and signed properties (signxml), then chain and revocation, then timestamp."""
    from signing.adapters.verification import NOT_TRUSTED, REVOKED, TIMESTAMP_INVALID, XmlSignatureReport

    signature = _parse(xml).findall("ds:Signature", NS)[-1]
    encoded = [el.text or "" for el in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)]
    if not encoded:
        return XmlSignatureReport(valid=False, problems=("Chữ ký XML không kèm chứng thư số của người ký.",))
    try:
        certs = [x509.load_der_x509_certificate(base64.b64decode(text)) for text in encoded]
        # signature value, every reference and the signed properties, against the certificate in KeyInfo
        await asyncio.to_thread(_LatestSignatureVerifier().verify, xml, x509_cert=certs[0])
    except (
        InvalidSignature,
        InvalidDigest,
        InvalidCertificate,
        InvalidInput,
        ValueError,
        etree.DocumentInvalid,
    ) as exc:
        log.info("XML signature does not verify: %s", exc)
        return XmlSignatureReport(valid=False, problems=(NOT_VALID_XML,))
    signing_cert = asn1_x509.Certificate.load(certs[0].public_bytes(Encoding.DER))
    others = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs[1:]]
    problems: list[str] = []
    trusted = False
    revocation: Revocation = "unknown"
    try:
        validator = CertificateValidator(
            signing_cert, intermediate_certs=others, validation_context=verifier.validation_context()
        )
        await validator.async_validate_usage({"non_repudiation"})  # type: ignore[no-untyped-call]
        trusted, revocation = True, "good"
    except RevokedError:
        problems.append(REVOKED)
        revocation = "revoked"
    except (PathBuildingError, PathValidationError):
        problems.append(NOT_TRUSTED)
    timestamp_time: datetime | None = None
    stamp = signature.find(".//xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp", NS)
    if stamp is not None:
        timestamp_time = await _check_timestamp(signature, stamp.text or "", verifier)
        if timestamp_time is None:
            problems.append(TIMESTAMP_INVALID)
    return XmlSignatureReport(
        valid=not problems,
        signer=signer_info(signing_cert),
        signing_time=_signing_time(signature),
        timestamp_time=timestamp_time,
        trusted=trusted,
        revocation=revocation,
        problems=tuple(problems),
    )


def _signing_time(signature: etree._Element) -> datetime | None:
    node = signature.find(".//xades:SignedSignatureProperties/xades:SigningTime", NS)
    if node is None or not node.text:
        return None
    try:
        return datetime.fromisoformat(node.text)
    except ValueError:
        return None


async def _check_timestamp(signature: etree._Element, encoded: str, verifier: Verifier) -> datetime | None:
    """The token's time when it is a valid, trusted timestamp over this very SignatureValue; else None."""
    try:
        token = cms.ContentInfo.load(base64.b64decode(encoded))
        signed_data = token["content"]
        expected = _signature_value_digest(signature)
        status = await validate_tst_signed_data(signed_data, verifier.validation_context(), lambda _algo: expected)
    except (ValueError, SignatureValidationError, BadDocument):
        return None
    if not (status.get("intact") and status.get("valid") and status.get("trust_problem_indic") is None):
        return None
    tst_info = signed_data["encap_content_info"]["content"].parsed
    if not isinstance(tst_info, tsp.TSTInfo):
        return None
    moment: datetime = tst_info["gen_time"].native
    return moment
