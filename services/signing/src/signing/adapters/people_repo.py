"""The staff and account projection of identity events: which staff member an access token's account is."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.contracts.identity_accounts import AccountCreated, AccountDisabled, PersonKind
from edu_shared.contracts.identity_people import StaffProfileChanged, StaffRegistered
from signing.adapters import orm


async def _upsert(
    session: AsyncSession, table: sa.Table, where: sa.ColumnElement[bool], values: dict[str, object]
) -> None:
    updated = await session.execute(sa.update(table).where(where).values(**values))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(table).values(**values))


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def apply(self, payload: object) -> None:
        """Upsert the projection from one identity payload (others are ignored)."""
        if isinstance(payload, StaffRegistered | StaffProfileChanged):
            t = orm.staff
            await _upsert(
                self.session,
                t,
                t.c.staff_id == payload.staff_id,
                {
                    "staff_id": payload.staff_id,
                    "school_id": payload.school_id,
                    "full_name": payload.full_name,
                    "status": payload.status,
                },
            )
        elif isinstance(payload, AccountCreated):
            if payload.person_kind != PersonKind.STAFF or payload.person_id is None:
                return
            t = orm.accounts
            await _upsert(
                self.session,
                t,
                t.c.account_id == payload.account_id,
                {
                    "account_id": payload.account_id,
                    "staff_id": payload.person_id,
                    "username": payload.username,
                    "disabled": False,
                },
            )
        elif isinstance(payload, AccountDisabled):
            t = orm.accounts
            await self.session.execute(sa.update(t).where(t.c.account_id == payload.account_id).values(disabled=True))

    async def staff_of(self, account_id: str) -> tuple[str, str] | None:
        """(staff id, full name) of an enabled account's staff member, if identity linked one."""
        a, s = orm.accounts, orm.staff
        row = (
            await self.session.execute(
                sa.select(a.c.staff_id, s.c.full_name)
                .select_from(a.outerjoin(s, s.c.staff_id == a.c.staff_id))
                .where(a.c.account_id == account_id, a.c.disabled.is_(False))
            )
        ).first()
        if row is None:
            return None
        return str(row.staff_id), str(row.full_name or "")
