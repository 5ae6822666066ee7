"""Transfers and verifiable credentials through HTTP: a signed version exported as a package and accepted by the
receiving school only when its manifest and every signature verify; the year's results as an Open Badges 3.0
VC-JWT that verifies with the key the school publishes.

Signatures are checked by pyHanko in this service (`LocalSignatureVerifier`, trusting the test root), and once
through the real signing service's `POST /verify` over HTTP. On SQLite with the filesystem object store, and on
PostgreSQL with MinIO.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest

from edu_shared.contracts.identity_people import StudentTransferred, TeachingAssigned
from signing.adapters.pades import TrustSettings
from signing.adapters.verification import Verifier
from signing.testing import running_signing
from transcript.adapters.packages import PackageFile, build_zip, manifest_entries, read_zip
from transcript.adapters.signature_check import HttpSignatureVerifier
from transcript.domain.credential import CONTEXTS
from transcript.testing import (
    C6A1,
    C6B1,
    OTHER_SCHOOL,
    SCHOOL,
    YEAR,
    YEAR_ID,
    Transcripts,
    approved,
    student,
    year_result,
)
from transcript.testing_signing import TestSigningKey, new_signing_key, requests, sign_all

uses_minio = True
AT = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
IMPORTS = f"/schools/{OTHER_SCHOOL}/transcript-imports"


@pytest.fixture(scope="module")
def key() -> TestSigningKey:
    return new_signing_key()


async def signed_transcript(tr: Transcripts, key: TestSigningKey) -> str:
    """st-1's transcript, submitted and signed by every signer."""
    await tr.publish(
        TeachingAssigned(
            assignment_id="ta-gdtc",
            school_id=SCHOOL,
            class_id=C6A1,
            subject_code="gdtc",
            staff_id="staff-toan",
            school_year_id=YEAR_ID,
        ),
        approved("year", [year_result("st-1", "Nguyễn Thị Ánh")]),
    )
    transcript_id = await tr.transcript_id()
    r = await tr.client.post(f"/transcripts/{transcript_id}/submit", headers=tr.homeroom())
    assert r.status_code == 200, r.text
    [request] = await requests(tr)
    await sign_all(tr, request, key, at=AT)
    return transcript_id


def repack(package: bytes, *, replace: dict[str, bytes] | None = None, manifest: dict[str, Any] | None = None) -> bytes:
    """The package with files replaced; the manifest rewritten to match them unless one is given."""
    listed, files = read_zip(package)
    files.update(replace or {})
    entries = [PackageFile(path, data) for path, data in files.items()]
    rewritten = manifest if manifest is not None else {**listed, "files": manifest_entries(entries)}
    data, _ = build_zip(entries, rewritten)
    return data


async def send(tr: Transcripts, package: bytes, headers: dict[str, str] | None = None) -> Any:
    files = {"file": ("hoc-ba.zip", package, "application/zip")}
    return await tr.client.post(IMPORTS, headers=headers or tr.principal(OTHER_SCHOOL), files=files)


