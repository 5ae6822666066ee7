"""Async engines for SQLite (embedded) and PostgreSQL (distributed), chosen by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _prepare_sqlite(engine: AsyncEngine, *, immediate: bool, synchronous: str) -> None:
    """WAL for concurrent readers, a generous busy timeout, and SQLAlchemy-controlled transactions.

    pysqlite's own transaction handling is switched off so that BEGIN is emitted by us: IMMEDIATE where a
    transaction reads then writes (the bus), avoiding the SQLITE_BUSY upgrade deadlock between writers.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read-only connection (execution option `readonly`) never waits for the write lock: under WAL it reads
        # the last committed state while a consumer's long write transaction runs.
        readonly = conn.get_execution_options().get("readonly", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate and not readonly else "BEGIN")


def create_sqlite_engine(path: Path, *, immediate: bool = False, synchronous: str = "NORMAL") -> AsyncEngine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(sqlite_url(path))
    _prepare_sqlite(engine, immediate=immediate, synchronous=synchronous)
    return engine


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine for a service database URL (sqlite+aiosqlite:///… or postgresql+asyncpg://…)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        # Writers take the lock up front: a service transaction reads then writes (inbox check, then effect).
        _prepare_sqlite(engine, immediate=True, synchronous="NORMAL")
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
