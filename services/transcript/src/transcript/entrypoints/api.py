"""Transcript HTTP API: a student's transcripts, one transcript as JSON, PDF or XML, the homeroom comment and the
public verification of a printed code; the lifecycle (submit, lock, issue, versions), batch jobs, transfer
packages and verifiable credentials. Thin: command in, handler."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response, UploadFile

from edu_shared.errors import InvalidInput, ServiceUnavailable
from edu_shared.web.app import CurrentUser
from edu_shared.web.directory_api import directory_router
from transcript.adapters.packages import MAX_PACKAGE_BYTES, ZIP_MEDIA_TYPE
from transcript.adapters.pdf_transcript import PDF_MEDIA_TYPE
from transcript.adapters.transcripts_repo import StoredTranscript
from transcript.adapters.versions_repo import FrozenVersion, ImportedPackage
from transcript.adapters.xml_document import XML_MEDIA_TYPE
from transcript.bootstrap import TranscriptService
from transcript.domain.batch import Job
from transcript.domain.lifecycle import Version
from transcript.entrypoints.schemas import (
    ArchiveRead,
    ClassLockRead,
    CredentialRead,
    HomeroomCommentUpdate,
    ImportedRead,
    IssueCreate,
    JobCreate,
    JobRead,
    SignatureRead,
    TranscriptLifecycleRead,
    TranscriptSummaryRead,
    VerificationRead,
    VerifiedYearRead,
    VersionDocumentRead,
    VersionRead,
)
from transcript.service_layer import batch, credentials, handlers, lifecycle, transfers
from transcript.service_layer.handlers import Caller, WriteHomeroomComment

router = directory_router()


def service_of(request: Request) -> TranscriptService:
    service: TranscriptService = request.app.state.service
    return service


ServiceDep = Annotated[TranscriptService, Depends(service_of)]
SchoolYear = Annotated[str, Path(pattern=r"^\d{4}-\d{4}$", description="Năm học, ví dụ 2025-2026")]
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
}
_XML: dict[int | str, dict[str, Any]] = {200: {"content": {XML_MEDIA_TYPE: {"schema": {"type": "string"}}}}}


def _caller(service: TranscriptService, user: CurrentUser) -> Caller:
    return Caller(user=user, resolver=service.resolver)


def _version(v: Version) -> VersionRead:
    return VersionRead(
        version=v.version,
        status=v.status,
        request_id=v.request_id,
        content_sha256=v.content_sha256,
        submitted_by=v.submitted_by,
        submitted_at=v.submitted_at,
        supersedes=v.supersedes,
        superseded_by=v.superseded_by,
        signatures=[SignatureRead(**s.__dict__) for s in v.signatures],
        signed_at=v.signed_at,
        retain_until=v.retain_until,
        returned_reason=v.returned_reason,
        issued_reason=v.issued_reason,
        issued_by=v.issued_by,
        issued_at=v.issued_at,
    )


def _imported(p: ImportedPackage) -> ImportedRead:
    return ImportedRead(
        id=p.id,
        source_school_name=p.source_school_name,
        source_transcript_id=p.source_transcript_id,
        school_years=list(p.school_years),
        package_key=p.package_key,
        package_sha256=p.package_sha256,
        imported_by=p.imported_by,
        imported_at=p.imported_at,
    )


async def _read(service: TranscriptService, found: StoredTranscript) -> TranscriptLifecycleRead:
    versions, imported = await lifecycle.history(service.uow, found.transcript.id)
    return TranscriptLifecycleRead(
        **(found.document.model_dump() | {"status": found.status}),
        content_sha256=found.content_sha256,
        updated_at=found.updated_at,
        version=found.version,
        stale=found.stale,
        returned_reason=found.returned_reason,
        versions=[_version(v) for v in versions],
        imported=[_imported(p) for p in imported],
    )


def _file(content: bytes, media_type: str, found: StoredTranscript, extension: str) -> Response:
    """The file as a download; an ASCII filename so every browser and proxy keeps it."""
    name = f"hoc-ba-{found.transcript.verification_code}.{extension}"
    return Response(
        content=content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Content-SHA256": found.content_sha256},
    )


@router.get("/students/{student_id}/transcripts", summary="Các học bạ của một học sinh", tags=["transcripts"])
async def student_transcripts(student_id: str, user: CurrentUser, service: ServiceDep) -> list[TranscriptSummaryRead]:
    """One transcript per school level; for the student, their parents, school staff in scope and the Sở."""
    found = await handlers.student_transcripts(service.uow, caller=_caller(service, user), student_id=student_id)
    return [
        TranscriptSummaryRead(
            id=s.transcript.id,
            level=s.transcript.level,
            status=s.status,
            school_id=s.transcript.school_id,
            school_name=s.transcript.school_name,
            school_years=[p.school_year for p in s.transcript.pages],
            verification_code=s.transcript.verification_code,
            content_sha256=s.content_sha256,
            updated_at=s.updated_at,
        )
        for s in found
    ]


@router.get(
    "/transcripts/{transcript_id}.pdf",
    summary="Học bạ (PDF)",
    tags=["transcripts"],
    response_class=Response,
    responses=_PDF,
)
async def transcript_pdf(transcript_id: str, user: CurrentUser, service: ServiceDep) -> Response:
    """The transcript as PDF/A-2b with an empty signature field for each required signer."""
    found, pdf = await handlers.transcript_pdf(
        service.uow,
        caller=_caller(service, user),
        transcript_id=transcript_id,
        base_url=service.public_base_url,
        printed_at=datetime.now(UTC),
    )
    return _file(pdf, PDF_MEDIA_TYPE, found, "pdf")


@router.get(
    "/transcripts/{transcript_id}.xml",
    summary="Học bạ (XML)",
    tags=["transcripts"],
    response_class=Response,
    responses=_XML,
)
async def transcript_xml(transcript_id: str, user: CurrentUser, service: ServiceDep) -> Response:
    """The transcript as XML, valid against docs/schemas/hoc-ba.xsd."""
    found, xml = await handlers.transcript_xml(service.uow, caller=_caller(service, user), transcript_id=transcript_id)
    return _file(xml, XML_MEDIA_TYPE, found, "xml")


@router.get("/transcripts/{transcript_id}", summary="Học bạ (JSON)", tags=["transcripts"])
async def transcript(transcript_id: str, user: CurrentUser, service: ServiceDep) -> TranscriptLifecycleRead:
    """The working document (docs/schemas/hoc-ba.schema.json) with its content hash, lifecycle status and version
    history."""
    found = await handlers.transcript(service.uow, caller=_caller(service, user), transcript_id=transcript_id)
    return await _read(service, found)


@router.put(
    "/transcripts/{transcript_id}/years/{school_year}/homeroom-comment",
    summary="Ghi nhận xét của giáo viên chủ nhiệm",
    tags=["transcripts"],
)
async def put_homeroom_comment(
    transcript_id: str, school_year: SchoolYear, body: HomeroomCommentUpdate, user: CurrentUser, service: ServiceDep
) -> TranscriptLifecycleRead:
    """The homeroom teacher of that year's class writes (or clears) the comment; the draft is rebuilt (a signed
    version is not touched: the transcript becomes stale). Refused in a locked year."""
    found = await handlers.write_homeroom_comment(
        WriteHomeroomComment(transcript_id=transcript_id, school_year=school_year, text=body.text),
        service.uow,
        caller=_caller(service, user),
        now=datetime.now(UTC),
    )
    return await _read(service, found)


@router.get("/verify/{code}", summary="Tra cứu xác thực học bạ (công khai)", tags=["verification"])
async def verify(code: Annotated[str, Path(min_length=4, max_length=32)], service: ServiceDep) -> VerificationRead:
    """Public: the transcript a printed code names, its status and content hash (no login, no personal data
    beyond the student's name, classes and years)."""
    v = await handlers.verify(service.uow(), code=code)
    return VerificationRead(
        transcript_id=v.transcript_id,
        verification_code=v.verification_code,
        status=v.status,
        level=v.level,
        student_name=v.student_name,
        school_name=v.school_name,
        years=[VerifiedYearRead(school_year=y, class_name=c) for y, c in v.years],
        content_sha256=v.content_sha256,
        updated_at=v.updated_at,
        version=v.version,
        signed_at=v.signed_at,
    )


# Lifecycle.


@router.post("/transcripts/{transcript_id}/submit", summary="Trình ký học bạ (tạo phiên bản mới)", tags=["lifecycle"])
async def submit(transcript_id: str, user: CurrentUser, service: ServiceDep) -> TranscriptLifecycleRead:
    """The homeroom teacher of the latest year's class freezes the transcript as a new version and sends it for
    signing (subject teachers → homeroom teacher → principal → school seal)."""
    found = await lifecycle.submit(
        transcript_id,
        service.uow,
        caller=_caller(service, user),
        store=service.runtime.object_store,
        base_url=service.public_base_url,
        now=datetime.now(UTC),
    )
    return await _read(service, found)


@router.post("/transcripts/{transcript_id}/issue", summary="Cấp học bạ đã ký cho học sinh", tags=["lifecycle"])
async def issue(
    transcript_id: str, body: IssueCreate, user: CurrentUser, service: ServiceDep
) -> TranscriptLifecycleRead:
    """The principal issues the signed version (graduation, transfer, on request); it stays immutable."""
    found = await lifecycle.issue(
        transcript_id, body.reason, service.uow, caller=_caller(service, user), now=datetime.now(UTC)
    )
    return await _read(service, found)


@router.put("/classes/{class_id}/transcript-lock", summary="Chốt học bạ của lớp trong năm học", tags=["lifecycle"])
async def lock_class(class_id: str, user: CurrentUser, service: ServiceDep) -> ClassLockRead:
    """The principal locks the class's transcripts for its school year: no comment, no new version until unlocked."""
    found = await lifecycle.set_year_lock(
        class_id, True, service.uow, caller=_caller(service, user), now=datetime.now(UTC)
    )
    return ClassLockRead(**found.__dict__)


@router.delete("/classes/{class_id}/transcript-lock", summary="Mở khóa học bạ của lớp", tags=["lifecycle"])
async def unlock_class(class_id: str, user: CurrentUser, service: ServiceDep) -> ClassLockRead:
    """The principal unlocks the class's transcripts (a correction needs it)."""
    found = await lifecycle.set_year_lock(
        class_id, False, service.uow, caller=_caller(service, user), now=datetime.now(UTC)
    )
    return ClassLockRead(**found.__dict__)


@router.get("/transcripts/{transcript_id}/versions", summary="Lịch sử phiên bản của học bạ", tags=["lifecycle"])
async def versions(transcript_id: str, user: CurrentUser, service: ServiceDep) -> list[VersionRead]:
    """Every version, oldest first: submitted, signed, issued, returned or superseded."""
    found = await lifecycle.versions(service.uow, caller=_caller(service, user), transcript_id=transcript_id)
    return [_version(v) for v in found]


def _version_file(found: FrozenVersion, content: bytes, media_type: str, extension: str) -> Response:
    name = f"hoc-ba-{found.transcript.verification_code}-v{found.version.version}.{extension}"
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": found.version.content_sha256,
        },
    )


