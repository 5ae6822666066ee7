"""The PDF as a form to sign and archive: empty fields pyHanko can sign, embedded fonts, PDF/A-2b declaration."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from transcript.adapters.pdf_transcript import render_pdf
from transcript.domain.transcript import Transcript
from transcript.samples import tt22_transcript, tt27_transcript, tt58_transcript

AT = dt.datetime(2026, 7, 25, 3, 0, tzinfo=dt.UTC)


def _pdf() -> bytes:
    return render_pdf(tt22_transcript(), base_url="https://hocba.example.vn", printed_at=AT)


def test_every_required_signer_has_an_empty_signature_field() -> None:
    fields = [(name, value) for name, value, _ in enumerate_sig_fields(PdfFileReader(BytesIO(_pdf())))]
    assert [name for name, _ in fields] == list(tt22_transcript().signature_fields)
    assert len(fields) == 12 + 3  # twelve subjects, homeroom teacher, principal, school seal
    assert all(value is None for _, value in fields)


def test_the_same_transcript_renders_the_same_bytes() -> None:
    assert _pdf() == _pdf()


def test_fonts_are_embedded_and_pdfa_2b_is_declared() -> None:
    reader = PdfReader(BytesIO(_pdf()))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    root = reader.trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>" in metadata
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert reader.metadata is not None and reader.metadata.title == "Học bạ — Nguyễn Thị Ánh"


@pytest.mark.parametrize("sample", [tt22_transcript, tt27_transcript, tt58_transcript])
def test_qpdf_finds_no_structural_error(sample: Callable[[], Transcript], tmp_path: Path) -> None:
    path = tmp_path / "document.pdf"
    path.write_bytes(render_pdf(sample(), base_url="https://hocba.example.vn", printed_at=AT))
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No syntax or stream encoding errors found" in checked.stdout


def test_a_field_can_be_signed_by_pyhanko_and_the_signature_validates(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Phạm Văn Hùng")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
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
    signed = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(_pdf())),
        signers.PdfSignatureMetadata(field_name="Sig_2025_2026_HieuTruong"),
        signer=signer,
    )
    reader = PdfFileReader(signed)
    [signature] = reader.embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[certificate]))
    assert (signature.field_name, status.intact, status.valid) == ("Sig_2025_2026_HieuTruong", True, True)
    still_empty = [n for n, value, _ in enumerate_sig_fields(reader) if value is None]
    assert len(still_empty) == 14
    # An independent validator (poppler) agrees: the signed field's signature covers the whole document.
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed.getvalue())
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    principal = report.split("Sig_2025_2026_HieuTruong", 1)[1].split("Signature #", 1)[0]
    assert "Signature Validation: Signature is Valid." in principal
    assert "Total document signed" in principal


def test_a_character_outside_the_fonts_prints_as_a_question_mark(tmp_path: Path) -> None:
    transcript = tt22_transcript()
    profile = replace(transcript.profile, place_of_birth="Hà Nội 河内")
    path = tmp_path / "document.pdf"
    path.write_bytes(render_pdf(replace(transcript, profile=profile), base_url="https://x.vn", printed_at=AT))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "Nơi sinh: Hà Nội ??" in text
