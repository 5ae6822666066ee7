"""Where settings choose the transcript's adapters; builds the runtime, its consumers and the FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.directory import DirectoryResolver
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from transcript.adapters import orm
from transcript.config import TranscriptSettings
from transcript.service_layer.uow import TranscriptUnitOfWork

NAME = "transcript"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(
    settings: TranscriptSettings | None = None, *, bus: EventBus | None = None
) -> DirectoryService[TranscriptUnitOfWork]:
    settings = settings or TranscriptSettings()
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    return DirectoryService(
        runtime=runtime,
        uow_class=TranscriptUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
    )


def create_app(service: DirectoryService[TranscriptUnitOfWork], *, manage_lifespan: bool = True) -> FastAPI:
    from transcript.entrypoints.api import router

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Học bạ số",
        description="Học bạ số: tổng hợp từ sổ điểm, xuất PDF và XML, phiên bản, cấp phát, tra cứu xác thực.",
        routers=[router],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
