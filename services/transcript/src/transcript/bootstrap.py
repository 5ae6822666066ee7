"""Where settings choose the transcript's adapters; builds the runtime, its consumers and the FastAPI app."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.contracts.gradebook import TOPIC as GRADEBOOK_TOPIC
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.contracts.signing import TOPIC as SIGNING_TOPIC
from edu_shared.db.uow import idempotent_handler
from edu_shared.directory import DirectoryResolver
from edu_shared.events.envelope import CloudEvent
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from transcript.adapters import orm
from transcript.adapters.signature_check import HttpSignatureVerifier, LocalSignatureVerifier, SignatureVerifier
from transcript.config import TranscriptSettings
from transcript.domain.batch import Job
from transcript.entrypoints.events_consumer import apply_transcript_event
from transcript.service_layer.batch import Progress, run_job
from transcript.service_layer.lifecycle import apply_signing_event
from transcript.service_layer.uow import TranscriptUnitOfWork

NAME = "transcript"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class TranscriptService(DirectoryService[TranscriptUnitOfWork]):
    """The org directory (inherited), the projections transcripts are drafted from, the signing outcomes they
    follow, and the batch jobs running in this process."""

    public_base_url: str = "http://localhost:8000"
    verifier: SignatureVerifier | None = None
    running_jobs: dict[str, asyncio.Task[Job]] = field(default_factory=dict)
    # Called after every item of every job this process runs (progress reporting; tests interrupt jobs with it).
    job_progress: Progress | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.runtime.subscribe(
            group="drafts",
            topics=[IDENTITY_TOPIC, GRADEBOOK_TOPIC],
            handler=idempotent_handler(group=f"{self.runtime.name}.drafts", uow=self.uow, apply=self._apply),
        )
        self.runtime.subscribe(
            group="signing",
            topics=[SIGNING_TOPIC],
            handler=idempotent_handler(group=f"{self.runtime.name}.signing", uow=self.uow, apply=apply_signing_event),
        )
        # A job interrupted by a restart goes on where it stopped.
        self.runtime.startup_hooks.append(self.resume_jobs)

    async def _apply(self, uow: TranscriptUnitOfWork, event: CloudEvent) -> None:
        await apply_transcript_event(uow, event)

    def start_job(self, job_id: str, *, on_progress: Progress | None = None) -> asyncio.Task[Job]:
        """Run the job in the background (once per process: a job already running keeps its task)."""
        task = self.running_jobs.get(job_id)
        if task is None or task.done():
            task = asyncio.create_task(
                run_job(
                    job_id,
                    self.uow,
                    store=self.runtime.object_store,
                    base_url=self.public_base_url,
                    on_progress=on_progress or self.job_progress,
                ),
                name=f"transcript-job-{job_id}",
            )
            self.running_jobs[job_id] = task
        return task

    async def resume_jobs(self) -> None:
        """Start every job left running (by a crash or a restart)."""
        async with self.uow() as uow:
            unfinished = await uow.jobs.running()
        for job_id in unfinished:
            self.start_job(job_id)

    async def stop_jobs(self) -> None:
        """Cancel the jobs of this process; they resume at the next start."""
        tasks = list(self.running_jobs.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.running_jobs.clear()


def build(settings: TranscriptSettings | None = None, *, bus: EventBus | None = None) -> TranscriptService:
    settings = settings or TranscriptSettings()
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    verifier: SignatureVerifier
    if settings.trust_roots:
        verifier = LocalSignatureVerifier.from_pem([p.read_bytes() for p in settings.trust_roots])
    else:
        verifier = HttpSignatureVerifier(settings.signing_verify_url)
    return TranscriptService(
        runtime=runtime,
        uow_class=TranscriptUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
        public_base_url=settings.public_base_url,
        verifier=verifier,
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