@router.get(
    "/transcripts/{transcript_id}/versions/{version}.pdf",
    summary="Tệp PDF của một phiên bản (đã ký nếu đã ký xong)",
    tags=["lifecycle"],
    response_class=Response,
    responses=_PDF,
)
async def version_pdf(transcript_id: str, version: int, user: CurrentUser, service: ServiceDep) -> Response:
    """The signed PDF once signing completed (the latest signed revision meanwhile), else the submitted one."""
    found, data = await lifecycle.version_file(
        service.uow,
        caller=_caller(service, user),
        store=service.runtime.object_store,
        transcript_id=transcript_id,
        version=version,
        role="pdf",
    )
    return _version_file(found, data, PDF_MEDIA_TYPE, "pdf")


@router.get(
    "/transcripts/{transcript_id}/versions/{version}.xml",
    summary="Tệp XML của một phiên bản",
    tags=["lifecycle"],
    response_class=Response,
    responses=_XML,
)
async def version_xml(transcript_id: str, version: int, user: CurrentUser, service: ServiceDep) -> Response:
    """The version's XML twin (signed when the signing service signed it)."""
    found, data = await lifecycle.version_file(
        service.uow,
        caller=_caller(service, user),
        store=service.runtime.object_store,
        transcript_id=transcript_id,
        version=version,
        role="xml",
    )
    return _version_file(found, data, XML_MEDIA_TYPE, "xml")


