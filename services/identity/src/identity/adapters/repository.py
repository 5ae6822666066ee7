"""Reading and writing the org tree and the token signing keys."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.auth.keys import KeySet, SigningKey
from edu_shared.contracts.identity import OrgUnitKind, SchoolLevel
from identity.adapters import orm
from identity.domain.org import OrgUnit, School


class OrgRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_unit(self, unit_id: str) -> OrgUnit | None:
        row = (await self.session.execute(sa.select(orm.org_units).where(orm.org_units.c.id == unit_id))).first()
        if row is None:
            return None
        return OrgUnit(id=row.id, parent_id=row.parent_id, code=row.code, name=row.name, kind=OrgUnitKind(row.kind))

    async def unit_code_taken(self, code: str) -> bool:
        return (
            await self.session.scalar(sa.select(orm.org_units.c.id).where(orm.org_units.c.code == code))
        ) is not None

    async def school_code_taken(self, moet_code: str) -> bool:
        return (
            await self.session.scalar(sa.select(orm.schools.c.id).where(orm.schools.c.moet_code == moet_code))
        ) is not None

    async def add_unit(self, unit: OrgUnit, *, actor: str) -> None:
        await self.session.execute(
            sa.insert(orm.org_units).values(
                id=unit.id,
                parent_id=unit.parent_id,
                code=unit.code,
                name=unit.name,
                kind=unit.kind.value,
                created_at=datetime.now(UTC),
                created_by=actor,
            )
        )

    async def add_school(self, school: School, *, actor: str) -> None:
        await self.session.execute(
            sa.insert(orm.schools).values(
                id=school.id,
                org_unit_id=school.org_unit_id,
                moet_code=school.moet_code,
                name=school.name,
                levels=",".join(level.value for level in school.levels),
                created_at=datetime.now(UTC),
                created_by=actor,
            )
        )

    async def list_units(self) -> list[OrgUnit]:
        rows = await self.session.execute(sa.select(orm.org_units).order_by(orm.org_units.c.code))
        return [
            OrgUnit(id=r.id, parent_id=r.parent_id, code=r.code, name=r.name, kind=OrgUnitKind(r.kind)) for r in rows
        ]

    async def list_schools(self, *, org_unit_id: str | None = None, school_id: str | None = None) -> list[School]:
        query = sa.select(orm.schools).order_by(orm.schools.c.name)
        if org_unit_id is not None:
            query = query.where(orm.schools.c.org_unit_id == org_unit_id)
        if school_id is not None:
            query = query.where(orm.schools.c.id == school_id)
        rows = await self.session.execute(query)
        return [
            School(
                id=r.id,
                org_unit_id=r.org_unit_id,
                moet_code=r.moet_code,
                name=r.name,
                levels=tuple(SchoolLevel(v) for v in r.levels.split(",")),
            )
            for r in rows
        ]

    async def get_school(self, school_id: str) -> School | None:
        found = await self.list_schools(school_id=school_id)
        return found[0] if found else None


class KeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self) -> KeySet:
        rows = await self.session.execute(sa.select(orm.signing_keys).order_by(orm.signing_keys.c.created_at.desc()))
        return KeySet(keys=[SigningKey(kid=r.kid, private_pem=r.private_pem, created_at=r.created_at) for r in rows])

    async def add(self, key: SigningKey) -> None:
        await self.session.execute(
            sa.insert(orm.signing_keys).values(kid=key.kid, private_pem=key.private_pem, created_at=key.created_at)
        )
