"""A service running in the test's own process: its migrated database, the embedded bus, an HTTP client and a
token issuer whose keys the service trusts. Every service's `testing` module builds its world on this."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import httpx
from fastapi import FastAPI

from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.runtime import ServiceRuntime
from edu_shared.testing.servers import fresh_postgres_database
from edu_shared.testing.tokens import TokenIssuer


class _HasRuntime(Protocol):
    runtime: ServiceRuntime


S = TypeVar("S", bound=_HasRuntime)


@dataclass
class InProcess(Generic[S]):
    service: S
    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer


@asynccontextmanager
async def serve_in_process(
    tmp_path: Path, *, name: str, build: Callable[[EmbeddedBus], S], create_app: Callable[..., FastAPI]
) -> AsyncIterator[InProcess[S]]:
    """Build the service on an embedded bus in `tmp_path`, start it, and yield it with a client of its app."""
    bus = EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
    service = build(bus)
    issuer = TokenIssuer()
    service.runtime.verifier = issuer.verifier()
    app = create_app(service, manage_lifespan=False)
    await bus.start()
    await service.runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}") as client:
            yield InProcess(service=service, app=app, client=client, issuer=issuer)
    finally:
        await service.runtime.stop()
        await bus.close()


@asynccontextmanager
async def database_for(backend: str, postgres_url: str) -> AsyncIterator[str | None]:
    """None (the service's SQLite file) for "sqlite"; the URL of a fresh PostgreSQL database for "postgres"."""
    if backend == "sqlite":
        yield None
        return
    if backend != "postgres":
        raise ValueError(f"unknown backend {backend!r}")
    async with fresh_postgres_database(postgres_url) as url:
        yield url