@router.get("/transcripts/{transcript_id}/versions/{version}", summary="Một phiên bản của học bạ", tags=["lifecycle"])
async def version(transcript_id: str, version: int, user: CurrentUser, service: ServiceDep) -> VersionDocumentRead:
    """The frozen document of a version and its files."""
    found = await lifecycle.frozen_version(
        service.uow, caller=_caller(service, user), transcript_id=transcript_id, version=version
    )
    return VersionDocumentRead(
        **_version(found.version).model_dump(),
        document=found.document,
        submitted_documents=list(found.submitted_documents),
        signed_documents=list(found.signed_documents),
    )


# Transfers and graduation.

_ZIP: dict[int | str, dict[str, Any]] = {
    200: {"content": {ZIP_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
}


@router.get(
    "/transcripts/{transcript_id}/export",
    summary="Xuất gói học bạ đã ký (chuyển trường, tốt nghiệp)",
    tags=["transfers"],
    response_class=Response,
    responses=_ZIP,
)
async def export_package(transcript_id: str, user: CurrentUser, service: ServiceDep) -> Response:
    """A zip with the signed PDF, the XML and a manifest of their SHA-256, for a receiving school or the student."""
    package = await transfers.export_package(
        transcript_id,
        service.uow,
        caller=_caller(service, user),
        store=service.runtime.object_store,
        now=datetime.now(UTC),
    )
    return Response(
        content=package.data,
        media_type=ZIP_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{package.filename}"',
            "X-Content-SHA256": package.sha256,
        },
    )


@router.post(
    "/schools/{school_id}/transcript-imports",
    summary="Nhận gói học bạ từ trường khác",
    tags=["transfers"],
    status_code=201,
)
async def import_package(school_id: str, file: UploadFile, user: CurrentUser, service: ServiceDep) -> ImportedRead:
    """The receiving school's principal uploads a package; its manifest hashes and every signature are verified
    (by the signing service) before anything is kept."""
    data = await file.read(MAX_PACKAGE_BYTES + 1)
    if not data:
        raise InvalidInput("Tệp gói học bạ rỗng.", field="file", value=file.filename or "")
    if service.verifier is None:
        raise ServiceUnavailable("Chưa cấu hình kiểm tra chữ ký số cho việc nhận học bạ.")
    package = await transfers.import_package(
        data,
        school_id=school_id,
        uow_factory=service.uow,
        caller=_caller(service, user),
        store=service.runtime.object_store,
        verifier=service.verifier,
        now=datetime.now(UTC),
    )
    return _imported(package)


# Batch generation.


def _job(job: Job) -> JobRead:
    return JobRead(
        id=job.id,
        school_id=job.school_id,
        class_id=job.class_id,
        status=job.status,
        total=job.total,
        done=job.done,
        errors=job.errors,
        requested_by=job.requested_by,
        created_at=job.created_at,
        finished_at=job.finished_at,
        archives=[ArchiveRead(**a.__dict__) for a in job.archives],
    )


@router.post(
    "/transcript-jobs", summary="Tạo học bạ hàng loạt cho lớp hoặc toàn trường", tags=["jobs"], status_code=202
)
async def create_job(body: JobCreate, user: CurrentUser, service: ServiceDep) -> JobRead:
    """Start (or return the running) year-end generation job: PDF and XML per student, then one archive per class."""
    job, _ = await batch.create_job(
        school_id=body.school_id,
        class_id=body.class_id,
        uow_factory=service.uow,
        caller=_caller(service, user),
        by=user.username,
        now=datetime.now(UTC),
    )
    if not job.finished:
        service.start_job(job.id)
    return _job(job)


@router.get("/transcript-jobs/{job_id}", summary="Tiến độ tác vụ tạo học bạ", tags=["jobs"])
async def get_job(job_id: str, user: CurrentUser, service: ServiceDep) -> JobRead:
    """Done / total / errors, and the class archives once the job finished."""
    return _job(await batch.job(service.uow, caller=_caller(service, user), job_id=job_id))


# Verifiable credentials.


@router.get(
    "/transcripts/{transcript_id}/credential",
    summary="Chứng nhận số kết quả năm học (Open Badges 3.0, VC-JWT)",
    tags=["credentials"],
)
async def credential(
    transcript_id: str,
    user: CurrentUser,
    service: ServiceDep,
    school_year: Annotated[
        str | None, Query(pattern=r"^\d{4}-\d{4}$", description="Mặc định: năm học mới nhất")
    ] = None,
) -> CredentialRead:
    """The year's results of the signed version as an OB 3.0 credential signed ES256 by the school's key."""
    issued = await credentials.year_results_credential(
        service.uow,
        caller=_caller(service, user),
        transcript_id=transcript_id,
        school_year=school_year,
        base_url=service.public_base_url,
        now=datetime.now(UTC),
    )
    return CredentialRead(
        jwt=issued.jwt,
        credential=issued.credential,
        issuer=issued.issuer_did,
        verification_method=issued.verification_method,
        version=issued.version,
    )


@router.get("/schools/{school_id}/did.json", summary="Tài liệu DID của trường (công khai)", tags=["credentials"])
async def did_document(school_id: str, service: ServiceDep) -> dict[str, Any]:
    """Public: the school's did:web document with the key its credentials are signed with."""
    return await credentials.published_key(
        service.uow, school_id=school_id, base_url=service.public_base_url, now=datetime.now(UTC)
    )


@router.get(
    "/schools/{school_id}/jwks.json", summary="Khóa công khai của trường (JWKS, công khai)", tags=["credentials"]
)
async def school_jwks(school_id: str, service: ServiceDep) -> dict[str, Any]:
    """Public: the same key as a JWK set."""
    document = await credentials.published_key(
        service.uow, school_id=school_id, base_url=service.public_base_url, now=datetime.now(UTC)
    )
    return {"keys": [m["publicKeyJwk"] for m in document["verificationMethod"]]}
