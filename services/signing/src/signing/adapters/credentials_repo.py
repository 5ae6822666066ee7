"""The credential registry in SQL: owner (staff member or school seal) → backend and credential id."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from signing.adapters import orm
from signing.domain.credentials import Credential


class CredentialRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, owner: str) -> Credential | None:
        t = orm.credentials
        row = (await self.session.execute(sa.select(t).where(t.c.owner == owner))).first()
        if row is None:
            return None
        return Credential(owner=row.owner, backend=row.backend, credential_id=row.credential_id, label=row.label)

    async def put(self, credential: Credential, *, school_id: str, by: str, at: datetime) -> Credential | None:
        """Register or replace; returns the credential it replaced."""
        before = await self.get(credential.owner)
        t = orm.credentials
        values = {
            "backend": credential.backend,
            "credential_id": credential.credential_id,
            "label": credential.label,
            "school_id": school_id,
            "updated_by": by,
            "updated_at": at,
        }
        if before is None:
            await self.session.execute(sa.insert(t).values(owner=credential.owner, **values))
        else:
            await self.session.execute(sa.update(t).where(t.c.owner == credential.owner).values(**values))
        return before

    async def of_school(self, school_id: str) -> list[Credential]:
        t = orm.credentials
        rows = await self.session.execute(sa.select(t).where(t.c.school_id == school_id).order_by(t.c.owner))
        return [
            Credential(owner=r.owner, backend=r.backend, credential_id=r.credential_id, label=r.label) for r in rows
        ]
