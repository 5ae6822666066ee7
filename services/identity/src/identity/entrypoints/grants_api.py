"""Identity HTTP API: role grants (phân quyền) and a principal's delegation (ủy quyền)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field

from edu_shared.auth.permissions import Permission
from edu_shared.auth.principal import Role, ScopeType
from edu_shared.errors import NotFound
from edu_shared.web.app import CurrentUser
from identity.adapters.grants_repo import StoredGrant
from identity.bootstrap import IdentityService
from identity.domain.grants import GrantRequest, check_grant
from identity.service_layer import grants as handlers

router = APIRouter(tags=["grants"])


def service_of(request: Request) -> IdentityService:
    service: IdentityService = request.app.state.service
    return service


ServiceDep = Annotated[IdentityService, Depends(service_of)]


class GrantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    scope_type: ScopeType
    scope_id: str = Field(min_length=1, max_length=128)
    valid_from: date | None = None
    valid_to: date | None = None
    delegation: bool = Field(default=False, description="Ủy quyền của hiệu trưởng (có thời hạn)")


class GrantRead(BaseModel):
    id: str
    account_id: str
    role: Role
    scope_type: ScopeType
    scope_id: str
    school_id: str | None
    valid_from: date | None
    valid_to: date | None
    source: str
    delegated_by: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None


def _read(grant: StoredGrant) -> GrantRead:
    return GrantRead(**grant.__dict__)


async def _school_of(service: IdentityService, scope_type: ScopeType, scope_id: str) -> str | None:
    if scope_type in (ScopeType.PROVINCE, ScopeType.ORG_UNIT):
        return None
    return await service.resolver.school_of((scope_type, scope_id))


@router.get("/accounts/{account_id}/grants", summary="Các vai trò của một tài khoản")
async def list_grants(
    account_id: str, user: CurrentUser, service: ServiceDep, include_revoked: bool = False
) -> list[GrantRead]:
    """An account's grants (revoked ones on request); the caller must manage accounts over the account's place."""
    async with service.uow() as uow:
        account = await uow.accounts.get(account_id)
        if account is None:
            raise NotFound(f"Không có tài khoản với mã định danh {account_id}.", field="account_id", value=account_id)
        grants = await uow.grants.of_account(account_id, include_revoked=include_revoked)
    scope = (
        (ScopeType.SCHOOL, account.school_id)
        if account.school_id
        else (ScopeType.ORG_UNIT, account.org_unit_id)
        if account.org_unit_id
        else (ScopeType.PROVINCE, "province")
    )
    await service.authorize(user, Permission.ACCOUNT_MANAGE, scope)
    return [_read(g) for g in grants]


@router.post("/accounts/{account_id}/grants", status_code=status.HTTP_201_CREATED, summary="Giao vai trò / ủy quyền")
async def create_grant(account_id: str, body: GrantCreate, user: CurrentUser, service: ServiceDep) -> GrantRead:
    """Grant a role over a scope inside the caller's own scope; `delegation` lends a principal's role (bounded)."""
    await service.authorize(user, Permission.ACCOUNT_MANAGE, handlers.scope_for_check(body.scope_type, body.scope_id))
    grant = await handlers.grant_role(
        handlers.GrantRole(
            account_id=account_id,
            request=GrantRequest(
                role=body.role,
                scope_type=body.scope_type,
                scope_id=body.scope_id,
                valid_from=body.valid_from,
                valid_to=body.valid_to,
                delegation=body.delegation,
            ),
            granter=user,
            school_id=await _school_of(service, body.scope_type, body.scope_id),
        ),
        service.uow(),
    )
    return _read(grant)


@router.post("/grants/{grant_id}/revoke", summary="Thu hồi vai trò")
async def revoke(grant_id: str, user: CurrentUser, service: ServiceDep) -> GrantRead:
    """Revoke a grant the caller could have given (or their own delegation); it stays on record, stamped."""
    async with service.uow() as uow:
        grant = await uow.grants.get(grant_id)
    if grant is None:
        raise NotFound(f"Không có phân quyền với mã định danh {grant_id}.", field="grant_id", value=grant_id)
    await service.authorize(user, Permission.ACCOUNT_MANAGE, handlers.scope_for_check(grant.scope_type, grant.scope_id))
    if grant.delegated_by != user.sub:
        check_grant(
            user,
            GrantRequest(
                role=grant.role, scope_type=grant.scope_type, scope_id=grant.scope_id, valid_from=None, valid_to=None
            ),
        )
    return _read(await handlers.revoke_grant(handlers.RevokeGrant(grant_id=grant_id, actor=user.sub), service.uow()))
