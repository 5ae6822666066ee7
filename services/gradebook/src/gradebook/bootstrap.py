"""Where settings choose the gradebook's adapters; builds the runtime, its consumers and the FastAPI app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.db.uow import idempotent_handler
from edu_shared.directory import DirectoryResolver
from edu_shared.events.envelope import CloudEvent
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from gradebook.adapters import orm
from gradebook.config import GradebookSettings
from gradebook.entrypoints.roster_consumer import apply_roster_event
from gradebook.service_layer.uow import GradebookUnitOfWork

NAME = "gradebook"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class GradebookService(DirectoryService[GradebookUnitOfWork]):
    """The org directory (inherited) plus the class rosters score sheets are built on."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.runtime.subscribe(
            group="roster",
            topics=[IDENTITY_TOPIC],
            handler=idempotent_handler(group=f"{self.runtime.name}.roster", uow=self.uow, apply=self._apply_roster),
        )

    async def _apply_roster(self, uow: GradebookUnitOfWork, event: CloudEvent) -> None:
        await apply_roster_event(uow.session, event)


def build(settings: GradebookSettings | None = None, *, bus: EventBus | None = None) -> GradebookService:
    settings = settings or GradebookSettings()
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    return GradebookService(
        runtime=runtime,
        uow_class=GradebookUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
    )


def create_app(service: GradebookService, *, manage_lifespan: bool = True) -> FastAPI:
    from gradebook.entrypoints.api import router

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Sổ điểm điện tử",
        description="Sổ gọi tên và ghi điểm: điểm, chuyên cần, rèn luyện, khóa sổ, sửa điểm có phê duyệt, lưu vết.",
        routers=[router],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
