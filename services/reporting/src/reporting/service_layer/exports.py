"""Export jobs: a report rendered to .xlsx, CSV or PDF in the background, stored in the object store.

The request is authorized when it is made (the scope check of the report); the job then runs without a caller,
records its progress in `rp_export_jobs`, and leaves the object key for the download link.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from edu_shared.errors import Conflict, InvalidInput, NotFound
from edu_shared.objectstore.port import ObjectStore
from reporting.adapters import orm
from reporting.adapters.exports import FORMATS, render
from reporting.service_layer.reports import REPORTS, Caller, ReportQuery, build_report, resolve_scope
from reporting.service_layer.uow import ReportingUnitOfWork

log = logging.getLogger(__name__)
AUTHORITY = "SỞ GIÁO DỤC VÀ ĐÀO TẠO"


@dataclasses.dataclass(frozen=True)
class RequestExport:
    query: ReportQuery
    format: str


@dataclasses.dataclass(frozen=True)
class ExportJob:
    id: str
    report: str
    format: str
    status: str
    progress: int
    object_key: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput(f"Định dạng '{fmt}' không hỗ trợ: xlsx, csv hoặc pdf.", field="format", value=fmt)


def query_params(q: ReportQuery) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in dataclasses.asdict(q).items()}


def query_from(params: dict[str, Any]) -> ReportQuery:
    values = dict(params)
    values["width"] = Decimal(str(values.get("width", "0.5")))
    return ReportQuery(**values)


async def export_now(q: ReportQuery, fmt: str, uow: ReportingUnitOfWork, *, caller: Caller) -> tuple[bytes, str]:
    """A report rendered at once (small reports): the bytes and their media type."""
    check_format(fmt)
    report = await build_report(q, uow, caller=caller)
    return render(report, fmt, authority=AUTHORITY, printed_at=datetime.now(UTC)), FORMATS[fmt]


async def request_export(cmd: RequestExport, uow: ReportingUnitOfWork, *, caller: Caller) -> str:
    """Check the caller may read the report's scope, record a queued job, return its id."""
    check_format(cmd.format)
    if cmd.query.report not in REPORTS:
        raise NotFound(f"Không có báo cáo '{cmd.query.report}'.", field="report", value=cmd.query.report)
    q = cmd.query
    await resolve_scope(uow, caller, school_id=q.school_id, org_unit_id=q.org_unit_id, class_id=q.class_id)
    job_id = uuid.uuid4().hex
    await uow.session.execute(
        sa.insert(orm.export_jobs).values(
            id=job_id,
            report=q.report,
            format=cmd.format,
            params=query_params(q),
            requested_by=caller.user.sub,
            status="queued",
            progress=0,
            created_at=datetime.now(UTC),
        )
    )
    await uow.commit()
    return job_id


async def _progress(uow_factory: Callable[[], ReportingUnitOfWork], job_id: str, **values: Any) -> None:
    async with uow_factory() as uow:
        await uow.session.execute(sa.update(orm.export_jobs).where(orm.export_jobs.c.id == job_id).values(**values))
        await uow.commit()


async def run_export(job_id: str, *, uow: Callable[[], ReportingUnitOfWork], store: ObjectStore) -> None:
    """Build, render and store the report of a queued job, moving its progress; a failure is kept on the job."""
    try:
        async with uow() as unit:
            row = (await unit.session.execute(sa.select(orm.export_jobs).where(orm.export_jobs.c.id == job_id))).one()
        await _progress(uow, job_id, status="running", progress=10)
        q = query_from(row.params)
        async with uow() as unit:
            report = await build_report(q, unit, caller=None)
        await _progress(uow, job_id, progress=50)
        data = render(report, row.format, authority=AUTHORITY, printed_at=datetime.now(UTC))
        await _progress(uow, job_id, progress=80)
        stored = await store.put(
            data, content_type=FORMATS[row.format], metadata={"report": row.report}, prefix="reporting/exports/"
        )
        await _progress(uow, job_id, status="done", progress=100, object_key=stored.key, finished_at=datetime.now(UTC))
    except Exception as exc:  # the job records why it failed; the requester sees it in the job's status
        log.exception("export failed", extra={"job": job_id})
        await _progress(uow, job_id, status="failed", error=str(exc)[:2000], finished_at=datetime.now(UTC))


async def get_job(uow: ReportingUnitOfWork, job_id: str, *, caller: Caller) -> ExportJob:
    """The job as its requester sees it (another user's job is not found, like a missing one)."""
    row = (await uow.session.execute(sa.select(orm.export_jobs).where(orm.export_jobs.c.id == job_id))).first()
    if row is None or row.requested_by != caller.user.sub:
        raise NotFound(f"Không tìm thấy yêu cầu xuất báo cáo {job_id}.", field="job_id", value=job_id)
    return ExportJob(
        id=row.id,
        report=row.report,
        format=row.format,
        status=row.status,
        progress=row.progress,
        object_key=row.object_key,
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


async def download(
    uow: ReportingUnitOfWork, store: ObjectStore, job_id: str, *, caller: Caller
) -> tuple[bytes, str, str]:
    """The finished file, its media type and file name."""
    job = await get_job(uow, job_id, caller=caller)
    if job.status != "done" or job.object_key is None:
        raise Conflict(f"Báo cáo {job_id} chưa xuất xong ({job.status}, {job.progress}%).", job_id=job_id)
    return await store.get(job.object_key), FORMATS[job.format], f"{job.report}.{job.format}"
