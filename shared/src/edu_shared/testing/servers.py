"""Locations of the real servers (PostgreSQL, Kafka, MinIO) that `scripts/servers.sh up` starts for tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import pytest

_HINT = "start the real servers first: `bash scripts/servers.sh up && . var/servers/env.sh` (or run `make test`)"


def _need(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        pytest.fail(f"{name} is not set: {_HINT}", pytrace=False)
    return value


@dataclass(frozen=True)
class S3Location:
    endpoint: str
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class RealServers:
    """Addresses read lazily, so a unit-test run never needs the servers."""

    env: Mapping[str, str]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RealServers:
        return cls(env=dict(env))

    @property
    def postgres_url(self) -> str:
        return _need(self.env, "EDU_TEST_POSTGRES_URL")

    @property
    def kafka_bootstrap(self) -> str:
        return _need(self.env, "EDU_TEST_KAFKA_BOOTSTRAP")

    @property
    def s3(self) -> S3Location:
        return S3Location(
            endpoint=_need(self.env, "EDU_TEST_S3_ENDPOINT"),
            access_key=_need(self.env, "EDU_TEST_S3_ACCESS_KEY"),
            secret_key=_need(self.env, "EDU_TEST_S3_SECRET_KEY"),
        )


def asyncpg_sqlalchemy_url(libpq_url: str) -> str:
    """postgresql://… → postgresql+asyncpg://… for SQLAlchemy."""
    return libpq_url.replace("postgresql://", "postgresql+asyncpg://", 1)


@asynccontextmanager
async def fresh_postgres_database(server_url: str) -> AsyncIterator[str]:
    """Create an empty database for one test and drop it afterwards; yields its SQLAlchemy URL."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    try:
        yield asyncpg_sqlalchemy_url(f"{base}/{name}")
    finally:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
