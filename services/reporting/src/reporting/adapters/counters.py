"""Deltas to aggregate tables, summed in memory during a unit of work and written in one upsert per table.

A run of 500 events that all add to the same few keys becomes a few multi-row `INSERT … ON CONFLICT DO UPDATE
SET n = n + excluded.n` statements at commit (PostgreSQL and SQLite both have that form).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Key = tuple[Any, ...]

# Rows per statement: bounded so PostgreSQL's 32,767 bind parameters are never reached.
_CHUNK = 2000


_KEYS: dict[str, tuple[str, ...]] = {}


def key_columns(table: sa.Table) -> tuple[str, ...]:
    """The primary key's column names, looked up once per table (this runs for every counted cell)."""
    found = _KEYS.get(table.name)
    if found is None:
        found = _KEYS[table.name] = tuple(c.name for c in table.primary_key.columns)
    return found


class CounterBuffer:
    """Pending +/- deltas per (table, key)."""

    def __init__(self) -> None:
        self._deltas: dict[sa.Table, dict[Key, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, table: sa.Table, n: int = 1, **key: Any) -> None:
        """Move the count under `key` by `n` (negative to take away)."""
        self._deltas[table][tuple(key[c] for c in key_columns(table))] += n

    def __bool__(self) -> bool:
        return any(any(d.values()) for d in self._deltas.values())

    async def flush(self, session: AsyncSession) -> None:
        """Write every non-zero delta; the buffer is empty afterwards."""
        dialect = (await session.connection()).dialect.name
        for table, deltas in self._deltas.items():
            columns = list(key_columns(table))
            rows = [{**dict(zip(columns, key, strict=True)), "n": n} for key, n in deltas.items() if n]
            for start in range(0, len(rows), _CHUNK):
                await session.execute(_increment(table, columns, dialect), rows[start : start + _CHUNK])
        self._deltas.clear()


def _increment(table: sa.Table, columns: list[str], dialect: str) -> Any:
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_update(index_elements=columns, set_={"n": table.c.n + insert.excluded.n})


async def upsert(session: AsyncSession, table: sa.Table, values: dict[str, Any]) -> None:
    """Insert a row, or replace its non-key columns when its primary key exists."""
    dialect = (await session.connection()).dialect.name
    await upsert_many(session, table, [values], dialect=dialect)


async def upsert_many(session: AsyncSession, table: sa.Table, rows: list[dict[str, Any]], *, dialect: str) -> None:
    """`upsert` for many rows with the same columns, in one statement per chunk."""
    if not rows:
        return
    keys = [c.name for c in table.primary_key.columns]
    for start in range(0, len(rows), _CHUNK):
        insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        others = [name for name in rows[0] if name not in keys]
        statement = (
            insert.on_conflict_do_update(index_elements=keys, set_={name: insert.excluded[name] for name in others})
            if others
            else insert.on_conflict_do_nothing(index_elements=keys)
        )
        await session.execute(statement, rows[start : start + _CHUNK])
