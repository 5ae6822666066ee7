"""The transcript lifecycle through HTTP, driven by real events: submit → signed (real PAdES signatures made by
pyHanko, outcomes published as the signing service publishes them) → issued; returns, corrections that supersede,
the principal's per-year lock.

On SQLite with the filesystem object store, and on PostgreSQL with MinIO (the `tr` fixture of conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from edu_shared.contracts.identity_people import TeachingAssigned
from transcript.testing import (
    C6A1,
    SCHOOL,
    YEAR,
    YEAR_ID,
    Transcripts,
    approved,
    year_result,
)
from transcript.testing_signing import TestSigningKey, new_signing_key, reject, requests, sign_all

uses_minio = True  # on PostgreSQL, documents go to a MinIO bucket of their own
AT = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
FIELDS = [
    "Sig_2025_2026_GVBM_ngu_van",
    "Sig_2025_2026_GVBM_toan",
    "Sig_2025_2026_GVBM_gdtc",
    "Sig_2025_2026_GVCN",
    "Sig_2025_2026_HieuTruong",
    "Sig_2025_2026_DauTruong",
]


@pytest.fixture(scope="module")
def key() -> TestSigningKey:
    return new_signing_key()


async def ready(tr: Transcripts) -> str:
    """Year results approved and every subject with a teacher: the transcript of st-1 can be submitted."""
    await tr.publish(
        TeachingAssigned(
            assignment_id="ta-gdtc",
            school_id=SCHOOL,
            class_id=C6A1,
            subject_code="gdtc",
            staff_id="staff-toan",
            school_year_id=YEAR_ID,
        ),
        approved("year", [year_result("st-1", "Nguyễn Thị Ánh"), year_result("st-2", "Lê Văn Bình", toan=6.5)]),
    )
    return await tr.transcript_id()


async def submit(tr: Transcripts, transcript_id: str) -> dict[str, object]:
    r = await tr.client.post(f"/transcripts/{transcript_id}/submit", headers=tr.homeroom())
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


async def get(tr: Transcripts, transcript_id: str) -> dict[str, object]:
    r = await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal())
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


async def test_a_subject_without_a_teacher_blocks_submission(tr: Transcripts) -> None:
    await tr.publish(approved("year", [year_result("st-1", "Nguyễn Thị Ánh")]))
    r = await tr.client.post(f"/transcripts/{await tr.transcript_id()}/submit", headers=tr.homeroom())
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["value"]) == ("signer", "Sig_2025_2026_GVBM_gdtc")
    assert "chưa có người ký cho môn gdtc" in r.json()["detail"]
    assert await requests(tr) == []


async def test_submitted_signed_and_issued_through_real_signing_events(tr: Transcripts, key: TestSigningKey) -> None:
    transcript_id = await ready(tr)
    denied = await tr.client.post(f"/transcripts/{transcript_id}/submit", headers=tr.principal())
    assert denied.status_code == 403, denied.text
    body = await submit(tr, transcript_id)
    assert (body["status"], body["version"], body["stale"]) == ("submitted", 1, False)
    [request] = await requests(tr)
    assert (request.requester, request.document_kind, request.reference) == (
        "transcript",
        "transcript",
        f"{transcript_id}:v1",
    )
    assert [[s.field_name for s in step.signers] for step in request.steps] == [
        FIELDS[:3],
        [FIELDS[3]],
        [FIELDS[4]],
        [FIELDS[5]],
    ]
    assert [s.staff_id for s in request.steps[0].signers] == ["staff-gvcn", "staff-toan", "staff-toan"]
    assert {d.role for d in request.documents} == {"pdf", "xml"}
    assert all(d.object_key.startswith("transcripts/") for d in request.documents)
    again = await tr.client.post(f"/transcripts/{transcript_id}/submit", headers=tr.homeroom())
    assert again.status_code == 409, again.text

    # Inputs change while the version is with the signers: the version stays frozen, the transcript turns stale.
    comment = await tr.client.put(
        f"/transcripts/{transcript_id}/years/{YEAR}/homeroom-comment", headers=tr.homeroom(), json={"text": "Ngoan."}
    )
    assert (comment.json()["status"], comment.json()["stale"]) == ("submitted", True)
    frozen = (await tr.client.get(f"/transcripts/{transcript_id}/versions/1", headers=tr.principal())).json()
    assert frozen["document"]["years"][0]["homeroom_comment"] is None
    assert frozen["content_sha256"] != comment.json()["content_sha256"]

    events = await sign_all(tr, request, key, at=AT)
    await tr.deliver(*events)  # a redelivered outcome changes nothing
    body = await get(tr, transcript_id)
    assert (body["status"], body["version"]) == ("signed", 1)
    [version] = body["versions"]  # type: ignore[misc]
    assert version["status"] == "signed" and version["signed_at"] is not None
    assert [s["field_name"] for s in version["signatures"]] == FIELDS
    signed = await tr.client.get(f"/transcripts/{transcript_id}/versions/1.pdf", headers=tr.parent())
    assert signed.status_code == 200, signed.text
    checked = await key.verifier().verify_pdf(signed.content)
    assert checked.signed_fields == set(FIELDS) and checked.empty_fields == ()
    assert all(s.ok for s in checked.signatures)
    [signed_event] = await tr.events("vn.edurecords.transcript.signed")
    assert signed_event["data"]["pdf_sha256"] == version_pdf_sha(frozen_after := await version_of(tr, transcript_id, 1))
    assert frozen_after["signed_documents"][0]["object_key"] == signed_event["data"]["pdf_key"]

    denied = await tr.client.post(
        f"/transcripts/{transcript_id}/issue", headers=tr.homeroom(), json={"reason": "graduation"}
    )
    assert denied.status_code == 403, denied.text
    issued = await tr.client.post(
        f"/transcripts/{transcript_id}/issue", headers=tr.principal(), json={"reason": "graduation"}
    )
    assert issued.status_code == 200, issued.text
    assert (issued.json()["status"], issued.json()["versions"][0]["issued_reason"]) == ("issued", "graduation")
    twice = await tr.client.post(
        f"/transcripts/{transcript_id}/issue", headers=tr.principal(), json={"reason": "request"}
    )
    assert twice.status_code == 409, twice.text
    verified = (await tr.client.get(f"/verify/{body['verification_code']}")).json()
    assert (verified["status"], verified["version"]) == ("issued", 1)
    # Third parties check the signed version's content, not the draft that changed since.
    assert verified["content_sha256"] == frozen["content_sha256"] != issued.json()["content_sha256"]
    kinds = [e["type"] for e in await tr.events("vn.edurecords.transcript.") if ".drafted." not in e["type"]]
    assert kinds == [
        "vn.edurecords.transcript.submitted.v1",
        "vn.edurecords.transcript.signed.v1",
        "vn.edurecords.transcript.issued.v1",
    ]


async def version_of(tr: Transcripts, transcript_id: str, number: int) -> dict[str, object]:
    r = await tr.client.get(f"/transcripts/{transcript_id}/versions/{number}", headers=tr.principal())
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def version_pdf_sha(version: dict[str, object]) -> str:
    documents = version["signed_documents"]
    assert isinstance(documents, list)
    sha: str = next(d for d in documents if d["role"] == "pdf")["sha256"]
    return sha


async def test_a_returned_first_version_goes_back_to_draft_with_the_reason(tr: Transcripts) -> None:
    transcript_id = await ready(tr)
    await submit(tr, transcript_id)
    [request] = await requests(tr)
    await reject(tr, request, reason="Sai tên môn Giáo dục thể chất.", at=AT)
    body = await get(tr, transcript_id)
    assert body["status"] == "draft"
    assert body["returned_reason"] == "Sai tên môn Giáo dục thể chất. (người trả lại: gvcn)"
    assert body["versions"][0]["status"] == "returned"  # type: ignore[index]
    [returned] = await tr.events("vn.edurecords.transcript.signing-returned")
    assert returned["data"]["version"] == 1
    assert (await submit(tr, transcript_id))["version"] == 2


async def test_a_correction_is_a_new_version_that_supersedes_the_signed_one(
    tr: Transcripts, key: TestSigningKey
) -> None:
    transcript_id = await ready(tr)
    await submit(tr, transcript_id)
    [first] = await requests(tr)
    await sign_all(tr, first, key, at=AT)
    signed_pdf = (await tr.client.get(f"/transcripts/{transcript_id}/versions/1.pdf", headers=tr.principal())).content
    # A later approval corrects Toán: the signed version is untouched, the transcript is stale.
    await tr.publish(approved("year", [year_result("st-1", "Nguyễn Thị Ánh", toan=9.0)]))
    body = await get(tr, transcript_id)
    assert (body["status"], body["stale"]) == ("signed", True)
    second = await submit(tr, transcript_id)
    assert (second["status"], second["version"]) == ("submitted", 2)
    assert second["versions"][1]["supersedes"] == 1  # type: ignore[index]
    _, request2 = await requests(tr)
    await reject(tr, request2, reason="Chờ biên bản sửa điểm.", at=AT)
    body = await get(tr, transcript_id)
    # The signed version still stands; the reason is shown.
    assert (body["status"], body["returned_reason"]) == ("signed", "Chờ biên bản sửa điểm. (người trả lại: gvcn)")
    await submit(tr, transcript_id)
    *_, request3 = await requests(tr)
    await sign_all(tr, request3, key, at=AT)
    body = await get(tr, transcript_id)
    assert (body["status"], body["version"], body["stale"]) == ("signed", 3, False)
    assert [(v["version"], v["status"], v["superseded_by"]) for v in body["versions"]] == [  # type: ignore[union-attr]
        (1, "superseded", 3),
        (2, "returned", None),
        (3, "signed", None),
    ]
    toan = next(
        s for s in (await version_of(tr, transcript_id, 3))["document"]["years"][0]["subjects"] if s["code"] == "toan"
    )  # type: ignore[index]
    assert toan["year"] == "9.0"
    # The superseded version is kept as it was signed, never edited.
    again = await tr.client.get(f"/transcripts/{transcript_id}/versions/1.pdf", headers=tr.principal())
    assert again.content == signed_pdf
    [superseded] = await tr.events("vn.edurecords.transcript.superseded")
    assert (superseded["data"]["version"], superseded["data"]["by_version"]) == (1, 3)


async def test_the_principal_locks_a_class_year_and_nothing_changes_until_unlocked(tr: Transcripts) -> None:
    transcript_id = await ready(tr)
    url = f"/classes/{C6A1}/transcript-lock"
    assert (await tr.client.put(url, headers=tr.homeroom())).status_code == 403
    locked = await tr.client.put(url, headers=tr.principal())
    assert locked.status_code == 200, locked.text
    assert locked.json() == {"class_id": C6A1, "school_id": SCHOOL, "school_year": YEAR, "locked": True}
    comment = await tr.client.put(
        f"/transcripts/{transcript_id}/years/{YEAR}/homeroom-comment", headers=tr.homeroom(), json={"text": "x"}
    )
    assert comment.status_code == 409, comment.text
    assert (comment.json()["field"], comment.json()["value"]) == ("school_year", YEAR)
    refused = await tr.client.post(f"/transcripts/{transcript_id}/submit", headers=tr.homeroom())
    assert refused.status_code == 409, refused.text
    assert "đã được hiệu trưởng chốt" in refused.json()["detail"]
    assert (await tr.client.delete(url, headers=tr.principal())).json()["locked"] is False
    assert (await submit(tr, transcript_id))["status"] == "submitted"
    assert [e["data"]["locked"] for e in await tr.events("vn.edurecords.transcript.year-locked")] == [True, False]
    missing = await tr.client.put("/classes/khong-co/transcript-lock", headers=tr.principal())
    assert missing.status_code == 404
