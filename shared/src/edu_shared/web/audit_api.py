"""The audit trail's read side for inspectors (thanh tra), the same routes in every service that keeps one.

Reading, exporting and verifying a school's trail needs `audit.read` over that school (principal, admins above,
inspectors). Export streams every entry with its hashes, so an inspector can re-verify the chain offline.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from edu_shared.audit.chain import Anchor, AuditRecord
from edu_shared.audit.trail import AuditTrail, verify_trail
from edu_shared.auth.permissions import Permission, authorize
from edu_shared.auth.principal import ScopeType
from edu_shared.errors import InvalidInput
from edu_shared.web.app import CurrentUser

SchoolId = Annotated[str, Query(min_length=1, max_length=64, description="Mã định danh trường")]


class AuditEntryRead(BaseModel):
    seq: int
    recorded_at: datetime
    actor_id: str
    actor_name: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    reason: str | None
    request_id: str | None
    prev_hash: str
    hash: str


class AuditPageRead(BaseModel):
    school_id: str
    entries: list[AuditEntryRead]
    next_after_seq: int | None = Field(description="Truyền vào `after_seq` để lấy trang tiếp theo; null khi hết.")


class ChainBreakRead(BaseModel):
    seq: int
    reason: str


class AuditVerifyRead(BaseModel):
    school_id: str
    intact: bool
    entries: int
    head_seq: int
    head_hash: str
    breaks: list[ChainBreakRead]


def _entry(record: AuditRecord) -> AuditEntryRead:
    return AuditEntryRead(**{k: v for k, v in record.__dict__.items() if k != "chain"})


CSV_COLUMNS = list(AuditEntryRead.model_fields)


def audit_router(table: sa.Table) -> APIRouter:
    """Routes over the service's `audit_trail` table; the app's state carries the service (sessions, resolver)."""
    router = APIRouter(tags=["audit"])

    async def _authorized(request: Request, user: CurrentUser, school_id: str) -> None:
        service = request.app.state.service
        await authorize(user, Permission.AUDIT_READ, (ScopeType.SCHOOL, school_id), resolver=service.resolver)

    @router.get("/audit", summary="Lưu vết của một trường (theo trang)")
    async def audit_page(
        request: Request,
        user: CurrentUser,
        school_id: SchoolId,
        after_seq: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        entity: Annotated[str | None, Query(max_length=32)] = None,
        entity_id: Annotated[str | None, Query(max_length=255)] = None,
        actor_id: Annotated[str | None, Query(max_length=128)] = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> AuditPageRead:
        """Entries in order: who changed what, when, the value before and after, the reason and request id."""
        await _authorized(request, user, school_id)
        async with request.app.state.service.runtime.sessions() as session:
            records = await AuditTrail(session, table).entries(
                chain=school_id,
                after_seq=after_seq,
                limit=limit,
                entity=entity,
                entity_id=entity_id,
                actor_id=actor_id,
                since=since,
                until=until,
            )
        return AuditPageRead(
            school_id=school_id,
            entries=[_entry(r) for r in records],
            next_after_seq=records[-1].seq if len(records) == limit else None,
        )

    @router.get("/audit/verify", summary="Kiểm tra tính toàn vẹn của lưu vết một trường")
    async def audit_verify(
        request: Request,
        user: CurrentUser,
        school_id: SchoolId,
        anchor_seq: Annotated[int | None, Query(ge=1, description="Số thứ tự của mốc đã công bố")] = None,
        anchor_hash: Annotated[
            str | None,
            Query(pattern="^[0-9a-f]{64}$", description="Hash của mốc (sự kiện AuditHeadAdvanced)"),
        ] = None,
    ) -> AuditVerifyRead:
        """Recompute the school's hash chain; any edited, deleted or reordered entry is named by its number.

        Give the last published head (`anchor_seq`, `anchor_hash`) to also detect entries removed from the end.
        """
        if (anchor_seq is None) != (anchor_hash is None):
            raise InvalidInput(
                "Cần cả anchor_seq và anchor_hash (mốc gồm số thứ tự và hash).",
                field="anchor_seq" if anchor_seq is None else "anchor_hash",
                value=None,
            )
        await _authorized(request, user, school_id)
        anchors = {} if anchor_seq is None or anchor_hash is None else {school_id: Anchor(anchor_seq, anchor_hash)}
        async with request.app.state.service.runtime.sessions() as session:
            (report,) = await verify_trail(AuditTrail(session, table), chains=[school_id], anchors=anchors)
        return AuditVerifyRead(
            school_id=school_id,
            intact=report.intact,
            entries=report.entries,
            head_seq=report.head_seq,
            head_hash=report.head_hash,
            breaks=[ChainBreakRead(seq=b.seq, reason=b.reason) for b in report.breaks],
        )

    @router.get(
        "/audit/export",
        summary="Xuất lưu vết của một trường (JSON Lines hoặc CSV)",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}},
    )
    async def audit_export(
        request: Request, user: CurrentUser, school_id: SchoolId, format: Literal["jsonl", "csv"] = "jsonl"
    ) -> StreamingResponse:
        """Every entry of the school's trail with its hashes, streamed, for inspectors to keep and re-verify."""
        await _authorized(request, user, school_id)
        sessions = request.app.state.service.runtime.sessions

        async def lines() -> AsyncIterator[str]:
            async with sessions() as session:
                if format == "csv":
                    buffer = io.StringIO()
                    writer = csv.writer(buffer)
                    writer.writerow(CSV_COLUMNS)
                    yield "\ufeff" + buffer.getvalue()  # BOM: Excel opens Vietnamese text correctly
                async for record in AuditTrail(session, table).scan(chain=school_id):
                    entry = _entry(record).model_dump(mode="json")
                    if format == "jsonl":
                        yield json.dumps(entry, ensure_ascii=False) + "\n"
                    else:
                        buffer = io.StringIO()
                        csv.writer(buffer).writerow(
                            [
                                json.dumps(entry[c], ensure_ascii=False) if c in ("before", "after") else entry[c]
                                for c in CSV_COLUMNS
                            ]
                        )
                        yield buffer.getvalue()

        media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
        filename = f"luu-vet-{school_id}.{format}"
        return StreamingResponse(
            lines(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )

    return router
