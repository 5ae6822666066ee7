"""Where settings choose the transcript's adapters; builds the runtime, its consumers and the FastAPI app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.contracts.gradebook import TOPIC as GRADEBOOK_TOPIC
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.db.uow import idempotent_handler
from edu_shared.directory import DirectoryResolver
from edu_shared.events.envelope import CloudEvent
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from transcript.adapters import orm
from transcript.config import TranscriptSettings
from transcript.entrypoints.events_consumer import apply_transcript_event
from transcript.service_layer.uow import TranscriptUnitOfWork

NAME = "transcript"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class TranscriptService(DirectoryService[TranscriptUnitOfWork]):
    """The org directory (inherited) plus the projections transcripts are drafted from."""

    public_base_url: str = "http://localhost:8000"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.runtime.subscribe(
            group="drafts",
            topics=[IDENTITY_TOPIC, GRADEBOOK_TOPIC],
            handler=idempotent_handler(group=f"{self.runtime.name}.drafts", uow=self.uow, apply=self._apply),
        )

    async def _apply(self, uow: TranscriptUnitOfWork, event: CloudEvent) -> None:
        await apply_transcript_event(uow, event)


def build(settings: TranscriptSettings | None = None, *, bus: EventBus | None = None) -> TranscriptService:
    settings = settings or TranscriptSettings()
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    return TranscriptService(
        runtime=runtime,
        uow_class=TranscriptUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
        public_base_url=settings.public_base_url,
    )


def create_app(service: TranscriptService, *, manage_lifespan: bool = True) -> FastAPI:
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
