"""Batch signing, the object-locked archive (a real MinIO bucket in the PostgreSQL variant) and reminders."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from pydantic import SecretStr

from edu_shared.contracts.signing import SignerSpec, SigningStep
from edu_shared.objectstore import S3StoreSettings
from edu_shared.objectstore.port import ObjectLocked
from edu_shared.testing.processes import eventually
from edu_shared.testing.servers import RealServers, S3Location
from signing.adapters import orm
from signing.adapters.keys.pkcs12 import Pkcs12Backend
from signing.adapters.pades import TrustSettings
from signing.testing import SigningWorld, dev_credentials, signing_on

PIN = "mat-khau-thu"
PRINCIPAL_ONLY = [
    SigningStep(
        order=1,
        signers=[SignerSpec(role="principal", staff_id="hieu-truong", name="Phạm Văn Hiệu", field_name="Sig_HT")],
    )
]


def _test_bucket(s3: S3Location) -> S3StoreSettings:
    return S3StoreSettings(
        endpoint=s3.endpoint,
        access_key=s3.access_key,
        secret_key=SecretStr(s3.secret_key),
        bucket=f"edu-test-signing-{uuid.uuid4().hex[:10]}",
        lock_mode="GOVERNANCE",  # a test bucket must be removable; production keeps COMPLIANCE
    )


def _admin(settings: S3StoreSettings) -> Minio:
    return Minio(
        settings.endpoint,
        access_key=settings.access_key,
        secret_key=settings.secret_key.get_secret_value(),
        secure=settings.secure,
    )


def _remove_bucket(settings: S3StoreSettings) -> None:
    client = _admin(settings)
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
def bucket(backend: str, real_servers: RealServers) -> S3StoreSettings | None:
    return None if backend == "sqlite" else _test_bucket(real_servers.s3)


@pytest.fixture
async def world(
    backend: str,
    bucket: S3StoreSettings | None,
    tmp_path: Path,
    real_servers: RealServers,
    p12_files: dict[str, Path],
    trust: TrustSettings,
) -> AsyncIterator[SigningWorld]:
    backends = {"pkcs12": Pkcs12Backend(p12_files, trust)}
    try:
        async with signing_on(
            backend,
            tmp_path,
            real_servers.postgres_url,
            backends=backends,
            object_store=bucket,
            credentials=dev_credentials("pkcs12"),
            batch_poll_s=0.05,
            reminder_after_days=3,
        ) as w:
            yield w
    finally:
        if bucket is not None:
            await asyncio.to_thread(_remove_bucket, bucket)


async def _batch_done(world: SigningWorld, batch_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        r = await world.client.get(f"/signing-batches/{batch_id}", headers=world.as_staff("hieu-truong"))
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body if body["status"] == "done" else None

    return await eventually(probe, timeout_s=120, what=f"batch {batch_id} done")


async def test_a_batch_signs_with_one_pin_and_one_bad_document_loses_no_other_signature(
    world: SigningWorld, school_pdf: bytes
) -> None:
    for i in (1, 3):
        await world.publish(await world.requested(f"b-{i}", pdf=school_pdf, steps=PRINCIPAL_ONLY), source="/transcript")
    # The author sent bytes that are no PDF at all: this one document fails while being signed.
    await world.publish(await world.requested("b-2", pdf=b"not a pdf", steps=PRINCIPAL_ONLY), source="/transcript")
    r = await world.client.post(
        "/signing-batches",
        headers=world.as_staff("hieu-truong"),
        json={"request_ids": ["b-1", "b-2", "b-3"], "secret": PIN},
    )
    assert r.status_code == 202, r.text
    assert r.json()["total"] == 3
    done = await _batch_done(world, r.json()["id"])
    assert (done["total"], done["done"], done["failed"]) == (3, 2, 1)
    items = {i["request_id"]: i for i in done["items"]}
    assert items["b-1"]["status"] == items["b-3"]["status"] == "signed"
    assert items["b-2"]["status"] == "failed" and items["b-2"]["error"]
    for request_id, status in (("b-1", "completed"), ("b-2", "pending"), ("b-3", "completed")):
        got = await world.client.get(f"/signing-requests/{request_id}", headers=world.as_staff("hieu-truong"))
        assert got.json()["status"] == status
    assert len(await world.events("vn.edurecords.signing.completed")) == 2
    # Someone else cannot follow the principal's batch.
    other = await world.client.get(f"/signing-batches/{done['id']}", headers=world.as_staff("gvcn"))
    assert other.status_code == 404


async def test_a_batch_by_filter_takes_what_waits_for_me_and_a_wrong_pin_queues_nothing(
    world: SigningWorld, school_pdf: bytes
) -> None:
    await world.publish(await world.requested("f-1", pdf=school_pdf, steps=PRINCIPAL_ONLY), source="/transcript")
    await world.publish(await world.requested("f-2", pdf=school_pdf), source="/transcript")  # teachers first
    wrong = await world.client.post(
        "/signing-batches",
        headers=world.as_staff("hieu-truong"),
        json={"filter": {"pending_for_me": True}, "secret": "sai-ma-pin"},
    )
    assert wrong.status_code == 422 and wrong.json()["type"].endswith("/wrong-pin")
    async with world.service.runtime.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(orm.batches)) == 0
    r = await world.client.post(
        "/signing-batches",
        headers=world.as_staff("hieu-truong"),
        json={"filter": {"pending_for_me": True, "document_kind": "transcript"}, "secret": PIN},
    )
    assert r.status_code == 202, r.text
    done = await _batch_done(world, r.json()["id"])
    # f-2 names the principal too, but its teachers have not signed: it is in the batch and fails, clearly.
    items = {i["request_id"]: i for i in done["items"]}
    assert items["f-1"]["status"] == "signed"
    assert items["f-2"]["status"] == "failed", done
    assert "Chưa đến lượt" in items["f-2"]["error"], done


async def test_the_completed_archive_can_be_neither_overwritten_nor_deleted(
    world: SigningWorld, bucket: S3StoreSettings | None, school_pdf: bytes
) -> None:
    await world.publish(await world.requested("a-1", pdf=school_pdf, steps=PRINCIPAL_ONLY), source="/transcript")
    r = await world.sign("a-1", "hieu-truong", secret=PIN)
    assert r.status_code == 200 and r.json()["status"] == "completed"
    [completed] = await world.events("vn.edurecords.signing.completed")
    ref = completed["data"]["documents"][0]
    store = world.service.runtime.object_store
    before = await store.stat(ref["object_key"])
    assert before.retain_until is not None and before.retain_until > datetime.now(UTC) + timedelta(days=365 * 49)
    with pytest.raises(ObjectLocked):
        await store.delete(ref["object_key"])
    # Writing the same key again keeps the content and never shortens the retention.
    again = await store.put(
        await store.get(ref["object_key"]),
        content_type="application/pdf",
        retain_until=datetime.now(UTC) + timedelta(days=1),
        prefix="signing/archive/",
    )
    assert again.key == ref["object_key"] and again.retain_until == before.retain_until
    assert await store.verify(ref["object_key"])
    if bucket is not None:
        # Past our API: MinIO itself refuses to delete the locked version, and a new version leaves it intact.
        admin = _admin(bucket)
        versions = list(admin.list_objects(bucket.bucket, prefix=ref["object_key"], include_version=True))
        assert len(versions) == 1
        with pytest.raises(S3Error):
            await asyncio.to_thread(
                admin.remove_object, bucket.bucket, ref["object_key"], version_id=versions[0].version_id
            )
        forged = b"%PDF-1.4 forged"
        await asyncio.to_thread(admin.put_object, bucket.bucket, ref["object_key"], io.BytesIO(forged), len(forged))
        original = await asyncio.to_thread(
            admin.get_object, bucket.bucket, ref["object_key"], version_id=versions[0].version_id
        )
        try:
            assert original.read() != forged
        finally:
            original.close()
            original.release_conn()
        page = await world.client.get("/verify/a-1")
        assert page.json()["intact"] is False  # the current version no longer hashes to what was archived


async def test_a_step_waiting_too_long_produces_one_reminder_per_period(world: SigningWorld, school_pdf: bytes) -> None:
    await world.publish(await world.requested("r-1", pdf=school_pdf), source="/transcript")
    await world.publish(await world.requested("r-2", pdf=school_pdf), source="/transcript")
    assert await world.service.send_reminders() == 0  # fresh requests
    async with world.service.runtime.engine.begin() as conn:  # let four days pass for r-1
        await conn.execute(
            sa.update(orm.requests)
            .where(orm.requests.c.id == "r-1")
            .values(step_opened_at=datetime.now(UTC) - timedelta(days=4))
        )
    assert await world.service.send_reminders() == 1
    [due] = await world.events("vn.edurecords.signing.reminder.due")
    assert due["data"]["request_id"] == "r-1" and due["data"]["step"] == 1
    assert [s["staff_id"] for s in due["data"]["signers"]] == ["gv-toan", "gv-van"]
    assert await world.service.send_reminders() == 0  # reminded already this period
