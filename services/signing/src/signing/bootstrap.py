"""Where settings choose the signing's adapters; builds the runtime, its consumers and jobs, and the FastAPI app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.contracts.identity_accounts import AccountCreated, AccountDisabled
from edu_shared.contracts.identity_people import StaffProfileChanged, StaffRegistered
from edu_shared.contracts.signing import TOPIC as SIGNING_TOPIC
from edu_shared.contracts.signing import SigningRequested
from edu_shared.db.uow import idempotent_handler
from edu_shared.directory import DirectoryResolver
from edu_shared.events.envelope import CloudEvent
from edu_shared.events.registry import parse_payload
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from signing.adapters import orm
from signing.config import SigningSettings
from signing.domain.credentials import Credential
from signing.domain.ports import SignerBackend
from signing.service_layer.batches import BatchKeys, run_batches
from signing.service_layer.context import SigningContext
from signing.service_layer.reminders import send_due_reminders
from signing.service_layer.requests import accept_requested_event
from signing.service_layer.uow import SigningUnitOfWork
from signing.service_layer.verification import DocumentVerifier

NAME = "signing"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
REQUESTED = SigningRequested.event_meta().type
PEOPLE_TYPES = frozenset(
    t.event_meta().type for t in (StaffRegistered, StaffProfileChanged, AccountCreated, AccountDisabled)
)


@dataclass
class SigningService(DirectoryService[SigningUnitOfWork]):
    """The org directory (inherited), the staff/account projection, signing requests, their keys and jobs."""

    settings: SigningSettings = field(default_factory=SigningSettings)
    backends: Mapping[str, SignerBackend] = field(default_factory=dict)
    batch_keys: BatchKeys = field(default_factory=BatchKeys)
    verifier: DocumentVerifier | None = None

    @property
    def context(self) -> SigningContext:
        """The object store, the signer backends and the workflow settings the use cases need."""
        s = self.settings
        return SigningContext(
            store=self.runtime.object_store,
            backends=self.backends,
            level=s.pades_level,
            retention_years=s.archive_retention_years,
            configured={
                owner: Credential(owner=owner, backend=c.backend, credential_id=c.credential_id, label=c.label)
                for owner, c in s.credentials.items()
            },
        )

    def __post_init__(self) -> None:
        super().__post_init__()
        rt = self.runtime
        rt.subscribe(
            group="requests",
            topics=[SIGNING_TOPIC],
            handler=idempotent_handler(group=f"{rt.name}.requests", uow=self.uow, apply=self._apply_requested),
        )
        rt.subscribe(
            group="people",
            topics=[IDENTITY_TOPIC],
            handler=idempotent_handler(group=f"{rt.name}.people", uow=self.uow, apply=self._apply_people),
        )
        rt.every(self.settings.batch_poll_s, self._batches_job, name="batches")
        rt.every(self.settings.reminder_check_s, self._reminders_job, name="reminders")

    async def _apply_requested(self, uow: SigningUnitOfWork, event: CloudEvent) -> None:
        if event.type != REQUESTED:
            return  # our own outcomes share the topic
        payload = parse_payload(event.type, event.data)
        assert isinstance(payload, SigningRequested)
        await accept_requested_event(payload, uow, store=self.runtime.object_store)

    async def _apply_people(self, uow: SigningUnitOfWork, event: CloudEvent) -> None:
        if event.type in PEOPLE_TYPES:
            await uow.people.apply(parse_payload(event.type, event.data))

    async def _batches_job(self) -> None:
        await self.run_batches()

    async def _reminders_job(self) -> None:
        await self.send_reminders()

    async def run_batches(self) -> int:
        """Sign the queued batches of this process (the periodic job; tests call it directly too)."""
        return await run_batches(self.uow, ctx=self.context, keys=self.batch_keys)

    async def send_reminders(self) -> int:
        """Emit `SigningReminderDue` for steps waiting longer than the settings allow."""
        return await send_due_reminders(self.uow(), after=timedelta(days=self.settings.reminder_after_days))


def build(
    settings: SigningSettings | None = None,
    *,
    bus: EventBus | None = None,
    backends: Mapping[str, SignerBackend] | None = None,
    verifier: DocumentVerifier | None = None,
) -> SigningService:
    settings = settings or SigningSettings()
    if backends is None or verifier is None:
        from signing.adapters.keys.registry import backends_from_settings, trust_from_settings
        from signing.adapters.verification import Verifier

        # Settings choose the key stores and trust anchors unless the caller (a test) brings its own.
        trust = trust_from_settings(settings)
        backends = backends_from_settings(settings, trust) if backends is None else backends
        verifier = (Verifier(trust) if settings.trust.trust_roots else None) if verifier is None else verifier
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    return SigningService(
        runtime=runtime,
        uow_class=SigningUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
        settings=settings,
        backends=dict(backends or {}),
        verifier=verifier,
    )


def create_app(service: SigningService, *, manage_lifespan: bool = True) -> FastAPI:
    from edu_shared.web.audit_api import audit_router
    from signing.entrypoints.api import router
    from signing.entrypoints.verify_api import router as verify_router

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Ký số",
        description="Ký số nhiều bên theo thứ tự (GVBM → GVCN → Hiệu trưởng → con dấu), PKCS#11 và ký từ xa.",
        routers=[router, verify_router, audit_router(orm.audit)],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
