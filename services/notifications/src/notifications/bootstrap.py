"""Where settings choose the notifications's adapters; builds the runtime, its consumers and the FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.directory import DirectoryResolver
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from notifications.adapters import orm
from notifications.config import NotificationsSettings
from notifications.service_layer.uow import NotificationsUnitOfWork

NAME = "notifications"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(
    settings: NotificationsSettings | None = None, *, bus: EventBus | None = None
) -> DirectoryService[NotificationsUnitOfWork]:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    return DirectoryService(
        runtime=runtime,
        uow_class=NotificationsUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
    )


def create_app(service: DirectoryService[NotificationsUnitOfWork], *, manage_lifespan: bool = True) -> FastAPI:
    from notifications.entrypoints.api import router

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Sổ liên lạc điện tử",
        description=(
            "Sổ liên lạc điện tử: kết quả học tập, chuyên cần, thông báo tới phụ huynh (ứng dụng, email, SMS)."
        ),
        routers=[router],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
