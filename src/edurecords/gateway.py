"""Embedded mode: all six services in one process behind one port (`/api/<service>/…`), one embedded bus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from edu_shared.auth.verify import TokenVerifier
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edurecords.demo import seed_demo
from edurecords.demo_gradebook import seed_demo_gradebook
from edurecords.demo_signing import with_dev_signing
from edurecords.portal import mount_portal
from edurecords.services import SERVICES, BuiltService, build_service
from signing.config import SigningSettings

log = logging.getLogger(__name__)


def build_embedded(*, data_dir: Path, demo: bool = False) -> tuple[EmbeddedBus, list[BuiltService]]:
    """Every service on its own SQLite file in `data_dir`, sharing one embedded bus and identity's keys."""
    data_dir = data_dir.resolve()
    bus = EmbeddedBus(EmbeddedBusSettings(path=data_dir / "bus.db"))
    built = []
    for name, spec in SERVICES.items():
        settings = spec.settings_class(data_dir=data_dir)
        if demo and isinstance(settings, SigningSettings):
            # The demo's signers get development keys from a local PKI (ADR 0018); never in production.
            settings = with_dev_signing(settings)
        built.append(build_service(name, settings=settings, bus=bus, manage_lifespan=False))
    identity = built[0].handle
    for service in built[1:]:
        # In one process the other services read identity's public keys directly instead of over HTTP.
        service.runtime.verifier = TokenVerifier(identity.jwks)
    return bus, built


def create_embedded_app(*, data_dir: Path, demo: bool = True) -> FastAPI:
    bus, built = build_embedded(data_dir=data_dir, demo=demo)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await bus.start()
        started: list[BuiltService] = []
        try:
            for service in built:
                await service.runtime.start()
                started.append(service)
            gradebook_demo: asyncio.Task[int] | None = None
            if demo:
                if await seed_demo(built[0].handle):
                    log.info("demo data created")
                # The roster reaches the gradebook over the bus; its demo entries follow without delaying startup.
                gradebook = next(s.handle for s in built if s.spec.name == "gradebook")
                gradebook_demo = asyncio.create_task(seed_demo_gradebook(gradebook))
            yield
        finally:
            if gradebook_demo is not None and not gradebook_demo.done():
                gradebook_demo.cancel()
            for service in reversed(started):
                await service.runtime.stop()
            await bus.close()

    app = FastAPI(title="EduRecords", lifespan=lifespan, docs_url=None, redoc_url=None)
    for service in built:
        app.mount(f"/api/{service.spec.name}", service.app)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """Health of every service; 503 if any is not ok."""
        reports: dict[str, Any] = {s.spec.name: await s.runtime.health() for s in built}
        ok = all(r["status"] == "ok" for r in reports.values())
        return JSONResponse({"status": "ok" if ok else "degraded", "services": reports}, status_code=200 if ok else 503)

    @app.get("/services", response_class=HTMLResponse)
    async def services_index() -> str:
        links = "".join(
            f'<li><b>{s.app.title}</b> — <a href="/api/{s.spec.name}/docs">/api/{s.spec.name}/docs</a></li>'
            for s in built
        )
        return (
            "<!doctype html><html lang=vi><meta charset=utf-8><title>EduRecords</title>"
            "<h1>EduRecords — Hồ sơ điện tử trường học</h1>"
            "<p>Nền tảng đang chạy ở chế độ một máy (nhúng). Tình trạng: <a href=/healthz>/healthz</a></p>"
            f"<ul>{links}</ul></html>"
        )

    # Mounted last: the portal's static files answer every path the routes above do not claim.
    mount_portal(app)
    return app
