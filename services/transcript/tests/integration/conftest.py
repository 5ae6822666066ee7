"""The `tr` fixture: the service on SQLite with the filesystem object store, and on the real PostgreSQL server
(with MinIO as its object store for the modules that set `uses_minio = True`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edu_shared.testing.servers import RealServers
from transcript.testing import Transcripts, minio_test_bucket, remove_minio_bucket, transcripts_on


def _minio(request: pytest.FixtureRequest) -> bool:
    return bool(getattr(request.module, "uses_minio", False))


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.minio], id="postgres")]
)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def tr(
    backend: str, tmp_path: Path, real_servers: RealServers, request: pytest.FixtureRequest
) -> AsyncIterator[Transcripts]:
    store = minio_test_bucket(real_servers.s3) if backend == "postgres" and _minio(request) else None
    try:
        async with transcripts_on(backend, tmp_path, real_servers.postgres_url, object_store=store) as tr:
            yield tr
    finally:
        if store is not None:
            await asyncio.to_thread(remove_minio_bucket, store)
