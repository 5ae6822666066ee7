"""XAdES enveloped signatures on the XML twin: B-T with the test TSA, B-B without, tampering and trust."""

from __future__ import annotations

from pathlib import Path

from lxml import etree  # type: ignore[import-untyped]

from signing.adapters.keys.pkcs12 import Pkcs12Backend
from signing.adapters.pades import TrustSettings
from signing.adapters.testpki import TestPki
from signing.adapters.verification import NOT_TRUSTED, TIMESTAMP_INVALID, Verifier

NS = {"ds": "http://www.w3.org/2000/09/xmldsig#", "xades": "http://uri.etsi.org/01903/v1.3.2#"}


async def _signed(trust: TrustSettings, p12_files: dict[str, Path], password: str, xml: bytes) -> bytes:
    signer = await Pkcs12Backend(p12_files, trust).unlock("homeroom", secret=password)
    return await signer.sign_xml(xml)


async def test_signed_xml_is_xades_b_t_and_verifies(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_xml: bytes
) -> None:
    signed = await _signed(trust, p12_files, p12_password, school_xml)
    root = etree.fromstring(signed)
    assert root.tag == "{urn:edurecords:transcript:1}HocBa"  # enveloped: the document stays the root
    assert root.find("ds:Signature/ds:Object/xades:QualifyingProperties/xades:SignedProperties", NS) is not None
    assert root.find(".//xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp", NS) is not None
    assert "Nguyễn Thị Ánh".encode() in signed

    report = await Verifier(trust).verify_xml(signed)
    assert report.valid, report
    assert report.trusted and report.revocation == "good"
    assert report.signer is not None and report.signer.common_name == "Phạm Thị Hoa"
    assert report.signing_time is not None and report.timestamp_time is not None


async def test_without_a_tsa_the_signature_is_b_b(
    pki: TestPki, p12_files: dict[str, Path], p12_password: str, school_xml: bytes
) -> None:
    no_tsa = TrustSettings(trust_roots=[pki.root], other_certs=[pki.cert("issuing")])
    signed = await _signed(no_tsa, p12_files, p12_password, school_xml)
    assert b"SignatureTimeStamp" not in signed
    report = await Verifier(no_tsa).verify_xml(signed)
    assert report.valid and report.timestamp_time is None


async def test_one_changed_character_in_the_xml_is_reported(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_xml: bytes
) -> None:
    signed = await _signed(trust, p12_files, p12_password, school_xml)
    tampered = signed.replace(b"<HocTap>T", b"<HocTap>K", 1)
    assert tampered != signed
    report = await Verifier(trust).verify_xml(tampered)
    assert not report.valid and report.problems


async def test_one_flipped_byte_in_the_signature_value_is_reported(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_xml: bytes
) -> None:
    signed = await _signed(trust, p12_files, p12_password, school_xml)
    at = signed.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>") + 10
    tampered = signed[:at] + (b"A" if signed[at : at + 1] != b"A" else b"B") + signed[at + 1 :]
    report = await Verifier(trust).verify_xml(tampered)
    assert not report.valid


async def test_a_timestamp_moved_from_another_signature_is_reported(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_xml: bytes
) -> None:
    first = etree.fromstring(await _signed(trust, p12_files, p12_password, school_xml))
    second = etree.fromstring(await _signed(trust, p12_files, p12_password, school_xml))
    path = ".//xades:SignatureTimeStamp/xades:EncapsulatedTimeStamp"
    second.find(path, NS).text = first.find(path, NS).text
    report = await Verifier(trust).verify_xml(etree.tostring(second))
    assert not report.valid and TIMESTAMP_INVALID in report.problems


async def test_an_untrusted_root_is_reported(
    pki: TestPki, trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_xml: bytes
) -> None:
    signed = await _signed(trust, p12_files, p12_password, school_xml)
    report = await Verifier(TrustSettings(trust_roots=[pki.cert("tsa")])).verify_xml(signed)
    assert not report.valid and not report.trusted and NOT_TRUSTED in report.problems


async def test_unsigned_or_broken_xml_is_reported(trust: TrustSettings, school_xml: bytes) -> None:
    assert not (await Verifier(trust).verify_xml(school_xml)).valid
    assert not (await Verifier(trust).verify_xml(b"<HocBa><unclosed>")).valid


async def test_each_signer_adds_a_signature_and_all_of_them_verify(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_xml: bytes
) -> None:
    xml = school_xml
    for label in ("teacher", "homeroom", "principal"):
        signer = await Pkcs12Backend(p12_files, trust).unlock(label, secret=p12_password)
        xml = await signer.sign_xml(xml)
    report = await Verifier(trust).verify_xml(xml)
    assert report.valid, report
    assert [s.signer.common_name for s in report.signatures if s.signer] == [
        "Nguyễn Văn An",
        "Phạm Thị Hoa",
        "Trần Thị Bình",
    ]
    assert report.signer is not None and report.signer.common_name == "Trần Thị Bình"  # the latest
    assert all(s.valid and s.timestamp_time is not None for s in report.signatures)

    tampered = xml.replace(b"<HoTen>Nguy", b"<HoTen>Ngy", 1)
    broken = await Verifier(trust).verify_xml(tampered)
    assert not broken.valid and not any(s.valid for s in broken.signatures)
