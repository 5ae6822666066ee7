"""Identity HTTP API: the org tree, schools and the token keys (JWKS). Thin: parse, call a handler, return."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from edu_shared.auth.permissions import Permission
from edu_shared.auth.principal import ScopeType
from edu_shared.errors import NotFound
from edu_shared.web.app import CurrentUser
from identity.bootstrap import IdentityService
from identity.domain.org import OrgUnit, School
from identity.entrypoints.schemas import OrgUnitCreate, OrgUnitRead, SchoolCreate, SchoolRead
from identity.service_layer import handlers

router = APIRouter()


def service_of(request: Request) -> IdentityService:
    service: IdentityService = request.app.state.service
    return service


ServiceDep = Annotated[IdentityService, Depends(service_of)]


def _unit_read(unit: OrgUnit) -> OrgUnitRead:
    return OrgUnitRead(id=unit.id, code=unit.code, name=unit.name, kind=unit.kind, parent_id=unit.parent_id)


def _school_read(school: School) -> SchoolRead:
    return SchoolRead(
        id=school.id,
        org_unit_id=school.org_unit_id,
        moet_code=school.moet_code,
        name=school.name,
        levels=list(school.levels),
    )


@router.get("/.well-known/jwks.json", tags=["auth"], summary="Khóa công khai kiểm tra mã xác thực (JWKS)")
async def jwks(service: ServiceDep) -> dict[str, Any]:
    """Public keys every service verifies access tokens with; old keys stay until their tokens expire."""
    return service.keys.jwks()


@router.get("/org-units", tags=["org"], summary="Danh sách đơn vị quản lý")
async def list_org_units(service: ServiceDep) -> list[OrgUnitRead]:
    """The org tree (public: names and codes of education units are public information)."""
    async with service.uow() as uow:
        return [_unit_read(u) for u in await uow.org.list_units()]


@router.post("/org-units", tags=["org"], status_code=status.HTTP_201_CREATED, summary="Thêm đơn vị quản lý")
async def create_org_unit(body: OrgUnitCreate, user: CurrentUser, service: ServiceDep) -> OrgUnitRead:
    """Add a unit under `parent_id` (the caller must manage the parent's scope)."""
    scope = (ScopeType.ORG_UNIT, body.parent_id) if body.parent_id else (ScopeType.PROVINCE, "province")
    await service.authorize(user, Permission.ORG_MANAGE, scope)
    unit = await handlers.register_org_unit(
        handlers.RegisterOrgUnit(
            code=body.code, name=body.name, kind=body.kind, parent_id=body.parent_id, actor=user.sub
        ),
        service.uow(),
    )
    return _unit_read(unit)


@router.get("/schools", tags=["org"], summary="Danh sách trường")
async def list_schools(
    service: ServiceDep, org_unit_id: Annotated[str | None, Query(description="Lọc theo đơn vị quản lý")] = None
) -> list[SchoolRead]:
    """Schools of the province, optionally of one unit."""
    async with service.uow() as uow:
        return [_school_read(s) for s in await uow.org.list_schools(org_unit_id=org_unit_id)]


@router.get("/schools/{school_id}", tags=["org"], summary="Thông tin một trường")
async def get_school(school_id: str, service: ServiceDep) -> SchoolRead:
    async with service.uow() as uow:
        school = await uow.org.get_school(school_id)
    if school is None:
        raise NotFound(f"Không có trường với mã định danh {school_id}.", field="school_id", value=school_id)
    return _school_read(school)


@router.post("/schools", tags=["org"], status_code=status.HTTP_201_CREATED, summary="Thêm trường")
async def create_school(body: SchoolCreate, user: CurrentUser, service: ServiceDep) -> SchoolRead:
    """Register a school under an org unit the caller manages."""
    await service.authorize(user, Permission.ORG_MANAGE, (ScopeType.ORG_UNIT, body.org_unit_id))
    school = await handlers.register_school(
        handlers.RegisterSchool(
            org_unit_id=body.org_unit_id,
            moet_code=body.moet_code,
            name=body.name,
            levels=tuple(body.levels),
            actor=user.sub,
        ),
        service.uow(),
    )
    return _school_read(school)
