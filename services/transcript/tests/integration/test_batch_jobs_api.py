"""Year-end batch generation through HTTP: a job per class with per-student progress, resumed after an interrupted
run without doing anything twice, and a class archive whose manifest hashes verify.

On SQLite with the filesystem object store, and on PostgreSQL with MinIO.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from edu_shared.contracts.identity_people import TeachingAssigned
from transcript.adapters import orm_lifecycle
from transcript.adapters.packages import MANIFEST, manifest_problems, read_zip
from transcript.domain.batch import Job
from transcript.testing import (
    C6A1,
    OTHER_SCHOOL,
    SCHOOL,
    YEAR_ID,
    Transcripts,
    approved,
    enrolled,
    student,
    year_result,
)
from transcript.testing_signing import TestSigningKey, new_signing_key, requests, sign_all

uses_minio = True
AT = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
NAMES = {"st-1": "Nguyễn Thị Ánh", "st-2": "Lê Văn Bình", "st-3": "Trần Minh Châu", "st-4": "Đặng Thu Dung"}


@pytest.fixture(scope="module")
def key() -> TestSigningKey:
    return new_signing_key()


async def class_of_four(tr: Transcripts) -> None:
    """6A1 with four students and approved year results, every subject with a teacher."""
    await tr.publish(
        student("st-3", NAMES["st-3"]),
        enrolled("st-3"),
        student("st-4", NAMES["st-4"]),
        enrolled("st-4"),
        TeachingAssigned(
            assignment_id="ta-gdtc",
            school_id=SCHOOL,
            class_id=C6A1,
            subject_code="gdtc",
            staff_id="staff-toan",
            school_year_id=YEAR_ID,
        ),
        approved("year", [year_result(s, name) for s, name in NAMES.items()]),
    )


async def start(tr: Transcripts) -> str:
    r = await tr.client.post("/transcript-jobs", headers=tr.principal(), json={"school_id": SCHOOL, "class_id": C6A1})
    assert r.status_code == 202, r.text
    assert (r.json()["total"], r.json()["status"]) == (4, "running")
    job_id: str = r.json()["id"]
    return job_id


async def job(tr: Transcripts, job_id: str) -> dict[str, Any]:
    r = await tr.client.get(f"/transcript-jobs/{job_id}", headers=tr.principal())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def archive_of(tr: Transcripts, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The class archive from the object store, checked against the hashes the job recorded."""
    [archive] = body["archives"]
    data = await tr.service.runtime.object_store.get(archive["object_key"])
    assert hashlib.sha256(data).hexdigest() == archive["sha256"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert hashlib.sha256(z.read(MANIFEST)).hexdigest() == archive["manifest_sha256"]
    manifest, files = read_zip(data)
    assert manifest_problems(manifest, files) == []
    assert archive["files"] == len(files)
    return manifest, files


async def test_a_class_job_archives_every_transcript_signed_ones_as_signed(
    tr: Transcripts, key: TestSigningKey
) -> None:
    await class_of_four(tr)
    r = await tr.client.post(f"/transcripts/{await tr.transcript_id()}/submit", headers=tr.homeroom())
    assert r.status_code == 200, r.text
    [request] = await requests(tr)
    await sign_all(tr, request, key, at=AT)
    denied = await tr.client.post("/transcript-jobs", headers=tr.homeroom(), json={"school_id": SCHOOL})
    assert denied.status_code == 403, denied.text
    job_id = await start(tr)
    await tr.service.running_jobs[job_id]
    body = await job(tr, job_id)
    assert (body["status"], body["done"], body["total"], body["errors"]) == ("done", 4, 4, 0)
    manifest, files = await archive_of(tr, body)
    assert (manifest["class"]["name"], manifest["school"]["name"]) == ("6A1", "Trường THCS Nguyễn Du")
    assert sorted(s["student_id"] for s in manifest["students"]) == sorted(NAMES)
    signed = {s["student_id"]: s for s in manifest["students"]}
    assert [sid for sid, s in signed.items() if s["signed"]] == ["st-1"]
    version = (
        await tr.client.get(f"/transcripts/{await tr.transcript_id()}/versions/1", headers=tr.principal())
    ).json()
    signed_pdf = next(d for d in version["signed_documents"] if d["role"] == "pdf")
    [pdf_path] = [p for p in signed["st-1"]["files"] if p.endswith(".pdf")]
    assert hashlib.sha256(files[pdf_path]).hexdigest() == signed_pdf["sha256"]
    assert all(p.isascii() for p in files)
    other = await tr.client.get(f"/transcript-jobs/{job_id}", headers=tr.principal(OTHER_SCHOOL))
    assert other.status_code == 403, other.text


async def test_an_interrupted_job_resumes_and_finishes_without_duplicates(tr: Transcripts) -> None:
    await class_of_four(tr)
    interrupted = False

    async def crash_after_two(progress: Job) -> None:
        nonlocal interrupted
        if progress.done == 2 and not interrupted:
            interrupted = True
            task = asyncio.current_task()
            assert task is not None
            task.cancel()  # the process dies here: two items recorded, two still pending
            await asyncio.sleep(0)

    tr.service.job_progress = crash_after_two
    job_id = await start(tr)
    with pytest.raises(asyncio.CancelledError):
        await tr.service.running_jobs[job_id]
    body = await job(tr, job_id)
    assert (body["status"], body["done"], body["total"], body["archives"]) == ("running", 2, 4, [])
    tr.service.job_progress = None
    await tr.service.resume_jobs()  # what the next start of the service does
    # A repeated request while it is unfinished names the same job and starts nothing twice.
    again = await tr.client.post(
        "/transcript-jobs", headers=tr.principal(), json={"school_id": SCHOOL, "class_id": C6A1}
    )
    assert again.json()["id"] == job_id
    await tr.service.running_jobs[job_id]
    body = await job(tr, job_id)
    assert (body["status"], body["done"], body["total"], body["errors"]) == ("done", 4, 4, 0)
    manifest, files = await archive_of(tr, body)
    assert len(manifest["students"]) == 4 and len({s["student_id"] for s in manifest["students"]}) == 4
    assert len(files) == 8
    async with tr.service.runtime.engine.connect() as conn:
        items = (await conn.execute(sa.select(orm_lifecycle.job_items.c.status))).scalars().all()
        jobs = await conn.scalar(sa.select(sa.func.count()).select_from(orm_lifecycle.jobs))
    assert (sorted(items), jobs) == (["done"] * 4, 1)
