"""The `reporting` fixture: the service on SQLite, and on the real PostgreSQL server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edu_shared.testing.servers import RealServers
from reporting.testing import Reporting, reporting_on


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def reporting(backend: str, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Reporting]:
    async with reporting_on(backend, tmp_path, real_servers.postgres_url) as rp:
        yield rp
