"""External read API for other systems (`/v1`): schools, classes and approved results, paginated with a cursor
and filtered by `dateLastModified` (changed at or after), within the caller's REPORT_READ scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query

from reporting.adapters import orm
from reporting.adapters.external_repo import page
from reporting.adapters.reports_repo import in_scope
from reporting.domain.scope import ReportScope
from reporting.entrypoints.api import CallerDep, ServiceDep
from reporting.entrypoints.schemas import ClassItem, Page, ResultItem, SchoolItem
from reporting.service_layer.reports import resolve_scope
from reporting.service_layer.uow import ReportingUnitOfWork

router = APIRouter(prefix="/v1", tags=["external"])

Since = Annotated[
    datetime | None, Query(alias="dateLastModified", description="Chỉ lấy bản ghi thay đổi từ thời điểm này (ISO 8601)")
]
Cursor = Annotated[str | None, Query(description="`next_cursor` của trang trước")]
Limit = Annotated[int, Query(ge=1, le=1000)]
SchoolId = Annotated[str | None, Query(description="Phạm vi: một trường")]
UnitId = Annotated[str | None, Query(description="Phạm vi: các trường thuộc đơn vị")]


def _utc(at: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC); the API always says which zone."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


async def _scope(
    uow: ReportingUnitOfWork, caller: CallerDep, school_id: str | None, org_unit_id: str | None
) -> ReportScope:
    return await resolve_scope(uow, caller, school_id=school_id, org_unit_id=org_unit_id)


@router.get("/schools", summary="Trường học (phân trang, lọc theo dateLastModified)")
async def list_schools(
    service: ServiceDep,
    caller: CallerDep,
    school_id: SchoolId = None,
    org_unit_id: UnitId = None,
    since: Since = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[SchoolItem]:
    """Schools in the caller's scope, oldest change first."""
    t = orm.schools
    async with service.uow() as uow:
        scope = await _scope(uow, caller, school_id, org_unit_id)
        rows, nxt = await page(
            uow.session,
            sa.select(t).where(*in_scope(t.c.id, scope)),
            updated=t.c.updated_at,
            keys=[t.c.id],
            since=since,
            cursor=cursor,
            limit=limit,
        )
    items = [
        SchoolItem(
            id=r.id,
            org_unit_id=r.org_unit_id,
            moet_code=r.moet_code,
            name=r.name,
            levels=r.levels.split(","),
            date_last_modified=_utc(r.updated_at),
        )
        for r in rows
    ]
    return Page[SchoolItem](items=items, next_cursor=nxt)


@router.get("/classes", summary="Lớp học (phân trang, lọc theo dateLastModified)")
async def list_classes(
    service: ServiceDep,
    caller: CallerDep,
    school_id: SchoolId = None,
    org_unit_id: UnitId = None,
    school_year: Annotated[str | None, Query(examples=["2025-2026"])] = None,
    since: Since = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[ClassItem]:
    """Classes in the caller's scope with their current number of students."""
    t, sizes = orm.classes, orm.class_sizes
    query = (
        sa.select(t, sa.func.coalesce(sizes.c.n, 0).label("students"))
        .select_from(t.outerjoin(sizes, sizes.c.class_id == t.c.id))
        .where(*([t.c.school_year == school_year] if school_year else []))
    )
    async with service.uow() as uow:
        scope = await _scope(uow, caller, school_id, org_unit_id)
        rows, nxt = await page(
            uow.session,
            query.where(*in_scope(t.c.school_id, scope)),
            updated=t.c.updated_at,
            keys=[t.c.id],
            since=since,
            cursor=cursor,
            limit=limit,
        )
    items = [
        ClassItem(
            id=r.id,
            school_id=r.school_id,
            school_year=r.school_year,
            grade=r.grade,
            level=r.level,
            name=r.name,
            students=int(r.students),
            date_last_modified=_utc(r.updated_at),
        )
        for r in rows
    ]
    return Page[ClassItem](items=items, next_cursor=nxt)


@router.get("/results", summary="Kết quả học tập, rèn luyện đã duyệt (phân trang, lọc theo dateLastModified)")
async def list_results(
    service: ServiceDep,
    caller: CallerDep,
    school_id: SchoolId = None,
    org_unit_id: UnitId = None,
    period: Annotated[str | None, Query(description="hk1, hk2, year, retest")] = None,
    since: Since = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[ResultItem]:
    """Students' approved results (pseudonymous: ids only, no names) in the caller's scope."""
    t = orm.results
    async with service.uow() as uow:
        scope = await _scope(uow, caller, school_id, org_unit_id)
        rows, nxt = await page(
            uow.session,
            sa.select(t).where(*in_scope(t.c.school_id, scope), *([t.c.period == period] if period else [])),
            updated=t.c.updated_at,
            keys=[t.c.student_id, t.c.class_id, t.c.period],
            since=since,
            cursor=cursor,
            limit=limit,
        )
    items = [
        ResultItem(
            student_id=r.student_id,
            class_id=r.class_id,
            school_id=r.school_id,
            school_year=r.school_year,
            period=r.period,
            learning=r.learning,
            training=r.training,
            result=r.result,
            outcome=r.outcome,
            award=r.award,
            absent_sessions=r.absent_sessions,
            subjects=dict(r.subjects),
            date_last_modified=_utc(r.updated_at),
        )
        for r in rows
    ]
    return Page[ResultItem](items=items, next_cursor=nxt)
