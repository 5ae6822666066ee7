"""Alembic per service: one `env.py` body for all services, and upgrade-to-head callable from async code."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import async_engine_from_config

# alembic's `context` is process-global: migrations of several services run one after the other.
_alembic_lock = threading.Lock()


def alembic_config(*, migrations_dir: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    return cfg


def _upgrade(migrations_dir: Path, url: str) -> None:
    with _alembic_lock:
        command.upgrade(alembic_config(migrations_dir=migrations_dir, url=url), "heads")


async def upgrade_to_head(*, migrations_dir: Path, url: str) -> None:
    """Apply every pending migration (runs alembic in a worker thread; its env.py starts its own loop)."""
    await asyncio.to_thread(_upgrade, migrations_dir, url)


def run_env(context: Any, target_metadata: sa.MetaData) -> None:
    """The body of every service's migrations/env.py: async engine, batch mode for SQLite ALTERs."""
    config = context.config
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: sa.Connection) -> None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = async_engine_from_config(
            config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=sa.pool.NullPool
        )
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())