async def test_a_signed_transcript_continues_at_the_receiving_school_once_its_package_verifies(
    tr: Transcripts, key: TestSigningKey
) -> None:
    tr.service.verifier = key.verifier()
    transcript_id = await signed_transcript(tr, key)
    exported = await tr.client.get(f"/transcripts/{transcript_id}/export", headers=tr.principal())
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "application/zip"
    package = exported.content
    assert hashlib.sha256(package).hexdigest() == exported.headers["X-Content-SHA256"]
    manifest, files = read_zip(package)
    assert sorted(files) == ["hoc-ba.pdf", "hoc-ba.xml"]
    assert (manifest["student"]["id"], manifest["version"], manifest["school_years"]) == ("st-1", 1, [YEAR])
    [event] = await tr.events("vn.edurecords.transcript.exported")
    assert event["data"]["package_sha256"] == exported.headers["X-Content-SHA256"]
    await tr.publish(
        StudentTransferred(
            transfer_id="tf-1",
            student_id="st-1",
            from_school_id=SCHOOL,
            from_enrollment_id="en-st-1",
            from_class_id=C6A1,
            to_school_id=OTHER_SCHOOL,
            to_enrollment_id="en-st-1-b",
            to_class_id=C6B1,
            school_year_id=YEAR_ID,
            starts_on=date(2026, 6, 10),
            student=student("st-1", "Nguyễn Thị Ánh", school_id=OTHER_SCHOOL).student,
        ),
        key=OTHER_SCHOOL,
    )

    pdf = files["hoc-ba.pdf"]
    assert b"(EduRecords)" in pdf
    tampered = await send(tr, repack(package, replace={"hoc-ba.pdf": pdf.replace(b"(EduRecords)", b"(EduRecordz)")}))
    assert tampered.status_code == 422, tampered.text
    assert tampered.json()["field"] == "signature"
    assert "nội dung đã bị thay đổi sau khi ký" in tampered.json()["detail"]

    mismatch = await send(tr, repack(package, replace={"hoc-ba.xml": files["hoc-ba.xml"] + b" "}, manifest=manifest))
    assert mismatch.status_code == 422, mismatch.text
    assert (mismatch.json()["field"], mismatch.json()["value"]) == ("manifest", "hoc-ba.xml")

    version = (await tr.client.get(f"/transcripts/{transcript_id}/versions/1", headers=tr.principal())).json()
    unsigned_ref = next(d for d in version["submitted_documents"] if d["role"] == "pdf")
    unsigned = await tr.service.runtime.object_store.get(unsigned_ref["object_key"])
    missing = await send(tr, repack(package, replace={"hoc-ba.pdf": unsigned}))
    assert missing.status_code == 422, missing.text
    assert missing.json()["field"] in ("file", "signature")
    assert "chữ ký" in missing.json()["detail"]

    stranger = {**manifest, "student": {**manifest["student"], "id": "st-404", "national_id": "000000000000"}}
    unknown = await send(tr, repack(package, manifest=stranger))
    assert unknown.status_code == 422, unknown.text
    assert (unknown.json()["field"], unknown.json()["value"]) == ("student_id", "st-404")

    assert (await send(tr, b"not a zip")).status_code == 422
    assert (await send(tr, package, headers=tr.principal(SCHOOL))).status_code == 403
    assert await tr.events("vn.edurecords.transcript.imported") == []
    body = (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal(OTHER_SCHOOL))).json()
    assert body["imported"] == []

    accepted = await send(tr, package)
    assert accepted.status_code == 201, accepted.text
    assert (accepted.json()["source_school_name"], accepted.json()["school_years"]) == ("Trường THCS Nguyễn Du", [YEAR])
    body = (await tr.client.get(f"/transcripts/{transcript_id}", headers=tr.principal(OTHER_SCHOOL))).json()
    assert body["school_id"] == OTHER_SCHOOL
    [imported] = body["imported"]
    assert imported["package_sha256"] == hashlib.sha256(package).hexdigest()
    assert await tr.service.runtime.object_store.get(imported["package_key"]) == package
    [event] = await tr.events("vn.edurecords.transcript.imported")
    assert (event["data"]["school_id"], event["data"]["student_id"]) == (OTHER_SCHOOL, "st-1")


async def test_a_draft_cannot_be_exported(tr: Transcripts) -> None:
    await tr.publish(approved("year", [year_result("st-1", "Nguyễn Thị Ánh")]))
    r = await tr.client.get(f"/transcripts/{await tr.transcript_id()}/export", headers=tr.principal())
    assert r.status_code == 409, r.text


