"""Scheduled locks, inspection windows, relock after one fix and correction evidence files, through HTTP.

On SQLite with the filesystem object store, and on PostgreSQL with MinIO. Rosters and the org tree arrive as
identity events through the gradebook's consumers. Time passing is simulated by moving a stored lock's window,
never by waiting.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from minio import Minio
from minio.deleteobjects import DeleteObject
from pydantic import SecretStr

from edu_shared.contracts.identity import OrgUnitKind, OrgUnitRegistered, SchoolLevel, SchoolRegistered
from edu_shared.events.registry import EventPayload
from edu_shared.objectstore import S3ObjectStore, S3StoreSettings
from edu_shared.testing.servers import RealServers, S3Location
from gradebook.adapters import orm
from gradebook.testing import (
    C6A1,
    C6A2,
    SCHOOL,
    TOAN,
    Gradebook,
    class_opened,
    gradebook_on,
    student_enrolled,
    student_registered,
)

# The org tree: Sở → Phòng A → Xã A → school 1;  Sở → Phòng B → school 2.
SO, PHONG_A, XA_A, PHONG_B = "so", "phong-a", "xa-a", "phong-b"
SCHOOL_2 = "sch-2"
SHEET = f"/classes/{C6A1}/subjects/toan/semesters/1/scores"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
DAY = timedelta(days=1)


def _test_bucket(s3: S3Location) -> S3StoreSettings:
    return S3StoreSettings(
        endpoint=s3.endpoint,
        access_key=s3.access_key,
        secret_key=SecretStr(s3.secret_key),
        bucket=f"edu-test-evidence-{uuid.uuid4().hex[:10]}",
        lock_mode="GOVERNANCE",  # a test bucket must be removable; production keeps COMPLIANCE
    )


def _remove_bucket(settings: S3StoreSettings) -> None:
    client = Minio(
        settings.endpoint,
        access_key=settings.access_key,
        secret_key=settings.secret_key.get_secret_value(),
        secure=settings.secure,
    )
    if not client.bucket_exists(settings.bucket):
        return
    versions = [
        DeleteObject(found.object_name or "", found.version_id)
        for found in client.list_objects(settings.bucket, recursive=True, include_version=True)
    ]
    errors = list(client.remove_objects(settings.bucket, versions, bypass_governance_mode=True))
    assert not errors, errors
    client.remove_bucket(settings.bucket)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.minio], id="postgres-minio")]
)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def gradebook(backend: str, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Gradebook]:
    # On PostgreSQL the evidence files go to a bucket of their own on MinIO, removed afterwards.
    store = None if backend == "sqlite" else _test_bucket(real_servers.s3)
    try:
        async with gradebook_on(backend, tmp_path, real_servers.postgres_url, seed=_seed, object_store=store) as gb:
            yield gb
    finally:
        if store is not None:
            await asyncio.to_thread(_remove_bucket, store)


async def _seed(gb: Gradebook) -> None:
    events: list[EventPayload] = [
        OrgUnitRegistered(org_unit_id=SO, parent_id=None, code="so", name="Sở GDĐT", kind=OrgUnitKind.DEPARTMENT),
        OrgUnitRegistered(
            org_unit_id=PHONG_A, parent_id=SO, code="pa", name="Phòng GDĐT A", kind=OrgUnitKind.DISTRICT_OFFICE
        ),
        OrgUnitRegistered(org_unit_id=XA_A, parent_id=PHONG_A, code="xa", name="Xã A", kind=OrgUnitKind.COMMUNE),
        OrgUnitRegistered(
            org_unit_id=PHONG_B, parent_id=SO, code="pb", name="Phòng GDĐT B", kind=OrgUnitKind.DISTRICT_OFFICE
        ),
        SchoolRegistered(
            school_id=SCHOOL, org_unit_id=XA_A, moet_code="a", name="THCS A", levels=[SchoolLevel.LOWER_SECONDARY]
        ),
        SchoolRegistered(
            school_id=SCHOOL_2, org_unit_id=PHONG_B, moet_code="b", name="THCS B", levels=[SchoolLevel.LOWER_SECONDARY]
        ),
    ]
    events += class_opened(C6A1, "6A1", subjects=[TOAN]) + class_opened(C6A2, "6A2", subjects=[TOAN])
    for sid, family, middle, given in (("st-1", "Trần", "Văn", "Dũng"), ("st-2", "Nguyễn", "Thị", "Anh")):
        events += [student_registered(sid, family, middle, given), student_enrolled(sid, C6A1)]
    await gb.publish(*events)


def _other_teacher(gb: Gradebook) -> dict[str, str]:
    return gb.teacher(C6A2, username="binhtt.gv")


def _at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def _column_lock(column: str = "GK", **window: str) -> dict[str, Any]:
    return {"scope": "column", "class_id": C6A1, "subject_code": "toan", "semester": 1, "column": column, **window}


# Scheduled lock windows


async def test_scheduled_lock_is_shown_ahead_and_takes_effect_at_its_start(gradebook: Gradebook) -> None:
    r = await gradebook.client.post("/locks", headers=gradebook.principal(), json=_column_lock(starts_at=_at(2 * DAY)))
    assert r.status_code == 201, r.text
    lock = r.json()
    assert lock["starts_at"] is not None and lock["ends_at"] is None
    # Before its start the column is open, and the sheet says when it will lock.
    assert (await gradebook.put("GK", "7")).status_code == 200
    sheet = (await gradebook.client.get(SHEET, headers=gradebook.teacher())).json()
    assert sheet["locked_columns"] == {}
    assert [(s["id"], s["columns"]) for s in sheet["scheduled_locks"]] == [(lock["id"], ["GK"])]
    # The start arrives: the very next write is refused, with no job having run.
    await gradebook.move_window(lock["id"], starts_at=datetime.now(UTC) - timedelta(seconds=1))
    refused = await gradebook.put("GK", "8")
    assert refused.status_code == 409 and refused.json()["lock_id"] == lock["id"]
    sheet = (await gradebook.client.get(SHEET, headers=gradebook.teacher())).json()
    assert list(sheet["locked_columns"]) == ["GK"] and sheet["scheduled_locks"] == []
    (event,) = await gradebook.events("vn.edurecords.gradebook.lock.set")
    assert event["data"]["starts_at"] is not None and event["data"]["kind"] == "school"


async def test_a_lock_until_a_time_ends_by_itself(gradebook: Gradebook) -> None:
    r = await gradebook.client.post("/locks", headers=gradebook.principal(), json=_column_lock(ends_at=_at(DAY)))
    assert r.status_code == 201, r.text
    assert (await gradebook.put("GK", "7")).status_code == 409
    listed = await gradebook.client.get("/locks", headers=gradebook.principal(), params={"school_id": SCHOOL})
    assert [lk["id"] for lk in listed.json()] == [r.json()["id"]]
    await gradebook.move_window(r.json()["id"], ends_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await gradebook.put("GK", "7")).status_code == 200
    listed = await gradebook.client.get("/locks", headers=gradebook.principal(), params={"school_id": SCHOOL})
    assert listed.json() == []


async def test_a_window_that_could_never_apply_is_refused_and_teachers_cannot_lock(gradebook: Gradebook) -> None:
    principal = gradebook.principal()
    past = await gradebook.client.post("/locks", headers=principal, json=_column_lock(ends_at=_at(-DAY)))
    assert past.status_code == 422 and past.json()["field"] == "ends_at"
    backwards = await gradebook.client.post(
        "/locks", headers=principal, json=_column_lock(starts_at=_at(2 * DAY), ends_at=_at(DAY))
    )
    assert backwards.status_code == 422
    denied = await gradebook.client.post("/locks", headers=gradebook.teacher(), json=_column_lock(starts_at=_at(DAY)))
    assert denied.status_code == 403
    assert (
        await gradebook.client.get("/locks", headers=gradebook.parent(), params={"school_id": SCHOOL})
    ).status_code == 403


# Inspection windows


async def test_inspection_window_makes_every_school_under_the_unit_read_only(gradebook: Gradebook) -> None:
    opened = await gradebook.client.post(
        "/inspection-windows",
        headers=gradebook.unit_admin(PHONG_A),
        json={"org_unit_id": PHONG_A, "ends_at": _at(3 * DAY), "reason": "Kiểm tra hồ sơ học kì I"},
    )
    assert opened.status_code == 201, opened.text
    window = opened.json()
    assert window["school_ids"] == [SCHOOL] and window["org_unit_name"] == "Phòng GDĐT A"
    refused = await gradebook.put("TX1", "7")
    assert refused.status_code == 409
    body = refused.json()
    assert body["lock_kind"] == "inspection" and body["window_id"] == window["id"]
    assert "Kiểm tra hồ sơ học kì I" in body["detail"] and "admin.phong-a" in body["detail"]
    # The principal sees why, but cannot lift it — neither the school's share nor the window.
    listed = (await gradebook.client.get("/locks", headers=gradebook.principal(), params={"school_id": SCHOOL})).json()
    assert [(lk["kind"], lk["reason"]) for lk in listed] == [("inspection", "Kiểm tra hồ sơ học kì I")]
    lock_id = listed[0]["id"]
    lift = await gradebook.client.delete(f"/locks/{lock_id}", headers=gradebook.principal())
    assert lift.status_code == 403 and "đợt kiểm tra" in lift.json()["detail"]
    close = await gradebook.client.delete(f"/inspection-windows/{window['id']}", headers=gradebook.principal())
    assert close.status_code == 403
    # The admin of another unit can neither close it nor open one here; a parent neither.
    other = gradebook.unit_admin(PHONG_B)
    assert (await gradebook.client.delete(f"/inspection-windows/{window['id']}", headers=other)).status_code == 403
    assert (await gradebook.client.delete(f"/locks/{lock_id}", headers=other)).status_code == 403
    for headers in (other, gradebook.parent(), gradebook.principal()):
        r = await gradebook.client.post(
            "/inspection-windows", headers=headers, json={"org_unit_id": PHONG_A, "ends_at": _at(DAY)}
        )
        assert r.status_code == 403, headers
    # The Sở ends it early: entry is open again, and everything is on record.
    closed = await gradebook.client.delete(f"/inspection-windows/{window['id']}", headers=gradebook.department_admin())
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed_by"] == "admin.so"
    assert (await gradebook.put("TX1", "7")).status_code == 200
    again = await gradebook.client.delete(f"/inspection-windows/{window['id']}", headers=gradebook.department_admin())
    assert again.status_code == 409
    actions = [(e["action"], e["actor_name"]) for e in await gradebook.audit()]
    assert ("inspection.opened", "admin.phong-a") in actions and ("inspection.closed", "admin.so") in actions
    set_events = await gradebook.events("vn.edurecords.gradebook.lock.set")
    assert [(e["data"]["kind"], e["data"]["window_id"], e["partitionkey"]) for e in set_events] == [
        ("inspection", window["id"], SCHOOL)
    ]


async def test_a_province_window_covers_every_school_and_an_inspector_lifts_one_school(gradebook: Gradebook) -> None:
    missing = await gradebook.client.post(
        "/inspection-windows",
        headers=gradebook.department_admin(),
        json={"org_unit_id": "nowhere", "ends_at": _at(DAY)},
    )
    assert missing.status_code == 404
    no_end = await gradebook.client.post(
        "/inspection-windows", headers=gradebook.department_admin(), json={"org_unit_id": SO, "ends_at": None}
    )
    assert no_end.status_code == 422
    opened = await gradebook.client.post(
        "/inspection-windows",
        headers=gradebook.department_admin(),
        json={"org_unit_id": SO, "starts_at": _at(-timedelta(minutes=1)), "ends_at": _at(DAY)},
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["school_ids"] == [SCHOOL, SCHOOL_2]
    assert (await gradebook.put("CK", "7")).status_code == 409
    # The unit admin above school 1 ends the window for that school alone.
    (share,) = [
        lk
        for lk in (
            await gradebook.client.get("/locks", headers=gradebook.principal(), params={"school_id": SCHOOL})
        ).json()
        if lk["window_id"] == opened.json()["id"]
    ]
    relock = await gradebook.client.delete(
        f"/locks/{share['id']}", headers=gradebook.unit_admin(PHONG_A), params={"relock_after_save": "true"}
    )
    assert relock.status_code == 422  # an inspection is ended, not opened for one fix
    lifted = await gradebook.client.delete(f"/locks/{share['id']}", headers=gradebook.unit_admin(PHONG_A))
    assert lifted.status_code == 200, lifted.text
    assert (await gradebook.put("CK", "7")).status_code == 200
    async with gradebook.service.runtime.engine.connect() as conn:
        still = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(orm.locks)
            .where(orm.locks.c.school_id == SCHOOL_2, orm.locks.c.unlocked_at.is_(None))
        )
    assert still == 1


# Relock after one correction


async def test_a_column_opened_for_one_fix_locks_again_on_the_first_save(gradebook: Gradebook) -> None:
    principal = gradebook.principal()
    assert (await gradebook.put("GK", "5")).status_code == 200
    lock = (await gradebook.client.post("/locks", headers=principal, json=_column_lock())).json()
    assert (
        await gradebook.client.delete(
            f"/locks/{lock['id']}", headers=gradebook.teacher(), params={"relock_after_save": "true"}
        )
    ).status_code == 403
    opened = await gradebook.client.delete(
        f"/locks/{lock['id']}", headers=principal, params={"relock_after_save": "true"}
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["relock_after_save"] is True and opened.json()["unlocked_by"] == "hieutruong"
    # A save elsewhere on the sheet does not use up the opening.
    assert (await gradebook.put("CK", "6")).status_code == 200
    assert (await gradebook.put("GK", "6.5")).status_code == 200  # the fix
    refused = await gradebook.put("GK", "9")
    assert refused.status_code == 409
    assert refused.json()["locked_by"] == "hieutruong" and refused.json()["lock_id"] != lock["id"]
    sheet = (await gradebook.client.get(SHEET, headers=principal)).json()
    assert sheet["locked_columns"]["GK"]["relock_of"] == lock["id"]
    assert next(s for s in sheet["students"] if s["student_id"] == "st-1")["values"]["GK"] == "6.5"
    relocked = [e for e in await gradebook.audit() if e["action"] == "lock.relocked"]
    assert len(relocked) == 1 and relocked[0]["actor_name"] == "anvn.gv" and lock["id"] in relocked[0]["reason"]
    types = [e["type"] for e in await gradebook.events("vn.edurecords.gradebook.lock")]
    assert types == [
        "vn.edurecords.gradebook.lock.set.v1",
        "vn.edurecords.gradebook.lock.lifted.v1",
        "vn.edurecords.gradebook.lock.set.v1",
    ]
    lifted_event = (await gradebook.events("vn.edurecords.gradebook.lock.lifted"))[0]
    assert lifted_event["data"]["relock_after_save"] is True


# Evidence files


async def _file_correction(gb: Gradebook, *, evidence: str | None = None) -> str:
    assert (await gb.put("CK", "5")).status_code == 200
    lock = await gb.client.post(
        "/locks", headers=gb.principal(), json={"scope": "class_subject", "class_id": C6A1, "subject_code": "toan"}
    )
    assert lock.status_code == 201
    body: dict[str, Any] = {
        "class_id": C6A1,
        "subject_code": "toan",
        "semester": 1,
        "student_id": "st-1",
        "column": "CK",
        "value": "7,5",
        "reason": "Cộng sai điểm bài kiểm tra cuối kì",
    }
    if evidence is not None:
        body["evidence"] = evidence
    filed = await gb.client.post("/corrections", headers=gb.teacher(), json=body)
    assert filed.status_code == 201, filed.text
    correction_id: str = filed.json()["id"]
    return correction_id


async def test_approval_needs_evidence_and_the_uploaded_scan_is_kept_and_served(gradebook: Gradebook) -> None:
    cid = await _file_correction(gradebook)
    approve = f"/corrections/{cid}/approve"
    refused = await gradebook.client.post(approve, headers=gradebook.principal(), json={})
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/evidence-required") and "minh chứng" in refused.json()["detail"]

    # The header says PNG; the bytes are a PDF, and the bytes win.
    uploaded = await gradebook.client.post(
        f"/corrections/{cid}/evidence",
        headers={**gradebook.teacher(), "Content-Type": "image/png"},
        params={"filename": "C:\\scan\\Bài kiểm tra CK.pdf"},
        content=PDF,
    )
    assert uploaded.status_code == 201, uploaded.text
    meta = uploaded.json()
    assert (meta["n"], meta["content_type"], meta["size"]) == (1, "application/pdf", len(PDF))
    assert meta["sha256"] == hashlib.sha256(PDF).hexdigest() and meta["filename"] == "Bài kiểm tra CK.pdf"
    photo = await gradebook.client.post(f"/corrections/{cid}/evidence", headers=gradebook.teacher(), content=PNG)
    assert photo.status_code == 201 and photo.json()["n"] == 2 and photo.json()["filename"] == "minh-chung-2.png"

    for headers in (gradebook.principal(), gradebook.teacher(), gradebook.inspector(PHONG_A)):
        got = await gradebook.client.get(f"/corrections/{cid}/evidence/1", headers=headers)
        assert got.status_code == 200, got.text
        assert got.content == PDF and got.headers["content-type"] == "application/pdf"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "filename*=UTF-8''B%C3%A0i%20ki%E1%BB%83m" in got.headers["content-disposition"]
    listed = await gradebook.client.get(f"/corrections/{cid}/evidence", headers=gradebook.principal())
    assert [f["n"] for f in listed.json()] == [1, 2]
    assert (
        await gradebook.client.get(f"/corrections/{cid}/evidence/3", headers=gradebook.principal())
    ).status_code == 404

    # Stored content-addressed and retained in the service's object store.
    store = gradebook.service.evidence_store
    assert isinstance(store, S3ObjectStore) == (gradebook.service.runtime.settings.object_store is not None)
    async with gradebook.service.runtime.engine.connect() as conn:
        key = await conn.scalar(sa.select(orm.correction_evidence.c.key).where(orm.correction_evidence.c.n == 1))
    assert key == f"correction-evidence/{hashlib.sha256(PDF).hexdigest()}"
    stat = await store.stat(key)
    assert stat.retain_until is not None and stat.retain_until > datetime.now(UTC) + timedelta(days=3000)

    approved = await gradebook.client.post(approve, headers=gradebook.principal(), json={"note": "Đã đối chiếu"})
    assert approved.status_code == 200, approved.text
    late = await gradebook.client.post(f"/corrections/{cid}/evidence", headers=gradebook.teacher(), content=PNG)
    assert late.status_code == 409
    added = [e for e in await gradebook.audit() if e["action"] == "correction.evidence_added"]
    assert [(e["after"]["n"], e["after"]["sha256"]) for e in added] == [
        (1, hashlib.sha256(PDF).hexdigest()),
        (2, hashlib.sha256(PNG).hexdigest()),
    ]


async def test_evidence_is_only_pdf_jpeg_or_png_up_to_10_mb_and_only_from_the_requester(gradebook: Gradebook) -> None:
    cid = await _file_correction(gradebook)
    url = f"/corrections/{cid}/evidence"
    html = await gradebook.client.post(
        url, headers={**gradebook.teacher(), "Content-Type": "application/pdf"}, content=b"<html><script>x</script>"
    )
    assert html.status_code == 422 and "PDF, JPEG hoặc PNG" in html.json()["detail"]
    big = await gradebook.client.post(url, headers=gradebook.teacher(), content=b"%PDF-" + bytes(10 * 1024 * 1024))
    assert big.status_code == 413 and big.json()["type"].endswith("/evidence-too-large")
    assert (await gradebook.client.post(url, headers=_other_teacher(gradebook), content=PDF)).status_code == 403
    assert (await gradebook.client.post(url, headers=gradebook.parent(), content=PDF)).status_code == 403
    assert (
        await gradebook.client.post("/corrections/nope/evidence", headers=gradebook.teacher(), content=PDF)
    ).status_code == 404
    assert (await gradebook.client.post(url, headers=gradebook.teacher(), content=PDF)).status_code == 201
    for headers in (gradebook.parent(), _other_teacher(gradebook), gradebook.unit_admin(PHONG_B)):
        assert (await gradebook.client.get(f"{url}/1", headers=headers)).status_code == 403
        assert (await gradebook.client.get(url, headers=headers)).status_code == 403
    async with gradebook.service.runtime.engine.connect() as conn:
        rows = await conn.scalar(sa.select(sa.func.count()).select_from(orm.correction_evidence))
    assert rows == 1


async def test_a_written_evidence_reference_still_allows_approval(gradebook: Gradebook) -> None:
    cid = await _file_correction(gradebook, evidence="Bài kiểm tra lưu tại tổ Toán")
    approved = await gradebook.client.post(f"/corrections/{cid}/approve", headers=gradebook.principal(), json={})
    assert approved.status_code == 200, approved.text
