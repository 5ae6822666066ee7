"""Keeps each school's credential signing key (ES256), created on first use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from transcript.adapters import orm_lifecycle as lc


@dataclass(frozen=True)
class SchoolKey:
    school_id: str
    kid: str
    private_key_pem: str
    public_jwk: dict[str, Any]


class SchoolKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, school_id: str) -> SchoolKey | None:
        row = (
            await self.session.execute(sa.select(lc.school_keys).where(lc.school_keys.c.school_id == school_id))
        ).first()
        if row is None:
            return None
        return SchoolKey(row.school_id, row.kid, row.private_key_pem, json.loads(row.public_jwk))

    async def add(self, key: SchoolKey, *, at: datetime) -> None:
        await self.session.execute(
            sa.insert(lc.school_keys).values(
                school_id=key.school_id,
                kid=key.kid,
                private_key_pem=key.private_key_pem,
                public_jwk=json.dumps(key.public_jwk),
                created_at=at,
            )
        )
