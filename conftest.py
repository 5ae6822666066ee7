"""Repository-wide pytest fixtures: where the real servers started by scripts/servers.sh live.

Integration tests never skip for a missing server: `make test` starts PostgreSQL, Kafka and MinIO and exports
their addresses; a test that needs one and does not find it fails with the command that fixes it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from edu_shared.testing.servers import RealServers, S3Location, fresh_postgres_database


@pytest.fixture(scope="session")
def real_servers() -> RealServers:
    return RealServers.from_env(os.environ)


@pytest.fixture
def postgres_url(real_servers: RealServers) -> str:
    """Base URL of the real PostgreSQL server (the `postgres` maintenance database)."""
    return real_servers.postgres_url


@pytest.fixture
async def postgres_db_url(real_servers: RealServers) -> AsyncIterator[str]:
    """An asyncpg SQLAlchemy URL of a brand-new database, dropped after the test."""
    async with fresh_postgres_database(real_servers.postgres_url) as url:
        yield url


@pytest.fixture
def kafka_bootstrap(real_servers: RealServers) -> str:
    return real_servers.kafka_bootstrap


@pytest.fixture
def unique_name() -> str:
    """A short unique suffix so tests never collide on topics, buckets or groups."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def s3_location(real_servers: RealServers) -> S3Location:
    return real_servers.s3
