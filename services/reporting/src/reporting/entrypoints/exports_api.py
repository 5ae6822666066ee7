"""Exports of the reports: .xlsx / CSV / PDF at once, or as a background job with progress and a download link."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from edu_shared.errors import InvalidInput
from reporting.entrypoints.api import CallerDep, QueryDep, ServiceDep
from reporting.entrypoints.schemas import ExportCreate, ExportJobRead
from reporting.service_layer import exports
from reporting.service_layer.exports import ExportJob, RequestExport
from reporting.service_layer.reports import ReportQuery

router = APIRouter(tags=["exports"])


def _file(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content=data,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get("/reports/{report}/export", summary="Xuất báo cáo ngay (xlsx, csv, pdf)")
async def export_report(
    service: ServiceDep,
    caller: CallerDep,
    query: QueryDep,
    format: Annotated[str, Query(description="xlsx, csv hoặc pdf")] = "xlsx",
) -> Response:
    """The report as a file, built in this request (for reports of one school or unit)."""
    async with service.uow() as uow:
        data, media_type = await exports.export_now(query, format, uow, caller=caller)
    return _file(data, media_type, f"{query.report}-{query.school_year}.{format}")


def _job_read(request: Request, job: ExportJob) -> ExportJobRead:
    url = str(request.url_for("download_export", job_id=job.id)) if job.status == "done" else None
    return ExportJobRead(
        id=job.id,
        report=job.report,
        format=job.format,
        status=job.status,
        progress=job.progress,
        download_url=url,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.post("/exports", status_code=202, summary="Yêu cầu xuất báo cáo chạy nền")
async def create_export(request: Request, service: ServiceDep, caller: CallerDep, body: ExportCreate) -> ExportJobRead:
    """Queue an export (checked against the caller's scope now); poll the job for progress and the link."""
    try:
        width = Decimal(body.width)
    except InvalidOperation as exc:
        raise InvalidInput(
            f"Độ rộng cột phổ điểm '{body.width}' không hợp lệ.", field="width", value=body.width
        ) from exc
    query = ReportQuery(**{**body.model_dump(exclude={"format", "width"}), "width": width})
    async with service.uow() as uow:
        job_id = await exports.request_export(RequestExport(query=query, format=body.format), uow, caller=caller)
    service.in_background(exports.run_export(job_id, uow=service.uow, store=service.object_store))
    async with service.uow() as uow:
        return _job_read(request, await exports.get_job(uow, job_id, caller=caller))


@router.get("/exports/{job_id}", summary="Tiến độ của một yêu cầu xuất báo cáo")
async def get_export(request: Request, service: ServiceDep, caller: CallerDep, job_id: str) -> ExportJobRead:
    """Status and progress; `download_url` once done."""
    async with service.uow() as uow:
        return _job_read(request, await exports.get_job(uow, job_id, caller=caller))


@router.get("/exports/{job_id}/download", name="download_export", summary="Tải tệp báo cáo đã xuất")
async def download_export(service: ServiceDep, caller: CallerDep, job_id: str) -> Response:
    """The finished file (only its requester may download it)."""
    async with service.uow() as uow:
        data, media_type, filename = await exports.download(uow, service.object_store, job_id, caller=caller)
    return _file(data, media_type, filename)
