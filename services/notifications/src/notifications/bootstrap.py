"""Where settings choose the notifications's adapters; builds the runtime, its consumers, jobs and the FastAPI app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from edu_shared.bus.port import EventBus
from edu_shared.contracts.gradebook import TOPIC as GRADEBOOK_TOPIC
from edu_shared.contracts.identity import TOPIC as IDENTITY_TOPIC
from edu_shared.contracts.signing import TOPIC as SIGNING_TOPIC
from edu_shared.contracts.transcript import TOPIC as TRANSCRIPT_TOPIC
from edu_shared.db.uow import idempotent_handler
from edu_shared.directory import DirectoryResolver
from edu_shared.events.envelope import CloudEvent
from edu_shared.runtime import ServiceRuntime
from edu_shared.service import DirectoryService
from edu_shared.web.app import create_service_app
from notifications.adapters import orm
from notifications.adapters.channels import BrandnameSms, ChannelGateway, KannelSms, SmtpEmail, ZaloZns
from notifications.config import NotificationsSettings
from notifications.entrypoints.contacts_consumer import apply_contact_event
from notifications.entrypoints.triggers_consumer import TriggerHandler
from notifications.service_layer.digest import send_digests
from notifications.service_layer.dispatch import Dispatcher
from notifications.service_layer.queueing import Delivery, Pricing, Queued
from notifications.service_layer.uow import NotificationsUnitOfWork

NAME = "notifications"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build_gateways(settings: NotificationsSettings) -> dict[str, ChannelGateway]:
    """One gateway per configured channel; the brandname API wins over Kannel when both are set."""
    gateways: dict[str, ChannelGateway] = {}
    if settings.kannel is not None:
        gateways["sms"] = KannelSms(settings.kannel)
    if settings.brandname is not None:
        gateways["sms"] = BrandnameSms(settings.brandname)
    if settings.zns is not None:
        gateways["zalo"] = ZaloZns(settings.zns)
    if settings.smtp is not None:
        gateways["email"] = SmtpEmail(settings.smtp)
    return gateways


@dataclass
class NotificationsService(DirectoryService[NotificationsUnitOfWork]):
    """The org directory (inherited), the contact book, the triggers and the dispatcher."""

    gateways: dict[str, ChannelGateway] = field(default_factory=dict)
    pricing: Pricing = Pricing()
    default_digest_hour: int = 18
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        super().__post_init__()
        self.delivery = Delivery(
            channels=frozenset({"inapp", *self.gateways}), pricing=self.pricing, clock=lambda: self.clock()
        )
        self.dispatcher = Dispatcher(
            uow=self.uow, gateways=self.gateways, pricing=self.pricing, now=lambda: self.clock()
        )
        self.runtime.subscribe(
            group="contacts",
            topics=[IDENTITY_TOPIC],
            handler=idempotent_handler(group=f"{self.runtime.name}.contacts", uow=self.uow, apply=self._apply_contact),
        )
        self.runtime.subscribe(
            group="triggers",
            topics=[GRADEBOOK_TOPIC, IDENTITY_TOPIC, TRANSCRIPT_TOPIC, SIGNING_TOPIC],
            handler=TriggerHandler(group=f"{self.runtime.name}.triggers", uow=self.uow, delivery=lambda: self.delivery),
        )

    async def _apply_contact(self, uow: NotificationsUnitOfWork, event: CloudEvent) -> None:
        await apply_contact_event(uow.session, event)

    async def dispatch(self) -> None:
        """The periodic job: send what is due."""
        await self.dispatcher.run_once()

    async def digests(self, now: datetime | None = None) -> Queued:
        """The periodic job: queue the score digests whose hour has come."""
        return await send_digests(
            self.uow, delivery=self.delivery, now=now or self.clock(), default_hour=self.default_digest_hour
        )

    async def close_gateways(self) -> None:
        for gateway in self.gateways.values():
            await gateway.close()


def build(
    settings: NotificationsSettings | None = None,
    *,
    bus: EventBus | None = None,
    gateways: dict[str, ChannelGateway] | None = None,
) -> NotificationsService:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime(name=NAME, settings=settings, messaging=orm.messaging, migrations_dir=MIGRATIONS, bus=bus)
    service = NotificationsService(
        runtime=runtime,
        uow_class=NotificationsUnitOfWork,
        directory=orm.directory,
        resolver=DirectoryResolver(runtime.sessions, orm.directory),
        gateways=gateways if gateways is not None else build_gateways(settings),
        pricing=Pricing(sms_segment_vnd=settings.sms_price_vnd, zns_vnd=settings.zns_price_vnd),
        default_digest_hour=settings.default_digest_hour,
    )
    service.dispatcher.batch = settings.dispatch_batch
    runtime.every(settings.dispatch_every_s, service.dispatch, name="dispatch")

    async def digests() -> None:
        await service.digests()

    runtime.every(settings.digest_every_s, digests, name="digests")
    return service


def create_app(service: NotificationsService, *, manage_lifespan: bool = True) -> FastAPI:
    from notifications.entrypoints.api import router

    app = create_service_app(
        runtime=service.runtime,
        title="EduRecords — Sổ liên lạc điện tử",
        description=(
            "Sổ liên lạc điện tử: kết quả học tập, chuyên cần, thông báo tới phụ huynh (ứng dụng, email, Zalo, SMS); "
            "tin nhắn hành chính theo nhóm danh bạ."
        ),
        routers=[router],
        manage_lifespan=manage_lifespan,
    )
    app.state.service = service
    return app
