"""Where settings choose the reporting's adapters; builds the runtime, its consumers and the FastAPI app."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.contracts.gradebook import TOPIC as GRADEBOOK_TOPIC
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.db.uow import IdempotentHandler
from edu_shared.directory import DirectoryResolver
from edu_shared.objectstore.port import ObjectStore
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from reporting.adapters import orm
from reporting.config import ReportingSettings
from reporting.entrypoints.projection_consumer import ProjectionHandler, apply_event
from reporting.service_layer.projections import ReplayResult, replay
from reporting.service_layer.uow import ReportingUnitOfWork

NAME = "reporting"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
# Identity first: a replay applies classes and students before the scores and results that name them.
PROJECTED_TOPICS = (IDENTITY_TOPIC, GRADEBOOK_TOPIC)
PROJECTIONS_GROUP = "projections"


@dataclass
class ReportingService(DirectoryService[ReportingUnitOfWork]):
    """The org directory (inherited) plus the report projections and the export jobs running in the background."""

    jobs: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def projections_group(self) -> str:
        """The consumer group (and inbox group) of the projections: `reporting.projections`."""
        return f"{self.runtime.name}.{PROJECTIONS_GROUP}"

    @property
    def object_store(self) -> ObjectStore:
        """Where finished exports go (filesystem or MinIO, from settings)."""
        return self.runtime.object_store

    def __post_init__(self) -> None:
        super().__post_init__()
        self.projections: IdempotentHandler[ReportingUnitOfWork] = ProjectionHandler(
            group=self.projections_group, uow=self.uow, apply=apply_event
        )
        self.runtime.subscribe(group=PROJECTIONS_GROUP, topics=list(PROJECTED_TOPICS), handler=self.projections)

    async def replay(self) -> ReplayResult:
        """Rebuild the projections (and refill the org directory) from the retained log of both topics."""
        directory = [
            sub.handler
            for sub in self.runtime.subscriptions
            if sub.group.endswith(".directory") and isinstance(sub.handler, IdempotentHandler)
        ]
        return await replay(
            bus=self.runtime.bus,
            uow=self.uow,
            handler=self.projections,
            topics=PROJECTED_TOPICS,
            group=self.projections_group,
            alongside={IDENTITY_TOPIC: directory},
        )

    def in_background(self, job: Coroutine[Any, Any, None]) -> None:
        """Run a job after the request that started it returned; kept referenced until it ends."""
        task = asyncio.create_task(job)
        self.jobs.add(task)
        task.add_done_callback(self.jobs.discard)


def build(settings: ReportingSettings | None = None, *, bus: EventBus | None = None) -> ReportingService:
    settings = settings or ReportingSettings()
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    return ReportingService(
        runtime=runtime,
        uow_class=ReportingUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
    )


def create_app(service: ReportingService, *, manage_lifespan: bool = True) -> FastAPI:
    from reporting.entrypoints.api import router
    from reporting.entrypoints.exports_api import router as exports_router
    from reporting.entrypoints.external_api import router as external_router

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Báo cáo",
        description="Báo cáo cho trường, xã/phường và Sở GDĐT: thống kê, chất lượng, tiến độ nhập điểm.",
        routers=[router, exports_router, external_router],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
