"""Transcript HTTP API: a student's transcripts, one transcript as JSON, PDF or XML, the homeroom comment and the
public verification of a printed code. Thin: command in, handler."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response

from edu_shared.web.app import CurrentUser
from edu_shared.web.directory_api import directory_router
from transcript.adapters.pdf_transcript import PDF_MEDIA_TYPE
from transcript.adapters.transcripts_repo import StoredTranscript
from transcript.adapters.xml_document import XML_MEDIA_TYPE
from transcript.bootstrap import TranscriptService
from transcript.entrypoints.schemas import (
    HomeroomCommentUpdate,
    TranscriptRead,
    TranscriptSummaryRead,
    VerificationRead,
    VerifiedYearRead,
)
from transcript.service_layer import handlers
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


def _read(found: StoredTranscript) -> TranscriptRead:
    return TranscriptRead(
        **found.document.model_dump(), content_sha256=found.content_sha256, updated_at=found.updated_at
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
            status=s.transcript.status,
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
async def transcript(transcript_id: str, user: CurrentUser, service: ServiceDep) -> TranscriptRead:
    """The transcript document (docs/schemas/hoc-ba.schema.json) with its content hash."""
    return _read(await handlers.transcript(service.uow, caller=_caller(service, user), transcript_id=transcript_id))


@router.put(
    "/transcripts/{transcript_id}/years/{school_year}/homeroom-comment",
    summary="Ghi nhận xét của giáo viên chủ nhiệm",
    tags=["transcripts"],
)
async def put_homeroom_comment(
    transcript_id: str, school_year: SchoolYear, body: HomeroomCommentUpdate, user: CurrentUser, service: ServiceDep
) -> TranscriptRead:
    """The homeroom teacher of that year's class writes (or clears) the comment; the draft is rebuilt."""
    found = await handlers.write_homeroom_comment(
        WriteHomeroomComment(transcript_id=transcript_id, school_year=school_year, text=body.text),
        service.uow,
        caller=_caller(service, user),
        now=datetime.now(UTC),
    )
    return _read(found)


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
    )
