"""The verification report: tampering, changes outside the signature's permissions, untrusted roots, garbage."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.adapters.keys.pkcs12 import Pkcs12Backend
from signing.adapters.pades import TrustSettings
from signing.adapters.testpki import TestPki
from signing.adapters.verification import MDP_VIOLATED, NOT_INTACT, NOT_TRUSTED, Verifier
from signing.domain.ports import PdfSignatureSpec


@pytest.fixture
async def certified(trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_pdf: bytes) -> bytes:
    signer = await Pkcs12Backend(p12_files, trust).unlock("principal", secret=p12_password)
    spec = PdfSignatureSpec("Sig_HT", "Hiệu trưởng phê duyệt", "Hòa Lạc", certify=True, lock_fields=("Sig_HT",))
    return await signer.sign_pdf(school_pdf, spec)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


async def test_untouched_document_verifies(certified: bytes, trust: TrustSettings) -> None:
    report = await Verifier(trust).verify_pdf(certified)
    assert report.valid
    [sig] = report.signatures
    assert sig.coverage == "whole_document" and sig.modification == "none" and sig.certification
    assert sig.signing_time is not None and sig.timestamp_time is not None
    assert sig.signer is not None and sig.signer.subject.startswith("CN=Trần Thị Bình")


async def test_one_flipped_byte_in_the_signed_content_is_reported(
    certified: bytes, school_pdf: bytes, trust: TrustSettings
) -> None:
    tampered = _flip(certified, len(school_pdf) // 2)
    report = await Verifier(trust).verify_pdf(tampered)
    assert not report.valid
    assert any(NOT_INTACT in s.problems for s in report.signatures) or not report.readable


async def test_one_flipped_byte_in_the_signature_value_is_reported(certified: bytes, trust: TrustSettings) -> None:
    [sig] = PdfFileReader(BytesIO(certified)).embedded_signatures
    value = sig.signer_info["signature"].native.hex()
    at = certified.lower().index(value.encode()) + 10  # a hex digit inside the RSA signature value
    digit = certified[at : at + 1]
    tampered = certified[:at] + (b"0" if digit != b"0" else b"1") + certified[at + 1 :]
    report = await Verifier(trust).verify_pdf(tampered)
    assert not report.valid
    [checked] = report.signatures
    assert not checked.valid and checked.problems


async def test_a_page_change_after_certification_breaks_the_docmdp_rules(
    certified: bytes, trust: TrustSettings
) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(certified))
    note = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (9.5) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(note))
    out = BytesIO()
    writer.write(out)
    report = await Verifier(trust).verify_pdf(out.getvalue())
    assert not report.valid
    [sig] = report.signatures
    assert sig.intact and sig.coverage == "earlier_revision"  # the signed revision itself is untouched
    assert sig.mdp_ok is False and MDP_VIOLATED in sig.problems


async def test_a_root_we_do_not_trust_is_reported(certified: bytes, pki: TestPki) -> None:
    elsewhere = TrustSettings(trust_roots=[pki.cert("tsa")])
    report = await Verifier(elsewhere).verify_pdf(certified)
    assert not report.valid
    [sig] = report.signatures
    assert sig.intact and sig.valid and not sig.trusted and NOT_TRUSTED in sig.problems


async def test_an_unsigned_pdf_is_not_valid(school_pdf: bytes, trust: TrustSettings) -> None:
    report = await Verifier(trust).verify_pdf(school_pdf)
    assert not report.valid and report.readable and report.signatures == ()
    assert report.problems == ("Tài liệu không có chữ ký số nào.",)


async def test_garbage_is_unreadable_not_an_exception(trust: TrustSettings) -> None:
    report = await Verifier(trust).verify_pdf(b"%PDF-1.7\n\x00\x01 not a pdf")
    assert not report.valid and not report.readable
