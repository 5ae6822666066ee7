"""Where settings choose the reporting's adapters; builds the runtime, its consumers and the FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.directory import DirectoryResolver
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from reporting.adapters import orm
from reporting.config import ReportingSettings
from reporting.service_layer.uow import ReportingUnitOfWork

NAME = "reporting"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(
    settings: ReportingSettings | None = None, *, bus: EventBus | None = None
) -> DirectoryService[ReportingUnitOfWork]:
    settings = settings or ReportingSettings()
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    return DirectoryService(
        runtime=runtime,
        uow_class=ReportingUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
    )


def create_app(service: DirectoryService[ReportingUnitOfWork], *, manage_lifespan: bool = True) -> FastAPI:
    from reporting.entrypoints.api import router

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Báo cáo",
        description="Báo cáo cho trường, xã/phường và Sở GDĐT: thống kê, chất lượng, tiến độ nhập điểm.",
        routers=[router],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
