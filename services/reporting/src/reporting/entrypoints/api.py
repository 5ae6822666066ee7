"""Reporting HTTP API: the reports (JSON) within the caller's scope, and the projections' lag. Thin."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from edu_shared.errors import InvalidInput
from edu_shared.web.app import CurrentUser
from edu_shared.web.directory_api import directory_router
from reporting.bootstrap import PROJECTED_TOPICS, ReportingService
from reporting.domain.report import Report, as_json_value
from reporting.entrypoints.schemas import (
    ProjectionsRead,
    ReportColumnRead,
    ReportKindRead,
    ReportRead,
    TopicLagRead,
)
from reporting.service_layer import projections
from reporting.service_layer.reports import REPORTS, Caller, ReportQuery, build_report

router = directory_router()


def service_of(request: Request) -> ReportingService:
    service: ReportingService = request.app.state.service
    return service


ServiceDep = Annotated[ReportingService, Depends(service_of)]


def caller_of(service: ServiceDep, user: CurrentUser) -> Caller:
    return Caller(user=user, resolver=service.resolver)


CallerDep = Annotated[Caller, Depends(caller_of)]


def report_query(
    report: Annotated[str, Path(description="Tên báo cáo, xem GET /reports")],
    school_year: Annotated[str, Query(pattern=r"^\d{4}-\d{4}$", examples=["2025-2026"])],
    school_id: Annotated[str | None, Query(description="Phạm vi: một trường")] = None,
    org_unit_id: Annotated[str | None, Query(description="Phạm vi: các trường thuộc đơn vị (xã/phường, phòng)")] = None,
    class_id: Annotated[str | None, Query(description="Phạm vi: một lớp (phổ điểm, chuyên cần, tiến độ)")] = None,
    semester: Annotated[int, Query(ge=1, le=2)] = 1,
    period: Annotated[str, Query(description="hk1, hk2, year hoặc retest")] = "year",
    level: Annotated[str | None, Query(description="mam_non, tieu_hoc, thcs, thpt, gdtx")] = None,
    subject_code: Annotated[str | None, Query()] = None,
    grade: Annotated[int | None, Query(ge=1, le=12)] = None,
    kind: Annotated[str | None, Query(description="Loại điểm: tx, gk, ck")] = None,
    width: Annotated[str, Query(description="Độ rộng cột phổ điểm: 0.5 hoặc 1")] = "0.5",
    group: Annotated[str, Query(description="Nhóm theo: grade, school (ratings: subject)")] = "grade",
) -> ReportQuery:
    """The report's query from the URL; no scope parameter means the whole province."""
    try:
        step = Decimal(width)
    except InvalidOperation as exc:
        raise InvalidInput(f"Độ rộng cột phổ điểm '{width}' không hợp lệ.", field="width", value=width) from exc
    return ReportQuery(
        report=report,
        school_year=school_year,
        school_id=school_id,
        org_unit_id=org_unit_id,
        class_id=class_id,
        semester=semester,
        period=period,
        level=level,
        subject_code=subject_code,
        grade=grade,
        kind=kind,
        width=step,
        group=group,
    )


QueryDep = Annotated[ReportQuery, Depends(report_query)]


def report_read(report: Report) -> ReportRead:
    return ReportRead(
        report=report.name,
        title=report.title,
        subtitle=report.subtitle,
        scope=report.scope_label,
        columns=[ReportColumnRead(key=c.key, label=c.label, kind=c.kind) for c in report.columns],
        rows=[{k: as_json_value(v) for k, v in row.items()} for row in report.rows],
    )


@router.get("/reports", summary="Danh sách báo cáo")
async def list_reports() -> list[ReportKindRead]:
    """The reports this service builds."""
    return [ReportKindRead(name=name, description=text) for name, (text, _) in REPORTS.items()]


@router.get("/reports/{report}", summary="Một báo cáo trong phạm vi của người dùng")
async def get_report(service: ServiceDep, caller: CallerDep, query: QueryDep) -> ReportRead:
    """A report over a school, a unit's schools or the province (REPORT_READ over that scope)."""
    async with service.uow() as uow:
        return report_read(await build_report(query, uow, caller=caller))


@router.get("/projections", summary="Độ trễ của dữ liệu báo cáo so với luồng sự kiện")
async def get_projections(service: ServiceDep) -> ProjectionsRead:
    """Events and seconds behind per topic (the lag metric); no personal data, like /healthz."""
    async with service.uow() as uow:
        found = await projections.lag(
            bus=service.runtime.bus, uow=uow, topics=PROJECTED_TOPICS, group=service.projections_group
        )
    return ProjectionsRead(
        group=service.projections_group,
        topics=[TopicLagRead(**vars(t)) for t in found],
    )
