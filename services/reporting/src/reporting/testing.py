"""A reporting service for tests and benches, fed with generated province events through its own consumers.

Events reach the service the way the bus delivers them: runs of one topic handed to every subscription's
idempotent handler (`handle_batch`), so tests exercise the batched path, the inbox and the aggregates.
Nothing in the service imports this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from edu_shared.auth.principal import Role, ScopeType
from edu_shared.bus.embedded import EmbeddedBus, EmbeddedBusSettings
from edu_shared.bus.port import EventBus, Record
from edu_shared.events.envelope import CloudEvent, new_event
from edu_shared.testing.province import GeneratedEvent
from edu_shared.testing.servers import fresh_postgres_database
from edu_shared.testing.tokens import TokenIssuer, user_with
from reporting.bootstrap import ReportingService, build, create_app
from reporting.config import ReportingSettings


def envelopes(events: Iterable[GeneratedEvent]) -> list[tuple[str, CloudEvent]]:
    """(topic, CloudEvent) pairs, as the publishing services would wrap the payloads."""
    return [
        (e.topic, new_event(e.payload, source=f"/{e.topic.removeprefix('edu.')}", partition_key=e.key)) for e in events
    ]


@dataclass
class Reporting:
    service: ReportingService
    client: httpx.AsyncClient
    issuer: TokenIssuer
    # Every (topic, envelope) fed so far, in delivery order: a test can deliver some of them again.
    delivered: list[tuple[str, CloudEvent]] = field(default_factory=list)

    def bearer(self, role: Role, scope_type: ScopeType, scope_id: str, *, username: str = "tester") -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.issuer.issue(user_with(role, scope_type, scope_id, username=username))}"
        }

    def department(self) -> dict[str, str]:
        return self.bearer(Role.DEPARTMENT_ADMIN, ScopeType.PROVINCE, "province", username="admin.so")

    def unit_admin(self, org_unit_id: str) -> dict[str, str]:
        return self.bearer(Role.UNIT_ADMIN, ScopeType.ORG_UNIT, org_unit_id, username=f"admin.{org_unit_id}")

    def principal(self, school_id: str) -> dict[str, str]:
        return self.bearer(Role.PRINCIPAL, ScopeType.SCHOOL, school_id, username=f"ht.{school_id}")

    async def feed(
        self, events: Iterable[CloudEvent | tuple[str, CloudEvent]], *, run: int = 200, identity_first: bool = True
    ) -> None:
        """Deliver events to every subscription of their topic, in runs of at most `run` events.

        Each topic's events keep their order; identity's come first (or last, `identity_first=False`): the bus
        orders events within a topic's partition only, so a consumer may see either topic ahead of the other.
        """
        pairs = [item if isinstance(item, tuple) else (_topic(item), item) for item in events]
        # Stable sort: each topic keeps its order.
        pairs.sort(key=lambda pair: (pair[0] != "edu.identity") == identity_first)
        pending: list[CloudEvent] = []
        topic = ""
        self.delivered += pairs
        for t, event in pairs:
            if pending and (t != topic or len(pending) >= run):
                await self._deliver(topic, pending)
                pending = []
            topic = t
            pending.append(event)
        if pending:
            await self._deliver(topic, pending)

    async def _deliver(self, topic: str, events: list[CloudEvent]) -> None:
        for sub in self.service.runtime.subscriptions:
            if topic in sub.topics:
                handle_batch = getattr(sub.handler, "handle_batch", None)
                if handle_batch is not None:
                    await handle_batch(events, topic=topic)
                else:
                    for event in events:
                        await sub.handler(event)

    async def report(self, name: str, headers: dict[str, str] | None = None, **params: object) -> httpx.Response:
        """GET /reports/<name> (as the department admin unless other headers are given)."""
        return await self.client.get(
            f"/reports/{name}",
            headers=headers if headers is not None else self.department(),
            params={k: v for k, v in params.items() if v is not None},  # type: ignore[misc]
        )


def _topic(event: CloudEvent) -> str:
    return f"edu.{event.type.split('.')[2]}"


async def publish_to_bus(bus: EventBus, events: Iterable[tuple[str, CloudEvent]], *, chunk: int = 500) -> int:
    """Append events to the bus's log (what the identity and gradebook outbox relays do); returns how many."""
    batch: list[Record] = []
    count = 0
    for topic, event in events:
        batch.append(Record(topic=topic, event=event))
        if len(batch) >= chunk:
            await bus.publish(batch)
            count += len(batch)
            batch = []
    if batch:
        await bus.publish(batch)
        count += len(batch)
    return count


@asynccontextmanager
async def running_reporting(
    tmp_path: Path, database_url: str | None = None, *, bus: EventBus | None = None, start: bool = False
) -> AsyncIterator[Reporting]:
    """A migrated reporting service (SQLite in `tmp_path`, or the PostgreSQL URL) and an HTTP client.

    `start` runs its consumers on `bus` (the embedded log in `tmp_path` unless given); otherwise tests feed it.
    """
    bus = bus or EmbeddedBus(EmbeddedBusSettings(path=tmp_path / "bus.db"))
    settings = ReportingSettings(data_dir=tmp_path, database_url=database_url)
    service = build(settings, bus=bus)
    issuer = TokenIssuer()
    service.runtime.verifier = issuer.verifier()
    app = create_app(service, manage_lifespan=False)
    await bus.start()
    if start:
        await service.runtime.start()
    else:
        await service.runtime.migrate()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://reporting") as client:
            yield Reporting(service=service, client=client, issuer=issuer)
    finally:
        for job in list(service.jobs):
            await job
        if start:
            await service.runtime.stop()
        else:
            await service.runtime.engine.dispose()
        await bus.close()


@asynccontextmanager
async def reporting_on(
    backend: str, tmp_path: Path, postgres_url: str, *, bus: EventBus | None = None, start: bool = False
) -> AsyncIterator[Reporting]:
    """`running_reporting` on SQLite ("sqlite") or a fresh PostgreSQL database ("postgres"), dropped afterwards."""
    if backend == "sqlite":
        async with running_reporting(tmp_path, bus=bus, start=start) as rp:
            yield rp
    elif backend == "postgres":
        async with (
            fresh_postgres_database(postgres_url) as url,
            running_reporting(tmp_path, url, bus=bus, start=start) as rp,
        ):
            yield rp
    else:
        raise ValueError(f"unknown backend {backend!r}: sqlite or postgres")
