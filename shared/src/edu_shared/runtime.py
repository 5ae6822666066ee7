"""A running service: its engine, bus, outbox relay, consumers and object store, started and stopped together.

`bootstrap.py` of each service builds one from its settings; this module is where settings pick adapters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from edu_shared.auth.verify import JwksFetcher, TokenVerifier, http_jwks
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.bus.port import EventBus, EventHandler, RetryPolicy
from edu_shared.db.engine import create_engine, session_factory
from edu_shared.db.messaging import MessagingTables
from edu_shared.db.migrations import upgrade_to_head
from edu_shared.db.relay import OutboxRelay
from edu_shared.objectstore.factory import build_object_store
from edu_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

DEFAULT_JWKS_URL = "http://127.0.0.1:8000/api/identity/.well-known/jwks.json"


def build_bus(settings: ServiceSettings) -> EventBus:
    """Kafka when configured, else the embedded log under the data directory."""
    if settings.kafka is not None:
        from edu_shared.bus.kafka import KafkaBus

        return KafkaBus(settings.kafka)
    return EmbeddedBus(EmbeddedBusSettings(path=settings.bus_path))


@dataclass(frozen=True)
class Subscription:
    group: str
    topics: list[str]
    handler: EventHandler
    retry: RetryPolicy | None = None


class ServiceRuntime:
    def __init__(
        self,
        *,
        name: str,
        settings: ServiceSettings,
        messaging: MessagingTables,
        migrations_dir: Path,
        bus: EventBus | None = None,
        jwks: JwksFetcher | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.messaging = messaging
        self.migrations_dir = migrations_dir
        self.database_url = settings.resolved_database_url(name)
        self.engine = create_engine(self.database_url)
        self.sessions = session_factory(self.engine)
        self._owns_bus = bus is None
        self.bus = bus if bus is not None else build_bus(settings)
        self.relay = OutboxRelay(engine=self.engine, messaging=messaging, bus=self.bus, name=name)
        self.object_store = build_object_store(settings.object_store, default_root=settings.objects_root)
        self.verifier = TokenVerifier(jwks or http_jwks(settings.jwks_url or DEFAULT_JWKS_URL))
        self.subscriptions: list[Subscription] = []
        self.startup_hooks: list[Callable[[], Awaitable[None]]] = []
        self.periodic: list[tuple[str, float, Callable[[], Awaitable[None]]]] = []
        self._consumers: list[Any] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.started = False

    def subscribe(
        self, *, group: str, topics: list[str], handler: EventHandler, retry: RetryPolicy | None = None
    ) -> None:
        self.subscriptions.append(
            Subscription(group=f"{self.name}.{group}", topics=topics, handler=handler, retry=retry)
        )

    def every(self, seconds: float, job: Callable[[], Awaitable[None]], *, name: str) -> None:
        """Run `job` every `seconds` while the service runs (first run one period after start)."""
        self.periodic.append((name, seconds, job))

    async def _repeat(self, name: str, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed run is logged and tried again next period
                log.exception("periodic job failed", extra={"service": self.name, "job": name})

    def on_commit(self) -> Callable[[], None]:
        return self.relay.notify

    async def migrate(self) -> None:
        await upgrade_to_head(migrations_dir=self.migrations_dir, url=self.database_url)

    async def start(self) -> None:
        """Migrate (embedded default), then start the bus, the outbox relay and every consumer."""
        if self.settings.migrate_on_start:
            await self.migrate()
        await self._connect_bus()
        self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.name}-relay"))
        for sub in self.subscriptions:
            consumer = self.bus.consumer(group=sub.group, topics=sub.topics, handler=sub.handler, retry=sub.retry)
            self._consumers.append(consumer)
            self._tasks.append(asyncio.create_task(consumer.run(), name=f"{sub.group}-consumer"))
        for hook in self.startup_hooks:
            await hook()
        for name, seconds, job in self.periodic:
            self._tasks.append(asyncio.create_task(self._repeat(name, seconds, job), name=f"{self.name}-{name}"))
        self.started = True
        log.info("service started", extra={"service": self.name, "database": self.engine.url.render_as_string()})

    async def _connect_bus(self) -> None:
        """Wait for the bus at startup (a broker still booting), then give up with the last error."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.bus_connect_timeout_s
        delay = 0.5
        while True:
            try:
                await self.bus.start()
                return
            except Exception as exc:  # unreachable broker: retry until the deadline
                if loop.time() + delay > deadline:
                    raise
                log.warning(
                    "event bus not reachable yet; retrying",
                    extra={"service": self.name, "error": repr(exc), "retry_in_s": delay},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def stop(self) -> None:
        await self.relay.stop()
        for consumer in self._consumers:
            try:
                await consumer.stop()
            except Exception:  # stopping must go on for the others
                log.exception("consumer did not stop cleanly", extra={"service": self.name})
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._consumers.clear()
        if self._owns_bus:
            await self.bus.close()
        await self.engine.dispose()
        self.started = False

    async def health(self) -> dict[str, Any]:
        """Database reachable, background tasks alive, outbox backlog."""
        outbox = self.messaging.outbox
        async with self.engine.connect() as connection:
            conn = await connection.execution_options(readonly=True)
            backlog = await conn.scalar(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
        dead = [t.get_name() for t in self._tasks if t.done()]
        return {
            "service": self.name,
            "status": "ok" if self.started and not dead else "degraded",
            "database": self.engine.dialect.name,
            "outbox_backlog": int(backlog or 0),
            "stopped_tasks": dead,
        }