async def test_the_years_results_are_a_credential_verified_with_the_schools_published_key(
    tr: Transcripts, key: TestSigningKey
) -> None:
    await tr.publish(approved("year", [year_result("st-2", "Lê Văn Bình")]))
    draft = await tr.client.get(f"/transcripts/{await tr.transcript_id('st-2')}/credential", headers=tr.principal())
    assert draft.status_code == 409, draft.text
    assert (await tr.client.get(f"/schools/{SCHOOL}/did.json")).status_code == 404  # no key before the first credential
    transcript_id = await signed_transcript(tr, key)
    r = await tr.client.get(f"/transcripts/{transcript_id}/credential", headers=tr.parent())
    assert r.status_code == 200, r.text
    body = r.json()
    did = (await tr.client.get(f"/schools/{SCHOOL}/did.json")).json()  # public: no token
    assert did["id"] == body["issuer"] == "did:web:hocba.test:api:transcript:schools:sch-1"
    header = jwt.get_unverified_header(body["jwt"])
    assert header["alg"] == "ES256" and header["kid"] == body["verification_method"] == did["assertionMethod"][0]
    [method] = [m for m in did["verificationMethod"] if m["id"] == header["kid"]]
    claims = jwt.decode(body["jwt"], jwt.PyJWK(method["publicKeyJwk"]).key, algorithms=["ES256"])
    assert claims["@context"] == CONTEXTS
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert (claims["iss"], claims["jti"], claims["sub"]) == (
        did["id"],
        claims["id"],
        claims["credentialSubject"]["id"],
    )
    assert claims["issuer"] == {"id": did["id"], "type": ["Profile"], "name": "Trường THCS Nguyễn Du"}
    subject = claims["credentialSubject"]
    assert subject["achievement"]["name"] == "Lớp 6A1, năm học 2025-2026 (Trung học cơ sở)"
    values = {
        d["name"]: r["value"]
        for d in subject["achievement"]["resultDescription"]
        for r in subject["result"]
        if r["resultDescription"] == d["id"]
    }
    assert (values["Toán"], values["Giáo dục thể chất"], values["Kết quả cả năm"]) == ("8.3", "Đ", "Được lên lớp")
    assert all("048314001234" not in str(i) for i in subject["identifier"])  # the national ID only hashed
    head, _, signature = body["jwt"].split(".")
    altered = {**claims, "name": "Học bạ giả mạo"}
    payload = base64.urlsafe_b64encode(json.dumps(altered).encode()).rstrip(b"=").decode()
    forged = f"{head}.{payload}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, jwt.PyJWK(method["publicKeyJwk"]).key, algorithms=["ES256"])
    jwks = (await tr.client.get(f"/schools/{SCHOOL}/jwks.json")).json()
    assert jwks["keys"] == [method["publicKeyJwk"]]
    missing_year = await tr.client.get(
        f"/transcripts/{transcript_id}/credential", params={"school_year": "2019-2020"}, headers=tr.parent()
    )
    assert missing_year.status_code == 404
    assert (
        await tr.client.get(f"/transcripts/{transcript_id}/credential", headers=tr.parent("st-2"))
    ).status_code == 403


async def test_the_signing_services_verification_endpoint_decides_over_http(
    tr: Transcripts, key: TestSigningKey, tmp_path: Path
) -> None:
    """The production path: `POST /verify` of the real signing service (in process, trusting the test root)."""
    transcript_id = await signed_transcript(tr, key)
    package = (await tr.client.get(f"/transcripts/{transcript_id}/export", headers=tr.principal())).content
    await tr.publish(
        StudentTransferred(
            transfer_id="tf-1",
            student_id="st-1",
            from_school_id=SCHOOL,
            from_enrollment_id="en-st-1",
            from_class_id=C6A1,
            to_school_id=OTHER_SCHOOL,
            to_enrollment_id="en-st-1-b",
            to_class_id=C6B1,
            school_year_id=YEAR_ID,
            starts_on=date(2026, 6, 10),
            student=student("st-1", "Nguyễn Thị Ánh", school_id=OTHER_SCHOOL).student,
        ),
        key=OTHER_SCHOOL,
    )
    verifier = Verifier(TrustSettings(trust_roots=[key.certificate]))
    async with running_signing(tmp_path / "signing", backends={}, verifier=verifier) as signing:
        tr.service.verifier = HttpSignatureVerifier("http://signing/verify", client=signing.client)
        pdf = read_zip(package)[1]["hoc-ba.pdf"]
        tampered = await send(
            tr, repack(package, replace={"hoc-ba.pdf": pdf.replace(b"(EduRecords)", b"(EduRecordz)")})
        )
        assert tampered.status_code == 422, tampered.text
        assert tampered.json()["field"] == "signature"
        accepted = await send(tr, package)
        assert accepted.status_code == 201, accepted.text
