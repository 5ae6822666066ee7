"""Keyset pages over the read models for the external API: ordered by (updated_at, key), after a cursor."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from edu_shared.errors import InvalidInput


def encode_cursor(updated_at: datetime, key: Sequence[str]) -> str:
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)
    raw = "\x1f".join([updated_at.isoformat(), *key])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, parts: int) -> tuple[datetime, list[str]]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, *key = raw.split("\x1f")
        if len(key) != parts:
            raise ValueError(cursor)
        return datetime.fromisoformat(at), key
    except ValueError as exc:
        raise InvalidInput(f"Con trỏ trang '{cursor}' không hợp lệ.", field="cursor", value=cursor) from exc


async def page(
    session: AsyncSession,
    query: sa.Select[Any],
    *,
    updated: sa.ColumnElement[Any],
    keys: Sequence[sa.ColumnElement[Any]],
    since: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    """Rows changed at or after `since`, after the cursor, `limit` of them, and the next cursor (None: the end)."""
    if since is not None:
        query = query.where(updated >= since)
    if cursor is not None:
        at, key = decode_cursor(cursor, parts=len(keys))
        query = query.where(sa.tuple_(updated, *keys) > sa.tuple_(sa.literal(at), *(sa.literal(k) for k in key)))
    rows = list(await session.execute(query.order_by(updated, *keys).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if not more or not rows:
        return rows, None
    last = rows[-1]
    return rows, encode_cursor(last.updated_at, [str(getattr(last, str(k.key))) for k in keys])
