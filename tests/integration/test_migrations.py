"""Every service's migrations build its whole schema, on SQLite and on PostgreSQL, with no drift from the models."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from edu_shared.db.engine import create_engine, sqlite_url
from edu_shared.db.migrations import upgrade_to_head
from edu_shared.testing.servers import RealServers, fresh_postgres_database
from edurecords.services import SERVICES, build_service


async def _check(name: str, url: str) -> None:
    built = build_service(name)
    await upgrade_to_head(migrations_dir=built.runtime.migrations_dir, url=url)
    await upgrade_to_head(migrations_dir=built.runtime.migrations_dir, url=url)  # idempotent
    metadata: sa.MetaData = built.runtime.messaging.outbox.metadata
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
            tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    finally:
        await engine.dispose()
        await built.runtime.engine.dispose()
    assert diff == [], f"{name}: models and migrations differ: {diff}"
    assert {"outbox", "inbox", "alembic_version"} <= tables


@pytest.mark.parametrize("name", list(SERVICES))
async def test_migrations_match_models_on_sqlite(name: str, tmp_path: Path) -> None:
    await _check(name, sqlite_url(tmp_path / f"{name}.db"))


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(SERVICES))
async def test_migrations_match_models_on_postgresql(name: str, real_servers: RealServers) -> None:
    async with fresh_postgres_database(real_servers.postgres_url) as url:
        await _check(name, url)
