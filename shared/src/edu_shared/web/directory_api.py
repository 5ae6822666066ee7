"""The read side of a service's org directory projection, the same route in every service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel


class DirectorySchoolRead(BaseModel):
    id: str
    org_unit_id: str
    moet_code: str
    name: str
    levels: list[str]


def directory_router() -> APIRouter:
    router = APIRouter(tags=["directory"])

    @router.get("/directory/schools", summary="Các trường dịch vụ này đã biết (bản sao từ sự kiện định danh)")
    async def directory_schools(request: Request) -> list[DirectorySchoolRead]:
        """Schools as this service's own projection knows them; lags identity by the event delay only."""
        rows = await request.app.state.service.resolver.schools()
        return [DirectorySchoolRead(**{**r, "levels": r["levels"].split(",")}) for r in rows]

    return router
