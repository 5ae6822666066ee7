"""Writing many rows in one statement, on PostgreSQL and SQLite alike."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_many(
    session: AsyncSession, table: sa.Table, rows: Sequence[Mapping[str, object]], *, update: tuple[str, ...] = ()
) -> None:
    """Insert rows in one statement; with `update`, a row whose primary key exists replaces those columns.

    On PostgreSQL the rows travel as one array per column through unnest(): executemany made the server run one
    INSERT per row, most of the database time of a saved score sheet. SQLite runs in-process: executemany.
    """
    if not rows:
        return
    connection = await session.connection()
    names = tuple(rows[0])
    if connection.dialect.name == "postgresql" and all(r.keys() == rows[0].keys() for r in rows):
        await session.execute(
            _unnest_insert(table, names, update, connection.dialect), {n: [r[n] for r in rows] for n in names}
        )
        return
    statement: sa.Insert = sa.insert(table)
    if update:
        lite = sqlite.insert(table)
        key = list(table.primary_key.columns)
        statement = lite.on_conflict_do_update(index_elements=key, set_={c: lite.excluded[c] for c in update})
    await session.execute(statement, list(rows))


@functools.cache
def _unnest_insert(
    table: sa.Table, names: tuple[str, ...], update: tuple[str, ...], dialect: sa.Dialect
) -> sa.TextClause:
    """INSERT INTO table (names) SELECT * FROM unnest(one array per column) [ON CONFLICT (key) DO UPDATE]."""
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(f"CAST(:{n} AS {table.c[n].type.compile(dialect)}[])" for n in names)
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) SELECT * FROM unnest({arrays})"
    if update:
        key = ", ".join(quote(c.name) for c in table.primary_key.columns)
        sql += f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(f"{quote(n)} = EXCLUDED.{quote(n)}" for n in update)
    return sa.text(sql)
