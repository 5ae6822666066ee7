"""Reading, adding and revoking role grants (identity's role_grants table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.auth.principal import Role, ScopeType
from identity.adapters import orm


@dataclass(frozen=True)
class StoredGrant:
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


def _grant(row: Any) -> StoredGrant:
    return StoredGrant(
        id=row.id,
        account_id=row.account_id,
        role=Role(row.role),
        scope_type=ScopeType(row.scope_type),
        scope_id=row.scope_id,
        school_id=row.school_id,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        source=row.source,
        delegated_by=row.delegated_by,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


class GrantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, grant: StoredGrant) -> None:
        await self.session.execute(
            sa.insert(orm.role_grants).values(
                id=grant.id,
                account_id=grant.account_id,
                role=grant.role.value,
                scope_type=grant.scope_type.value,
                scope_id=grant.scope_id,
                school_id=grant.school_id,
                valid_from=grant.valid_from,
                valid_to=grant.valid_to,
                source=grant.source,
                delegated_by=grant.delegated_by,
                created_at=grant.created_at,
                created_by=grant.created_by,
            )
        )

    async def get(self, grant_id: str) -> StoredGrant | None:
        row = (await self.session.execute(sa.select(orm.role_grants).where(orm.role_grants.c.id == grant_id))).first()
        return _grant(row) if row else None

    async def of_account(self, account_id: str, *, include_revoked: bool = False) -> list[StoredGrant]:
        g = orm.role_grants
        query = sa.select(g).where(g.c.account_id == account_id).order_by(g.c.created_at)
        if not include_revoked:
            query = query.where(g.c.revoked_at.is_(None))
        return [_grant(r) for r in await self.session.execute(query)]

    async def same_active(self, account_id: str, role: Role, scope_type: ScopeType, scope_id: str) -> bool:
        g = orm.role_grants
        found = await self.session.scalar(
            sa.select(g.c.id).where(
                g.c.account_id == account_id,
                g.c.role == role.value,
                g.c.scope_type == scope_type.value,
                g.c.scope_id == scope_id,
                g.c.revoked_at.is_(None),
            )
        )
        return found is not None

    async def revoke(self, grant_id: str, *, actor: str, at: datetime) -> None:
        """Grants are never deleted: revocation is a stamp, so the audit can tell who held what, when."""
        g = orm.role_grants
        await self.session.execute(
            sa.update(g).where(g.c.id == grant_id, g.c.revoked_at.is_(None)).values(revoked_at=at, revoked_by=actor)
        )
