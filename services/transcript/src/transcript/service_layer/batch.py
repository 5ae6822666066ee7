"""Year-end batch generation for a class or a whole school: a job with one item per student, run in the
background, resumable (a restarted job skips the items already done), then one archive bundle per class.

Each item rebuilds the student's draft and writes its PDF and XML to the object store, or, when the version that
stands is signed, takes the signed files as they are. Writes are content-addressed, so an item run twice (a crash
between writing and recording) stores nothing twice.
"""

from __future__ import annotations

import asyncio
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.errors import InvalidInput, NotFound
from edu_shared.objectstore.port import ObjectStore
from transcript.adapters.packages import ZIP_MEDIA_TYPE, PackageFile, build_zip, manifest_entries
from transcript.adapters.pdf_transcript import PDF_MEDIA_TYPE, render_pdf
from transcript.adapters.transcripts_repo import StoredTranscript
from transcript.adapters.xml_document import XML_MEDIA_TYPE, render_xml
from transcript.domain.batch import Archive, Job, JobItem, StoredFile
from transcript.domain.lifecycle import current_valid
from transcript.service_layer.drafts import rebuild_drafts
from transcript.service_layer.handlers import Caller, UowFactory
from transcript.service_layer.lifecycle import put_document

ARCHIVE_PREFIX = "transcripts/archives/"
ARCHIVE_FORMAT = "edurecords-class-archive/1"
Progress = Callable[[Job], Awaitable[None]]


async def _job(uow_factory: UowFactory, job_id: str) -> Job:
    async with uow_factory() as uow:
        found = await uow.jobs.get(job_id)
    if found is None:
        raise NotFound(f"Không có tác vụ tạo học bạ {job_id}.", field="job_id", value=job_id)
    return found


async def create_job(
    *, school_id: str, class_id: str | None, uow_factory: UowFactory, caller: Caller | None, by: str, now: datetime
) -> tuple[Job, bool]:
    """A job over the class (or every class of the school's latest school year); the running job over the same
    scope when there is one, so a repeated request starts nothing twice. `caller` None: the operator's CLI."""
    if caller is not None:
        await authorize(caller.user, Permission.GRADEBOOK_LOCK, (ScopeType.SCHOOL, school_id), resolver=caller.resolver)
    async with uow_factory() as uow:
        if class_id is not None:
            klass = await uow.transcripts.class_info(class_id)
            if klass is None or klass[0] != school_id:
                raise NotFound(
                    f"Trường {school_id} không có lớp với mã định danh {class_id}.", field="class_id", value=class_id
                )
            classes = [class_id]
        else:
            found = await uow.transcripts.school_classes(school_id)
            if not found:
                raise InvalidInput(
                    f"Trường {school_id} chưa có lớp nào để tạo học bạ.", field="school_id", value=school_id
                )
            latest_year = found[0][2]
            classes = [c for c, _, year in found if year == latest_year]
        running = await uow.jobs.running(school_id=school_id, class_id=class_id)
        if not running:
            students: dict[str, str] = {}
            for c in classes:
                for student_id in await uow.transcripts.class_roster(c):
                    students.setdefault(student_id, c)
            job_id = str(uuid.uuid4())
            await uow.jobs.add(
                job_id=job_id, school_id=school_id, class_id=class_id, students=list(students.items()), by=by, at=now
            )
            await uow.commit()
    if running:
        return await _job(uow_factory, running[0]), False
    return await _job(uow_factory, job_id), True


async def job(uow_factory: UowFactory, *, caller: Caller, job_id: str) -> Job:
    """A job's progress (done / total / errors) and, once finished, its archives."""
    found = await _job(uow_factory, job_id)
    await authorize(
        caller.user, Permission.GRADEBOOK_LOCK, (ScopeType.SCHOOL, found.school_id), resolver=caller.resolver
    )
    return found


def _of_class(found: list[StoredTranscript], class_id: str) -> StoredTranscript | None:
    return next((s for s in found if any(p.class_id == class_id for p in s.transcript.pages)), None)


