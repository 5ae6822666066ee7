"""Identity HTTP API: reading and exporting the audit trail (lưu vết) — sign-ins, admin actions, denied access.

Who may read: `audit.read` (platform, department and unit admins, principals, inspectors) over a scope. A grant
over the province, or any department or platform admin grant, sees every entry; over an org unit, the entries
of the schools under it and of the units themselves; over a school, that school's entries. Narrowing to
`school_id` or `org_unit_id` outside one's scope is 403 (audited). Reading and exporting are themselves
audited (`audit.read`, `audit.export`).

The CSV export is UTF-8 with a byte-order mark, so that Excel opens Vietnamese text correctly, streamed in
batches; cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator

from edu_shared.auth.permissions import Permission
from edu_shared.auth.principal import CurrentUserClaims, Role, ScopeType
from edu_shared.web.app import CurrentUser
from identity.adapters import orm
from identity.adapters.audit import AuditEntry
from identity.adapters.oneroster_repo import units_and_schools_under, visibility
from identity.bootstrap import IdentityService
from identity.entrypoints.api import ServiceDep

router = APIRouter(tags=["audit"])

_WHOLE_TRAIL = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_ADMIN})

EXPORT_BATCH = 1000
CSV_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "outcome",
    "target_type",
    "target_id",
    "school_id",
    "org_unit_id",
    "ip",
    "user_agent",
    "old_value",
    "new_value",
    "details",
)


class AuditEntryRead(BaseModel):
    seq: int
    at: datetime = Field(description="UTC")
    actor: str
    action: str
    outcome: str
    target_type: str | None
    target_id: str | None
    school_id: str | None
    org_unit_id: str | None
    ip: str | None
    user_agent: str | None
    old_value: Any = None
    new_value: Any = None
    details: dict[str, Any] | None = None

    @field_validator("at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # SQLite hands back naive datetimes; every stored time is UTC.
        return _utc(value) or value


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AuditFilters:
    """The query parameters both endpoints share."""

    def __init__(
        self,
        school_id: Annotated[str | None, Query(max_length=64, description="Chỉ lưu vết của trường này")] = None,
        org_unit_id: Annotated[
            str | None, Query(max_length=64, description="Chỉ lưu vết của đơn vị này và các trường trực thuộc")
        ] = None,
        action: Annotated[str | None, Query(max_length=64, examples=["auth.sign_in"])] = None,
        actor: Annotated[str | None, Query(max_length=128, description="Mã tài khoản thực hiện")] = None,
        outcome: Annotated[str | None, Query(max_length=16, description="success | failure | denied | locked")] = None,
        since: Annotated[datetime | None, Query(description="Từ thời điểm (ISO 8601; không múi giờ: UTC)")] = None,
        until: Annotated[datetime | None, Query(description="Trước thời điểm (ISO 8601)")] = None,
    ) -> None:
        self.school_id, self.org_unit_id, self.action, self.actor, self.outcome = (
            school_id,
            org_unit_id,
            action,
            actor,
            outcome,
        )
        self.since, self.until = _utc(since), _utc(until)

    def as_details(self) -> dict[str, Any]:
        values = {
            "school_id": self.school_id,
            "org_unit_id": self.org_unit_id,
            "action": self.action,
            "actor": self.actor,
            "outcome": self.outcome,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {k: v for k, v in values.items() if v is not None}


Filters = Annotated[AuditFilters, Depends()]


@dataclass(frozen=True)
class AuditScope:
    """What part of the trail a reader may see: everything, or entries of these schools or these units."""

    everything: bool = False
    school_ids: frozenset[str] = frozenset()
    org_unit_ids: frozenset[str] = frozenset()

    def condition(self) -> sa.ColumnElement[bool]:
        t = orm.audit_log
        if self.everything:
            return sa.true()
        return sa.or_(t.c.school_id.in_(sorted(self.school_ids)), t.c.org_unit_id.in_(sorted(self.org_unit_ids)))


async def _reader_scope(service: IdentityService, user: CurrentUserClaims, filters: AuditFilters) -> AuditScope:
    """The caller's scope, narrowed to the school or unit asked for (403 and audited when outside it)."""
    if filters.school_id is not None:
        await service.authorize(user, Permission.AUDIT_READ, (ScopeType.SCHOOL, filters.school_id))
        return AuditScope(school_ids=frozenset({filters.school_id}))
    async with service.uow() as uow:
        if filters.org_unit_id is not None:
            await service.authorize(user, Permission.AUDIT_READ, (ScopeType.ORG_UNIT, filters.org_unit_id))
            units, schools = await units_and_schools_under(uow.session, [filters.org_unit_id])
            return AuditScope(school_ids=frozenset(schools), org_unit_ids=frozenset(units))
        vis = await visibility(uow.session, user=user, permission=Permission.AUDIT_READ)
    # The department (and the platform operator) read the whole trail, entries tied to no school or unit
    # included (sign-in attempts for unknown user names), whatever unit their grant names.
    if vis.everything or any(g.role in _WHOLE_TRAIL for g in user.grants):
        return AuditScope(everything=True)
    if not (vis.school_ids or vis.org_unit_ids):
        await service.authorize(user, Permission.AUDIT_READ, (ScopeType.PROVINCE, "province"))
    return AuditScope(school_ids=vis.school_ids, org_unit_ids=vis.org_unit_ids)


