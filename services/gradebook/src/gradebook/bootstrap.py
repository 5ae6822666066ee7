"""Where settings choose the gradebook's adapters; builds the runtime, its consumers and the FastAPI app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.db.uow import idempotent_handler
from edu_shared.directory import DirectoryResolver
from edu_shared.events.envelope import CloudEvent
from edu_shared.objectstore.port import ObjectStore
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

    evidence_retention: timedelta = timedelta(days=3653)

    @property
    def evidence_store(self) -> ObjectStore:
        """Where correction evidence files go: the runtime's object store (filesystem or MinIO, from settings)."""
        return self.runtime.object_store

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
        evidence_retention=timedelta(days=settings.evidence_retention_days),
    )


def create_app(service: GradebookService, *, manage_lifespan: bool = True) -> FastAPI:
    from edu_shared.web.audit_api import audit_router
    from gradebook.entrypoints.api import router
    from gradebook.entrypoints.calendar_api import router as calendar_router
    from gradebook.entrypoints.comments_api import router as comments_router
    from gradebook.entrypoints.exchange_api import router as exchange_router
    from gradebook.entrypoints.print_api import router as print_router
    from gradebook.entrypoints.records_api import router as records_router
    from gradebook.entrypoints.results_api import router as results_router

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Sổ điểm điện tử",
        description="Sổ gọi tên và ghi điểm: điểm, chuyên cần, rèn luyện, khóa sổ, sửa điểm có phê duyệt, lưu vết.",
        routers=[
            router,
            audit_router(orm.audit),
            print_router,
            exchange_router,
            calendar_router,
            results_router,
            comments_router,
            records_router,
        ],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
