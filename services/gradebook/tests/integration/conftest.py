"""The `gradebook` fixture: the service on SQLite, and on the real PostgreSQL server in CI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edu_shared.testing.servers import RealServers, fresh_postgres_database
from gradebook.testing import Gradebook, running_gradebook


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def gradebook(
    request: pytest.FixtureRequest, tmp_path: Path, real_servers: RealServers
) -> AsyncIterator[Gradebook]:
    if request.param == "sqlite":
        async with running_gradebook(tmp_path) as gb:
            yield gb
    else:
        async with fresh_postgres_database(real_servers.postgres_url) as url, running_gradebook(tmp_path, url) as gb:
            yield gb