async def _generate(
    item: JobItem, uow_factory: UowFactory, *, store: ObjectStore, base_url: str, now: datetime
) -> tuple[str | None, bool, list[StoredFile]]:
    async with uow_factory() as uow:
        await rebuild_drafts(uow, [item.student_id], now=now)
        await uow.commit()
        stored = _of_class(await uow.transcripts.of_student(item.student_id), item.class_id)
        if stored is None:
            raise InvalidInput("Học sinh chưa có học bạ của lớp này.", field="student_id", value=item.student_id)
        valid = current_valid(await uow.versions.of_transcript(stored.transcript.id))
        frozen = await uow.versions.frozen(stored.transcript.id, valid.version) if valid else None
    if frozen is not None and frozen.signed_documents and not stored.stale:
        # The signed files are the record: archived as signed, never re-rendered.
        files = [StoredFile(d.role, d.object_key, d.sha256, d.size) for d in frozen.signed_documents]
        return stored.transcript.id, True, files
    pdf = await asyncio.to_thread(render_pdf, stored.transcript, base_url=base_url, printed_at=now)
    xml = await asyncio.to_thread(render_xml, stored.document)
    refs = [
        await put_document(store, pdf, role="pdf", media_type=PDF_MEDIA_TYPE),
        await put_document(store, xml, role="xml", media_type=XML_MEDIA_TYPE),
    ]
    return stored.transcript.id, False, [StoredFile(r.role, r.object_key, r.sha256, r.size) for r in refs]


def _slug(text: str) -> str:
    """An ASCII file name part ("Nguyễn Thị Ánh" → "nguyen-thi-anh") that every archive tool keeps."""
    plain = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    ascii_only = "".join(c for c in plain if c.isascii() and (c.isalnum() or c == " "))
    return "-".join(ascii_only.lower().split()) or "hoc-sinh"


async def _archive(found: Job, class_id: str, uow_factory: UowFactory, *, store: ObjectStore, now: datetime) -> Archive:
    async with uow_factory() as uow:
        items = [i for i in await uow.jobs.items(found.id, status="done") if i.class_id == class_id]
        klass = await uow.transcripts.class_info(class_id)
        names = {c: name for c, name, _ in await uow.transcripts.school_classes(found.school_id)}
        school_name = ""
        students = []
        files: list[PackageFile] = []
        for i in items:
            stored = await uow.transcripts.get(i.transcript_id or "")
            if stored is None:
                continue
            t = stored.transcript
            school_name = school_name or t.school_name
            base = f"{i.position + 1:03d}-{_slug(t.profile.full_name)}-{t.verification_code}"
            paths = []
            for f in i.files:
                path = f"{base}.{f.role}"
                files.append(PackageFile(path, await store.get(f.object_key)))
                paths.append(path)
            students.append(
                {
                    "student_id": t.student_id,
                    "full_name": t.profile.full_name,
                    "transcript_id": t.id,
                    "verification_code": t.verification_code,
                    "signed": i.signed,
                    "files": paths,
                }
            )
    school_year = klass[1] if klass else ""
    class_name = names.get(class_id, class_id)
    manifest = {
        "format": ARCHIVE_FORMAT,
        "job_id": found.id,
        "school": {"id": found.school_id, "name": school_name},
        "class": {"id": class_id, "name": class_name, "school_year": school_year},
        "generated_at": found.created_at.astimezone(UTC).isoformat(),
        "students": students,
        "files": manifest_entries(files),
    }
    data, manifest_sha = build_zip(files, manifest)
    stored_zip = await store.put(data, content_type=ZIP_MEDIA_TYPE, prefix=ARCHIVE_PREFIX)
    return Archive(
        class_id=class_id,
        school_year=school_year,
        object_key=stored_zip.key,
        sha256=stored_zip.sha256,
        size=stored_zip.size,
        manifest_sha256=manifest_sha,
        files=len(files),
    )


async def run_job(
    job_id: str,
    uow_factory: UowFactory,
    *,
    store: ObjectStore,
    base_url: str,
    on_progress: Progress | None = None,
) -> Job:
    """Process the job's pending items in order, then write one archive per class and finish the job."""
    async with uow_factory() as uow:
        pending = await uow.jobs.items(job_id, status="pending")
    for item in pending:
        now = datetime.now(UTC)
        try:
            transcript_id, signed, files = await _generate(item, uow_factory, store=store, base_url=base_url, now=now)
            error = None
        except (InvalidInput, NotFound) as e:
            transcript_id, signed, files, error = None, False, [], e.detail
        async with uow_factory() as uow:
            await uow.jobs.finish_item(
                job_id, item.student_id, transcript_id=transcript_id, signed=signed, files=files, error=error
            )
            await uow.commit()
        if on_progress is not None:
            await on_progress(await _job(uow_factory, job_id))
    found = await _job(uow_factory, job_id)
    async with uow_factory() as uow:
        classes = sorted({i.class_id for i in await uow.jobs.items(job_id)})
    archives = [await _archive(found, c, uow_factory, store=store, now=datetime.now(UTC)) for c in classes]
    async with uow_factory() as uow:
        now = datetime.now(UTC)
        for archive in archives:
            await uow.jobs.add_archive(job_id, archive, at=now)
        await uow.jobs.finish(job_id, status="done", at=now)
        await uow.commit()
    finished = await _job(uow_factory, job_id)
    if on_progress is not None:
        await on_progress(finished)
    return finished
