"""Granting and revoking roles, and a principal's delegation to a vice principal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from edu_shared.auth.principal import CurrentUserClaims, Role, ScopeType
from edu_shared.contracts.identity_accounts import RoleGranted, RoleRevoked
from edu_shared.errors import Conflict, NotFound
from identity.adapters.audit import AuditEntry
from identity.adapters.grants_repo import StoredGrant
from identity.domain.grants import GrantRequest, check_grant
from identity.service_layer.uow import IdentityUnitOfWork


@dataclass(frozen=True)
class GrantRole:
    account_id: str
    request: GrantRequest
    granter: CurrentUserClaims
    school_id: str | None  # the school the scope belongs to (resolved by the caller), for audit and events


@dataclass(frozen=True)
class RevokeGrant:
    grant_id: str
    actor: str


async def grant_role(cmd: GrantRole, uow: IdentityUnitOfWork) -> StoredGrant:
    """Give an account a role over a scope; the role must be one the granter may hand out."""
    check_grant(cmd.granter, cmd.request)
    req = cmd.request
    async with uow:
        account = await uow.accounts.get(cmd.account_id)
        if account is None:
            raise NotFound(
                f"Không có tài khoản với mã định danh {cmd.account_id}.", field="account_id", value=cmd.account_id
            )
        if account.disabled:
            raise Conflict(f"Tài khoản {account.username} đã bị vô hiệu hóa.", field="account_id", value=cmd.account_id)
        if req.delegation and not await uow.grants.same_active(
            account.id, Role.VICE_PRINCIPAL, ScopeType.SCHOOL, req.scope_id
        ):
            raise Conflict(
                f"Chỉ ủy quyền cho phó hiệu trưởng của trường; {account.username} không phải.",
                field="account_id",
                value=account.id,
            )
        if await uow.grants.same_active(account.id, req.role, req.scope_type, req.scope_id):
            raise Conflict(
                f"Tài khoản {account.username} đã có vai trò '{req.role.value}' trên phạm vi này.",
                field="role",
                value=req.role.value,
            )
        grant = StoredGrant(
            id=str(uuid.uuid4()),
            account_id=account.id,
            role=req.role,
            scope_type=req.scope_type,
            scope_id=req.scope_id,
            school_id=cmd.school_id,
            valid_from=req.valid_from,
            valid_to=req.valid_to,
            source="delegation" if req.delegation else "manual",
            delegated_by=cmd.granter.sub if req.delegation else None,
            created_at=datetime.now(UTC),
            created_by=cmd.granter.sub,
            revoked_at=None,
            revoked_by=None,
        )
        await uow.grants.add(grant)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.granter.sub,
                action="role.delegate" if req.delegation else "role.grant",
                target_type="account",
                target_id=account.id,
                school_id=cmd.school_id,
                new_value={
                    "grant_id": grant.id,
                    "role": req.role.value,
                    "scope": f"{req.scope_type.value}:{req.scope_id}",
                    "valid_from": req.valid_from.isoformat() if req.valid_from else None,
                    "valid_to": req.valid_to.isoformat() if req.valid_to else None,
                },
            )
        )
        uow.emit(
            RoleGranted(
                grant_id=grant.id,
                account_id=account.id,
                role=req.role.value,
                scope_type=req.scope_type.value,
                scope_id=req.scope_id,
                school_id=cmd.school_id,
                valid_from=req.valid_from,
                valid_to=req.valid_to,
                delegated_by=grant.delegated_by,
            ),
            partition_key=cmd.school_id or account.id,
            subject=f"accounts/{account.id}/grants/{grant.id}",
        )
        await uow.commit()
        return grant


async def revoke_grant(cmd: RevokeGrant, uow: IdentityUnitOfWork) -> StoredGrant:
    """Stamp a grant revoked (never deleted); access tokens carrying it expire within their short lifetime."""
    async with uow:
        grant = await uow.grants.get(cmd.grant_id)
        if grant is None:
            raise NotFound(
                f"Không có phân quyền với mã định danh {cmd.grant_id}.", field="grant_id", value=cmd.grant_id
            )
        if grant.revoked_at is not None:
            return grant
        now = datetime.now(UTC)
        await uow.grants.revoke(grant.id, actor=cmd.actor, at=now)
        await uow.audit.record(
            AuditEntry(
                actor=cmd.actor,
                action="role.revoke",
                target_type="account",
                target_id=grant.account_id,
                school_id=grant.school_id,
                old_value={
                    "grant_id": grant.id,
                    "role": grant.role.value,
                    "scope": f"{grant.scope_type.value}:{grant.scope_id}",
                },
            )
        )
        uow.emit(
            RoleRevoked(
                grant_id=grant.id, account_id=grant.account_id, role=grant.role.value, school_id=grant.school_id
            ),
            partition_key=grant.school_id or grant.account_id,
            subject=f"accounts/{grant.account_id}",
        )
        await uow.commit()
        revoked = await uow.grants.get(grant.id)
        assert revoked is not None
        return revoked


def scope_for_check(scope_type: ScopeType, scope_id: str) -> tuple[ScopeType, str]:
    """A province-wide grant is checked against the province itself."""
    return (ScopeType.PROVINCE, "province") if scope_type == ScopeType.PROVINCE else (scope_type, scope_id)
