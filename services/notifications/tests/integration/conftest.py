"""The `world` fixture: the notifications service on SQLite, and on the real PostgreSQL server in CI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edu_shared.testing.servers import RealServers
from notifications.testing import World, notifications_on


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def world(backend: str, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[World]:
    async with notifications_on(backend, tmp_path, real_servers.postgres_url) as w:
        yield w
