"""PAdES profile of a transcript: certified by the first signer, one locked field per signer, B-B to B-LTA,
checked by our verifier (pyHanko, trusted to the test root) and independently by poppler's pdfsig."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields

from edu_shared.errors import InvalidInput
from edu_shared.testing.processes import free_port
from signing.adapters.keys.pkcs12 import Pkcs12Backend
from signing.adapters.pades import PadesSigner, TrustSettings
from signing.adapters.verification import Verifier
from signing.domain.ports import PdfSignatureSpec, SignerUnavailable

SIGNERS = [
    ("teacher", "Sig_GVBM", "Giáo viên bộ môn xác nhận kết quả"),
    ("homeroom", "Sig_GVCN", "Giáo viên chủ nhiệm xác nhận học bạ"),
    ("principal", "Sig_HT", "Hiệu trưởng phê duyệt"),
    ("seal", "Sig_Dau", "Đóng dấu của nhà trường"),
]


async def _signer(trust: TrustSettings, p12_files: dict[str, Path], password: str, label: str) -> PadesSigner:
    return await Pkcs12Backend(p12_files, trust).unlock(label, secret=password)


async def _transcript(trust: TrustSettings, p12_files: dict[str, Path], password: str, pdf: bytes) -> bytes:
    """Subject teacher (certifies, B-T) → homeroom (B-T) → principal (B-LT) → seal (B-LTA), each locking its field."""
    levels = ["B-T", "B-T", "B-LT", "B-LTA"]
    for (label, field, reason), level in zip(SIGNERS, levels, strict=True):
        signer = await _signer(trust, p12_files, password, label)
        spec = PdfSignatureSpec(
            field, reason, "Trường THCS Hòa Lạc", certify=label == "teacher", lock_fields=(field,), level=level
        )
        pdf = await signer.sign_pdf(pdf, spec)
    return pdf


@pytest.fixture(scope="module")
def signed_transcript_holder() -> dict[str, bytes]:
    return {}


async def _signed_transcript(
    holder: dict[str, bytes], trust: TrustSettings, p12_files: dict[str, Path], password: str, pdf: bytes
) -> bytes:
    if "pdf" not in holder:
        holder["pdf"] = await _transcript(trust, p12_files, password, pdf)
    return holder["pdf"]


async def test_transcript_signatures_verify_intact_trusted_and_within_their_locks(
    signed_transcript_holder: dict[str, bytes],
    trust: TrustSettings,
    p12_files: dict[str, Path],
    p12_password: str,
    school_pdf: bytes,
) -> None:
    pdf = await _signed_transcript(signed_transcript_holder, trust, p12_files, p12_password, school_pdf)
    report = await Verifier(trust).verify_pdf(pdf)
    assert report.valid, report
    regular = [s for s in report.signatures if s.kind == "signature"]
    assert [s.field_name for s in regular] == [field for _, field, _ in SIGNERS]
    assert [s.signer.common_name for s in regular if s.signer] == [
        "Nguyễn Văn An",
        "Phạm Thị Hoa",
        "Trần Thị Bình",
        "Trường THCS Hòa Lạc",
    ]
    assert [s.certification for s in regular] == [True, False, False, False]
    assert all(s.intact and s.trusted and s.revocation == "good" and s.mdp_ok for s in regular)
    assert all(s.timestamp_time is not None for s in regular)  # B-T and up
    assert all(s.coverage == "earlier_revision" for s in regular)  # later signatures came after each
    assert [s.kind for s in report.signatures][-1] == "document_timestamp"  # B-LTA
    assert report.has_revocation_data  # B-LT: OCSP/CRL in the DSS


async def test_each_field_carries_its_fieldmdp_lock_and_the_first_signature_certifies(
    signed_transcript_holder: dict[str, bytes],
    trust: TrustSettings,
    p12_files: dict[str, Path],
    p12_password: str,
    school_pdf: bytes,
) -> None:
    pdf = await _signed_transcript(signed_transcript_holder, trust, p12_files, p12_password, school_pdf)
    reader = PdfFileReader(BytesIO(pdf))
    sigs = [s for s in reader.embedded_signatures if s.sig_object_type == "/Sig"]
    assert sigs[0].docmdp_level == fields.MDPPerm.FILL_FORMS
    for sig in sigs:
        lock = sig.fieldmdp
        assert lock is not None and lock.fields == [sig.field_name]


async def test_pdfsig_reports_every_signature_valid(
    signed_transcript_holder: dict[str, bytes],
    trust: TrustSettings,
    p12_files: dict[str, Path],
    p12_password: str,
    school_pdf: bytes,
    pdfsig: Any,
) -> None:
    pdf = await _signed_transcript(signed_transcript_holder, trust, p12_files, p12_password, school_pdf)
    out = pdfsig(pdf)
    blocks = out.split("Signature #")[1:]
    assert len(blocks) == 5  # four signatures and the document timestamp
    for block, (_, field, _) in zip(blocks, SIGNERS, strict=False):
        assert f"Signature Field Name: {field}" in block
        assert "Signature Validation: Signature is Valid." in block
        assert "ETSI.CAdES.detached" in block
        # NSS reaches our root through the database (without it poppler says "issuer isn't Trusted"); poppler
        # 22.12 then reads a stale NSS error code after a successful check, so only definite failures are ruled out
        for failure in ("isn't Trusted", "Unknown Issuer", "Revoked", "Expired"):
            assert failure not in block
    # poppler does not validate RFC 3161 document timestamps; it lists ours and says so
    assert "ETSI.RFC3161" in blocks[4] or "Signature Type: unknown" in blocks[4]


async def test_a_revoked_signer_is_reported_revoked(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_pdf: bytes
) -> None:
    signer = await _signer(trust, p12_files, p12_password, "revoked")
    pdf = await signer.sign_pdf(school_pdf, PdfSignatureSpec("Sig_GVBM", "Giáo viên bộ môn", "Hòa Lạc"))
    report = await Verifier(trust).verify_pdf(pdf)
    [only] = report.signatures
    assert not report.valid and only.revocation == "revoked" and not only.trusted
    assert "Chứng thư số của người ký đã bị thu hồi." in only.problems


@pytest.mark.parametrize(
    ("level", "timestamped", "dss", "doc_timestamp"),
    [
        ("B-B", False, False, False),
        ("B-T", True, False, False),
        ("B-LT", True, True, False),
        ("B-LTA", True, True, True),
    ],
)
async def test_each_pades_level_adds_what_it_promises(
    level: Any,
    timestamped: bool,
    dss: bool,
    doc_timestamp: bool,
    trust: TrustSettings,
    p12_files: dict[str, Path],
    p12_password: str,
    school_pdf: bytes,
) -> None:
    signer = await _signer(trust, p12_files, p12_password, "principal")
    pdf = await signer.sign_pdf(school_pdf, PdfSignatureSpec("Sig_HT", "Phê duyệt", "Hòa Lạc", level=level))
    report = await Verifier(trust).verify_pdf(pdf)
    assert report.valid, report
    assert (report.signatures[0].timestamp_time is not None) is timestamped
    assert report.has_revocation_data is dss
    assert (report.signatures[-1].kind == "document_timestamp") is doc_timestamp


async def test_a_field_placed_by_the_author_is_filled_and_locked(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_pdf: bytes
) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(school_pdf))
    fields.append_signature_field(writer, fields.SigFieldSpec("Sig_HT", box=(360, 80, 560, 140)))
    buffer = BytesIO()
    writer.write(buffer)
    signer = await _signer(trust, p12_files, p12_password, "principal")
    spec = PdfSignatureSpec("Sig_HT", "Phê duyệt", "Hòa Lạc", certify=True, lock_fields=("Sig_HT",), level="B-B")
    pdf = await signer.sign_pdf(buffer.getvalue(), spec)
    [sig] = PdfFileReader(BytesIO(pdf)).embedded_signatures
    assert sig.field_name == "Sig_HT"
    assert sig.fieldmdp is not None and sig.fieldmdp.fields == ["Sig_HT"]
    assert (await Verifier(trust).verify_pdf(pdf)).valid


async def test_fields_placed_by_the_author_are_signed_one_after_another_and_all_stay_valid(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_pdf: bytes
) -> None:
    # A requester's PDF (the transcript) places every field without /Lock; locking a field after the first
    # signature would be a modification the earlier signatures' check refuses.
    writer = IncrementalPdfFileWriter(BytesIO(school_pdf))
    fields.append_signature_field(writer, fields.SigFieldSpec("Sig_GV", box=(40, 80, 240, 140)))
    fields.append_signature_field(writer, fields.SigFieldSpec("Sig_HT", box=(360, 80, 560, 140)))
    buffer = BytesIO()
    writer.write(buffer)
    teacher = await _signer(trust, p12_files, p12_password, "teacher")
    principal = await _signer(trust, p12_files, p12_password, "principal")
    first = PdfSignatureSpec("Sig_GV", "Xác nhận", "Hòa Lạc", certify=True, lock_fields=("Sig_GV",), level="B-B")
    pdf = await teacher.sign_pdf(buffer.getvalue(), first)
    second = PdfSignatureSpec("Sig_HT", "Phê duyệt", "Hòa Lạc", lock_fields=("Sig_HT",), level="B-B")
    pdf = await principal.sign_pdf(pdf, second)
    report = await Verifier(trust).verify_pdf(pdf)
    assert report.valid, report
    assert [s.fieldmdp.fields for s in PdfFileReader(BytesIO(pdf)).embedded_signatures if s.fieldmdp] == [
        ["Sig_GV"],
        ["Sig_HT"],
    ]


async def test_a_signature_larger_than_the_reservation_is_retried_with_an_estimate(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_pdf: bytes
) -> None:
    signer = await _signer(trust, p12_files, p12_password, "principal")
    signer.reserved_bytes = 2_000  # far too small for the certificates and the timestamp token
    pdf = await signer.sign_pdf(school_pdf, PdfSignatureSpec("Sig_HT", "Phê duyệt", "Hòa Lạc", level="B-T"))
    assert signer.reserved_bytes is None
    assert (await Verifier(trust).verify_pdf(pdf)).valid


async def test_a_second_certification_is_refused(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_pdf: bytes
) -> None:
    signer = await _signer(trust, p12_files, p12_password, "principal")
    once = await signer.sign_pdf(school_pdf, PdfSignatureSpec("Sig_A", "r", "l", certify=True, level="B-B"))
    with pytest.raises(InvalidInput):
        await signer.sign_pdf(once, PdfSignatureSpec("Sig_B", "r", "l", certify=True, level="B-B"))


async def test_a_filled_field_cannot_be_signed_again(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str, school_pdf: bytes
) -> None:
    signer = await _signer(trust, p12_files, p12_password, "principal")
    spec = PdfSignatureSpec("Sig_HT", "r", "l", lock_fields=("Sig_HT",), level="B-B")
    once = await signer.sign_pdf(school_pdf, spec)
    with pytest.raises(InvalidInput) as refused:
        await signer.sign_pdf(once, spec)
    assert refused.value.extensions["value"] == "Sig_HT"


async def test_an_unreadable_pdf_is_bad_input(
    trust: TrustSettings, p12_files: dict[str, Path], p12_password: str
) -> None:
    signer = await _signer(trust, p12_files, p12_password, "principal")
    with pytest.raises(InvalidInput):
        await signer.sign_pdf(b"%PDF-1.7 not really", PdfSignatureSpec("Sig_HT", "r", "l", level="B-B"))


async def test_an_unreachable_tsa_fails_as_unavailable_not_as_a_server_error(
    pki: Any, p12_files: dict[str, Path], p12_password: str, school_pdf: bytes
) -> None:
    nowhere = TrustSettings(trust_roots=[pki.root], tsa_url=f"http://127.0.0.1:{free_port()}/tsa", tsa_timeout_s=2)
    signer = await Pkcs12Backend(p12_files, nowhere).unlock("principal", secret=p12_password)
    with pytest.raises(SignerUnavailable):
        await signer.sign_pdf(school_pdf, PdfSignatureSpec("Sig_HT", "r", "l", level="B-T"))
