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
    from signing.adapters.verification import Revocation, Verifier, XmlVerificationReport

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
NS = {"ds": DS, "xades": XADES}


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
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
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
        signature = signed_root.find("ds:Signature", NS)
        if signature is None:
            raise BadDocument("Không tạo được chữ ký XML.", field="xml")
        try:
            token = await timestamper.async_timestamp(_signature_value_digest(signature), "sha256")
        except TimestampRequestError as exc:
            raise SignerUnavailable("Máy chủ cấp dấu thời gian (TSA) không phản hồi; chưa ký được.") from exc
        _add_signature_timestamp(signature, token)
    out: bytes = etree.tostring(signed_root, xml_declaration=True, encoding="UTF-8")
    return out


async def verify_enveloped(xml: bytes, verifier: Verifier) -> XmlVerificationReport:
    """Signature value, references and signed properties (signxml), then chain and revocation, then timestamp."""
    from signing.adapters.verification import NOT_TRUSTED, NOT_VALID, REVOKED, TIMESTAMP_INVALID, XmlVerificationReport

    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return XmlVerificationReport(valid=False, problems=("Tệp XML không đọc được hoặc đã bị hỏng.",))
    signature = root.find(".//ds:Signature", NS)
    cert_el = root.find(".//ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    if signature is None or cert_el is None or not cert_el.text:
        return XmlVerificationReport(valid=False, problems=("Tài liệu XML không có chữ ký số.",))
    certs = [
        x509.load_der_x509_certificate(base64.b64decode(el.text or ""))
        for el in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    ]
    try:
        results = await asyncio.to_thread(XAdESVerifier().verify, xml, x509_cert=certs[0])
    except (InvalidSignature, InvalidDigest, InvalidCertificate, InvalidInput, ValueError) as exc:
        return XmlVerificationReport(valid=False, problems=(f"{NOT_VALID} ({exc})",))
    del results
    signing_cert = asn1_x509.Certificate.load(certs[0].public_bytes(Encoding.DER))
    others = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs[1:]]
    info = signer_info(signing_cert)
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
    signing_time = _signing_time(signature)
    timestamp_time: datetime | None = None
    stamp = signature.find(".//xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp", NS)
    if stamp is not None:
        timestamp_time = await _check_timestamp(signature, stamp.text or "", verifier)
        if timestamp_time is None:
            problems.append(TIMESTAMP_INVALID)
    return XmlVerificationReport(
        valid=not problems,
        signer=info,
        signing_time=signing_time,
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
