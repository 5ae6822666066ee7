"""The signing workflow through HTTP and events on the migrated database (SQLite, and PostgreSQL in CI).

Keys are the test PKI's PKCS#12 files opened by the real PKCS#12 backend; staff and accounts come from identity
events, requests from the transcript service's `SigningRequested` event, as in production.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.objectstore.port import ObjectLocked
from edu_shared.testing.servers import RealServers
from signing.adapters.keys.pkcs12 import Pkcs12Backend
from signing.adapters.pades import TrustSettings
from signing.adapters.verification import Verifier
from signing.testing import SCHOOL, SigningWorld, dev_credentials, signing_on, transcript_steps

PIN = "mat-khau-thu"  # the test PKI's PKCS#12 password (tests/conftest.py)
XML = "<HocBa><HocSinh>Nguyễn Thị Ánh</HocSinh><KetQua>Tốt</KetQua></HocBa>".encode()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def world(
    backend: str, tmp_path: Path, real_servers: RealServers, p12_files: dict[str, Path], trust: TrustSettings
) -> AsyncIterator[SigningWorld]:
    backends = {"pkcs12": Pkcs12Backend(p12_files, trust)}
    async with signing_on(
        backend,
        tmp_path,
        real_servers.postgres_url,
        backends=backends,
        verifier=Verifier(trust),
        credentials=dev_credentials("pkcs12"),
    ) as w:
        yield w


async def _requested(world: SigningWorld, request_id: str, pdf: bytes) -> None:
    await world.publish(await world.requested(request_id, pdf=pdf, xml=XML), source="/transcript")


async def test_transcript_is_signed_in_order_then_archived_under_object_lock(
    world: SigningWorld, school_pdf: bytes
) -> None:
    await _requested(world, "rq-1", school_pdf)
    r = await world.client.get("/signing-requests/rq-1", headers=world.as_staff("hieu-truong"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["open_step"] == 1

    # Step 1 is parallel: Văn first, then Toán; the step stays open until both signed.
    r = await world.sign("rq-1", "gv-van", secret=PIN)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress" and r.json()["open_step"] == 1
    r = await world.sign("rq-1", "gv-toan", secret=PIN)
    assert r.json()["open_step"] == 2
    for staff_id in ("gvcn", "hieu-truong"):
        r = await world.sign("rq-1", staff_id, secret=PIN)
        assert r.status_code == 200, r.text
    assert r.json()["open_step"] == 4
    r = await world.sign("rq-1", "hieu-truong", secret=PIN)  # the seal, by the principal
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "completed" and body["open_step"] is None
    assert [s["signed"] for step in body["steps"] for s in step["signers"]] == [True] * 5

    store = world.service.runtime.object_store
    final_pdf = await store.get(next(d["object_key"] for d in body["documents"] if d["role"] == "pdf"))
    reader = PdfFileReader(io.BytesIO(final_pdf))
    assert [s.field_name for s in reader.embedded_signatures] == [
        "Sig_Van",
        "Sig_Toan",
        "Sig_GVCN",
        "Sig_HT",
        "Sig_Dau",
    ]
    final_xml = await store.get(next(d["object_key"] for d in body["documents"] if d["role"] == "xml"))
    assert final_xml.count(b"SignatureValue") >= 5
    checked = await world.client.post("/verify", files={"file": ("hocba.xml", final_xml, "application/xml")})
    assert checked.status_code == 200 and checked.json()["valid"] is True, checked.text
    assert len(checked.json()["signatures"]) == 5

    added = await world.events("vn.edurecords.signing.signature.added")
    assert [e["data"]["signer"]["field_name"] for e in added] == [
        "Sig_Van",
        "Sig_Toan",
        "Sig_GVCN",
        "Sig_HT",
        "Sig_Dau",
    ]
    assert all(e["partitionkey"] == SCHOOL for e in added)
    [completed] = await world.events("vn.edurecords.signing.completed")
    [archived] = await world.events("vn.edurecords.signing.archived")
    assert completed["data"]["retain_until"].startswith(str(datetime.now(UTC).year + 50))
    archive_keys = {d["role"]: d for d in completed["data"]["documents"]}
    assert {d["object_key"] for d in archived["data"]["documents"]} == {d["object_key"] for d in archive_keys.values()}
    pdf_ref = archive_keys["pdf"]
    assert pdf_ref["object_key"].startswith("signing/archive/")
    assert hashlib.sha256(await store.get(pdf_ref["object_key"])).hexdigest() == pdf_ref["sha256"]
    stat = await store.stat(pdf_ref["object_key"])
    assert stat.metadata["sha256"] == pdf_ref["sha256"] and stat.retain_until is not None
    with pytest.raises(ObjectLocked):
        await store.delete(pdf_ref["object_key"])

    public = await world.client.get("/verify/rq-1")  # no token: the verification page is public
    assert public.status_code == 200, public.text
    page = public.json()
    assert page["status"] == "completed" and page["intact"] is True and page["school_name"] == "Trường THCS Hòa Lạc"
    assert [s["name"] for s in page["signers"]][-1] == "Trường THCS Hòa Lạc"
    assert all(s["signed_at"] for s in page["signers"])


async def test_signing_out_of_order_is_refused_naming_who_signs_first(world: SigningWorld, school_pdf: bytes) -> None:
    await _requested(world, "rq-2", school_pdf)
    assert (await world.sign("rq-2", "gv-toan", secret=PIN)).status_code == 200
    r = await world.sign("rq-2", "gvcn", secret=PIN)
    assert r.status_code == 409
    problem = r.json()
    assert problem["type"].endswith("/signing-out-of-order")
    assert "Lê Thị Văn" in problem["detail"] and "Trần Văn Toán" not in problem["detail"]
    assert [w["staff_id"] for w in problem["waiting_for"]] == ["gv-van"]
    # A teacher named in the request reads it (their grant is over a class subject, not the school)...
    seen = await world.client.get("/signing-requests/rq-2", headers=world.as_staff("gv-van"))
    assert seen.status_code == 200 and seen.json()["open_step"] == 1
    # ...someone from another school's class does not.
    outsider = world.as_user(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, "cls-other:toan", sub="acc-outsider")
    assert (await world.client.get("/signing-requests/rq-2", headers=outsider)).status_code == 403
    r = await world.sign("rq-2", "hieu-truong", secret=PIN)  # principal and seal are later still
    assert r.status_code == 409
    again = await world.sign("rq-2", "gv-toan", secret=PIN)
    assert again.status_code == 409 and again.json()["type"].endswith("/signing-already-signed")
    # Nothing was signed by the refused calls.
    assert len(await world.events("vn.edurecords.signing.signature.added")) == 1


async def test_a_person_not_named_among_the_signers_is_refused(world: SigningWorld, school_pdf: bytes) -> None:
    await _requested(world, "rq-3", school_pdf)
    stranger = world.as_user(Role.SUBJECT_TEACHER, ScopeType.CLASS_SUBJECT, "cls-9a:toan", sub="acc-someone-else")
    r = await world.client.post("/signing-requests/rq-3/sign", headers=stranger, json={"secret": PIN})
    assert r.status_code == 403
    assert r.json()["type"].endswith("/signing-not-a-signer")
    # A homeroom teacher holds transcript.sign over the class only: never the school's seal.
    seal_step_only = [s for s in (await world.requested("rq-3b", pdf=school_pdf)).steps if s.order == 4]
    seal_only = (await world.requested("rq-3b", pdf=school_pdf)).model_copy(
        update={"steps": [seal_step_only[0].model_copy(update={"order": 1})]}
    )
    await world.publish(seal_only, source="/transcript")
    r = await world.sign("rq-3b", "gvcn", secret=PIN)
    assert r.status_code == 403


async def test_rejection_with_a_reason_goes_back_to_the_author(world: SigningWorld, school_pdf: bytes) -> None:
    await _requested(world, "rq-4", school_pdf)
    assert (await world.sign("rq-4", "gv-toan", secret=PIN)).status_code == 200
    early = await world.client.post(
        "/signing-requests/rq-4/reject", headers=world.as_staff("gvcn"), json={"reason": "Sai điểm"}
    )
    assert early.status_code == 409  # not their turn yet
    r = await world.client.post(
        "/signing-requests/rq-4/reject",
        headers=world.as_staff("gv-van"),
        json={"reason": "Điểm Ngữ văn học kì II chưa khớp sổ điểm"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rejected"
    assert r.json()["rejection"]["reason"] == "Điểm Ngữ văn học kì II chưa khớp sổ điểm"
    [event] = await world.events("vn.edurecords.signing.rejected")
    assert event["data"]["reason"] == "Điểm Ngữ văn học kì II chưa khớp sổ điểm"
    assert event["data"]["rejected_by"] == "gv-van" and event["data"]["reference"] == "transcript:rq-4:v1"
    after = await world.sign("rq-4", "gv-van", secret=PIN)
    assert after.status_code == 409 and after.json()["type"].endswith("/signing-request-closed")


async def test_the_same_request_event_is_applied_once(world: SigningWorld, school_pdf: bytes) -> None:
    requested = await world.requested("rq-5", pdf=school_pdf, xml=XML)
    [event] = await world.publish(requested, source="/transcript")
    await world.deliver(event)  # redelivery of the same event id
    await world.publish(requested, source="/transcript")  # the author's retry: a new event id, same request
    entries = [e for e in await world.audit() if e["entity_id"] == "rq-5"]
    assert [e["action"] for e in entries] == ["signing.requested"]
    r = await world.client.get("/signing-requests/rq-5", headers=world.as_staff("hieu-truong"))
    assert r.status_code == 200 and len(r.json()["documents"]) == 2


async def test_a_file_not_matching_its_sha256_is_refused_back_to_the_author(
    world: SigningWorld, school_pdf: bytes
) -> None:
    requested = await world.requested("rq-6", pdf=school_pdf)
    bad = requested.documents[0].model_copy(update={"sha256": "0" * 64})
    await world.publish(requested.model_copy(update={"documents": [bad]}), source="/transcript")
    [refused] = await world.events("vn.edurecords.signing.request.refused")
    assert refused["data"]["request_id"] == "rq-6" and "SHA-256" in refused["data"]["reason"]
    r = await world.client.get("/signing-requests/rq-6", headers=world.as_staff("hieu-truong"))
    assert r.status_code == 404

    body = requested.model_dump(mode="json", exclude={"requested_by", "requested_at"})
    body["request_id"] = "rq-6-http"
    body["documents"] = [bad.model_dump(mode="json")]
    r = await world.client.post("/signing-requests", headers=world.as_staff("hieu-truong"), json=body)
    assert r.status_code == 422 and r.json()["field"] == "documents.sha256"
    body["documents"] = [d.model_dump(mode="json") for d in requested.documents]
    teacher = await world.client.post("/signing-requests", headers=world.as_staff("gv-toan"), json=body)
    assert teacher.status_code == 403
    created = await world.client.post("/signing-requests", headers=world.as_staff("hieu-truong"), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "pending"


async def test_the_pin_is_never_logged_nor_stored_and_a_wrong_pin_is_a_clear_error(
    world: SigningWorld, school_pdf: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    await _requested(world, "rq-7", school_pdf)
    wrong = await world.sign("rq-7", "gv-toan", secret="sai-ma-pin-1234")
    assert wrong.status_code == 422 and wrong.json()["type"].endswith("/wrong-pin")
    caplog.set_level(logging.DEBUG)
    r = await world.sign("rq-7", "gv-toan", secret=PIN)
    assert r.status_code == 200, r.text
    assert caplog.records  # the signing did log (requests, access)
    assert PIN not in caplog.text and "sai-ma-pin-1234" not in caplog.text
    stored = [str(e) for e in await world.audit()] + [str(e) for e in await world.events("vn.edurecords.")]
    assert not any(PIN in s for s in stored)


async def test_every_step_is_in_the_schools_audit_trail_and_the_chain_holds(
    world: SigningWorld, school_pdf: bytes
) -> None:
    await _requested(world, "rq-8", school_pdf)
    for staff_id in ("gv-toan", "gv-van", "gvcn", "hieu-truong", "hieu-truong"):
        assert (await world.sign("rq-8", staff_id, secret=PIN)).status_code == 200
    entries = [e for e in await world.audit() if e["entity_id"] == "rq-8"]
    assert [e["action"] for e in entries] == ["signing.requested"] + ["signing.signed"] * 5 + ["signing.archived"]
    assert [e["actor_id"] for e in entries if e["action"] == "signing.signed"] == [
        "acc-gv-toan",
        "acc-gv-van",
        "acc-gvcn",
        "acc-hieu-truong",
        "acc-hieu-truong",
    ]
    assert entries[1]["after"]["certificate"]["subject"]
    verified = await world.client.get(
        "/audit/verify", headers=world.as_staff("hieu-truong"), params={"school_id": SCHOOL}
    )
    assert verified.status_code == 200 and verified.json()["intact"] is True
    heads = await world.events("vn.edurecords.signing.audit.head-advanced")
    assert heads and heads[-1]["data"]["seq"] == verified.json()["head_seq"]


async def test_an_uploaded_signed_file_verifies_and_one_flipped_byte_shows(
    world: SigningWorld, school_pdf: bytes
) -> None:
    await _requested(world, "rq-9", school_pdf)
    for staff_id in ("gv-toan", "gv-van"):
        assert (await world.sign("rq-9", staff_id, secret=PIN)).status_code == 200
    r = await world.client.get("/signing-requests/rq-9", headers=world.as_staff("hieu-truong"))
    store = world.service.runtime.object_store
    files = {d["role"]: await store.get(d["object_key"]) for d in r.json()["documents"]}

    pdf = await world.client.post("/verify", files={"file": ("hocba.pdf", files["pdf"], "application/pdf")})
    assert pdf.status_code == 200, pdf.text
    report = pdf.json()
    assert report["kind"] == "pdf" and report["valid"] is True, report
    assert [s["field_name"] for s in report["signatures"]] == ["Sig_Toan", "Sig_Van"]
    assert report["signatures"][0]["certification"] is True and report["signatures"][0]["trusted"] is True

    # The XML twin signed once (a request for the principal alone).
    principal_only = [s.model_copy(update={"order": 1}) for s in transcript_steps() if s.order == 3]
    await world.publish(await world.requested("rq-9x", pdf=school_pdf, xml=XML, steps=principal_only))
    signed = await world.sign("rq-9x", "hieu-truong", secret=PIN)
    xml_key = next(d["object_key"] for d in signed.json()["documents"] if d["role"] == "xml")
    xml = await world.client.post("/verify", files={"file": ("hocba.xml", await store.get(xml_key), "application/xml")})
    assert xml.status_code == 200 and xml.json()["kind"] == "xml" and xml.json()["valid"] is True, xml.text

    tampered = bytearray(files["pdf"])
    at = tampered.index(b"Nguy") if b"Nguy" in tampered else len(tampered) // 3
    tampered[at] ^= 0x01
    bad = await world.client.post("/verify", files={"file": ("hocba.pdf", bytes(tampered), "application/pdf")})
    assert bad.status_code == 200 and bad.json()["valid"] is False


async def test_two_signers_of_a_parallel_step_signing_at_once_both_keep_their_signature(
    world: SigningWorld, school_pdf: bytes
) -> None:
    await _requested(world, "rq-10", school_pdf)
    toan, van = await asyncio.gather(
        world.sign("rq-10", "gv-toan", secret=PIN), world.sign("rq-10", "gv-van", secret=PIN)
    )
    assert toan.status_code == 200 and van.status_code == 200, (toan.text, van.text)
    r = await world.client.get("/signing-requests/rq-10", headers=world.as_staff("hieu-truong"))
    assert r.json()["open_step"] == 2
    pdf_key = next(d["object_key"] for d in r.json()["documents"] if d["role"] == "pdf")
    reader = PdfFileReader(io.BytesIO(await world.service.runtime.object_store.get(pdf_key)))
    assert sorted(s.field_name for s in reader.embedded_signatures) == ["Sig_Toan", "Sig_Van"]


async def test_each_signer_lists_what_waits_for_them(world: SigningWorld, school_pdf: bytes) -> None:
    await _requested(world, "rq-11", school_pdf)
    mine = await world.client.get("/signing-requests", headers=world.as_staff("gv-toan"))
    assert [r["id"] for r in mine.json()] == ["rq-11"]
    assert (await world.sign("rq-11", "gv-toan", secret=PIN)).status_code == 200
    assert (await world.client.get("/signing-requests", headers=world.as_staff("gv-toan"))).json() == []
    principal = await world.client.get(
        "/signing-requests", headers=world.as_staff("hieu-truong"), params={"document_kind": "transcript"}
    )
    assert [(r["id"], r["open_step"]) for r in principal.json()] == [("rq-11", 1)]  # named, not yet their turn


async def test_an_admin_registers_the_key_a_teacher_signs_with(world: SigningWorld, school_pdf: bytes) -> None:
    body = {"staff_id": "gv-toan", "backend": "pkcs12", "credential_id": "homeroom", "label": "Khóa thử"}
    teacher = await world.client.put(f"/schools/{SCHOOL}/credentials", headers=world.as_staff("gv-toan"), json=body)
    assert teacher.status_code == 403
    unknown = await world.client.put(
        f"/schools/{SCHOOL}/credentials", headers=world.as_staff("hieu-truong"), json={**body, "backend": "usb"}
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "backend"
    r = await world.client.put(f"/schools/{SCHOOL}/credentials", headers=world.as_staff("hieu-truong"), json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {"owner": "staff:gv-toan", "backend": "pkcs12", "credential_id": "homeroom", "label": "Khóa thử"}
    listed = await world.client.get(f"/schools/{SCHOOL}/credentials", headers=world.as_staff("hieu-truong"))
    assert [c["owner"] for c in listed.json()] == ["staff:gv-toan"]

    await _requested(world, "rq-12", school_pdf)
    signed = await world.sign("rq-12", "gv-toan", secret=PIN)
    [toan] = [s for s in signed.json()["steps"][0]["signers"] if s["staff_id"] == "gv-toan"]
    others = await world.sign("rq-12", "gv-van", secret=PIN)  # still the settings' key ("teacher")
    [van] = [s for s in others.json()["steps"][0]["signers"] if s["staff_id"] == "gv-van"]
    assert toan["certificate_subject"] != van["certificate_subject"]
    assert any(e["action"] == "credential.registered" for e in await world.audit())
