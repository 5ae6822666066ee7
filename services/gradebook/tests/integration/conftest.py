"""The `gradebook` fixture: the service on SQLite, and on the real PostgreSQL server in CI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edu_shared.testing.servers import RealServers
from gradebook.testing import Gradebook, gradebook_on


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The database a test's gradebook runs on; modules with a world of their own use it too."""
    name: str = request.param
    return name


@pytest.fixture
async def gradebook(backend: str, tmp_path: Path, real_servers: RealServers) -> AsyncIterator[Gradebook]:
    async with gradebook_on(backend, tmp_path, real_servers.postgres_url) as gb:
        yield gb
