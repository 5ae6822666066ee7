"""Where settings choose the signing's adapters; builds the runtime, its consumers and the FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.directory import DirectoryResolver
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from signing.adapters import orm
from signing.config import SigningSettings
from signing.service_layer.uow import SigningUnitOfWork

NAME = "signing"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(
    settings: SigningSettings | None = None, *, bus: EventBus | None = None
) -> DirectoryService[SigningUnitOfWork]:
    settings = settings or SigningSettings()
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    return DirectoryService(
        runtime=runtime,
        uow_class=SigningUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
    )


def create_app(service: DirectoryService[SigningUnitOfWork], *, manage_lifespan: bool = True) -> FastAPI:
    from signing.entrypoints.api import router

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Ký số",
        description="Ký số nhiều bên theo thứ tự (GVBM → GVCN → Hiệu trưởng → con dấu), PKCS#11 và ký từ xa.",
        routers=[router],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