def _select(scope: AuditScope, filters: AuditFilters) -> sa.Select[Any]:
    t = orm.audit_log
    query = sa.select(t).where(scope.condition())
    if filters.action:
        query = query.where(t.c.action == filters.action)
    if filters.actor:
        query = query.where(t.c.actor == filters.actor)
    if filters.outcome:
        query = query.where(t.c.outcome == filters.outcome)
    if filters.since:
        query = query.where(t.c.at >= filters.since)
    if filters.until:
        query = query.where(t.c.at < filters.until)
    return query


async def _record_read(
    service: IdentityService,
    user: CurrentUserClaims,
    filters: AuditFilters,
    scope: AuditScope,
    *,
    action: str,
    count: int | None,
) -> None:
    # A reader confined to one school finds their own reads in that school's trail.
    only_school = next(iter(scope.school_ids)) if len(scope.school_ids) == 1 and not scope.org_unit_ids else None
    async with service.uow() as uow:
        await uow.audit.record(
            AuditEntry(
                actor=user.sub,
                action=action,
                target_type="audit_log",
                school_id=filters.school_id or only_school,
                org_unit_id=filters.org_unit_id,
                details={"username": user.username, "filters": filters.as_details(), "count": count},
            )
        )
        await uow.commit()


@router.get("/audit", summary="Tra cứu lưu vết")
async def list_audit(
    user: CurrentUser,
    service: ServiceDep,
    filters: Filters,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditEntryRead]:
    """Audit entries in the caller's scope, newest first (total in X-Total-Count); the read is audited."""
    scope = await _reader_scope(service, user, filters)
    query = _select(scope, filters)
    t = orm.audit_log
    async with service.uow() as uow:
        total = await uow.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        rows = await uow.session.execute(query.order_by(t.c.seq.desc()).limit(limit).offset(offset))
        items = [AuditEntryRead.model_validate(dict(r._mapping)) for r in rows]
    await _record_read(service, user, filters, scope, action="audit.read", count=len(items))
    response.headers["X-Total-Count"] = str(total or 0)
    return items


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (_utc(value) or value).isoformat()
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    # A cell starting like a formula would run in Excel (CSV injection): user agents and names come from users.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


@router.get(
    "/audit/export.csv",
    summary="Xuất lưu vết (CSV)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 có BOM, mở được bằng Excel"}},
)
async def export_audit(user: CurrentUser, service: ServiceDep, filters: Filters) -> StreamingResponse:
    """The same entries as CSV, newest first, streamed; the export is audited before it starts."""
    scope = await _reader_scope(service, user, filters)
    query = _select(scope, filters)
    await _record_read(service, user, filters, scope, action="audit.export", count=None)
    t = orm.audit_log

    async def lines() -> AsyncIterator[bytes]:
        yield ("\ufeff" + _csv_line(list(CSV_COLUMNS))).encode("utf-8")
        before: int | None = None
        while True:
            batch = query.order_by(t.c.seq.desc()).limit(EXPORT_BATCH)
            if before is not None:
                batch = batch.where(t.c.seq < before)
            async with service.uow() as uow:
                rows = [dict(r._mapping) for r in await uow.session.execute(batch)]
            if not rows:
                return
            yield "".join(_csv_line([_cell(row[c]) for c in CSV_COLUMNS]) for row in rows).encode("utf-8")
            before = rows[-1]["seq"]
            if len(rows) < EXPORT_BATCH:
                return

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="luu-vet-{stamp}.csv"'},
    )
